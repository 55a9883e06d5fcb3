package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

// Derived effects (docs/ARCHITECTURE.md): MarkApplied and
// FindUnapplied. The rules the cases pin are listed in the package comment.
var effectsTests = []storeTest{
	{"FindUnappliedListsPendingOnly", testUnappliedPendingOnly},
	{"MarkAppliedRaisesNeverLowers", testMarkAppliedRaises},
	{"MarkAppliedNotFound", testMarkAppliedNotFound},
	{"StaleUpdateMakesPendingAgain", testStaleUpdatePendingAgain},
	{"FindUnappliedOrderAndLimit", testUnappliedOrder},
	{"ConcurrentMarkApplied", testMarkAppliedConcurrent},
	{"MarkAppliedRacesUpdate", testMarkAppliedRacesUpdate},
}

// withApplied returns a copy of tk with AppliedVersion set to v.
func withApplied(tk *models.Ticket, v int) *models.Ticket {
	c := clone(tk)
	c.AppliedVersion = v
	return c
}

// wantTicket checks that the stored ticket is exactly want.
func wantTicket(t *testing.T, s app.Store, op string, want *models.Ticket) {
	t.Helper()
	got, err := s.TicketByID(ctx(t), want.ID)
	must(t, err, op+": TicketByID")
	wantEqual(t, op, want, got)
}

// wantUnapplied checks that FindUnapplied(0) returns exactly want, documents included.
func wantUnapplied(t *testing.T, s app.Store, op string, want ...*models.Ticket) {
	t.Helper()
	got, err := s.FindUnapplied(ctx(t), 0)
	must(t, err, op+": FindUnapplied")
	wantEqual(t, op+": FindUnapplied ids", ids(want), ids(got))
	wantEqual(t, op+": FindUnapplied documents", want, got)
}

func testUnappliedPendingOnly(t *testing.T, s app.Store) {
	wantUnapplied(t, s, "empty store")

	// A fresh ticket whose effects are done, one a version behind (fullTicket: version 3,
	// applied 2), one never applied (minimalTicket: version 1, applied 0).
	done := minimalTicket("t-done", "r1", "u1", at(0))
	done.AppliedVersion = done.Version
	behindByOne := fullTicket("t-full", "r1", "u1", at(time.Minute))
	never := minimalTicket("t-new", "r2", "u2", at(2*time.Minute))
	doneFull := fullTicket("t-full-done", "r2", "u1", at(3*time.Minute))
	doneFull.AppliedVersion = doneFull.Version
	for _, tk := range []*models.Ticket{done, behindByOne, never, doneFull} {
		must(t, s.CreateTicket(ctx(t), clone(tk)), "CreateTicket "+tk.ID)
	}
	// fullTicket's UpdatedAt is two hours after creation, minimalTicket's equals it.
	wantUnapplied(t, s, "after creates", never, behindByOne)

	// Whole tickets read back exactly, applied or not.
	for _, tk := range []*models.Ticket{done, behindByOne, never, doneFull} {
		wantTicket(t, s, "round trip of "+tk.ID, tk)
	}
}

