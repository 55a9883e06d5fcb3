package mongodb_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/app"
	"phananh/models"
	"phananh/store/mongodb"
	"phananh/store/mongodb/mongotest"
)

// oldEventDoc is one history event as the release before typed events stored it: every key
// present, the details of the action in the note.
func oldEventDoc(at time.Time, role, actor, action, from, to, note, visibility string) bson.D {
	return bson.D{{Key: "at", Value: at}, {Key: "actor_role", Value: role}, {Key: "actor_id", Value: actor},
		{Key: "action", Value: action}, {Key: "from", Value: from}, {Key: "to", Value: to}, {Key: "note", Value: note},
		{Key: "visibility", Value: visibility}}
}

// oldTicketDoc is a ticket document of that release with the given history and extra keys.
func oldTicketDoc(id string, version int, unitID, unitName string, extra bson.D, history ...bson.D) bson.D {
	t0 := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)
	h := make(bson.A, len(history))
	for i, e := range history {
		h[i] = e
	}
	d := bson.D{
		{Key: "_id", Value: id}, {Key: "code", Value: "LX-2026-" + id}, {Key: "state", Value: "closed"},
		{Key: "version", Value: version}, {Key: "applied_version", Value: version}, {Key: "category", Value: "GT"},
		{Key: "group", Value: "do_thi"}, {Key: "description", Value: "ổ gà sâu"}, {Key: "address", Value: ""},
		{Key: "location", Value: bson.D{{Key: "lat", Value: 10.38}, {Key: "lng", Value: 105.43}, {Key: "accuracy_m", Value: 0.0}}},
		{Key: "media", Value: nil}, {Key: "allow_contact", Value: false}, {Key: "private", Value: false},
		{Key: "reporter_id", Value: "r1"}, {Key: "idempotency_key", Value: "ticket/" + id}, {Key: "boundary_set", Value: "longxuyen-2023"},
		{Key: "area_code", Value: "30280"}, {Key: "area_name", Value: "Mỹ Bình"}, {Key: "unit_id", Value: unitID},
		{Key: "unit_name", Value: unitName}, {Key: "unit_kind", Value: "ubnd"}, {Key: "routed_by_nearest", Value: false},
		{Key: "routing_ambiguous", Value: false}, {Key: "created_at", Value: t0}, {Key: "updated_at", Value: t0},
		{Key: "triage_due_at", Value: t0}, {Key: "resolve_due_at", Value: t0}, {Key: "history", Value: h},
		{Key: "due_at", Value: t0}, {Key: "paused_remaining_ns", Value: int64(0)}, {Key: "paused_total_ns", Value: int64(0)},
		{Key: "assigned_to", Value: ""}, {Key: "followers", Value: nil}, {Key: "duplicate_of", Value: ""},
		{Key: "reject_reason", Value: ""}, {Key: "outcome", Value: ""}, {Key: "result_note", Value: ""},
		{Key: "rating", Value: 0}, {Key: "rating_comment", Value: ""}, {Key: "reopen_count", Value: 0},
		{Key: "on_time_class", Value: ""}, {Key: "escalation_level", Value: 0}, {Key: "effects_pending", Value: false},
	}
	return append(d, extra...)
}

