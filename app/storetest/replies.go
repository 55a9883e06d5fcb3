package storetest

import (
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

var replyTests = []storeTest{
	{"PutListDelete", testReplies},
}

// testReplies: replies list per unit by title, read back whole, a second put replaces, and a
// delete removes one (a second delete, or a read of it, is ENotFound).
func testReplies(t *testing.T, s app.Store) {
	got, err := s.RepliesOf(ctx(t), "u1")
	must(t, err, "RepliesOf of an empty store")
	if len(got) != 0 {
		t.Fatalf("empty store lists %v", got)
	}
	at := time.Date(2026, 12, 4, 1, 2, 3, 456_000_000, time.UTC)
	a := models.CannedReply{ID: "r1", UnitID: "u1", Category: "TTDT", Title: "Đã tiếp nhận", Text: "Phản ánh {code} đã được tiếp nhận.", UpdatedBy: "o1", UpdatedAt: at}
	b := models.CannedReply{ID: "r2", UnitID: "u1", Title: "Cần thêm thông tin", Text: "Vui lòng gửi thêm ảnh.", UpdatedBy: "o1", UpdatedAt: at}
	c := models.CannedReply{ID: "r3", UnitID: "u2", Title: "Khác đơn vị", Text: "…", UpdatedBy: "o2", UpdatedAt: at}
	for _, r := range []models.CannedReply{a, b, c} {
		must(t, s.PutReply(ctx(t), &r), "PutReply")
	}
	got, err = s.RepliesOf(ctx(t), "u1")
	must(t, err, "RepliesOf")
	wantEqual(t, "u1's replies by title", []models.CannedReply{b, a}, got)

	a.Title, a.Text, a.Category, a.UpdatedAt = "Đã xử lý", "Đã xử lý xong trước {due}.", "", at.Add(time.Hour)
	must(t, s.PutReply(ctx(t), &a), "PutReply again")
	one, err := s.ReplyByID(ctx(t), "r1")
	must(t, err, "ReplyByID")
	wantEqual(t, "the replaced reply", a, *one)

	must(t, s.DeleteReply(ctx(t), "r2"), "DeleteReply")
	if err := s.DeleteReply(ctx(t), "r2"); !models.IsCode(err, models.ENotFound) {
		t.Errorf("second DeleteReply = %v, want not found", err)
	}
	if _, err := s.ReplyByID(ctx(t), "r2"); !models.IsCode(err, models.ENotFound) {
		t.Errorf("ReplyByID of a deleted reply = %v, want not found", err)
	}
	got, err = s.RepliesOf(ctx(t), "u1")
	must(t, err, "RepliesOf after the delete")
	wantEqual(t, "u1's replies after the delete", []models.CannedReply{a}, got)
}
