package mongodb

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"phananh/models"
	"phananh/store/mongodb/mongotest"
)

// TestTypeTicketHistoryRereadsAfterAChange gives the rewrite of one ticket a copy older than
// the stored one, as when a writer changes the ticket between the migration's read and its
// write: the compare-and-set misses, the rewrite reads the ticket again and types the stored
// history, and the version stays the writer's.
func TestTypeTicketHistoryRereadsAfterAChange(t *testing.T) {
	uri, db := mongotest.URI(t)
	ctx := t.Context()
	s, err := Open(ctx, uri, db)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	t0 := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)
	old := models.Event{At: t0, ActorRole: models.RoleOfficer, ActorID: "o1", Action: models.ActReject,
		From: models.StateReceived, To: models.StateRejected, Note: "other: Không rõ vị trí", Visibility: models.Public}
	tk := &models.Ticket{ID: "t1", Code: "LX-2026-000001", State: models.StateRejected, Version: 2, AppliedVersion: 2,
		ReporterID: "r1", IdempotencyKey: "ticket/t1", UnitID: "u1", CreatedAt: t0, UpdatedAt: t0,
		History: []models.Event{{At: t0, ActorRole: models.RoleResident, ActorID: "r1", Action: models.ActSubmit,
			To: models.StateReceived, Visibility: models.Public}, old}}
	if err := s.CreateTicket(ctx, tk); err != nil {
		t.Fatal(err)
	}
	stale := toTicketDoc(tk)
	stale.Version, stale.History = 1, stale.History[:1] // as read before the reject was written
	stale.History[0].Note = "other: x"                  // never written: must not be what is stored
	stale.History[0].Action = string(models.ActReject)
	if err := s.typeTicketHistory(ctx, stale); err != nil {
		t.Fatalf("typeTicketHistory: %v", err)
	}
	got, err := s.TicketByID(ctx, "t1")
	if err != nil {
		t.Fatal(err)
	}
	if e := got.History[1]; got.Version != 2 || len(got.History) != 2 || e.Reason != "other" || e.Note != "Không rõ vị trí" {
		t.Errorf("after the rewrite: version %d, history %+v", got.Version, got.History)
	}
}

// TestRefusesNewerSchema: a database a newer release migrated (a migration this program does not
// know) is refused at open and by the dry run, with both versions in the message; the schema
// version reports the newer one.
func TestRefusesNewerSchema(t *testing.T) {
	uri, db := mongotest.URI(t)
	ctx := t.Context()
	s, err := Open(ctx, uri, db)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	next := len(migrations) + 1
	if _, err := s.coll(collMigrations).InsertOne(ctx, bson.D{{Key: "_id", Value: next}, {Key: "name", Value: "from_the_future"}}); err != nil {
		t.Fatal(err)
	}
	if have, known, err := s.SchemaVersion(ctx); err != nil || have != next || known != len(migrations) {
		t.Errorf("SchemaVersion = %d, %d, %v; want %d, %d", have, known, err, next, len(migrations))
	}
	want := fmt.Sprintf("schema version %d is newer than this program knows (%d)", next, len(migrations))
	if s2, err := Open(ctx, uri, db); err == nil || !strings.Contains(err.Error(), want) {
		if s2 != nil {
			_ = s2.Close()
		}
		t.Errorf("Open on a newer database: %v; want an error saying %q", err, want)
	}
	if _, _, err := PendingMigrations(ctx, uri, db); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("PendingMigrations on a newer database: %v; want an error saying %q", err, want)
	}
}
