package app_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"phananh/app"
	"phananh/models"
)

// TestPublicEvent checks what of an event the public view keeps: the state change and what the
// action decided, texts without phone numbers; never the actor, the assignee or the escalation,
// nor a note the resident kept internal.
func TestPublicEvent(t *testing.T) {
	at := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)
	due := at.Add(50 * time.Hour)
	full := models.Event{At: at, ActorRole: models.RoleOfficer, ActorID: "o1", Action: models.ActTransfer,
		From: models.StateReceived, To: models.StateReceived, Note: "gọi 0912345678", Visibility: models.Public,
		Reason: "gọi 0912 345 678", Outcome: models.OutcomeFixed, DueAt: due, UnitID: "u2", UnitName: "UBND phường Mỹ Xuyên",
		Assignee: "can.bo.1", DuplicateOf: "LX-2026-000001", Rating: 4, EscalationLevel: 2}
	public := models.Event{At: at, ActorRole: models.RoleOfficer, Action: models.ActTransfer,
		From: models.StateReceived, To: models.StateReceived, Note: "gọi " + app.RedactedPhone, Visibility: models.Public,
		Reason: "gọi " + app.RedactedPhone, Outcome: models.OutcomeFixed, DueAt: due, UnitID: "u2", UnitName: "UBND phường Mỹ Xuyên",
		DuplicateOf: "LX-2026-000001", Rating: 4}
	with := func(e models.Event, f func(*models.Event)) models.Event {
		f(&e)
		return e
	}
	for _, tc := range []struct {
		name string
		in   models.Event
		want models.Event
		ok   bool
	}{
		{"every field", full, public, true},
		{"a resident's internal comment", with(full, func(e *models.Event) { e.NoteInternal = true }),
			with(public, func(e *models.Event) { e.Note = "" }), true},
		{"an internal event", with(full, func(e *models.Event) { e.Visibility = models.Internal }), models.Event{}, false},
	} {
		got, ok := app.PublicEvent(tc.in)
		if ok != tc.ok {
			t.Errorf("%s: shown %v, want %v", tc.name, ok, tc.ok)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

// TestEventText checks the Open311 text of public events: what the action decided, then the
// actor's note; the state's label when there is neither.
func TestEventText(t *testing.T) {
	due := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		e    models.Event
		want string
	}{
		{models.Event{Action: models.ActReject, To: models.StateRejected, Reason: "other", Note: "Không rõ vị trí"}, "Không tiếp nhận: other. Không rõ vị trí"},
		{models.Event{Action: models.ActResolve, To: models.StateResolved, Outcome: models.OutcomeFixed}, "Kết quả: fixed"},
		{models.Event{Action: models.ActTransfer, To: models.StateReceived, UnitName: "UBND phường Mỹ Xuyên", Reason: "sai địa bàn"},
			"Chuyển đến UBND phường Mỹ Xuyên (sai địa bàn)"},
		{models.Event{Action: models.ActMarkDuplicate, To: models.StateDuplicate}, "Trùng với phản ánh khác"}, // the original hidden
		{models.Event{Action: models.ActApproveExt, To: models.StateAssigned, DueAt: due}, "Gia hạn xử lý đến 10:00 02/12/2026"},
		{models.Event{Action: models.ActReopen, To: models.StateInProgress, Reason: "chưa xong", Note: "vẫn còn"}, "Mở lại: chưa xong. vẫn còn"},
		{models.Event{Action: models.ActRate, To: models.StateClosed, Rating: 4}, "Đánh giá 4/5"},
		{models.Event{Action: models.ActNote, To: models.StateAssigned, Note: "gọi 0912345678"}, "gọi " + app.RedactedPhone},
		{models.Event{Action: models.ActStart, To: models.StateInProgress}, "Đang xử lý"},
	} {
		if got := app.EventText(tc.e); got != tc.want {
			t.Errorf("EventText(%s) = %q, want %q", tc.e.Action, got, tc.want)
		}
	}
}
