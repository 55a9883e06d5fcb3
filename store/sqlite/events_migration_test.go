package sqlite

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"phananh/models"
)

// v13Doc is a ticket document as the release at schema 13 wrote it, with history, the units
// it was transferred from and extra keys (such as a pending extension) spliced in as JSON.
func v13Doc(id, state, unitID, unitName, transferredFrom, extra string, history ...string) string {
	doc := `{"id":"` + id + `","code":"LX-2026-` + id + `","state":"` + state + `","version":` + strconv.Itoa(len(history)) +
		`,"applied_version":` + strconv.Itoa(len(history)) + `,"category":"GT","group":"do_thi","description":"ổ gà sâu",` +
		`"location":{"lat":10.38,"lng":105.43},"allow_contact":false,"private":false,"reporter_id":"r1",` +
		`"idempotency_key":"ticket/` + id + `","boundary_set":"longxuyen-2023","area_code":"30280","area_name":"Mỹ Bình",` +
		`"unit_id":"` + unitID + `","unit_name":"` + unitName + `","unit_kind":"ubnd","routed_by_nearest":false,` +
		`"routing_ambiguous":false,"created_at":"2026-11-25T01:00:00Z","updated_at":"2026-11-25T01:00:00Z",` +
		`"triage_due_at":"2026-11-25T09:00:00Z","resolve_due_at":"2026-11-30T01:00:00Z",` +
		`"history":[` + strings.Join(history, ",") + `],"due_at":"2026-11-30T01:00:00Z",` +
		`"paused_at":"0001-01-01T00:00:00Z","extended_from":"0001-01-01T00:00:00Z",` + extra +
		`"triaged_at":"0001-01-01T00:00:00Z","resolved_at":"0001-01-01T00:00:00Z","closed_at":"0001-01-01T00:00:00Z",` +
		`"reminded_at":"0001-01-01T00:00:00Z","next_check_at":"0001-01-01T00:00:00Z"`
	if transferredFrom != "" {
		doc += `,"transferred_from":` + transferredFrom
	}
	return doc + `}`
}

// oldEvent is one history event as the release at schema 13 wrote it.
func oldEvent(at, role, actor, action, from, to, note, visibility string) string {
	s := `{"at":"` + at + `","actor_role":"` + role + `"`
	if actor != "" {
		s += `,"actor_id":"` + actor + `"`
	}
	s += `,"action":"` + action + `"`
	if from != "" {
		s += `,"from":"` + from + `"`
	}
	s += `,"to":"` + to + `"`
	if note != "" {
		s += `,"note":"` + note + `"`
	}
	return s + `,"visibility":"` + visibility + `"}`
}