// oldTickets are ticket documents with the history the release before typed events wrote.
func oldTickets() []any {
	t0 := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)
	return []any{
		oldTicketDoc("000001", 6, "u1", "UBND phường Mỹ Bình", nil,
			oldEventDoc(t0, "resident", "r1", "submit", "", "received", "", "public"),
			oldEventDoc(t0, "officer", "o1", "reject", "received", "rejected", "other: Không rõ vị trí", "public"),
			oldEventDoc(t0, "leader", "l1", "approve_extension", "assigned", "assigned", "→ 2026-12-02T10:00:00+07:00.", "public"),
			oldEventDoc(t0, "leader", "l1", "assign", "assigned", "assigned", "→ user.o1. ưu tiên", "internal"),
			oldEventDoc(t0, "officer", "o1", "resolve", "assigned", "resolved", "fixed: Đã vá", "public"),
			oldEventDoc(t0, "resident", "r1", "rate", "resolved", "closed", "4/5 tốt", "public")),
		oldTicketDoc("000002", 5, "u3", "UBND phường Mỹ Xuyên", bson.D{{Key: "transferred_from", Value: bson.A{"u1", "u2"}}},
			oldEventDoc(t0, "ioc_operator", "i1", "transfer", "received", "received", "→ UBND phường Bình Khánh (sai địa bàn). chuyển giúp", "public"),
			oldEventDoc(t0, "ioc_operator", "i1", "transfer", "received", "received", "→ UBND phường Mỹ Xuyên (về đúng nơi).", "public"),
			oldEventDoc(t0, "system", "", "escalate", "assigned", "assigned", "still overdue: escalated to the IOC", "internal"),
			oldEventDoc(t0, "ioc_operator", "i1", "mark_duplicate", "received", "duplicate", "→ LX-2026-000001. cùng ổ gà", "public"),
			oldEventDoc(t0, "officer", "o1", "note", "duplicate", "duplicate", "fixed: không phải mã", "internal")),
	}
}

// typedHistories are the histories of oldTickets as this release reads them after migration 1.
func typedHistories() map[string][]models.Event {
	t0 := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)
	ev := func(role models.Role, actor string, a models.Action, from, to models.State, note string, vis models.Visibility, typed ...func(*models.Event)) models.Event {
		e := models.Event{At: t0, ActorRole: role, ActorID: actor, Action: a, From: from, To: to, Note: note, Visibility: vis}
		for _, f := range typed {
			f(&e)
		}
		return e
	}
	const (
		rcv, asg, rsd, dup = models.StateReceived, models.StateAssigned, models.StateResolved, models.StateDuplicate
		P, I               = models.Public, models.Internal
	)
	return map[string][]models.Event{
		"000001": {
			ev(models.RoleResident, "r1", models.ActSubmit, "", rcv, "", P),
			ev(models.RoleOfficer, "o1", models.ActReject, rcv, models.StateRejected, "Không rõ vị trí", P, func(e *models.Event) { e.Reason = "other" }),
			ev(models.RoleLeader, "l1", models.ActApproveExt, asg, asg, "", P, func(e *models.Event) { e.DueAt = time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC) }),
			ev(models.RoleLeader, "l1", models.ActAssign, asg, asg, "ưu tiên", I, func(e *models.Event) { e.Assignee = "user.o1" }),
			ev(models.RoleOfficer, "o1", models.ActResolve, asg, rsd, "Đã vá", P, func(e *models.Event) { e.Outcome = models.OutcomeFixed }),
			ev(models.RoleResident, "r1", models.ActRate, rsd, models.StateClosed, "tốt", P, func(e *models.Event) { e.Rating = 4 }),
		},
		"000002": {
			ev(models.RoleIOCOperator, "i1", models.ActTransfer, rcv, rcv, "chuyển giúp", P, func(e *models.Event) {
				e.UnitID, e.UnitName, e.Reason = "u2", "UBND phường Bình Khánh", "sai địa bàn"
			}),
			ev(models.RoleIOCOperator, "i1", models.ActTransfer, rcv, rcv, "", P, func(e *models.Event) {
				e.UnitID, e.UnitName, e.Reason = "u3", "UBND phường Mỹ Xuyên", "về đúng nơi"
			}),
			ev(models.RoleSystem, "", models.ActEscalate, asg, asg, "", I, func(e *models.Event) { e.EscalationLevel = 2 }),
			ev(models.RoleIOCOperator, "i1", models.ActMarkDuplicate, rcv, dup, "cùng ổ gà", P, func(e *models.Event) { e.DuplicateOf = "LX-2026-000001" }),
			ev(models.RoleOfficer, "o1", models.ActNote, dup, dup, "fixed: không phải mã", I), // a note is only ever a note
		},
	}
}

