package mongodb

import (
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"phananh/models"
	"phananh/store/mongodb/mongotest"
)

// TestUpdateTicketPushesEvents: an update sets the changed fields, removes optional ones the
// ticket no longer has and appends only the new events; an update that also rewrites an
// earlier event replaces the document whole; a write past the size bound is refused and changes
// nothing; a stale version is a conflict.
func TestUpdateTicketPushesEvents(t *testing.T) {
	uri, name := mongotest.URI(t)
	s, err := Open(t.Context(), uri, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := t.Context()
	at := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	ev := func(i int, a models.Action) models.Event {
		return models.Event{At: at.Add(time.Duration(i) * time.Minute), ActorRole: models.RoleOfficer, Action: a, Visibility: models.Public}
	}
	tk := &models.Ticket{ID: "t1", Code: "LX-1", IdempotencyKey: "k1", State: models.StateInProgress, Version: 1, CreatedAt: at,
		Description: "ổ gà", PausedAt: at, History: []models.Event{ev(0, "create")}}
	if err := s.CreateTicket(ctx, tk); err != nil {
		t.Fatal(err)
	}
	tk.Version, tk.PausedAt, tk.History = 2, time.Time{}, append(tk.History, ev(1, models.ActProvideInfo))
	if err := s.UpdateTicket(ctx, tk, 1); err != nil {
		t.Fatal(err)
	}
	var raw bson.M
	if err := s.coll(collTickets).FindOne(ctx, bson.D{{Key: "_id", Value: "t1"}}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	if _, paused := raw["paused_at"]; paused {
		t.Error("paused_at kept after the ticket was resumed")
	}
	got, err := s.TicketByID(ctx, "t1")
	if err != nil || got.Version != 2 || len(got.History) != 2 || got.History[1].Action != models.ActProvideInfo || !got.PausedAt.IsZero() {
		t.Fatalf("after the update: %+v, %v", got, err)
	}

	// The app rewrites an earlier event (erasure scrubs it) as it appends one: the stored
	// history no longer matches what the update read, so the whole document is replaced.
	tk.Version, tk.History = 3, append(slices.Clone(tk.History), ev(2, models.ActErase))
	tk.History[0].ActorID = ""
	tk.History[0].Note = "scrubbed"
	if err := s.UpdateTicket(ctx, tk, 2); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.TicketByID(ctx, "t1"); got.Version != 3 || len(got.History) != 3 || got.History[0].Note != "scrubbed" {
		t.Fatalf("after a rewrite: version %d, %d events, first %+v", got.Version, len(got.History), got.History[0])
	}

	big := *tk
	big.Version, big.Description, big.History = 4, strings.Repeat("x", maxTicketBytes), append(tk.History, ev(3, models.ActNote))
	if err := s.UpdateTicket(ctx, &big, 3); !models.IsCode(err, models.EUnprocessable) {
		t.Errorf("a write past %d bytes: %v, want refused", maxTicketBytes, err)
	}
	if err := s.UpdateTicket(ctx, tk, 2); !models.IsCode(err, models.EConflict) {
		t.Errorf("a stale version: %v, want a conflict", err)
	}
	if got, _ = s.TicketByID(ctx, "t1"); got.Version != 3 || got.Description != "ổ gà" {
		t.Errorf("refused writes changed the ticket: version %d, description %.20q", got.Version, got.Description)
	}
}