// v13Tickets are ticket documents with the history the release at schema 13 wrote, by id.
func v13Tickets() map[string]string {
	const at, later = "2026-11-25T01:00:00Z", "2026-12-01T09:00:00Z"
	pub, internal := "public", "internal"
	return map[string]string{
		"000001": v13Doc("000001", "closed", "u1", "UBND phường Mỹ Bình", "", "",
			oldEvent(at, "resident", "r1", "submit", "", "received", "", pub),
			oldEvent(at, "officer", "o1", "accept", "received", "assigned", "", pub),
			oldEvent(at, "officer", "o1", "request_extension", "assigned", "assigned", "→ 2026-12-02T10:00:00+07:00: chờ vật tư", internal),
			oldEvent(at, "leader", "l1", "approve_extension", "assigned", "assigned", "→ 2026-12-02T10:00:00+07:00. đồng ý", pub),
			oldEvent(at, "leader", "l1", "assign", "assigned", "assigned", "→ user.o1. ưu tiên", internal),
			oldEvent(at, "system", "", "follow", "assigned", "assigned", "duplicate merged", internal),
			oldEvent(at, "officer", "o1", "resolve", "assigned", "resolved", "fixed: Đã vá, liên hệ 0912345678", pub),
			oldEvent(at, "resident", "r1", "rate", "resolved", "closed", "4/5 tốt", pub)),
		"000002": v13Doc("000002", "closed", "u3", "UBND phường Mỹ Xuyên (cũ)", `["u1","u2"]`, "",
			oldEvent(at, "resident", "r3", "submit", "", "received", "", pub),
			oldEvent(at, "ioc_operator", "i1", "transfer", "received", "received", "→ UBND phường Bình Khánh (sai địa bàn). chuyển giúp", pub),
			oldEvent(at, "ioc_operator", "i1", "transfer", "received", "received", "→ UBND phường Mỹ Xuyên (cũ) (về đúng nơi).", pub),
			oldEvent(at, "officer", "o2", "accept", "received", "assigned", "", pub),
			oldEvent(later, "system", "", "remind", "assigned", "assigned", "deadline approaching: 2026-11-30T08:00:00+07:00", internal),
			oldEvent(later, "system", "", "escalate", "assigned", "assigned", "deadline passed: escalated to the unit leader", internal),
			oldEvent(later, "system", "", "escalate", "assigned", "assigned", "still overdue: escalated to the IOC", internal),
			oldEvent(later, "officer", "o2", "resolve", "assigned", "resolved", "partially_fixed: Một phần", pub),
			oldEvent(later, "resident", "r3", "reopen", "resolved", "in_progress", "chưa xong: vẫn còn", pub),
			oldEvent(later, "officer", "o2", "resolve", "in_progress", "resolved", "not_fixable: Không thể", pub),
			oldEvent(later, "system", "", "auto_close", "resolved", "closed", "closed without a rating after the reopen window", pub)),
		"000003": v13Doc("000003", "rejected", "u1", "UBND phường Mỹ Bình", "", "",
			oldEvent(at, "resident", "r1", "submit", "", "received", "", pub),
			oldEvent(at, "officer", "o1", "note", "received", "received", "→ LX-2026-000001. xem lại", internal),
			oldEvent(at, "officer", "o1", "reject", "received", "rejected", "Không rõ vị trí", pub)),
		"000004": v13Doc("000004", "duplicate", "u1", "UBND phường Mỹ Bình", "", "",
			oldEvent(at, "resident", "r2", "submit", "", "received", "", pub),
			oldEvent(at, "ioc_operator", "i1", "mark_duplicate", "received", "duplicate", "→ LX-2026-000001.", pub)),
		"000005": v13Doc("000005", "assigned", "u1", "UBND phường Mỹ Bình", "",
			`"extension":{"due_at":"2026-12-02T03:00:00Z","reason":"chờ vật tư","requested_by":"o1","requested_at":"2026-11-25T01:00:00Z"},`,
			oldEvent(at, "resident", "r1", "submit", "", "received", "", pub),
			oldEvent(at, "officer", "o1", "reject", "received", "rejected", "other: Không rõ vị trí", pub),
			oldEvent(at, "officer", "o1", "request_extension", "assigned", "assigned", "→ 2026-12-02T10:00:00+07:00: chờ vật tư thêm một tuần", internal)),
	}
}

