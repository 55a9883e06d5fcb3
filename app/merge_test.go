package app_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"phananh/app"
	"phananh/models"
)

// changeFirst is a store on which the first write of ticket target loses to a concurrent change
// of it (a note written in between), as when an official acts on the ticket kept while it is
// being merged into.
type changeFirst struct {
	app.Store
	mu     sync.Mutex
	target string
	done   bool
}

func (s *changeFirst) UpdateTicket(ctx context.Context, t *models.Ticket, prev int) error {
	s.mu.Lock()
	race := t.ID == s.target && !s.done
	s.done = s.done || race
	s.mu.Unlock()
	if race {
		cur, err := s.Store.TicketByID(ctx, t.ID)
		if err != nil {
			return err
		}
		cur.History = append(cur.History, models.Event{At: cur.UpdatedAt, ActorRole: models.RoleOfficer, Action: models.ActNote,
			From: cur.State, To: cur.State, Note: "concurrent", Visibility: models.Internal})
		cur.Version++
		if err := s.Store.UpdateTicket(ctx, cur, cur.Version-1); err != nil {
			return err
		}
	}
	return s.Store.UpdateTicket(ctx, t, prev)
}

// fileTwo files the ticket kept (by r1) and its duplicate (by r2) at the same place.
func fileTwo(t *testing.T, a *app.App) (kept, dup *models.Ticket) {
	t.Helper()
	ctx := context.Background()
	loc := inside(t, a, "30286")
	kept, _, err := a.Tickets.FileReport(ctx, models.Principal{UserID: "r1", Role: models.RoleResident}, models.ReportInput{Category: "GT", Description: "ổ gà", Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	dup, _, err = a.Tickets.FileReport(ctx, models.Principal{UserID: "r2", Role: models.RoleResident}, models.ReportInput{Category: "GT", Description: "ổ gà lớn", Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	return kept, dup
}

// TestMergeRetriesTheKeptTicket: a change of the ticket kept between the merge's read and its
// write is kept, and the merge's side is written on the retry, once.
func TestMergeRetriesTheKeptTicket(t *testing.T) {
	now := vn("2026-11-25 09:00")
	store := &changeFirst{Store: newStore(t, now)}
	a := newServiceOn(t, store, &now, nil)
	ctx := context.Background()
	kept, dup := fileTwo(t, a)
	store.target = kept.ID
	op := models.Principal{UserID: "op", Role: models.RoleIOCOperator}
	if _, err := a.Tickets.Act(ctx, op, dup.ID, app.ActionInput{Action: models.ActMerge, DuplicateOf: kept.ID, ExpectedVersion: dup.Version}); err != nil {
		t.Fatal(err)
	}
	k, err := a.Tickets.Ticket(ctx, op, kept.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range k.History {
		actions = append(actions, string(e.Action))
	}
	if want := []string{"submit", "note", "merged_from", "follow"}; !slices.Equal(actions, want) || !k.IsFollower("r2") {
		t.Errorf("kept ticket's history %v, followers %v; want %v and r2 following", actions, k.Followers, want)
	}
}

// TestMergeWithinFollowChanges: the duplicate's residents become followers of the ticket kept
// only within Config.MaxFollowChanges.
func TestMergeWithinFollowChanges(t *testing.T) {
	now := vn("2026-11-25 09:00")
	cfg := app.DefaultConfig()
	cfg.MaxFollowChanges = 2
	a := newServiceWith(t, newStore(t, now), &now, cfg, nil)
	ctx := context.Background()
	kept, dup := fileTwo(t, a)
	for i := range 2 {
		p := models.Principal{UserID: fmt.Sprintf("f%d", i), Role: models.RoleResident}
		var err error
		if dup, err = a.Tickets.Act(ctx, p, dup.ID, app.ActionInput{Action: models.ActFollow, ExpectedVersion: dup.Version}); err != nil {
			t.Fatal(err)
		}
	}
	op := models.Principal{UserID: "op", Role: models.RoleIOCOperator}
	if _, err := a.Tickets.Act(ctx, op, dup.ID, app.ActionInput{Action: models.ActMerge, DuplicateOf: kept.ID, ExpectedVersion: dup.Version}); err != nil {
		t.Fatal(err)
	}
	k, err := a.Tickets.Ticket(ctx, op, kept.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(k.Followers) != 2 || !k.IsFollower("r2") || !k.IsFollower("f0") {
		t.Errorf("kept ticket's followers %v, want r2 and f0 (the bound is 2 follow changes)", k.Followers)
	}
}
