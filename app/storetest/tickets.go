package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

var sequenceTests = []storeTest{
	{"Monotonic", testSequenceMonotonic},
	{"Concurrent", testSequenceConcurrent},
}

func testSequenceMonotonic(t *testing.T, s app.Store) {
	steps := []struct {
		name string
		want int64
	}{
		{"ticket-2025", 1}, {"ticket-2025", 2}, {"ticket-2026", 1}, {"ticket-2025", 3}, {"ticket-2026", 2},
	}
	for i, st := range steps {
		got, err := s.NextSequence(ctx(t), st.name)
		must(t, err, "NextSequence")
		if got != st.want {
			t.Fatalf("step %d: NextSequence(%s) = %d, want %d", i, st.name, got, st.want)
		}
	}
}

func testSequenceConcurrent(t *testing.T, s app.Store) {
	const n = 50
	got := make([]int64, n)
	errs := make([]error, n)
	concurrently(n, func(i int) { got[i], errs[i] = s.NextSequence(ctx(t), "ticket") })
	for i, err := range errs {
		must(t, err, fmt.Sprintf("NextSequence #%d", i))
	}
	wantOneToN(t, got, "concurrent NextSequence")
	next, err := s.NextSequence(ctx(t), "ticket")
	must(t, err, "NextSequence after")
	if next != n+1 {
		t.Errorf("NextSequence after %d concurrent calls = %d, want %d", n, next, n+1)
	}
}

var ticketTests = []storeTest{
	{"RoundTrip", testTicketRoundTrip},
	{"NotFound", testTicketNotFound},
	{"Conflicts", testTicketConflicts},
	{"UpdateCompareAndSet", testTicketUpdate},
	{"ConcurrentCreateSameIdempotencyKey", testTicketConcurrentCreate},
	{"ConcurrentUpdateSameVersion", testTicketConcurrentUpdate},
	{"FindFilters", testFindTicketsFilters},
	{"FindPaging", testFindTicketsPaging},
}

// fullTicket is a ticket with every field set, history and workflow fields included; no field
// holds its zero value, so a store that drops one fails the round trip.
func fullTicket(id, reporter, unit string, created time.Time) *models.Ticket {
	return &models.Ticket{
		ID: id, Code: "PA-2025-" + id, State: models.StateInProgress, Version: 3, AppliedVersion: 2,
		Category: "antt.gay_roi", Group: models.GroupANTT,
		Description:  "Nhóm thanh niên tụ tập gây ồn ào sau 23 giờ, \"đua xe\" trên đường Trần Hưng Đạo",
		Address:      "12 Trần Hưng Đạo, phường Mỹ Bình",
		Location:     models.Location{Lat: 10.386612345678901, Lng: 105.43523456789012, AccuracyM: 12.5},
		Media:        []string{"media-" + id + "-1", "media-" + id + "-2"},
		AllowContact: true, Private: true, ReporterID: reporter, IdempotencyKey: reporter + "/" + id,
		BoundarySet: "longxuyen-2023", AreaCode: "my_binh", AreaName: "Mỹ Bình",
		UnitID: unit, UnitName: "Công an phường Mỹ Bình", UnitKind: models.UnitCongAn,
		RoutedByNearest: true, RoutingAmbiguous: true,
		CreatedAt: created, UpdatedAt: created.Add(2 * time.Hour),
		TriageDueAt: created.Add(time.Hour), ResolveDueAt: created.Add(3 * time.Hour),
		History: []models.Event{
			{At: created, ActorRole: models.RoleResident, ActorID: reporter, Action: "create", To: models.StateReceived, Visibility: models.Public},
			{At: created.Add(time.Minute), ActorRole: models.RoleIOCOperator, ActorID: "ioc-1", Action: "assign",
				From: models.StateReceived, To: models.StateAssigned, Note: "chuyển Công an phường", Visibility: models.Internal},
			{At: created.Add(2 * time.Hour), ActorRole: models.RoleOfficer, ActorID: "off-1", Action: "accept",
				From: models.StateAssigned, To: models.StateInProgress, Visibility: models.Public},
			// Every typed field of an event at once (no action sets them all; the store keeps them all).
			{At: created.Add(3 * time.Hour), ActorRole: models.RoleLeader, ActorID: "lead-1", Action: "transfer",
				From: models.StateInProgress, To: models.StateInProgress, Note: "ghi chú của cán bộ", Visibility: models.Public,
				NoteInternal: true, Reason: "sai địa bàn", Outcome: models.OutcomeNotFixable, DueAt: created.Add(50 * time.Hour),
				UnitID: "u-new", UnitName: "UBND phường Mỹ Xuyên", Assignee: "can.bo.1", DuplicateOf: "PA-2025-000007",
				Rating: 3, EscalationLevel: 2, Media: []string{"media-" + id + "-2"}},
		},
		OccurredAt: created.Add(-26*time.Hour - 1500*time.Millisecond),

		DueAt:           created.Add(5 * time.Hour),
		PausedAt:        created.Add(90 * time.Minute),
		PausedRemaining: 3*time.Hour + 25*time.Minute + 1_234_567*time.Nanosecond, // kept to the nanosecond
		PausedTotal:     47*time.Minute + 999*time.Microsecond,
		ExtendedFrom:    created.Add(4 * time.Hour),
		Extension: &models.ExtensionRequest{DueAt: created.Add(50 * time.Hour), Reason: "chờ vật tư thay thế",
			RequestedBy: "off-1", RequestedAt: created.Add(3 * time.Hour)},
		AssignedTo:      "off-1",
		TransferredFrom: []string{"u-old-1", "u-old-2"},
		Followers:       []string{"r-follower-1", "r-follower-2", "r-follower-3"},
		DuplicateOf:     "t-original-" + id,
		RejectReason:    "other",
		Outcome:         models.OutcomePartiallyFixed,
		ResultNote:      "Đã nhắc nhở, lập biên bản",
		ResultMedia:     []string{"result-" + id + "-1"},
		Rating:          4,
		RatingComment:   "Xử lý nhanh, cảm ơn",
		ReopenCount:     2,
		TriagedAt:       created.Add(time.Minute),
		ResolvedAt:      created.Add(6 * time.Hour),
		ClosedAt:        created.Add(7 * time.Hour),
		OnTimeClass:     models.LateWithExtension,
		RemindedAt:      created.Add(4*time.Hour + 30*time.Minute),
		EscalationLevel: 2,
		NextCheckAt:     created.Add(8 * time.Hour),
		LegalHold: &models.LegalHold{Reason: "Công an điều tra", By: "ioc-1", At: created.Add(9 * time.Hour),
			Phone: "+84912345678", Name: "Nguyễn Văn A"},
		Channel: models.ChannelHotline, FiledBy: "ioc-1",
	}
}

