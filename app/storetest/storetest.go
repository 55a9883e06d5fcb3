// Package storetest is the contract every implementation of app.Store must pass, so that the
// embedded SQLite store and the production MongoDB store behave the same and the app can rely on
// one set of semantics. An implementation's own test calls Run (and RunMedia) with a function that
// opens a fresh, empty store: store/sqlite on a temporary file, store/mongodb on FerretDB in the
// test process or on the MongoDB of MONGODB_TEST_URI.
//
// The suite keeps data volumes small (dozens of records) because the MongoDB store also runs it
// against FerretDB, which scans whole collections. All times are UTC and truncated to
// milliseconds, as the app stores them, and are compared as instants (time.Time.Equal).
//
// Decisions the suite pins beyond the comments of app.Store:
//   - FindTickets with Limit <= 0 returns every match ("empty fields do not filter").
//   - DeleteOTP and RevokeRefreshFamily of something absent succeed (nothing to do).
//   - UserByPhone("") and UserByUsername("") are ENotFound even though many users have an
//     empty phone or username.
//   - UpdateUser leaves Phone, Username and CreatedAt as created.
//   - UpdateTicket stores t.Version as given; the store compares versions, it does not count.
//   - BoundarySets lists sets sorted by id; CalendarYears lists years in order.
//   - A second UseRefreshToken reports the time of the first use.
//   - nil and empty slices are equivalent (a document store may drop empty arrays).
//   - Every field of a ticket round-trips: times as instants to the millisecond (returned in UTC),
//     durations (PausedRemaining, PausedTotal) exactly, to the nanosecond, Extension as nil or a
//     copy. UpdateTicket replaces the whole ticket: a field set to its zero value is stored as
//     zero, nothing of the previous version survives.
//   - Category.ContactAllowed round-trips like every other category field.
//
// Workflow (app.WorkflowStore):
//   - FindQueue returns the tickets matching every set field of the filter: UnitIDs (the ticket's
//     current unit is one of them), AreaCode, States (one of them), Category, DueBefore (DueAt
//     strictly before it), and Q. It sorts by (DueAt, ID) ascending; a zero DueAt (tickets from
//     before the workflow fields) sorts first and is before any DueBefore. After is a keyset
//     cursor: only tickets strictly after (After.DueAt, After.ID) in that order. Limit <= 0
//     means all.
//   - Q is a literal, case-insensitive substring of Code, Description or Address, and of nothing
//     else (not unit or area names, categories or ids). Case folds for every letter, Vietnamese
//     ones included ("đường" finds "Đường"), but diacritics are significant ("xe tai" does not
//     find "xe tải"). No character of Q is special: "50%", "a_b", "a.b", "(x", "a*b" and
//     backslashes match only themselves. (Unicode normalisation is not applied: Q and the text
//     are compared as given; the app stores NFC.)
//   - CountByState counts the tickets matching the filter without States, After and Limit, per
//     state; a state with no ticket may be absent or zero.
//   - FindSLADue returns the tickets whose NextCheckAt is set and not after now (at or before
//     the Unix epoch counts as not set), sorted by (NextCheckAt, ID) ascending; limit <= 0
//     means all.
//   - FindNearby returns the tickets whose location lies in the box, edges included
//     (MinLat <= lat <= MaxLat, MinLng <= lng <= MaxLng), with Category and one of States when
//     set, created strictly after CreatedAfter when set, in any order; Limit <= 0 means all.
//   - NearbyPlaces returns the id, latitude and longitude of each ticket FindNearby returns.
//   - AcquireLease(name, holder, now, ttl) succeeds, setting the lease to (holder, now+ttl),
//     when the lease is absent, expired (its expiry <= now, at millisecond precision) or held by
//     holder (a renewal); otherwise it returns false and changes nothing. Of concurrent callers
//     for the same free or expired lease exactly one succeeds. Leases of different names are
//     independent.
//   - AppendAudit stores a record; a taken id is EConflict and leaves the stored record alone.
//     FindAudit returns records matching ActorID, Action, Ticket, From (At >= From) and To
//     (At < To), newest first by (At, ID) descending; Before is a keyset cursor (strictly older
//     in that order); Limit <= 0 means all.
//
// Derived effects (app.TicketStore.MarkApplied and FindUnapplied):
//   - A ticket is pending exactly when its stored AppliedVersion is below its Version.
//     CreateTicket and UpdateTicket store AppliedVersion as given, so a fresh ticket written with
//     AppliedVersion = Version is not pending.
//   - MarkApplied(id, v) sets the stored AppliedVersion to v only when it is below v and v is not
//     above the stored Version; otherwise it is a no-op that returns nil (never lowering, never
//     passing Version: a v above Version, which the app never sends, is ignored rather than
//     capped, so nothing is ever marked done that was not). It changes no other field, Version
//     included: the whole ticket still round-trips exactly. An absent id is ENotFound.
//   - An UpdateTicket that carries an AppliedVersion below the stored one (a copy read before a
//     concurrent MarkApplied) stores it as given: the ticket is pending again and its idempotent
//     effects are re-applied. That is the conservative outcome, accepted on purpose: the other
//     order could lose effects. Concurrent MarkApplied calls end at the highest allowed value,
//     and MarkApplied racing an UpdateTicket to a newer version leaves the ticket pending.
//   - FindUnapplied returns the pending tickets sorted by (UpdatedAt, ID) ascending; limit <= 0
//     means all.
package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"phananh/app"
	"phananh/models"
)

