package handlers

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"phananh/models"
)

// historyTicket has one event of every kind that carries typed fields, public and internal.
func historyTicket() *models.Ticket {
	at := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)
	due := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	ev := func(a models.Action, role models.Role, actor string, vis models.Visibility, f func(*models.Event)) models.Event {
		e := models.Event{At: at, ActorRole: role, ActorID: actor, Action: a, Visibility: vis}
		f(&e)
		return e
	}
	return &models.Ticket{ID: "t1", ReporterID: "r1", History: []models.Event{
		ev(models.ActReject, models.RoleOfficer, "o1", models.Public, func(e *models.Event) { e.Reason, e.Note = "other", "Không rõ" }),
		ev(models.ActTransfer, models.RoleIOCOperator, "i1", models.Public, func(e *models.Event) {
			e.Reason, e.UnitID, e.UnitName = "sai địa bàn", "u2", "UBND phường Mỹ Xuyên"
		}),
		ev(models.ActApproveExt, models.RoleLeader, "l1", models.Public, func(e *models.Event) { e.DueAt = due }),
		ev(models.ActResolve, models.RoleOfficer, "o1", models.Public, func(e *models.Event) { e.Outcome, e.Note = models.OutcomeFixed, "Đã vá" }),
		ev(models.ActRate, models.RoleResident, "r1", models.Public, func(e *models.Event) { e.Rating, e.Note, e.NoteInternal = 4, "tốt", true }),
		ev(models.ActMarkDuplicate, models.RoleOfficer, "o1", models.Public, func(e *models.Event) { e.DuplicateOf = "LX-2026-000001" }),
		ev(models.ActAssign, models.RoleLeader, "l1", models.Internal, func(e *models.Event) { e.Assignee = "officer.x" }),
		ev(models.ActEscalate, models.RoleSystem, "", models.Internal, func(e *models.Event) { e.EscalationLevel = 2 }),
	}}
}

// TestHistoryViews checks which typed fields each view of the history carries: the reporter's
// (public events, no actor, no assignee) and the officials' (every event, with actors).
func TestHistoryViews(t *testing.T) {
	tk := historyTicket()
	const at, due = "2026-11-25T08:00:00+07:00", "2026-12-02T10:00:00+07:00"
	public := []eventBody{
		{At: at, Action: models.ActReject, ActorRole: models.RoleOfficer, Visibility: models.Public, Reason: "other", Note: "Không rõ"},
		{At: at, Action: models.ActTransfer, ActorRole: models.RoleIOCOperator, Visibility: models.Public, Reason: "sai địa bàn",
			UnitID: "u2", UnitName: "UBND phường Mỹ Xuyên"},
		{At: at, Action: models.ActApproveExt, ActorRole: models.RoleLeader, Visibility: models.Public, DueAt: due},
		{At: at, Action: models.ActResolve, ActorRole: models.RoleOfficer, Visibility: models.Public, Outcome: models.OutcomeFixed, Note: "Đã vá"},
		{At: at, Action: models.ActRate, ActorRole: models.RoleResident, Visibility: models.Public, Rating: 4, Note: "tốt", NoteInternal: true},
		{At: at, Action: models.ActMarkDuplicate, ActorRole: models.RoleOfficer, Visibility: models.Public, DuplicateOf: "LX-2026-000001"},
	}
	internal := []eventBody{
		{At: at, Action: models.ActReject, ActorRole: models.RoleOfficer, Actor: "o1", Visibility: models.Public, Reason: "other", Note: "Không rõ"},
		{At: at, Action: models.ActTransfer, ActorRole: models.RoleIOCOperator, Actor: "i1", Visibility: models.Public, Reason: "sai địa bàn",
			UnitID: "u2", UnitName: "UBND phường Mỹ Xuyên"},
		{At: at, Action: models.ActApproveExt, ActorRole: models.RoleLeader, Actor: "l1", Visibility: models.Public, DueAt: due},
		{At: at, Action: models.ActResolve, ActorRole: models.RoleOfficer, Actor: "o1", Visibility: models.Public, Outcome: models.OutcomeFixed, Note: "Đã vá"},
		{At: at, Action: models.ActRate, ActorRole: models.RoleResident, Actor: "Người dân #ABC", Visibility: models.Public, Rating: 4, Note: "tốt", NoteInternal: true},
		{At: at, Action: models.ActMarkDuplicate, ActorRole: models.RoleOfficer, Actor: "o1", Visibility: models.Public, DuplicateOf: "LX-2026-000001"},
		{At: at, Action: models.ActAssign, ActorRole: models.RoleLeader, Actor: "l1", Visibility: models.Internal, Assignee: "officer.x"},
		{At: at, Action: models.ActEscalate, ActorRole: models.RoleSystem, Visibility: models.Internal, EscalationLevel: 2},
	}
	for _, tc := range []struct {
		name string
		got  []eventBody
		want []eventBody
	}{
		{"reporter's view", ticketView(tk, false).History, public},
		{"officials' view", internalView(tk, false, "Người dân #ABC").History, internal},
	} {
		if diff := cmp.Diff(tc.want, tc.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}

// TestConsoleHistoryShowsEventFields renders the console's history list: the typed fields are
// shown in the official's language, reject reasons translated, free-text reasons as typed.
func TestConsoleHistoryShowsEventFields(t *testing.T) {
	con, err := newConsole(Config{})
	if err != nil {
		t.Fatal(err)
	}
	hist := internalView(historyTicket(), false, "").History
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"en", []string{"Reason: Other.", "Reason: sai địa bàn.", "→ UBND phường Mỹ Xuyên.", "Due: 02/12/2026 10:00.",
			"Outcome: Fixed.", "4/5.", "→ LX-2026-000001.", "→ officer.x.", "Escalation (1: unit leader, 2: IOC): 2."}},
		{"vi", []string{"Lý do: Lý do khác.", "Kết quả: Đã khắc phục."}},
	} {
		var b bytes.Buffer
		if err := con.pages[tc.lang].ExecuteTemplate(&b, "history", hist); err != nil {
			t.Fatalf("%s: %v", tc.lang, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: history lacks %q:\n%s", tc.lang, w, b.String())
			}
		}
	}
}

// TestReportInputListsEveryProblem: the report's own checks and the transport's come together,
// the first problem of each field only.
func TestReportInputListsEveryProblem(t *testing.T) {
	t.Parallel()
	f := func(v float64) *float64 { return &v }
	for _, tt := range []struct {
		name   string
		req    createTicketRequest
		header string
		want   []string
	}{
		{"good", createTicketRequest{Category: "A", Description: "d", Location: &locationBody{Lat: f(10), Lng: f(105)}}, "", nil},
		{"empty", createTicketRequest{}, "", []string{"category/required", "description/required", "location/required"}},
		{"no coordinates", createTicketRequest{Category: "A", Description: "d", Location: &locationBody{AccuracyM: f(3)}}, "",
			[]string{"location.lat/required", "location.lng/required"}},
		{"out of range and a key mismatch", createTicketRequest{Category: "A", Description: strings.Repeat("x", models.MaxDescriptionRunes+1),
			Location: &locationBody{Lat: f(91), Lng: f(-181)}, ClientRequestID: "a"}, "b",
			[]string{"description/too_long", "location.lat/out_of_range", "location.lng/out_of_range", "client_request_id/mismatch"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.req.input(tt.header)
			var got []string
			for _, p := range models.FieldProblems(err) {
				got = append(got, p.Field+"/"+p.Problem)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}