// minimalTicket is a freshly received ticket: no media, address, deadlines or flags.
func minimalTicket(id, reporter, unit string, created time.Time) *models.Ticket {
	return &models.Ticket{
		ID: id, Code: "PA-" + id, State: models.StateReceived, Version: 1, Category: "khac", Group: models.GroupKhac,
		Description: "x", Location: models.Location{Lat: -0.5, Lng: 0}, ReporterID: reporter,
		IdempotencyKey: "ticket/" + id, UnitID: unit, CreatedAt: created, UpdatedAt: created,
		History: []models.Event{{At: created, ActorRole: models.RoleResident, Action: "create", To: models.StateReceived, Visibility: models.Public}},
		Channel: models.ChannelApp,
	}
}

// clone deep-copies a ticket, so a test can change one without touching what it stored.
func clone(t *models.Ticket) *models.Ticket {
	c := *t
	c.Media = slices.Clone(t.Media)
	c.History = slices.Clone(t.History)
	c.TransferredFrom = slices.Clone(t.TransferredFrom)
	c.Followers = slices.Clone(t.Followers)
	c.ResultMedia = slices.Clone(t.ResultMedia)
	if t.Extension != nil {
		e := *t.Extension
		c.Extension = &e
	}
	return &c
}

func testTicketRoundTrip(t *testing.T, s app.Store) {
	cases := []struct {
		name   string
		ticket *models.Ticket
	}{
		{"full", fullTicket("t-full", "r1", "u1", at(0))},
		{"minimal", minimalTicket("t-min", "r2", "u2", at(time.Minute))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := clone(tc.ticket)
			must(t, s.CreateTicket(ctx(t), tc.ticket), "CreateTicket")
			wantEqual(t, "CreateTicket must not change its argument", want, tc.ticket)
			got, err := s.TicketByID(ctx(t), want.ID)
			must(t, err, "TicketByID")
			wantEqual(t, "TicketByID", want, got)
			got, err = s.TicketByIdempotencyKey(ctx(t), want.IdempotencyKey)
			must(t, err, "TicketByIdempotencyKey")
			wantEqual(t, "TicketByIdempotencyKey", want, got)
		})
	}
	// A ticket stored without a channel, as every ticket before channels existed, came through
	// the resident app.
	old := minimalTicket("t-old", "r3", "u1", at(2*time.Minute))
	old.Channel = ""
	must(t, s.CreateTicket(ctx(t), clone(old)), "CreateTicket without a channel")
	got, err := s.TicketByID(ctx(t), old.ID)
	must(t, err, "TicketByID")
	wantEqual(t, "channel of a ticket stored without one", models.ChannelApp, got.Channel)
}