// typedHistories are the histories of v13Tickets as this release reads them after 0014.
func typedHistories() map[string][]models.Event {
	t0 := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)
	t1 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	ev := func(at time.Time, role models.Role, actor string, a models.Action, from, to models.State, note string, vis models.Visibility, typed ...func(*models.Event)) models.Event {
		e := models.Event{At: at, ActorRole: role, ActorID: actor, Action: a, From: from, To: to, Note: note, Visibility: vis}
		for _, f := range typed {
			f(&e)
		}
		return e
	}
	const (
		res, off, lead, ioc, sys = models.RoleResident, models.RoleOfficer, models.RoleLeader, models.RoleIOCOperator, models.RoleSystem
		rcv, asg, inp, rsd, cls  = models.StateReceived, models.StateAssigned, models.StateInProgress, models.StateResolved, models.StateClosed
		P, I                     = models.Public, models.Internal
	)
	due := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	return map[string][]models.Event{
		"000001": {
			ev(t0, res, "r1", models.ActSubmit, "", rcv, "", P),
			ev(t0, off, "o1", models.ActAccept, rcv, asg, "", P),
			ev(t0, off, "o1", models.ActRequestExt, asg, asg, "", I, func(e *models.Event) { e.DueAt, e.Reason = due, "chờ vật tư" }),
			ev(t0, lead, "l1", models.ActApproveExt, asg, asg, "đồng ý", P, func(e *models.Event) { e.DueAt = due }),
			ev(t0, lead, "l1", models.ActAssign, asg, asg, "ưu tiên", I, func(e *models.Event) { e.Assignee = "user.o1" }),
			ev(t0, sys, "", models.ActFollow, asg, asg, "", I, func(e *models.Event) { e.Reason = models.FollowDuplicateMerged }),
			ev(t0, off, "o1", models.ActResolve, asg, rsd, "Đã vá, liên hệ 0912345678", P, func(e *models.Event) { e.Outcome = models.OutcomeFixed }),
			ev(t0, res, "r1", models.ActRate, rsd, cls, "tốt", P, func(e *models.Event) { e.Rating = 4 }),
		},
		"000002": {
			ev(t0, res, "r3", models.ActSubmit, "", rcv, "", P),
			ev(t0, ioc, "i1", models.ActTransfer, rcv, rcv, "chuyển giúp", P, func(e *models.Event) {
				e.UnitID, e.UnitName, e.Reason = "u2", "UBND phường Bình Khánh", "sai địa bàn"
			}),
			ev(t0, ioc, "i1", models.ActTransfer, rcv, rcv, "", P, func(e *models.Event) {
				e.UnitID, e.UnitName, e.Reason = "u3", "UBND phường Mỹ Xuyên (cũ)", "về đúng nơi"
			}),
			ev(t0, off, "o2", models.ActAccept, rcv, asg, "", P),
			ev(t1, sys, "", models.ActRemind, asg, asg, "", I, func(e *models.Event) { e.DueAt = time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC) }),
			ev(t1, sys, "", models.ActEscalate, asg, asg, "", I, func(e *models.Event) { e.EscalationLevel = 1 }),
			ev(t1, sys, "", models.ActEscalate, asg, asg, "", I, func(e *models.Event) { e.EscalationLevel = 2 }),
			ev(t1, off, "o2", models.ActResolve, asg, rsd, "Một phần", P, func(e *models.Event) { e.Outcome = models.OutcomePartiallyFixed }),
			ev(t1, res, "r3", models.ActReopen, rsd, inp, "vẫn còn", P, func(e *models.Event) { e.Reason = "chưa xong" }),
			ev(t1, off, "o2", models.ActResolve, inp, rsd, "Không thể", P, func(e *models.Event) { e.Outcome = models.OutcomeNotFixable }),
			ev(t1, sys, "", models.ActAutoClose, rsd, cls, "", P),
		},
		"000003": { // no old form: the notes stay
			ev(t0, res, "r1", models.ActSubmit, "", rcv, "", P),
			ev(t0, off, "o1", models.ActNote, rcv, rcv, "→ LX-2026-000001. xem lại", I),
			ev(t0, off, "o1", models.ActReject, rcv, models.StateRejected, "Không rõ vị trí", P),
		},
		"000004": {
			ev(t0, res, "r2", models.ActSubmit, "", rcv, "", P),
			ev(t0, ioc, "i1", models.ActMarkDuplicate, rcv, models.StateDuplicate, "", P, func(e *models.Event) { e.DuplicateOf = "LX-2026-000001" }),
		},
		"000005": {
			ev(t0, res, "r1", models.ActSubmit, "", rcv, "", P),
			ev(t0, off, "o1", models.ActReject, rcv, models.StateRejected, "Không rõ vị trí", P, func(e *models.Event) { e.Reason = "other" }),
			ev(t0, off, "o1", models.ActRequestExt, asg, asg, "thêm một tuần", I, func(e *models.Event) { e.DueAt, e.Reason = due, "chờ vật tư" }),
		},
	}

}

