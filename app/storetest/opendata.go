package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

// Open data (app.OpenDataStore):
//   - StreamTickets calls fn for every ticket matching the query (models.TicketQuery.Matches: every
//     set field must match; time bounds From inclusive, To exclusive; the box includes its
//     edges), in (CreatedAt, ID) ascending order, each exactly once, also when tickets share a
//     CreatedAt across a batch boundary (BatchSize). Limit > 0 stops after that many; Offset is
//     ignored. An error from fn stops the stream and is returned as is.
//   - FindTicketsPage returns the matching tickets in (CreatedAt, ID) descending order, skipping
//     Offset and returning at most Limit (all when Limit <= 0).
var openDataTests = []storeTest{
	{"StreamFilters", testStreamFilters},
	{"StreamBatches", testStreamBatches},
	{"StreamStops", testStreamStops},
	{"PageFilters", testPageFilters},
}

// odSet stores 24 tickets spread over categories, groups, states, areas, units, privacy, creation
// and update times and locations; several share a creation time. It returns them oldest first.
func odSet(t *testing.T, s app.Store) []*models.Ticket {
	t.Helper()
	cats := []struct {
		code    string
		group   models.Group
		private bool
	}{{"ANTT.01", models.GroupANTT, true}, {"MT", models.GroupMoiTruong, false}, {"GT", models.GroupGiaoThong, false}, {"ASXH.02", models.GroupASXH, true}}
	states := []models.State{models.StateReceived, models.StateInProgress, models.StateResolved, models.StateClosed, models.StateRejected}
	var all []*models.Ticket
	for i := range 24 {
		c := cats[i%len(cats)]
		id := fmt.Sprintf("od-%02d", (i*5)%24)        // ids a permutation of the insert order
		created := at(time.Duration(i/3) * time.Hour) // three tickets per instant
		tk := minimalTicket(id, "r1", fmt.Sprintf("u%d", i%3), created)
		tk.Category, tk.Group, tk.Private = c.code, c.group, c.private
		tk.State = states[i%len(states)]
		tk.AreaCode = fmt.Sprintf("area-%d", i%2)
		tk.UpdatedAt = created.Add(time.Duration(24-i) * time.Hour)
		tk.Location = models.Location{Lat: 10.35 + float64(i)*0.005, Lng: 105.40 + float64(i%6)*0.01}
		must(t, s.CreateTicket(ctx(t), clone(tk)), "CreateTicket "+id)
		all = append(all, tk)
	}
	slices.SortFunc(all, oldestFirst)
	return all
}

func oldestFirst(a, b *models.Ticket) int {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// odQueries are the filters every open-data read is checked with.
func odQueries() []struct {
	name string
	q    models.TicketQuery
} {
	return []struct {
		name string
		q    models.TicketQuery
	}{
		{"all", models.TicketQuery{}},
		{"ids", models.TicketQuery{IDs: []string{"od-03", "od-17", "od-00", "nope"}}},
		{"categories", models.TicketQuery{Categories: []string{"MT", "GT"}}},
		{"groups", models.TicketQuery{Groups: []models.Group{models.GroupASXH}}},
		{"states", models.TicketQuery{States: []models.State{models.StateReceived, models.StateClosed}}},
		{"area", models.TicketQuery{AreaCode: "area-1"}},
		{"unit", models.TicketQuery{UnitID: "u2"}},
		{"public", models.TicketQuery{PublicOnly: true}},
		{"created range", models.TicketQuery{CreatedFrom: at(2 * time.Hour), CreatedTo: at(5 * time.Hour)}},
		{"updated range", models.TicketQuery{UpdatedFrom: at(10 * time.Hour), UpdatedTo: at(20 * time.Hour)}},
		{"bbox edges", models.TicketQuery{BBox: &models.BBox{MinLat: 10.36, MaxLat: 10.41, MinLng: 105.41, MaxLng: 105.43}}},
		{"combined", models.TicketQuery{PublicOnly: true, States: []models.State{models.StateReceived, models.StateInProgress, models.StateRejected},
			CreatedFrom: at(time.Hour), AreaCode: "area-0"}},
		{"nothing", models.TicketQuery{Categories: []string{"none"}}},
	}
}

func odMatching(all []*models.Ticket, q models.TicketQuery) []*models.Ticket {
	var out []*models.Ticket
	for _, tk := range all {
		if q.Matches(tk) {
			out = append(out, tk)
		}
	}
	return out
}

func odStream(t *testing.T, s app.Store, q models.TicketQuery) []*models.Ticket {
	t.Helper()
	var got []*models.Ticket
	must(t, s.StreamTickets(ctx(t), q, func(tk *models.Ticket) error {
		got = append(got, tk)
		return nil
	}), "StreamTickets")
	return got
}

func testStreamFilters(t *testing.T, s app.Store) {
	all := odSet(t, s)
	for _, tc := range odQueries() {
		t.Run(tc.name, func(t *testing.T) {
			want := odMatching(all, tc.q)
			if tc.name != "nothing" && tc.name != "ids" && len(want) < 2 {
				t.Fatalf("fixture selects only %d tickets: the case proves little", len(want))
			}
			wantEqual(t, "StreamTickets "+tc.name, want, odStream(t, s, tc.q))
		})
	}
}

// testStreamBatches crosses batch boundaries that fall inside a run of equal creation times.
func testStreamBatches(t *testing.T, s app.Store) {
	all := odSet(t, s)
	for _, size := range []int{1, 2, 4, 5, 23, 24, 25} {
		got := odStream(t, s, models.TicketQuery{BatchSize: size})
		wantEqual(t, fmt.Sprintf("StreamTickets batch %d", size), ids(all), ids(got))
	}
	got := odStream(t, s, models.TicketQuery{BatchSize: 2, PublicOnly: true})
	wantEqual(t, "StreamTickets batch 2 public", ids(odMatching(all, models.TicketQuery{PublicOnly: true})), ids(got))
}

func testStreamStops(t *testing.T, s app.Store) {
	all := odSet(t, s)
	for _, limit := range []int{1, 7, 24, 30} {
		got := odStream(t, s, models.TicketQuery{Limit: limit, BatchSize: 5, Offset: 3})
		wantEqual(t, fmt.Sprintf("StreamTickets limit %d", limit), ids(all[:min(limit, len(all))]), ids(got))
	}
	stop := errors.New("stop")
	n := 0
	err := s.StreamTickets(ctx(t), models.TicketQuery{BatchSize: 4}, func(*models.Ticket) error {
		if n++; n == 6 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 6 {
		t.Fatalf("StreamTickets with a failing callback: err %v after %d calls, want stop after 6", err, n)
	}
}

func testPageFilters(t *testing.T, s app.Store) {
	all := odSet(t, s)
	for _, tc := range odQueries() {
		t.Run(tc.name, func(t *testing.T) {
			want := odMatching(all, tc.q)
			slices.Reverse(want)
			for _, pg := range []struct{ offset, limit int }{{0, 0}, {0, 3}, {2, 3}, {4, 100}, {100, 5}} {
				q := tc.q
				q.Offset, q.Limit = pg.offset, pg.limit
				got, err := s.FindTicketsPage(ctx(t), q)
				must(t, err, "FindTicketsPage")
				w := want[min(pg.offset, len(want)):]
				if pg.limit > 0 {
					w = w[:min(pg.limit, len(w))]
				}
				wantEqual(t, fmt.Sprintf("FindTicketsPage %s offset %d limit %d", tc.name, pg.offset, pg.limit), ids(w), ids(got))
			}
		})
	}
}