// TestMigrateTypedHistoryEvents opens a database whose tickets have the history the release
// before typed events wrote (inserted with the driver), and checks that migration 1 types every
// event with only the human note left, keeps notes without an old form, leaves the versions
// alone, records itself, and finds nothing to do on the next open.
func TestMigrateTypedHistoryEvents(t *testing.T) {
	uri, db := mongotest.URI(t)
	ctx := t.Context()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer func() { _ = client.Disconnect(ctx) }()
	docs := oldTickets()
	if _, err := client.Database(db).Collection("tickets").InsertMany(ctx, docs); err != nil {
		t.Fatalf("insert old tickets: %v", err)
	}

	want := typedHistories()
	versions := map[string]int{"000001": 6, "000002": 5}
	for round := range 2 { // the second open finds the migration recorded and changes nothing
		s, err := mongodb.Open(ctx, uri, db)
		if err != nil {
			t.Fatalf("Open %d: %v", round+1, err)
		}
		for id, w := range want {
			got, err := s.TicketByID(ctx, id)
			if err != nil {
				t.Fatalf("TicketByID(%s): %v", id, err)
			}
			if diff := cmp.Diff(w, got.History); diff != "" {
				t.Errorf("open %d: history of %s (-want +got):\n%s", round+1, id, diff)
			}
			if got.Version != versions[id] {
				t.Errorf("open %d: version of %s = %d, want %d (unchanged)", round+1, id, got.Version, versions[id])
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	var rec struct {
		Name string `bson:"name"`
	}
	if err := client.Database(db).Collection("migrations").FindOne(ctx, bson.D{{Key: "_id", Value: 1}}).Decode(&rec); err != nil || rec.Name != "typed_history_events" {
		t.Errorf("migration record = %+v, %v", rec, err)
	}
	var raw struct {
		History []bson.M `bson:"history"`
	}
	if err := client.Database(db).Collection("tickets").FindOne(ctx, bson.D{{Key: "_id", Value: "000001"}}).Decode(&raw); err != nil ||
		len(raw.History) != 6 || raw.History[4]["outcome"] != "fixed" || raw.History[4]["note"] != "Đã vá" {
		t.Errorf("stored history of 000001 = %v, %v", raw.History, err)
	}
}

// TestMigrateAuditChain: audit records of an earlier release (no seq or hashes) are chained by
// migration 2 in (at, _id) order, before the unique index on seq is created; new records
// continue the chain, and a second open changes nothing.
func TestMigrateAuditChain(t *testing.T) {
	uri, db := mongotest.URI(t)
	ctx := t.Context()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer func() { _ = client.Disconnect(ctx) }()
	at := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)
	old := func(id string, d time.Duration) bson.D {
		return bson.D{{Key: "_id", Value: id}, {Key: "at", Value: at.Add(d)}, {Key: "actor_id", Value: "adm"},
			{Key: "actor_role", Value: "admin"}, {Key: "action", Value: "user_create"}, {Key: "ticket_id", Value: ""},
			{Key: "subject_id", Value: "u-" + id}, {Key: "detail", Value: "officer"}}
	}
	if _, err := client.Database(db).Collection("audit_log").InsertMany(ctx, []any{old("b", time.Minute), old("c", 0), old("a", time.Minute)}); err != nil {
		t.Fatalf("insert old audit records: %v", err)
	}
	for round := range 2 {
		s, err := mongodb.Open(ctx, uri, db)
		if err != nil {
			t.Fatalf("Open %d: %v", round+1, err)
		}
		if round == 0 {
			if err := s.AppendAudit(ctx, &models.AuditRecord{ID: "d", At: at, ActorID: "adm", Role: models.RoleAdmin, Action: "login"}); err != nil {
				t.Fatal(err)
			}
		}
		chain, err := s.AuditChain(ctx, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var ids string
		for _, r := range chain {
			ids += r.ID
		}
		if ids != "cabd" {
			t.Errorf("open %d: chain order %q, want cabd", round+1, ids)
		}
		if n, err := app.VerifyAuditChain(ctx, s); err != nil || n != 4 {
			t.Errorf("open %d: VerifyAuditChain = %d, %v; want 4, nil", round+1, n, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