// TestMigrate0014TypesHistoryEvents builds a database at schema 13 whose tickets have the
// history the earlier release wrote (details encoded in the notes, inserted as raw documents),
// opens it with this store and checks that every event comes back typed with only the human
// note left in Note, that notes without an old form are kept, and that the rewritten documents
// use the typed keys and stay as they are on the next open.
func TestMigrate0014TypesHistoryEvents(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "v13.db")
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 14 || ms[13].name != "0014_history_events.sql" {
		t.Fatalf("migrations: want 0014_history_events.sql fourteenth, have %d", len(ms))
	}
	db := sql.OpenDB(connector{path})
	if err := applyMigrations(ctx, db, ms[:13], 13); err != nil {
		t.Fatalf("build a version 13 database: %v", err)
	}
	docs := v13Tickets()
	for id, doc := range docs {
		if _, err := db.ExecContext(ctx, `INSERT INTO tickets
			(id, idempotency_key, reporter_id, unit_id, state, version, created_at, updated_at, doc)
			VALUES (?, ?, 'r1', 'u1', 'received', 1, 0, 0, ?)`, id, "ticket/"+id, doc); err != nil {
			t.Fatalf("insert %s: %v", id, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	want := typedHistories()
	for round := range 2 { // the second open finds nothing left to do
		s := openTemp(t, path)
		if got := migrationRows(t, s); len(got) != len(ms) {
			t.Fatalf("schema_migrations after open: %v, want %d versions", got, len(ms))
		}
		for id, w := range want {
			got, err := s.TicketByID(ctx, id)
			if err != nil {
				t.Fatalf("TicketByID(%s): %v", id, err)
			}
			if diff := cmp.Diff(w, got.History); diff != "" {
				t.Errorf("open %d: history of %s (-want +got):\n%s", round+1, id, diff)
			}
		}
		var outcome, note string
		if err := s.r.QueryRowContext(ctx, `SELECT json_extract(doc, '$.history[6].outcome'), json_extract(doc, '$.history[6].note')
			FROM tickets WHERE id = '000001'`).Scan(&outcome, &note); err != nil || outcome != "fixed" || note != "Đã vá, liên hệ 0912345678" {
			t.Errorf("stored resolve event: outcome %q, note %q, %v", outcome, note, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMigrate0014InBatches has more tickets than one batch of the rewrite reads: every one of
// them is typed, the last batch too.
func TestMigrate0014InBatches(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "v13.db")
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(connector{path})
	if err := applyMigrations(ctx, db, ms[:13], 13); err != nil {
		t.Fatalf("build a version 13 database: %v", err)
	}
	const n = 2*migrateBatch + 7
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		id := fmt.Sprintf("%06d", i)
		doc := v13Doc(id, "rejected", "u1", "UBND", "", "",
			oldEvent("2026-11-25T01:00:00Z", "officer", "o1", "reject", "received", "rejected", "duplicate: trùng phiếu "+id, "public"))
		if _, err := tx.ExecContext(ctx, `INSERT INTO tickets
			(id, idempotency_key, reporter_id, unit_id, state, version, created_at, updated_at, doc)
			VALUES (?, ?, 'r1', 'u1', 'rejected', 1, 0, 0, ?)`, id, "ticket/"+id, doc); err != nil {
			t.Fatalf("insert %s: %v", id, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s := openTemp(t, path)
	defer s.Close()
	var typed int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets WHERE json_extract(doc, '$.history[0].reason') = 'duplicate'
		AND json_extract(doc, '$.history[0].note') = 'trùng phiếu ' || id`).Scan(&typed); err != nil || typed != n {
		t.Errorf("%d of %d tickets typed (%v)", typed, n, err)
	}
}