func testMarkAppliedRaises(t *testing.T, s app.Store) {
	tk := fullTicket("t1", "r1", "u1", at(0))
	tk.Version, tk.AppliedVersion = 5, 1
	other := fullTicket("t2", "r2", "u2", at(time.Minute))
	other.Version, other.AppliedVersion = 5, 1
	must(t, s.CreateTicket(ctx(t), clone(tk)), "CreateTicket")
	must(t, s.CreateTicket(ctx(t), clone(other)), "CreateTicket other")

	steps := []struct {
		name    string
		mark    int
		applied int // stored AppliedVersion after the call
	}{
		{"raise to 3", 3, 3},
		{"lower to 2 is a no-op", 2, 3},
		{"again 3 is a no-op", 3, 3},
		{"zero is a no-op", 0, 3},
		{"above Version is a no-op", 6, 3},
		{"far above Version is a no-op", 1000, 3},
		{"raise to Version", 5, 5},
		{"again Version is a no-op", 5, 5},
		{"lower after applied is a no-op", 4, 5},
		{"above Version after applied is a no-op", 6, 5},
	}
	for _, st := range steps {
		must(t, s.MarkApplied(ctx(t), tk.ID, st.mark), "MarkApplied "+st.name)
		// Only AppliedVersion changes: Version, times, history and every other field stay.
		wantTicket(t, s, "ticket after "+st.name, withApplied(tk, st.applied))
		var want []*models.Ticket
		if st.applied < tk.Version {
			want = append(want, withApplied(tk, st.applied))
		}
		want = append(want, other) // updated later than tk
		wantUnapplied(t, s, "after "+st.name, want...)
	}
	wantTicket(t, s, "untouched other ticket", other)
	got, err := s.TicketByIdempotencyKey(ctx(t), tk.IdempotencyKey)
	must(t, err, "TicketByIdempotencyKey")
	wantEqual(t, "TicketByIdempotencyKey after MarkApplied", withApplied(tk, 5), got)

	// The ticket takes the next compare-and-set on its unchanged version.
	next := withApplied(tk, 5)
	next.Version, next.Description, next.UpdatedAt = 6, "sau khi xử lý", at(3*time.Hour)
	must(t, s.UpdateTicket(ctx(t), clone(next), 5), "UpdateTicket after MarkApplied")
	wantTicket(t, s, "ticket after the next update", next)
	wantUnapplied(t, s, "after the next update", other, next) // other's UpdatedAt is earlier
}

func testMarkAppliedNotFound(t *testing.T, s app.Store) {
	wantCode(t, s.MarkApplied(ctx(t), "missing", 1), models.ENotFound, "MarkApplied on an empty store")
	tk := minimalTicket("t1", "r1", "u1", at(0))
	must(t, s.CreateTicket(ctx(t), clone(tk)), "CreateTicket")
	for _, v := range []int{0, 1, 2} {
		wantCode(t, s.MarkApplied(ctx(t), "missing", v), models.ENotFound, fmt.Sprintf("MarkApplied(missing, %d)", v))
	}
	_, err := s.TicketByID(ctx(t), "missing")
	wantCode(t, err, models.ENotFound, "TicketByID after MarkApplied of a missing ticket")
	wantTicket(t, s, "untouched ticket", tk)
	wantUnapplied(t, s, "after MarkApplied of a missing ticket", tk)
}

// testStaleUpdatePendingAgain pins the conservative side of the race between an instance that
// finished the effects of version 1 and another that writes version 2 from a copy read before:
// UpdateTicket stores AppliedVersion as given, even below the stored one, so the ticket is
// pending again and its effects are re-applied (idempotently) rather than possibly lost.
func testStaleUpdatePendingAgain(t *testing.T, s app.Store) {
	v1 := minimalTicket("t1", "r1", "u1", at(0))
	must(t, s.CreateTicket(ctx(t), clone(v1)), "CreateTicket")
	wantUnapplied(t, s, "after create", v1)
	must(t, s.MarkApplied(ctx(t), "t1", 1), "MarkApplied 1")
	wantTicket(t, s, "after MarkApplied 1", withApplied(v1, 1))
	wantUnapplied(t, s, "after MarkApplied 1")

	v2 := clone(v1) // read before MarkApplied: AppliedVersion 0
	v2.Version, v2.State, v2.UpdatedAt = 2, models.StateAssigned, at(time.Hour)
	must(t, s.UpdateTicket(ctx(t), clone(v2), 1), "UpdateTicket 1→2 with a stale AppliedVersion")
	wantTicket(t, s, "after the stale update", v2) // AppliedVersion 0 as written, not 1
	wantUnapplied(t, s, "after the stale update", v2)

	must(t, s.MarkApplied(ctx(t), "t1", 2), "MarkApplied 2")
	wantTicket(t, s, "after MarkApplied 2", withApplied(v2, 2))
	wantUnapplied(t, s, "after MarkApplied 2")

	// A write that already carries AppliedVersion = Version is not pending.
	v3 := withApplied(v2, 3)
	v3.Version, v3.UpdatedAt = 3, at(2*time.Hour)
	must(t, s.UpdateTicket(ctx(t), clone(v3), 2), "UpdateTicket 2→3 applied")
	wantTicket(t, s, "after an applied update", v3)
	wantUnapplied(t, s, "after an applied update")
}

