package storetest

import (
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

var reportArchiveTests = []storeTest{
	{"PutOnceListRead", testReportArchive},
}

// testReportArchive: a report is stored once per id (a second put is not created and changes
// nothing), listed newest period first without its data, and read back whole.
func testReportArchive(t *testing.T, s app.Store) {
	at := time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC)
	oct := models.ArchivedReport{ID: "2026-10-unit", Period: "2026-10", By: models.ByUnit, GeneratedAt: at.AddDate(0, -1, 0), Data: []byte(`{"a":1}`)}
	nov := models.ArchivedReport{ID: "2026-11-area", Period: "2026-11", By: models.ByArea, GeneratedAt: at, Data: []byte(`{"b":2}`)}
	for _, r := range []models.ArchivedReport{oct, nov} {
		created, err := s.PutArchivedReport(ctx(t), &r)
		must(t, err, "PutArchivedReport")
		if !created {
			t.Fatalf("the first put of %s was not created", r.ID)
		}
	}
	again := oct
	again.Data = []byte(`{"changed":true}`)
	created, err := s.PutArchivedReport(ctx(t), &again)
	must(t, err, "PutArchivedReport again")
	if created {
		t.Errorf("a second put of %s was created", oct.ID)
	}
	got, err := s.ArchivedReport(ctx(t), oct.ID)
	must(t, err, "ArchivedReport")
	wantEqual(t, "the first report, unchanged", oct, *got)
	list, err := s.ArchivedReports(ctx(t), 10)
	must(t, err, "ArchivedReports")
	nov.Data, oct.Data = nil, nil
	wantEqual(t, "the archive, newest first, without data", []models.ArchivedReport{nov, oct}, list)
	if _, err := s.ArchivedReport(ctx(t), "2026-09-unit"); !models.IsCode(err, models.ENotFound) {
		t.Errorf("a missing report = %v, want not found", err)
	}
}
