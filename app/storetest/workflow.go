package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

var queueTests = []storeTest{
	{"Filters", testQueueFilters},
	{"ChannelAndGroupFilters", testQueueChannelFilters},
	{"Paging", testQueuePaging},
	{"CountByState", testCountByState},
	{"FollowsUpdates", testQueueFollowsUpdates},
	{"UpdateClearsWorkflowFields", testUpdateClearsWorkflowFields},
}

// queueBase is the reference deadline of the queue fixture; due_at values are minutes after it.
var queueBase = at(24 * time.Hour)

// queueSet stores a dozen tickets spread over three units, two areas, several states and
// categories, with deadlines that tie in groups (and one zero deadline, as written by versions
// before the workflow fields), and with descriptions and addresses that exercise the Q search:
// Vietnamese text with capitals, ASCII text in capitals, and the metacharacters of LIKE and
// regular expressions next to the text they would wrongly match. Every ticket has the same unit
// and area names, which Q must not search. It returns them in queue order (due_at, id).
func queueSet(t *testing.T, s app.Store) []*models.Ticket {
	t.Helper()
	const noDue = -1
	rows := []struct {
		id, unit, area string
		state          models.State
		category       string
		due            int // minutes after queueBase; noDue for a zero DueAt
		desc, addr     string
	}{
		{"q-01", "u1", "a1", models.StateReceived, "do_thi.den", 30, "Đèn đường hỏng trước cổng trường", "Đường Trần Hưng Đạo, phường Mỹ Bình"},
		{"q-02", "u2", "a1", models.StateAssigned, "moi_truong.rac", 10, "Rác thải lấn chiếm 50% vỉa hè", ""},
		{"q-03", "u1", "a2", models.StateInProgress, "do_thi.o_ga", 30, "Ổ gà sâu, dài 500m gần chợ", "Chợ Long Xuyên"},
		{"q-04", "u3", "a2", models.StateAwaitingInfo, "do_thi.den", 30, "Biển số a.b bị che", ""},
		{"q-05", "u1", "a1", models.StateResolved, "moi_truong.rac", 5, "Cống axb bị tắc", "12 Lý Thái Tổ"},
		{"q-06", "u2", "a2", models.StateReceived, "do_thi.o_ga", 60, "Cây đổ (x) chắn lối đi", ""},
		{"q-07", "u1", "a1", models.StateAssigned, "do_thi.den", 20, "Ống nước a_b bị vỡ", "Hẻm 5 đường Hà Hoàng Hổ"},
		{"q-08", "u2", "a1", models.StateInProgress, "do_thi.den", 20, "Nước acb ngập sau mưa", `Kho C:\temp\x`},
		{"q-09", "u3", "a1", models.StateReceived, "moi_truong.rac", noDue, "XE TAI DO RAC TREN VIA HE", ""},
		{"q-10", "u1", "a2", models.StateReceived, "moi_truong.rac", 90, "Khói bụi từ xưởng", ""},
		{"q-11", "u2", "a2", models.StateClosed, "do_thi.o_ga", 30, "Đã sửa xong", ""},
		{"q-12", "u1", "a1", models.StateInProgress, "do_thi.den", 10, "Xe tải đỗ trên vỉa hè", "Đường 3 Tháng 2"},
	}
	// Insert in an order that is neither by id nor by deadline.
	order := []int{7, 2, 11, 0, 9, 4, 6, 1, 10, 3, 8, 5}
	all := make([]*models.Ticket, 0, len(rows))
	for _, i := range order {
		r := rows[i]
		tk := minimalTicket(r.id, "r1", r.unit, at(time.Duration(i)*time.Minute))
		tk.Code = fmt.Sprintf("PA-2025-%06d", i+1)
		tk.State, tk.Category, tk.AreaCode = r.state, r.category, r.area
		tk.Description, tk.Address = r.desc, r.addr
		tk.UnitName, tk.AreaName = "Công an phường Mỹ Bình", "Mỹ Bình"
		if r.due != noDue {
			tk.DueAt = queueBase.Add(time.Duration(r.due) * time.Minute)
		}
		queueWork(tk)
		must(t, s.CreateTicket(ctx(t), clone(tk)), "CreateTicket "+r.id)
		tk.Channel = tk.Channel.OrApp() // stored without one: read back as the app's
		all = append(all, tk)
	}
	slices.SortFunc(all, queueOrder)
	return all
}

// queueWork sets what the queue's work filters select on some tickets of queueSet: assignees,
// a pending extension request, routings to check and another reporter.
func queueWork(tk *models.Ticket) {
	switch tk.ID {
	case "q-02", "q-07":
		tk.AssignedTo = "o1"
	case "q-12":
		tk.AssignedTo = "o2"
	case "q-03":
		tk.AssignedTo = "o1"
		tk.Extension = &models.ExtensionRequest{DueAt: queueBase.Add(72 * time.Hour), Reason: "Chờ vật tư", RequestedBy: "o1", RequestedAt: at(time.Hour)}
	case "q-06":
		tk.RoutedByNearest = true
	case "q-10":
		tk.RoutingAmbiguous = true
	case "q-04":
		tk.ReporterID = "r2"
	}
	queueChannel(tk)
}

// queueChannel sets the channels and category groups the queue's channel and group filters
// select on: q-01…q-04 came by the hotline, q-05 and q-06 were walk-ins, the rest came through
// the app, some stored without a channel as before channels existed; the lighting and road
// categories are urban order, the rubbish ones environment.
func queueChannel(tk *models.Ticket) {
	switch tk.ID {
	case "q-01", "q-02", "q-03", "q-04":
		tk.Channel = models.ChannelHotline
	case "q-05", "q-06":
		tk.Channel = models.ChannelWalkIn
	case "q-07", "q-08":
		tk.Channel = models.ChannelApp
	default:
		tk.Channel = "" // as stored before channels existed
	}
	tk.Group = models.GroupDoThi
	if strings.HasPrefix(tk.Category, "moi_truong") {
		tk.Group = models.GroupMoiTruong
	}
}

