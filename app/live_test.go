package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"phananh/app"
	"phananh/app/apptest"
	"phananh/models"
)

// liveFixture is an App whose live tailer runs every few milliseconds over a SQLite store that
// the test appends feed entries to directly.
type liveFixture struct {
	live  *app.Live
	store app.Store
	n     int // feed entries appended so far
}

func newLiveFixture(t *testing.T) *liveFixture {
	t.Helper()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	store := apptest.Store(t, now)
	a := apptest.New(t, store, apptest.Options{Now: func() time.Time { return now }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); a.Live.RunLive(ctx, 5*time.Millisecond) }()
	t.Cleanup(func() { cancel(); <-done })
	return &liveFixture{live: a.Live, store: store}
}

// append records one change of a new ticket of unit in the feed.
func (f *liveFixture) append(t *testing.T, unit string) {
	t.Helper()
	f.n++
	e := &models.FeedEntry{TicketID: fmt.Sprintf("t%04d", f.n), Code: fmt.Sprintf("LX-%04d", f.n), Version: 1, At: time.Now(),
		Action: "submit", To: models.StateReceived, UnitID: unit, Category: "TTDT"}
	if err := f.store.AppendFeed(context.Background(), e); err != nil {
		t.Fatal(err)
	}
}

// receive takes n events from s, failing when they do not come.
func receive(t *testing.T, s *app.LiveSubscription, n int) []app.LiveEvent {
	t.Helper()
	var out []app.LiveEvent
	for len(out) < n {
		select {
		case ev, ok := <-s.C:
			if !ok {
				t.Fatalf("the subscription ended after %d of %d events", len(out), n)
			}
			out = append(out, ev)
		case <-time.After(10 * time.Second):
			t.Fatalf("%d of %d events within 10 s", len(out), n)
		}
	}
	return out
}

// drain takes the events left in an ended subscription.
func drain(t *testing.T, s *app.LiveSubscription) []app.LiveEvent {
	t.Helper()
	var out []app.LiveEvent
	for {
		select {
		case ev, ok := <-s.C:
			if !ok {
				return out
			}
			out = append(out, ev)
		case <-time.After(10 * time.Second):
			t.Fatalf("the subscription did not end; %d events so far", len(out))
		}
	}
}

func codes(evs []app.LiveEvent) []string {
	var out []string
	for _, ev := range evs {
		if ev.Reset {
			out = append(out, "reset")
		} else {
			out = append(out, ev.Entry.Code)
		}
	}
	return out
}

func TestLiveDeliversOnlyTheQueuesTickets(t *testing.T) {
	f := newLiveFixture(t)
	ctx := context.Background()
	officer := models.Principal{UserID: "o1", Role: models.RoleOfficer, UnitID: "u1"}
	sub, err := f.live.Subscribe(ctx, officer, "")
	if err != nil {
		t.Fatal(err)
	}
	ioc, err := f.live.Subscribe(ctx, models.Principal{UserID: "i1", Role: models.RoleIOCViewer}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, unit := range []string{"u1", "u2", "u2", "u1"} {
		f.append(t, unit)
	}
	if got := codes(receive(t, sub, 2)); fmt.Sprint(got) != "[LX-0001 LX-0004]" {
		t.Errorf("the unit's officer got %v, want its two tickets in order", got)
	}
	if got := codes(receive(t, ioc, 4)); fmt.Sprint(got) != "[LX-0001 LX-0002 LX-0003 LX-0004]" {
		t.Errorf("the IOC got %v, want every ticket in order", got)
	}
	// The cursor has passed the other unit's entries: resuming from it brings only what follows.
	cursor := sub.Cursor()
	sub.Close()
	sub.Close() // harmless
	f.append(t, "u2")
	f.append(t, "u1")
	again, err := f.live.Subscribe(ctx, officer, cursor)
	if err != nil {
		t.Fatal(err)
	}
	if got := codes(receive(t, again, 1)); fmt.Sprint(got) != "[LX-0006]" {
		t.Errorf("resumed from the cursor: %v, want [LX-0006]", got)
	}

	for _, bad := range []struct {
		p    models.Principal
		last string
		code string
	}{
		{models.Principal{UserID: "r1", Role: models.RoleResident}, "", models.EForbidden},
		{officer, "garbage", models.EInvalid},
	} {
		if _, err := f.live.Subscribe(ctx, bad.p, bad.last); !models.IsCode(err, bad.code) {
			t.Errorf("Subscribe(%s, %q) = %v, want %s", bad.p.Role, bad.last, err, bad.code)
		}
	}
}

func TestLiveResumesOrResets(t *testing.T) {
	f := newLiveFixture(t)
	ctx := context.Background()
	ioc := models.Principal{UserID: "i1", Role: models.RoleIOCOperator}
	slow, err := f.live.Subscribe(ctx, ioc, "")
	if err != nil {
		t.Fatal(err)
	}
	// A listener that does not read is cut off when its buffer is full, and resumes from the
	// last event it got without missing or repeating one.
	const total = 300
	for range total {
		f.append(t, "u1")
	}
	got := drain(t, slow)
	if len(got) == 0 || len(got) >= total {
		t.Fatalf("the slow listener got %d events before it was cut off", len(got))
	}
	resumed, err := f.live.Subscribe(ctx, ioc, got[len(got)-1].ID)
	if err != nil {
		t.Fatal(err)
	}
	rest := receive(t, resumed, total-len(got))
	if first, last := rest[0].Entry.Code, rest[len(rest)-1].Entry.Code; first != fmt.Sprintf("LX-%04d", len(got)+1) || last != fmt.Sprintf("LX-%04d", total) {
		t.Errorf("resumed with %s … %s after %d events", first, last, len(got))
	}
	resumed.Close()

	// A listener further behind than the backlog is told to reload, then follows on. The
	// marker's listener hears its entry once the tailer has read everything before it.
	marker, err := f.live.Subscribe(ctx, models.Principal{UserID: "m1", Role: models.RoleOfficer, UnitID: "marker"}, "")
	if err != nil {
		t.Fatal(err)
	}
	for range app.LiveBacklog + 10 {
		f.append(t, "u1")
	}
	f.append(t, "marker")
	receive(t, marker, 1)
	behind, err := f.live.Subscribe(ctx, ioc, got[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if ev := receive(t, behind, 1)[0]; !ev.Reset {
		t.Errorf("a listener %d entries behind got %+v, want a reset", app.LiveBacklog+total, ev)
	}
	f.append(t, "u1")
	if ev := receive(t, behind, 1)[0]; ev.Reset || ev.Entry.Code != fmt.Sprintf("LX-%04d", f.n) {
		t.Errorf("after the reset: %+v, want the newest entry", ev)
	}
}