func testTicketNotFound(t *testing.T, s app.Store) {
	must(t, s.CreateTicket(ctx(t), minimalTicket("t1", "r1", "u1", at(0))), "CreateTicket")
	_, err := s.TicketByID(ctx(t), "missing")
	wantCode(t, err, models.ENotFound, "TicketByID missing")
	_, err = s.TicketByIdempotencyKey(ctx(t), "r1/missing")
	wantCode(t, err, models.ENotFound, "TicketByIdempotencyKey missing")
	missing := minimalTicket("missing", "r1", "u1", at(0))
	missing.Version = 2
	wantCode(t, s.UpdateTicket(ctx(t), missing, 1), models.ENotFound, "UpdateTicket missing")
	_, err = s.TicketByID(ctx(t), "missing")
	wantCode(t, err, models.ENotFound, "TicketByID after UpdateTicket of a missing ticket")
}

func testTicketConflicts(t *testing.T, s app.Store) {
	orig := fullTicket("t1", "r1", "u1", at(0))
	must(t, s.CreateTicket(ctx(t), clone(orig)), "CreateTicket")

	sameID := minimalTicket("t1", "r2", "u2", at(time.Hour))
	sameKey := minimalTicket("t2", "r1", "u1", at(time.Hour))
	sameKey.IdempotencyKey = orig.IdempotencyKey
	cases := []struct {
		name   string
		ticket *models.Ticket
	}{{"same id", sameID}, {"same idempotency key", sameKey}}
	for _, tc := range cases {
		wantCode(t, s.CreateTicket(ctx(t), tc.ticket), models.EConflict, "CreateTicket "+tc.name)
	}
	got, err := s.TicketByID(ctx(t), "t1")
	must(t, err, "TicketByID")
	wantEqual(t, "ticket after conflicts", orig, got)
	_, err = s.TicketByID(ctx(t), "t2")
	wantCode(t, err, models.ENotFound, "TicketByID of a rejected duplicate")
	_, err = s.TicketByIdempotencyKey(ctx(t), sameID.IdempotencyKey)
	wantCode(t, err, models.ENotFound, "TicketByIdempotencyKey of a rejected duplicate")
}

func testTicketUpdate(t *testing.T, s app.Store) {
	v1 := minimalTicket("t1", "r1", "u1", at(0))
	must(t, s.CreateTicket(ctx(t), clone(v1)), "CreateTicket")
	other := minimalTicket("t-other", "r1", "u1", at(time.Minute))
	must(t, s.CreateTicket(ctx(t), clone(other)), "CreateTicket other")

	// Triage: re-route to another unit, add deadlines and history. The caller sets the version.
	v2 := clone(v1)
	v2.Version, v2.AppliedVersion = 2, 1
	v2.State = models.StateAssigned
	v2.UnitID, v2.UnitName, v2.UnitKind = "u2", "Phòng VH-XH", models.UnitVHXH
	v2.UpdatedAt = at(time.Hour)
	v2.TriageDueAt, v2.ResolveDueAt = at(2*time.Hour), at(72*time.Hour)
	v2.Media = []string{"m1"}
	v2.History = append(v2.History, models.Event{At: at(time.Hour), ActorRole: models.RoleIOCOperator, ActorID: "ioc-1",
		Action: "assign", From: models.StateReceived, To: models.StateAssigned, Visibility: models.Internal})
	must(t, s.UpdateTicket(ctx(t), clone(v2), 1), "UpdateTicket 1→2")
	got, err := s.TicketByID(ctx(t), "t1")
	must(t, err, "TicketByID")
	wantEqual(t, "ticket after update", v2, got)
	got, err = s.TicketByIdempotencyKey(ctx(t), v1.IdempotencyKey)
	must(t, err, "TicketByIdempotencyKey after update")
	wantEqual(t, "TicketByIdempotencyKey after update", v2, got)

	// Stale writers lose and change nothing.
	for _, tc := range []struct {
		name     string
		expected int
	}{{"stale version", 1}, {"future version", 3}} {
		stale := clone(v1)
		stale.Version, stale.Description = tc.expected+1, "stale write"
		wantCode(t, s.UpdateTicket(ctx(t), stale, tc.expected), models.EConflict, "UpdateTicket "+tc.name)
	}
	got, err = s.TicketByID(ctx(t), "t1")
	must(t, err, "TicketByID after stale updates")
	wantEqual(t, "ticket after stale updates", v2, got)

	// The next change compares against the version the last one set.
	v3 := clone(v2)
	v3.Version, v3.AppliedVersion, v3.State = 3, 2, models.StateInProgress
	must(t, s.UpdateTicket(ctx(t), clone(v3), 2), "UpdateTicket 2→3")
	got, err = s.TicketByID(ctx(t), "t1")
	must(t, err, "TicketByID")
	wantEqual(t, "ticket after second update", v3, got)

	// The list indexes follow the update: the ticket moved from u1 to u2.
	for unit, want := range map[string][]string{"u1": {"t-other"}, "u2": {"t1"}} {
		list, err := s.FindTickets(ctx(t), models.TicketFilter{UnitID: unit})
		must(t, err, "FindTickets")
		wantEqual(t, "FindTickets unit "+unit+" after update", want, ids(list))
	}
	got, err = s.TicketByID(ctx(t), "t-other")
	must(t, err, "TicketByID other")
	wantEqual(t, "untouched ticket", other, got)
}