func queueOrder(a, b *models.Ticket) int {
	if c := a.DueAt.Compare(b.DueAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// queueMatches is the brute-force FindQueue filter (without cursor and limit); withStates false
// ignores f.States, as CountByState does.
func queueMatches(tk *models.Ticket, f models.QueueFilter, withStates bool) bool {
	switch {
	case len(f.UnitIDs) > 0 && !slices.Contains(f.UnitIDs, tk.UnitID),
		f.AreaCode != "" && tk.AreaCode != f.AreaCode,
		withStates && len(f.States) > 0 && !slices.Contains(f.States, tk.State),
		f.Category != "" && tk.Category != f.Category,
		!f.DueBefore.IsZero() && !tk.DueAt.Before(f.DueBefore),
		f.ReporterID != "" && tk.ReporterID != f.ReporterID,
		f.AssignedTo != "" && tk.AssignedTo != f.AssignedTo,
		f.Unassigned && tk.AssignedTo != "",
		f.ExtensionPending && tk.Extension == nil,
		f.RoutingFlagged && !tk.RoutedByNearest && !tk.RoutingAmbiguous,
		f.Channel != "" && tk.Channel.OrApp() != f.Channel,
		f.Group != "" && tk.Group != f.Group:
		return false
	}
	if f.Q != "" {
		q := models.FoldText(f.Q)
		return strings.Contains(models.FoldText(tk.Code), q) || strings.Contains(models.FoldText(tk.Description), q) ||
			strings.Contains(models.FoldText(tk.Address), q)
	}
	return true
}

// queueMatching filters the queue-ordered list like FindQueue should.
func queueMatching(all []*models.Ticket, f models.QueueFilter) []*models.Ticket {
	var out []*models.Ticket
	for _, tk := range all {
		if !queueMatches(tk, f, true) {
			continue
		}
		if f.After != nil && queueOrder(tk, &models.Ticket{DueAt: f.After.DueAt, ID: f.After.ID}) <= 0 {
			continue
		}
		out = append(out, tk)
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
	}
	return out
}

func queueCursor(tk *models.Ticket) *models.QueueCursor {
	return &models.QueueCursor{DueAt: tk.DueAt, ID: tk.ID}
}

func byID(all []*models.Ticket, id string) *models.Ticket {
	for _, tk := range all {
		if tk.ID == id {
			return tk
		}
	}
	panic("fixture has no ticket " + id)
}

func due(minutes int) time.Time { return queueBase.Add(time.Duration(minutes) * time.Minute) }

func testQueueFilters(t *testing.T, s app.Store) {
	all := queueSet(t, s)
	running := []models.State{models.StateReceived, models.StateAssigned, models.StateInProgress}
	cases := []struct {
		name   string
		filter models.QueueFilter
		want   int // expected count, a guard against a fixture that tests nothing
	}{
		{"everything", models.QueueFilter{}, 12},
		{"limit", models.QueueFilter{Limit: 5}, 5},
		{"one unit", models.QueueFilter{UnitIDs: []string{"u1"}}, 6},
		{"two units", models.QueueFilter{UnitIDs: []string{"u3", "u2"}}, 6},
		{"unknown unit", models.QueueFilter{UnitIDs: []string{"nowhere"}}, 0},
		{"area", models.QueueFilter{AreaCode: "a2"}, 5},
		{"one state", models.QueueFilter{States: []models.State{models.StateReceived}}, 4},
		{"running states", models.QueueFilter{States: running}, 9},
		{"category", models.QueueFilter{Category: "do_thi.den"}, 5},
		{"due before (strictly)", models.QueueFilter{DueBefore: due(30)}, 6},
		{"overdue at a unit", models.QueueFilter{UnitIDs: []string{"u1"}, States: running, DueBefore: due(30)}, 2},
		{"area, category and q", models.QueueFilter{AreaCode: "a1", Category: "do_thi.den", Q: "đường"}, 3},
		{"q and state", models.QueueFilter{Q: "đường", States: []models.State{models.StateInProgress}}, 1},

		// The work filters.
		{"reporter", models.QueueFilter{ReporterID: "r2"}, 1},
		{"assigned to one official", models.QueueFilter{AssignedTo: "o1"}, 3},
		{"assigned to one official, one unit", models.QueueFilter{AssignedTo: "o1", UnitIDs: []string{"u1"}}, 2},
		{"unassigned", models.QueueFilter{Unassigned: true}, 8},
		{"unassigned and running", models.QueueFilter{Unassigned: true, States: running}, 5},
		{"extension pending", models.QueueFilter{ExtensionPending: true}, 1},
		{"routing flagged", models.QueueFilter{RoutingFlagged: true}, 2},
		{"routing flagged and q", models.QueueFilter{RoutingFlagged: true, Q: "cay do"}, 1},

		// Q: substring of code, description or address, nothing else, without case or accents.
		{"q code prefix, lower case", models.QueueFilter{Q: "pa-2025-00001"}, 3},
		{"q whole code", models.QueueFilter{Q: "PA-2025-000007"}, 1},
		{"q Vietnamese, description and address", models.QueueFilter{Q: "đường"}, 3},
		{"q Vietnamese in capitals", models.QueueFilter{Q: "ĐÈN ĐƯỜNG"}, 1},
		{"q Vietnamese capital in the text", models.QueueFilter{Q: "chợ"}, 1},
		{"q ASCII, other case, without accents", models.QueueFilter{Q: "xe tai"}, 2},
		{"q accents not significant", models.QueueFilter{Q: "XE TẢI"}, 2},
		{"q without accents", models.QueueFilter{Q: "duong"}, 3},
		{"q without accents, capitals", models.QueueFilter{Q: "DEN DUONG"}, 1},
		{"q other accents", models.QueueFilter{Q: "ống nuóc"}, 1},
		{"q address only", models.QueueFilter{Q: "mỹ bình"}, 1},
		{"q percent is literal", models.QueueFilter{Q: "50%"}, 1},
		{"q dot is literal", models.QueueFilter{Q: "a.b"}, 1},
		{"q underscore is literal", models.QueueFilter{Q: "a_b"}, 1},
		{"q parenthesis is literal", models.QueueFilter{Q: "(x"}, 1},
		{"q backslash is literal", models.QueueFilter{Q: `c:\temp\`}, 1},
		{"q star is literal", models.QueueFilter{Q: "a*b"}, 0},
		{"q does not search unit names", models.QueueFilter{Q: "công an"}, 0},
		{"q does not search categories", models.QueueFilter{Q: "do_thi"}, 0},
		{"q does not search ids", models.QueueFilter{Q: "q-01"}, 0},

		// Keyset cursor: strictly after (due_at, id).
		{"after a tie member", models.QueueFilter{After: queueCursor(byID(all, "q-12"))}, 8},
		{"after a tie member, limited", models.QueueFilter{After: queueCursor(byID(all, "q-12")), Limit: 3}, 3},
		{"after the first of a tie of four", models.QueueFilter{After: queueCursor(byID(all, "q-01"))}, 5},
		{"after a tie member, units", models.QueueFilter{After: queueCursor(byID(all, "q-01")), UnitIDs: []string{"u2"}}, 2},
		{"after a time between deadlines", models.QueueFilter{After: &models.QueueCursor{DueAt: due(25)}}, 6},
		{"after a time, max id", models.QueueFilter{After: &models.QueueCursor{DueAt: due(20), ID: "zz"}}, 6},
		{"after the zero deadline", models.QueueFilter{After: queueCursor(byID(all, "q-09"))}, 11},
		{"after the last", models.QueueFilter{After: queueCursor(all[len(all)-1])}, 0},
	}
	if all[0].ID != "q-09" {
		t.Fatalf("fixture: a zero deadline must sort first, got %s", all[0].ID)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkFindQueue(t, s, all, tc.filter, tc.want) })
	}
}

// testQueueChannelFilters checks the channel filter (app also selects tickets stored without
// a channel) and the category group filter against the brute-force filter.
func testQueueChannelFilters(t *testing.T, s app.Store) {
	all := queueSet(t, s)
	for _, tc := range []struct {
		name   string
		filter models.QueueFilter
		want   int
	}{
		{"channel hotline", models.QueueFilter{Channel: models.ChannelHotline}, 4},
		{"channel walk-in, one unit", models.QueueFilter{Channel: models.ChannelWalkIn, UnitIDs: []string{"u1"}}, 1},
		{"channel app, also stored without one", models.QueueFilter{Channel: models.ChannelApp}, 6},
		{"channel nobody used", models.QueueFilter{Channel: models.ChannelZalo}, 0},
		{"group", models.QueueFilter{Group: models.GroupMoiTruong}, 4},
		{"group and channel", models.QueueFilter{Group: models.GroupDoThi, Channel: models.ChannelHotline}, 3},
		{"channel, state and limit", models.QueueFilter{Channel: models.ChannelApp, States: []models.State{models.StateReceived}, Limit: 1}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) { checkFindQueue(t, s, all, tc.filter, tc.want) })
	}
}

// checkFindQueue checks that FindQueue(filter) gives exactly the brute-force selection of all,
// which has n tickets (a check of the fixture).
func checkFindQueue(t *testing.T, s app.Store, all []*models.Ticket, filter models.QueueFilter, n int) {
	t.Helper()
	want := queueMatching(all, filter)
	if len(want) != n {
		t.Fatalf("fixture: %d tickets match (%v), the case expects %d", len(want), ids(want), n)
	}
	got, err := s.FindQueue(ctx(t), filter)
	must(t, err, "FindQueue")
	wantEqual(t, "FindQueue ids", ids(want), ids(got))
	wantEqual(t, "FindQueue documents", want, got)
}

func testQueuePaging(t *testing.T, s app.Store) {
	all := queueSet(t, s)
	filters := []models.QueueFilter{
		{},
		{UnitIDs: []string{"u1", "u2"}},
		{States: []models.State{models.StateReceived, models.StateInProgress}, Q: "a"},
	}
	for _, f := range filters {
		for _, limit := range []int{1, 2, 5} {
			t.Run(fmt.Sprintf("units=%v states=%v q=%q limit=%d", f.UnitIDs, f.States, f.Q, limit), func(t *testing.T) {
				want := queueMatching(all, f)
				if len(want) < 3 {
					t.Fatalf("fixture: only %d tickets match", len(want))
				}
				var got []*models.Ticket
				page := f
				page.Limit = limit
				for range len(all) + 2 {
					list, err := s.FindQueue(ctx(t), page)
					must(t, err, "FindQueue")
					if len(list) > limit {
						t.Fatalf("page of %d tickets with limit %d", len(list), limit)
					}
					got = append(got, list...)
					if len(list) < limit {
						break
					}
					page.After = queueCursor(list[len(list)-1])
				}
				wantEqual(t, "pages", ids(want), ids(got))
			})
		}
	}
}

func testCountByState(t *testing.T, s app.Store) {
	all := queueSet(t, s)
	filters := []struct {
		name   string
		filter models.QueueFilter
	}{
		{"everything", models.QueueFilter{}},
		{"states, cursor and limit are ignored", models.QueueFilter{UnitIDs: []string{"u1"},
			States: []models.State{models.StateReceived}, After: queueCursor(byID(all, "q-12")), Limit: 1}},
		{"area", models.QueueFilter{AreaCode: "a2"}},
		{"category and due before", models.QueueFilter{Category: "do_thi.den", DueBefore: due(30)}},
		{"q", models.QueueFilter{Q: "ĐƯỜNG"}},
		{"q without accents", models.QueueFilter{Q: "duong"}},
		{"reporter", models.QueueFilter{ReporterID: "r2"}},
		{"assigned to one official", models.QueueFilter{AssignedTo: "o1"}},
		{"unassigned, one unit", models.QueueFilter{Unassigned: true, UnitIDs: []string{"u1"}}},
		{"extension pending", models.QueueFilter{ExtensionPending: true}},
		{"routing flagged", models.QueueFilter{RoutingFlagged: true}},
		{"channel", models.QueueFilter{Channel: models.ChannelHotline}},
		{"channel app, one unit", models.QueueFilter{Channel: models.ChannelApp, UnitIDs: []string{"u1"}}},
		{"group", models.QueueFilter{Group: models.GroupMoiTruong, AreaCode: "a1"}},
		{"nothing", models.QueueFilter{UnitIDs: []string{"nowhere"}}},
	}
	for _, tc := range filters {
		t.Run(tc.name, func(t *testing.T) {
			want := map[models.State]int{}
			for _, tk := range all {
				if queueMatches(tk, tc.filter, false) {
					want[tk.State]++
				}
			}
			got, err := s.CountByState(ctx(t), tc.filter)
			must(t, err, "CountByState")
			maps.DeleteFunc(got, func(_ models.State, n int) bool { return n == 0 }) // zero counts may be present
			wantEqual(t, "CountByState", want, got)
		})
	}
}

// testQueueFollowsUpdates checks that what the queue, the SLA worker and the counts see follows
// UpdateTicket: unit, state, deadline and next check all move with the ticket.
func testQueueFollowsUpdates(t *testing.T, s app.Store) {
	t1 := minimalTicket("t1", "r1", "u1", at(0))
	t1.DueAt, t1.NextCheckAt = due(30), due(10)
	t2 := minimalTicket("t2", "r1", "u1", at(time.Minute))
	t2.State, t2.DueAt = models.StateAssigned, due(20)
	must(t, s.CreateTicket(ctx(t), clone(t1)), "CreateTicket t1")
	must(t, s.CreateTicket(ctx(t), clone(t2)), "CreateTicket t2")

	check := func(step string, want map[string][]string, wantDue []string, wantCounts map[models.State]int) {
		t.Helper()
		for unit, w := range want {
			f := models.QueueFilter{}
			if unit != "" {
				f.UnitIDs = []string{unit}
			}
			got, err := s.FindQueue(ctx(t), f)
			must(t, err, "FindQueue")
			wantEqual(t, step+": FindQueue unit "+unit, w, ids(got))
		}
		got, err := s.FindSLADue(ctx(t), due(15), 0)
		must(t, err, "FindSLADue")
		wantEqual(t, step+": FindSLADue", wantDue, ids(got))
		counts, err := s.CountByState(ctx(t), models.QueueFilter{UnitIDs: []string{"u1"}})
		must(t, err, "CountByState")
		maps.DeleteFunc(counts, func(_ models.State, n int) bool { return n == 0 })
		wantEqual(t, step+": CountByState u1", wantCounts, counts)
	}
	check("created", map[string][]string{"": {"t2", "t1"}, "u1": {"t2", "t1"}, "u2": nil}, []string{"t1"},
		map[models.State]int{models.StateReceived: 1, models.StateAssigned: 1})

	// Transfer t1 to u2 with an earlier deadline and nothing scheduled.
	v2 := clone(t1)
	v2.Version, v2.State, v2.UnitID = 2, models.StateAssigned, "u2"
	v2.DueAt, v2.NextCheckAt = due(5), time.Time{}
	must(t, s.UpdateTicket(ctx(t), clone(v2), 1), "UpdateTicket t1")
	check("t1 transferred", map[string][]string{"": {"t1", "t2"}, "u1": {"t2"}, "u2": {"t1"}}, nil,
		map[models.State]int{models.StateAssigned: 1})

	// Schedule a check of t2 and move its deadline after t1's.
	w2 := clone(t2)
	w2.Version, w2.State, w2.DueAt, w2.NextCheckAt = 2, models.StateInProgress, due(40), due(1)
	must(t, s.UpdateTicket(ctx(t), clone(w2), 1), "UpdateTicket t2")
	check("t2 scheduled", map[string][]string{"": {"t1", "t2"}, "u1": {"t2"}, "u2": {"t1"}}, []string{"t2"},
		map[models.State]int{models.StateInProgress: 1})
	got, err := s.FindQueue(ctx(t), models.QueueFilter{DueBefore: due(10)})
	must(t, err, "FindQueue due before")
	wantEqual(t, "FindQueue due before after updates", []string{"t1"}, ids(got))
}

// testUpdateClearsWorkflowFields replaces a ticket with every workflow field set by one where
// they are all zero again: nothing of the old version may survive.
func testUpdateClearsWorkflowFields(t *testing.T, s app.Store) {
	full := fullTicket("t1", "r1", "u1", at(0))
	must(t, s.CreateTicket(ctx(t), clone(full)), "CreateTicket")
	cleared := minimalTicket("t1", "r1", "u1", at(0))
	cleared.IdempotencyKey = full.IdempotencyKey
	cleared.Version = full.Version + 1
	must(t, s.UpdateTicket(ctx(t), clone(cleared), full.Version), "UpdateTicket")
	got, err := s.TicketByID(ctx(t), "t1")
	must(t, err, "TicketByID")
	wantEqual(t, "ticket after clearing workflow fields", cleared, got)
	scheduled, err := s.FindSLADue(ctx(t), at(1000*time.Hour), 0)
	must(t, err, "FindSLADue")
	wantEqual(t, "FindSLADue after clearing NextCheckAt", []string(nil), ids(scheduled))
}

var slaTests = []storeTest{{"Due", testSLADue}}

func testSLADue(t *testing.T, s app.Store) {
	now := at(10 * time.Hour)
	rows := []struct {
		id   string
		next time.Time
	}{
		{"s-none-1", time.Time{}},
		{"s-late-b", now.Add(-time.Hour)},
		{"s-now", now},
		{"s-future-1ms", now.Add(time.Millisecond)},
		{"s-late-a", now.Add(-time.Hour)},
		{"s-earliest", now.Add(-3 * time.Hour)},
		{"s-future", now.Add(time.Hour)},
		{"s-none-2", time.Time{}},
	}
	for i, r := range rows {
		tk := minimalTicket(r.id, "r1", "u1", at(time.Duration(i)*time.Minute))
		tk.NextCheckAt = r.next
		tk.State = models.StateInProgress
		must(t, s.CreateTicket(ctx(t), tk), "CreateTicket "+r.id)
	}
	cases := []struct {
		name  string
		now   time.Time
		limit int
		want  []string
	}{
		{"due now, earliest first, ties by id", now, 0, []string{"s-earliest", "s-late-a", "s-late-b", "s-now"}},
		{"limit", now, 2, []string{"s-earliest", "s-late-a"}},
		{"limit above count", now, 10, []string{"s-earliest", "s-late-a", "s-late-b", "s-now"}},
		{"one millisecond later", now.Add(time.Millisecond), 0, []string{"s-earliest", "s-late-a", "s-late-b", "s-now", "s-future-1ms"}},
		{"before anything is due", now.Add(-4 * time.Hour), 0, nil},
		{"far future: all scheduled, never the unscheduled", now.Add(1000 * time.Hour), 0,
			[]string{"s-earliest", "s-late-a", "s-late-b", "s-now", "s-future-1ms", "s-future"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.FindSLADue(ctx(t), tc.now, tc.limit)
			must(t, err, "FindSLADue")
			wantEqual(t, "FindSLADue", tc.want, ids(got))
			for _, tk := range got {
				full, err := s.TicketByID(ctx(t), tk.ID)
				must(t, err, "TicketByID")
				wantEqual(t, "FindSLADue document", full, tk)
			}
		})
	}
}

var nearbyTests = []storeTest{{"Box", testNearby}}

func testNearby(t *testing.T, s app.Store) {
	stored := storeNearbyTickets(t, s)
	box := models.NearbyFilter{MinLat: 10.0, MaxLat: 10.1, MinLng: 105.0, MaxLng: 105.1}
	with := func(f func(*models.NearbyFilter)) models.NearbyFilter {
		b := box
		f(&b)
		return b
	}
	cases := []struct {
		name   string
		filter models.NearbyFilter
		want   []string
	}{
		{"box, edges inclusive", box, []string{"n-c1", "n-c2", "n-ne", "n-nw", "n-se", "n-sw"}},
		{"category", with(func(f *models.NearbyFilter) { f.Category = "cat-a" }), []string{"n-c1", "n-ne", "n-se", "n-sw"}},
		{"states", with(func(f *models.NearbyFilter) {
			f.States = []models.State{models.StateReceived, models.StateInProgress}
		}), []string{"n-c1", "n-ne", "n-nw", "n-sw"}},
		{"created strictly after", with(func(f *models.NearbyFilter) { f.CreatedAfter = at(2 * time.Hour) }), []string{"n-c1", "n-c2", "n-se"}},
		{"all filters", with(func(f *models.NearbyFilter) {
			f.Category, f.States, f.CreatedAfter = "cat-a", []models.State{models.StateReceived}, at(0)
		}), []string{"n-c1"}},
		{"point box", models.NearbyFilter{MinLat: 10.05, MaxLat: 10.05, MinLng: 105.05, MaxLng: 105.05}, []string{"n-c1", "n-c2"}},
		{"negative coordinates, edge", models.NearbyFilter{MinLat: -1, MaxLat: 0, MinLng: 0, MaxLng: 1}, []string{"n-far"}},
		{"empty area", models.NearbyFilter{MinLat: 20, MaxLat: 21, MinLng: 105, MaxLng: 106}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.FindNearby(ctx(t), tc.filter)
			must(t, err, "FindNearby")
			slices.SortFunc(got, func(a, b *models.Ticket) int { return cmp.Compare(a.ID, b.ID) })
			wantEqual(t, "FindNearby ids (any order)", tc.want, ids(got))
			var want []*models.Ticket
			for _, id := range tc.want {
				want = append(want, stored[id])
			}
			wantEqual(t, "FindNearby documents", want, got)
			places, err := s.NearbyPlaces(ctx(t), tc.filter)
			must(t, err, "NearbyPlaces")
			slices.SortFunc(places, func(a, b models.TicketPlace) int { return cmp.Compare(a.ID, b.ID) })
			var wantPlaces []models.TicketPlace
			for _, tk := range want {
				wantPlaces = append(wantPlaces, models.TicketPlace{ID: tk.ID, Location: models.Location{Lat: tk.Location.Lat, Lng: tk.Location.Lng}})
			}
			wantEqual(t, "NearbyPlaces", wantPlaces, places)
		})
	}
	t.Run("limit", func(t *testing.T) { checkNearbyLimit(t, s, with(func(f *models.NearbyFilter) { f.Limit = 2 })) })
}

// storeNearbyTickets stores tickets at the corners, edges and centre of the box from (10, 105)
// to (10.1, 105.1), just outside each edge and far away, and returns them by id.
func storeNearbyTickets(t *testing.T, s app.Store) map[string]*models.Ticket {
	t.Helper()
	rows := []struct {
		id       string
		lat, lng float64
		category string
		state    models.State
		created  time.Duration
	}{
		{"n-sw", 10.0, 105.0, "cat-a", models.StateReceived, 0},
		{"n-ne", 10.1, 105.1, "cat-a", models.StateInProgress, time.Hour},
		{"n-nw", 10.1, 105.0, "cat-b", models.StateReceived, 2 * time.Hour},
		{"n-se", 10.0, 105.1, "cat-a", models.StateClosed, 3 * time.Hour},
		{"n-c1", 10.05, 105.05, "cat-a", models.StateReceived, 4 * time.Hour},
		{"n-c2", 10.05, 105.05, "cat-b", models.StateAssigned, 5 * time.Hour},
		{"n-out-s", 9.9999999, 105.05, "cat-a", models.StateReceived, time.Hour},
		{"n-out-n", 10.1000001, 105.05, "cat-a", models.StateReceived, time.Hour},
		{"n-out-w", 10.05, 104.9999999, "cat-a", models.StateReceived, time.Hour},
		{"n-out-e", 10.05, 105.1000001, "cat-a", models.StateReceived, time.Hour},
		{"n-far", -0.5, 0, "cat-a", models.StateReceived, time.Hour},
	}
	stored := map[string]*models.Ticket{}
	for _, r := range rows {
		tk := minimalTicket(r.id, "r1", "u1", at(r.created))
		tk.Location = models.Location{Lat: r.lat, Lng: r.lng, AccuracyM: 10}
		tk.Category, tk.State = r.category, r.state
		must(t, s.CreateTicket(ctx(t), clone(tk)), "CreateTicket "+r.id)
		stored[r.id] = tk
	}
	return stored
}

// checkNearbyLimit checks that the box filter limited to 2 returns two different tickets of the
// box.
func checkNearbyLimit(t *testing.T, s app.Store, limited models.NearbyFilter) {
	t.Helper()
	got, err := s.FindNearby(ctx(t), limited)
	must(t, err, "FindNearby")
	if len(got) != 2 {
		t.Fatalf("FindNearby with limit 2 returned %d tickets", len(got))
	}
	for _, tk := range got {
		if !slices.Contains([]string{"n-c1", "n-c2", "n-ne", "n-nw", "n-se", "n-sw"}, tk.ID) {
			t.Errorf("FindNearby with limit returned %s, which is outside the box", tk.ID)
		}
	}
	if got[0].ID == got[1].ID {
		t.Errorf("FindNearby with limit returned %s twice", got[0].ID)
	}
}

var leaseTests = []storeTest{
	{"Sequence", testLeaseSequence},
	{"ConcurrentFree", testLeaseConcurrentFree},
	{"ConcurrentExpired", testLeaseConcurrentExpired},
}

func acquire(t *testing.T, s app.Store, name, holder string, now time.Time, want bool) {
	t.Helper()
	got, err := s.AcquireLease(ctx(t), name, holder, now, 5*time.Minute)
	must(t, err, "AcquireLease")
	if got != want {
		t.Fatalf("AcquireLease(%s, %s, t0+%v) = %v, want %v", name, holder, now.Sub(t0), got, want)
	}
}

func testLeaseSequence(t *testing.T, s app.Store) {
	const job = "sla-worker"
	ttl := 5 * time.Minute
	acquire(t, s, job, "A", at(0), true)                               // free
	acquire(t, s, job, "B", at(time.Minute), false)                    // A holds it until +5m
	acquire(t, s, job, "A", at(2*time.Minute), true)                   // renewal: A holds it until +7m
	acquire(t, s, job, "B", at(ttl), false)                            // the first expiry no longer applies
	acquire(t, s, job, "B", at(7*time.Minute-time.Millisecond), false) // one millisecond before expiry
	acquire(t, s, job, "B", at(7*time.Minute), true)                   // expired exactly now: B takes it until +12m
	acquire(t, s, job, "A", at(8*time.Minute), false)                  // now B holds it
	acquire(t, s, "other-job", "A", at(8*time.Minute), true)           // leases are independent
	acquire(t, s, job, "B", at(9*time.Minute), true)                   // B renews until +14m
	acquire(t, s, job, "A", at(13*time.Minute), false)
	acquire(t, s, "other-job", "B", at(9*time.Minute), false)
	acquire(t, s, job, "A", at(time.Hour), true) // long expired
}

func testLeaseConcurrentFree(t *testing.T, s app.Store) {
	raceForLease(t, s, "race", at(0))
}

func testLeaseConcurrentExpired(t *testing.T, s app.Store) {
	acquire(t, s, "race", "old-holder", at(0), true)
	raceForLease(t, s, "race", at(5*time.Minute)) // exactly at expiry
}

// raceForLease lets 10 holders ask for the lease at the same instant: exactly one may win, and
// afterwards only the winner may renew.
func raceForLease(t *testing.T, s app.Store, name string, now time.Time) {
	t.Helper()
	const n = 10
	won := make([]bool, n)
	errs := make([]error, n)
	concurrently(n, func(i int) {
		won[i], errs[i] = s.AcquireLease(ctx(t), name, fmt.Sprintf("holder-%d", i), now, 5*time.Minute)
	})
	winner := -1
	for i := range n {
		must(t, errs[i], fmt.Sprintf("AcquireLease #%d", i))
		if won[i] {
			if winner >= 0 {
				t.Fatalf("holders %d and %d both acquired the lease", winner, i)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatalf("no holder acquired a free lease")
	}
	for i := range n {
		acquire(t, s, name, fmt.Sprintf("holder-%d", i), now.Add(time.Minute), i == winner)
	}
}

var auditTests = []storeTest{
	{"AppendAndDuplicate", testAuditAppend},
	{"Filters", testAuditFilters},
	{"Paging", testAuditPaging},
	{"Chain", testAuditChain},
	{"ChainConcurrent", testAuditChainConcurrent},
}

// auditSet appends eight records, several in the same millisecond, out of order, and returns
// them newest first (at desc, id desc).
func auditSet(t *testing.T, s app.Store) []models.AuditRecord {
	t.Helper()
	rec := func(id string, m int, actor string, role models.Role, action, ticket, subject, detail string) models.AuditRecord {
		return models.AuditRecord{ID: id, At: at(time.Duration(m) * time.Minute), ActorID: actor, Role: role,
			Action: action, Ticket: ticket, Subject: subject, Detail: detail}
	}
	all := []models.AuditRecord{
		rec("a-01", 0, "off-1", models.RoleOfficer, "reveal_reporter", "t1", "r1", "lý do: liên hệ xác minh"),
		rec("a-02", 1, "off-2", models.RoleLeader, "reveal_reporter", "t2", "r2", ""),
		rec("a-03", 1, "off-1", models.RoleOfficer, "login_locked", "", "", "5 lần sai mật khẩu"),
		rec("a-04", 1, "ioc-1", models.RoleIOCOperator, "reveal_reporter", "t1", "r1", ""),
		rec("a-05", 3, "off-1", models.RoleOfficer, "reveal_reporter", "t3", "r3", ""),
		rec("a-06", 5, "admin-1", models.RoleAdmin, "create_user", "", "off-3", "officer"),
		rec("a-07", 5, "off-2", models.RoleLeader, "reveal_reporter", "t1", "r1", ""),
		rec("a-08", 7, "off-1", models.RoleOfficer, "reveal_reporter", "t1", "r1", ""),
	}
	for _, i := range []int{4, 0, 7, 2, 5, 1, 6, 3} {
		must(t, s.AppendAudit(ctx(t), &all[i]), "AppendAudit "+all[i].ID) // sets Seq, PrevHash, Hash
	}
	slices.SortFunc(all, auditNewestFirst)
	return all
}

func auditNewestFirst(a, b models.AuditRecord) int {
	if c := b.At.Compare(a.At); c != 0 {
		return c
	}
	return cmp.Compare(b.ID, a.ID)
}

func auditMatching(all []models.AuditRecord, f models.AuditFilter) []models.AuditRecord {
	var out []models.AuditRecord
	for _, r := range all {
		switch {
		case f.ActorID != "" && r.ActorID != f.ActorID,
			f.Action != "" && r.Action != f.Action,
			f.Ticket != "" && r.Ticket != f.Ticket,
			f.Subject != "" && r.Subject != f.Subject,
			!f.From.IsZero() && r.At.Before(f.From),
			!f.To.IsZero() && !r.At.Before(f.To),
			f.Before != nil && auditNewestFirst(r, models.AuditRecord{At: f.Before.At, ID: f.Before.ID}) <= 0:
			continue
		}
		out = append(out, r)
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
	}
	return out
}

func auditIDs(list []models.AuditRecord) []string {
	out := make([]string, len(list))
	for i, r := range list {
		out[i] = r.ID
	}
	return out
}

func auditCursor(r models.AuditRecord) *models.AuditCursor {
	return &models.AuditCursor{At: r.At, ID: r.ID}
}

func testAuditAppend(t *testing.T, s app.Store) {
	got, err := s.FindAudit(ctx(t), models.AuditFilter{})
	must(t, err, "FindAudit empty")
	if len(got) != 0 {
		t.Fatalf("FindAudit on an empty store = %v", got)
	}
	all := auditSet(t, s)
	dup := all[3]
	dup.Action, dup.Detail, dup.At = "tampered", "overwrite attempt", at(time.Hour)
	wantCode(t, s.AppendAudit(ctx(t), &dup), models.EConflict, "AppendAudit duplicate id")
	got, err = s.FindAudit(ctx(t), models.AuditFilter{})
	must(t, err, "FindAudit")
	wantEqual(t, "FindAudit after a rejected duplicate", all, got)
}

func testAuditFilters(t *testing.T, s app.Store) {
	all := auditSet(t, s)
	byAuditID := func(id string) models.AuditRecord {
		for _, r := range all {
			if r.ID == id {
				return r
			}
		}
		panic("no audit record " + id)
	}
	cases := []struct {
		name   string
		filter models.AuditFilter
		want   int
	}{
		{"everything", models.AuditFilter{}, 8},
		{"limit", models.AuditFilter{Limit: 3}, 3},
		{"actor", models.AuditFilter{ActorID: "off-1"}, 4},
		{"action", models.AuditFilter{Action: "reveal_reporter"}, 6},
		{"ticket", models.AuditFilter{Ticket: "t1"}, 4},
		{"actor and ticket", models.AuditFilter{ActorID: "off-1", Ticket: "t1"}, 2},
		{"subject", models.AuditFilter{Subject: "r1"}, 4},
		{"subject and actor", models.AuditFilter{Subject: "r1", ActorID: "off-2"}, 1},
		{"unknown actor", models.AuditFilter{ActorID: "nobody"}, 0},
		{"from (inclusive)", models.AuditFilter{From: at(time.Minute)}, 7},
		{"to (exclusive)", models.AuditFilter{To: at(5 * time.Minute)}, 5},
		{"from and to", models.AuditFilter{From: at(time.Minute), To: at(5 * time.Minute)}, 4},
		{"before a tie member", models.AuditFilter{Before: auditCursor(byAuditID("a-03"))}, 2},
		{"before a tie member, limited", models.AuditFilter{Before: auditCursor(byAuditID("a-07")), Limit: 2}, 2},
		{"before a tie member, all", models.AuditFilter{Before: auditCursor(byAuditID("a-07"))}, 6},
		{"before a time", models.AuditFilter{Before: &models.AuditCursor{At: at(2 * time.Minute)}}, 4},
		{"before and action", models.AuditFilter{Before: auditCursor(byAuditID("a-04")), Action: "reveal_reporter"}, 2},
		{"before the oldest", models.AuditFilter{Before: auditCursor(all[len(all)-1])}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := auditMatching(all, tc.filter)
			if len(want) != tc.want {
				t.Fatalf("fixture: %d records match (%v), the case expects %d", len(want), auditIDs(want), tc.want)
			}
			got, err := s.FindAudit(ctx(t), tc.filter)
			must(t, err, "FindAudit")
			wantEqual(t, "FindAudit ids", auditIDs(want), auditIDs(got))
			wantEqual(t, "FindAudit records", want, got)
		})
	}
}

func testAuditPaging(t *testing.T, s app.Store) {
	all := auditSet(t, s)
	for _, f := range []models.AuditFilter{{}, {Action: "reveal_reporter"}} {
		for _, limit := range []int{1, 3} {
			t.Run(fmt.Sprintf("action=%q limit=%d", f.Action, limit), func(t *testing.T) {
				want := auditMatching(all, f)
				var got []models.AuditRecord
				page := f
				page.Limit = limit
				for range len(all) + 2 {
					list, err := s.FindAudit(ctx(t), page)
					must(t, err, "FindAudit")
					if len(list) > limit {
						t.Fatalf("page of %d records with limit %d", len(list), limit)
					}
					got = append(got, list...)
					if len(list) < limit {
						break
					}
					page.Before = auditCursor(list[len(list)-1])
				}
				wantEqual(t, "pages", auditIDs(want), auditIDs(got))
			})
		}
	}
}

// testAuditChain: appends number the records 1, 2, … in append order, each carrying the hash
// of the one before; AuditChain lists them in that order, after a sequence number and limited;
// the chain verifies; a rejected duplicate takes no number.
func testAuditChain(t *testing.T, s app.Store) {
	all := auditSet(t, s)
	dup := all[0]
	wantCode(t, s.AppendAudit(ctx(t), &dup), models.EConflict, "AppendAudit duplicate id")
	chain, err := s.AuditChain(ctx(t), 0, 0)
	must(t, err, "AuditChain")
	if len(chain) != len(all) {
		t.Fatalf("AuditChain: %d records, want %d", len(chain), len(all))
	}
	order := []string{"a-05", "a-01", "a-08", "a-03", "a-06", "a-02", "a-07", "a-04"} // auditSet's append order
	prev := ""
	for i, r := range chain {
		if r.Seq != int64(i+1) || r.ID != order[i] || r.PrevHash != prev || r.Hash != models.AuditChainHash(r) {
			t.Fatalf("chain[%d] = seq %d id %s prev %q hash %q; want seq %d id %s prev %q and a matching hash",
				i, r.Seq, r.ID, r.PrevHash, r.Hash, i+1, order[i], prev)
		}
		prev = r.Hash
	}
	got, err := s.AuditChain(ctx(t), 3, 2)
	must(t, err, "AuditChain after 3, limit 2")
	wantEqual(t, "AuditChain after 3, limit 2", chain[3:5], got)
	n, err := app.VerifyAuditChain(ctx(t), s)
	if err != nil || n != int64(len(all)) {
		t.Fatalf("VerifyAuditChain = %d, %v; want %d, nil", n, err, len(all))
	}
	found, err := s.FindAudit(ctx(t), models.AuditFilter{})
	must(t, err, "FindAudit")
	wantEqual(t, "FindAudit returns the chain fields", all, found)
}

// testAuditChainConcurrent: appends racing each other still number the records without gaps or
// duplicates, and the chain verifies.
func testAuditChainConcurrent(t *testing.T, s app.Store) {
	const n = 24
	errs := make([]error, n)
	concurrently(n, func(i int) {
		errs[i] = s.AppendAudit(ctx(t), &models.AuditRecord{ID: fmt.Sprintf("c-%02d", i), At: at(time.Duration(i) * time.Second),
			ActorID: "admin-1", Role: models.RoleAdmin, Action: "user_update", Subject: fmt.Sprintf("u-%d", i)})
	})
	for i, err := range errs {
		must(t, err, fmt.Sprintf("AppendAudit c-%02d", i))
	}
	got, err := app.VerifyAuditChain(ctx(t), s)
	if err != nil || got != n {
		t.Fatalf("VerifyAuditChain after concurrent appends = %d, %v; want %d, nil", got, err, n)
	}
}

// AuditTamper changes the stored audit log behind the store's back, as someone with access to
// the database could: each store's test implements it with its own driver.
type AuditTamper struct {
	// Edit sets the detail of the record id.
	Edit func(t *testing.T, s app.Store, id, detail string)
	// Delete removes the record id.
	Delete func(t *testing.T, s app.Store, id string)
}

// RunAuditTamper checks that VerifyAuditChain names the first record of a chain broken by an
// edit or a deletion made through tamper.
func RunAuditTamper(t *testing.T, open func(t *testing.T) app.Store, tamper AuditTamper) {
	cases := []struct {
		name    string
		change  func(t *testing.T, s app.Store)
		wantSeq int64
	}{
		{"Edit", func(t *testing.T, s app.Store) { tamper.Edit(t, s, "a-08", "nothing to see") }, 3},
		{"Delete", func(t *testing.T, s app.Store) { tamper.Delete(t, s, "a-03") }, 5},
		{"DeleteFirst", func(t *testing.T, s app.Store) { tamper.Delete(t, s, "a-05") }, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			auditSet(t, s)
			tc.change(t, s)
			_, err := app.VerifyAuditChain(ctx(t), s)
			var b *app.AuditBreak
			if !errors.As(err, &b) || b.Seq != tc.wantSeq {
				t.Fatalf("VerifyAuditChain after %s = %v; want a break at record %d", tc.name, err, tc.wantSeq)
			}
		})
	}
}
