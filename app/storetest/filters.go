package storetest

import (
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

var filterTests = []storeTest{
	{"PutListDelete", testSavedFilters},
}

// testSavedFilters: filters list per user oldest first; a user deletes only their own.
func testSavedFilters(t *testing.T, s app.Store) {
	at := time.Date(2026, 12, 4, 1, 2, 3, 456_000_000, time.UTC)
	a := models.SavedFilter{ID: "f1", UserID: "u1", Name: "Chưa giao", Query: "assigned=none", CreatedAt: at}
	b := models.SavedFilter{ID: "f2", UserID: "u1", Name: "Quá hạn", Query: "overdue=true", CreatedAt: at.Add(time.Minute)}
	c := models.SavedFilter{ID: "f3", UserID: "u2", Name: "Của tôi", Query: "assigned=me", CreatedAt: at}
	for _, f := range []models.SavedFilter{b, a, c} {
		must(t, s.PutSavedFilter(ctx(t), &f), "PutSavedFilter")
	}
	got, err := s.SavedFiltersOf(ctx(t), "u1")
	must(t, err, "SavedFiltersOf")
	wantEqual(t, "u1's filters, oldest first", []models.SavedFilter{a, b}, got)
	if err := s.DeleteSavedFilter(ctx(t), "u1", "f3"); !models.IsCode(err, models.ENotFound) {
		t.Errorf("deleting another user's filter = %v, want not found", err)
	}
	must(t, s.DeleteSavedFilter(ctx(t), "u1", "f1"), "DeleteSavedFilter")
	got, err = s.SavedFiltersOf(ctx(t), "u1")
	must(t, err, "SavedFiltersOf after the delete")
	wantEqual(t, "u1's filters after the delete", []models.SavedFilter{b}, got)
	got, err = s.SavedFiltersOf(ctx(t), "u2")
	must(t, err, "SavedFiltersOf u2")
	wantEqual(t, "u2's filters", []models.SavedFilter{c}, got)
}