func testTicketConcurrentCreate(t *testing.T, s app.Store) {
	const n = 50
	errs := make([]error, n)
	concurrently(n, func(i int) {
		tk := minimalTicket(fmt.Sprintf("t-%02d", i), "r1", "u1", at(time.Duration(i)*time.Millisecond))
		tk.IdempotencyKey = "r1/retried-report"
		errs[i] = s.CreateTicket(ctx(t), tk)
	})
	winner := wantOneWinner(t, errs, models.EConflict, "concurrent CreateTicket with one idempotency key")
	got, err := s.TicketByIdempotencyKey(ctx(t), "r1/retried-report")
	must(t, err, "TicketByIdempotencyKey")
	if want := fmt.Sprintf("t-%02d", winner); got.ID != want {
		t.Errorf("TicketByIdempotencyKey = %s, want the winner %s", got.ID, want)
	}
	list, err := s.FindTickets(ctx(t), models.TicketFilter{ReporterID: "r1"})
	must(t, err, "FindTickets")
	if len(list) != 1 {
		t.Errorf("FindTickets after concurrent creates = %v, want only the winner", ids(list))
	}
}

func testTicketConcurrentUpdate(t *testing.T, s app.Store) {
	const n = 20
	v1 := minimalTicket("t1", "r1", "u1", at(0))
	must(t, s.CreateTicket(ctx(t), clone(v1)), "CreateTicket")
	errs := make([]error, n)
	concurrently(n, func(i int) {
		tk := clone(v1)
		tk.Version, tk.Description = 2, fmt.Sprintf("writer %d", i)
		errs[i] = s.UpdateTicket(ctx(t), tk, 1)
	})
	winner := wantOneWinner(t, errs, models.EConflict, "concurrent UpdateTicket from version 1")
	got, err := s.TicketByID(ctx(t), "t1")
	must(t, err, "TicketByID")
	if want := fmt.Sprintf("writer %d", winner); got.Version != 2 || got.Description != want {
		t.Errorf("stored ticket has version %d, description %q; want 2, %q", got.Version, got.Description, want)
	}
}

// ticketSet stores a dozen tickets of two reporters and two units, several of them created in
// the same millisecond, in an order that is neither by time nor by id; it returns them newest
// first (created_at desc, id desc).
func ticketSet(t *testing.T, s app.Store) []*models.Ticket {
	t.Helper()
	minutes := []int{5, 0, 2, 9, 2, 5, 0, 2, 8, 5, 9, 3}
	var all []*models.Ticket
	for i, m := range minutes {
		id := fmt.Sprintf("tk-%02d", (i*7)%len(minutes)) // ids a permutation of the insert order
		reporter, unit := "r1", "u1"
		if i%2 == 1 {
			reporter = "r2"
		}
		if i%3 == 0 {
			unit = "u2"
		}
		tk := minimalTicket(id, reporter, unit, at(time.Duration(m)*time.Minute))
		must(t, s.CreateTicket(ctx(t), clone(tk)), "CreateTicket "+id)
		all = append(all, tk)
	}
	slices.SortFunc(all, newestFirst)
	return all
}