// Run runs the whole contract against the store open returns. Every subtest calls open once
// and expects an empty store; open registers the store's cleanup (Close, removing files) with
// t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) app.Store) {
	groups := []struct {
		name  string
		tests []storeTest
	}{
		{"Ping", []storeTest{{"Answers", testPing}, {"SchemaCurrent", testSchemaCurrent}}},
		{"Users", userTests},
		{"OTP", otpTests},
		{"RateCounters", counterTests},
		{"RefreshTokens", refreshTests},
		{"APIKeys", apiKeyTests},
		{"Catalog", catalogTests},
		{"Calendar", calendarTests},
		{"CatalogAdmin", catalogAdminTests},
		{"Sequences", sequenceTests},
		{"Tickets", ticketTests},
		{"Effects", effectsTests},
		{"Batched", batchedTests},
		{"Stats", statsTests},
		{"Queue", queueTests},
		{"SLADue", slaTests},
		{"Nearby", nearbyTests},
		{"Leases", leaseTests},
		{"Audit", auditTests},
		{"OpenData", openDataTests},
		{"Push", pushTests},
		{"Privacy", privacyTests},
		{"Erasure", erasureTests},
		{"Notifications", notificationTests},
		{"Replies", replyTests},
		{"SavedFilters", filterTests},
		{"ReportArchive", reportArchiveTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					tc.fn(t, open(t))
				})
			}
		})
	}
}

type storeTest struct {
	name string
	fn   func(t *testing.T, s app.Store)
}

// testSchemaCurrent: a store just opened has every migration the program knows, no more.
func testSchemaCurrent(t *testing.T, s app.Store) {
	have, known, err := s.SchemaVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if have != known || known < 1 {
		t.Errorf("schema version %d of %d known, want equal and at least 1", have, known)
	}
}

func testPing(t *testing.T, s app.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// t0 is the suite's reference instant: UTC, with a millisecond part, as the app stores times.
var t0 = time.Date(2025, time.March, 14, 2, 26, 53, 589_000_000, time.UTC)

// at is t0 plus d; every time the suite stores comes from here.
func at(d time.Duration) time.Time { return t0.Add(d) }

// cmpOpts compares as the app would: times by instant (cmp uses time.Time.Equal), and nil
// slices equal to empty ones.
var cmpOpts = cmp.Options{cmpopts.EquateEmpty()}

func ctx(t *testing.T) context.Context { return t.Context() }

func must(t *testing.T, err error, op string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
}

func wantCode(t *testing.T, err error, code, op string) {
	t.Helper()
	if !models.IsCode(err, code) {
		t.Fatalf("%s: err = %v, want code %q", op, err, code)
	}
}

func wantEqual(t *testing.T, op string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpOpts); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", op, d)
	}
}

// concurrently runs fn(0..n-1) in n goroutines released at the same moment, and waits.
func concurrently(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

// claimUntilEmpty runs workers that each claim batches under their own lease holder until the
// queue is empty, and returns how many items were claimed; an item claimed by two holders is an
// error, which is what a lease must prevent.
func claimUntilEmpty[T any](t *testing.T, workers int, claim func(holder string) ([]T, error), key func(T) string) int {
	t.Helper()
	var mu sync.Mutex
	seen := map[string]string{}
	concurrently(workers, func(i int) {
		holder := fmt.Sprintf("h%d", i)
		for {
			got, err := claim(holder)
			if err != nil {
				t.Errorf("claim by %s: %v", holder, err)
				return
			}
			if len(got) == 0 {
				return
			}
			mu.Lock()
			for _, item := range got {
				if prev, dup := seen[key(item)]; dup {
					t.Errorf("%s claimed by %s and %s", key(item), prev, holder)
				}
				seen[key(item)] = holder
			}
			mu.Unlock()
		}
	})
	return len(seen)
}

// wantOneWinner checks that exactly one of errs is nil and every other one has code, and returns
// the index of the winner.
func wantOneWinner(t *testing.T, errs []error, code, op string) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("%s: calls %d and %d both succeeded", op, winner, i)
		case err == nil:
			winner = i
		case !models.IsCode(err, code):
			t.Fatalf("%s: call %d: err = %v, want nil or code %q", op, i, err, code)
		}
	}
	if winner < 0 {
		t.Fatalf("%s: no call succeeded", op)
	}
	return winner
}

// wantOneToN checks that got holds exactly the values 1..len(got), in any order.
func wantOneToN[T ~int | ~int64](t *testing.T, got []T, op string) {
	t.Helper()
	seen := make(map[T]bool, len(got))
	for _, v := range got {
		if v < 1 || int(v) > len(got) || seen[v] {
			t.Fatalf("%s: values %v are not a permutation of 1..%d", op, got, len(got))
		}
		seen[v] = true
	}
}