// unappliedOrder is the order of FindUnapplied: UpdatedAt ascending, then ID.
func unappliedOrder(a, b *models.Ticket) int {
	if c := a.UpdatedAt.Compare(b.UpdatedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

func testUnappliedOrder(t *testing.T, s app.Store) {
	// Update times neither in insert nor in id order, with ties; every third ticket is applied.
	minutes := []int{7, 3, 3, 9, 0, 3, 7, 1, 9, 5, 0, 4}
	var pending []*models.Ticket
	for i, m := range minutes {
		id := fmt.Sprintf("tk-%02d", (i*5)%len(minutes))
		tk := minimalTicket(id, "r1", "u1", at(-time.Duration(i)*time.Hour)) // created in reverse
		tk.Version, tk.UpdatedAt = 2+i%3, at(time.Duration(m)*time.Minute)
		if i%3 == 2 {
			tk.AppliedVersion = tk.Version
		} else {
			pending = append(pending, tk)
		}
		must(t, s.CreateTicket(ctx(t), clone(tk)), "CreateTicket "+id)
	}
	slices.SortFunc(pending, unappliedOrder)
	if len(pending) != 8 {
		t.Fatalf("fixture: %d pending tickets, want 8", len(pending))
	}
	for _, limit := range []int{-1, 0, 1, 3, 8, 100} {
		got, err := s.FindUnapplied(ctx(t), limit)
		must(t, err, "FindUnapplied")
		want := pending
		if limit > 0 && limit < len(want) {
			want = want[:limit]
		}
		wantEqual(t, fmt.Sprintf("FindUnapplied(%d) ids", limit), ids(want), ids(got))
		wantEqual(t, fmt.Sprintf("FindUnapplied(%d) documents", limit), want, got)
	}

	// An update moves a ticket to its new UpdatedAt; MarkApplied removes one without moving others.
	first := clone(pending[0])
	first.Version, first.UpdatedAt = first.Version+1, at(time.Hour)
	must(t, s.UpdateTicket(ctx(t), clone(first), pending[0].Version), "UpdateTicket of the oldest")
	must(t, s.MarkApplied(ctx(t), pending[1].ID, pending[1].Version), "MarkApplied of the second")
	want := append(slices.Clone(pending[2:]), first)
	wantUnapplied(t, s, "after an update and a MarkApplied", want...)
	got, err := s.FindUnapplied(ctx(t), 2)
	must(t, err, "FindUnapplied(2)")
	wantEqual(t, "FindUnapplied(2) after changes", ids(want[:2]), ids(got))
}

func testMarkAppliedConcurrent(t *testing.T, s app.Store) {
	const n = 10
	tk := fullTicket("t1", "r1", "u1", at(0))
	tk.Version, tk.AppliedVersion = n, 0
	must(t, s.CreateTicket(ctx(t), clone(tk)), "CreateTicket")
	errs := make([]error, n)
	concurrently(n, func(i int) { errs[i] = s.MarkApplied(ctx(t), "t1", i+1) })
	for i, err := range errs {
		must(t, err, fmt.Sprintf("MarkApplied(%d)", i+1))
	}
	wantTicket(t, s, "after concurrent MarkApplied", withApplied(tk, n))
	wantUnapplied(t, s, "after concurrent MarkApplied")
}

// testMarkAppliedRacesUpdate races MarkApplied of a version against UpdateTicket to the next
// one, which carries a stale AppliedVersion (the other instance read the ticket before). In
// either order the newer version's effects are not done: the ticket must end pending, with
// Version 2 and an AppliedVersion that is 0 (the update came last) or 1 (MarkApplied came last).
func testMarkAppliedRacesUpdate(t *testing.T, s app.Store) {
	const n = 8
	var tickets []*models.Ticket
	for i := range n {
		tk := minimalTicket(fmt.Sprintf("t-%d", i), "r1", "u1", at(time.Duration(i)*time.Minute))
		must(t, s.CreateTicket(ctx(t), clone(tk)), "CreateTicket")
		tickets = append(tickets, tk)
	}
	errs := make([]error, 2*n)
	concurrently(2*n, func(i int) {
		tk := tickets[i/2]
		if i%2 == 0 {
			errs[i] = s.MarkApplied(ctx(t), tk.ID, 1)
			return
		}
		v2 := clone(tk)
		v2.Version, v2.UpdatedAt = 2, tk.UpdatedAt.Add(time.Hour)
		errs[i] = s.UpdateTicket(ctx(t), v2, 1)
	})
	for i, err := range errs {
		must(t, err, fmt.Sprintf("call %d", i))
	}
	pending, err := s.FindUnapplied(ctx(t), 0)
	must(t, err, "FindUnapplied")
	wantEqual(t, "FindUnapplied after the races", ids(tickets), ids(pending))
	for _, got := range pending {
		if got.Version != 2 || got.AppliedVersion != 0 && got.AppliedVersion != 1 {
			t.Errorf("ticket %s: Version %d, AppliedVersion %d; want 2 and 0 or 1", got.ID, got.Version, got.AppliedVersion)
		}
		stored, err := s.TicketByID(ctx(t), got.ID)
		must(t, err, "TicketByID")
		wantEqual(t, "FindUnapplied document", stored, got)
	}

	// Finishing the newer version clears every one of them, whichever order the race took.
	for _, tk := range tickets {
		must(t, s.MarkApplied(ctx(t), tk.ID, 2), "MarkApplied 2")
	}
	wantUnapplied(t, s, "after MarkApplied 2")
}

// Batched (app.Store): what every store promises. Whether a failed batch undoes its earlier
// calls depends on the store (the SQLite store's own tests check that it does).
var batchedTests = []storeTest{
	{"CommitsItsCalls", testBatchedCommits},
	{"InnerErrorsAndNesting", testBatchedInnerErrors},
}

func testBatchedCommits(t *testing.T, s app.Store) {
	tk := minimalTicket("t-batched", "r1", "u1", at(0))
	var seqs []int64
	err := s.Batched(ctx(t), func(ctx context.Context) error {
		for range 2 {
			n, err := s.NextSequence(ctx, "batched")
			if err != nil {
				return err
			}
			seqs = append(seqs, n)
		}
		if err := s.CreateTicket(ctx, clone(tk)); err != nil {
			return err
		}
		return s.MarkApplied(ctx, tk.ID, tk.Version)
	})
	must(t, err, "Batched")
	wantEqual(t, "sequence values inside the batch", []int64{1, 2}, seqs)
	n, err := s.NextSequence(ctx(t), "batched")
	must(t, err, "NextSequence after the batch")
	wantEqual(t, "sequence after the batch", int64(3), n)
	want := withApplied(tk, tk.Version)
	wantTicket(t, s, "ticket created and marked in the batch", want)
}

func testBatchedInnerErrors(t *testing.T, s app.Store) {
	tk := minimalTicket("t-dup", "r1", "u1", at(0))
	must(t, s.CreateTicket(ctx(t), clone(tk)), "CreateTicket")
	other := minimalTicket("t-other", "r2", "u2", at(time.Minute))

	// A failing call inside a batch returns its own error with its code, and the batch may go
	// on: what the function does after it is committed when the function succeeds. Batches nest.
	err := s.Batched(ctx(t), func(ctx context.Context) error {
		wantCode(t, s.CreateTicket(ctx, clone(tk)), models.EConflict, "duplicate CreateTicket inside Batched")
		return s.Batched(ctx, func(ctx context.Context) error {
			return s.CreateTicket(ctx, clone(other))
		})
	})
	must(t, err, "Batched")
	wantTicket(t, s, "original ticket untouched", tk)
	wantTicket(t, s, "ticket created after the failed call", other)

	// The function's error is Batched's.
	refused := errors.New("refused")
	err = s.Batched(ctx(t), func(ctx context.Context) error { return fmt.Errorf("wrapped: %w", refused) })
	if !errors.Is(err, refused) {
		t.Errorf("Batched = %v, want the function's error", err)
	}
}