func newestFirst(a, b *models.Ticket) int {
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(b.ID, a.ID)
}

// matching filters the newest-first list like FindTickets should.
func matching(all []*models.Ticket, f models.TicketFilter) []*models.Ticket {
	var out []*models.Ticket
	for _, tk := range all {
		if f.ReporterID != "" && tk.ReporterID != f.ReporterID || f.UnitID != "" && tk.UnitID != f.UnitID {
			continue
		}
		if f.After != nil && newestFirst(tk, &models.Ticket{CreatedAt: f.After.CreatedAt, ID: f.After.ID}) <= 0 {
			continue
		}
		out = append(out, tk)
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
	}
	return out
}

func ids(list []*models.Ticket) []string {
	out := make([]string, len(list))
	for i, tk := range list {
		out[i] = tk.ID
	}
	return out
}

func cursorOf(tk *models.Ticket) *models.TicketCursor {
	return &models.TicketCursor{CreatedAt: tk.CreatedAt, ID: tk.ID}
}

func testFindTicketsFilters(t *testing.T, s app.Store) {
	all := ticketSet(t, s)
	tie := all[4] // a ticket inside a group created in the same millisecond
	if !all[3].CreatedAt.Equal(tie.CreatedAt) && !all[5].CreatedAt.Equal(tie.CreatedAt) {
		t.Fatalf("fixture: %s is not in a tie group", tie.ID)
	}
	cases := []struct {
		name   string
		filter models.TicketFilter
		want   int // expected count, a guard against a fixture that tests nothing
	}{
		{"everything", models.TicketFilter{}, 12},
		{"limit", models.TicketFilter{Limit: 5}, 5},
		{"limit above count", models.TicketFilter{Limit: 100}, 12},
		{"reporter", models.TicketFilter{ReporterID: "r1"}, 6},
		{"unit", models.TicketFilter{UnitID: "u2"}, 4},
		{"reporter and unit", models.TicketFilter{ReporterID: "r1", UnitID: "u2"}, 2},
		{"unknown reporter", models.TicketFilter{ReporterID: "nobody"}, 0},
		{"after a tie member", models.TicketFilter{After: cursorOf(tie)}, 7},
		{"after a tie member, limited", models.TicketFilter{After: cursorOf(tie), Limit: 2}, 2},
		{"after a tie member, reporter", models.TicketFilter{After: cursorOf(tie), ReporterID: "r2"}, 3},
		{"after a time between tickets", models.TicketFilter{After: &models.TicketCursor{CreatedAt: at(4 * time.Minute), ID: ""}}, 6},
		{"after a time, max id", models.TicketFilter{After: &models.TicketCursor{CreatedAt: at(5 * time.Minute), ID: "zz"}}, 9},
		{"after the newest", models.TicketFilter{After: cursorOf(all[0])}, 11},
		{"after the oldest", models.TicketFilter{After: cursorOf(all[len(all)-1])}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := matching(all, tc.filter)
			if len(want) != tc.want {
				t.Fatalf("fixture: %d tickets match, the case expects %d", len(want), tc.want)
			}
			got, err := s.FindTickets(ctx(t), tc.filter)
			must(t, err, "FindTickets")
			wantEqual(t, "FindTickets ids", ids(want), ids(got))
			wantEqual(t, "FindTickets documents", want, got)
		})
	}
}

func testFindTicketsPaging(t *testing.T, s app.Store) {
	all := ticketSet(t, s)
	filters := []models.TicketFilter{{}, {ReporterID: "r2"}, {UnitID: "u1"}}
	for _, f := range filters {
		for _, limit := range []int{1, 2, 5, 12} {
			t.Run(fmt.Sprintf("reporter=%q unit=%q limit=%d", f.ReporterID, f.UnitID, limit), func(t *testing.T) {
				want := matching(all, f)
				var got []*models.Ticket
				page := f
				page.Limit = limit
				for range len(all) + 2 {
					list, err := s.FindTickets(ctx(t), page)
					must(t, err, "FindTickets")
					if len(list) > limit {
						t.Fatalf("page of %d tickets with limit %d", len(list), limit)
					}
					got = append(got, list...)
					if len(list) < limit {
						break
					}
					page.After = cursorOf(list[len(list)-1])
				}
				wantEqual(t, "pages", ids(want), ids(got))
			})
		}
	}
}
