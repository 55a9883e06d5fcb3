package sqlite

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"phananh/models"
)

// planCase is a query as the store runs it and the index its plan must use.
type planCase struct {
	index string
	query string
	args  []any
	sort  bool // the plan may sort (GROUP BY over few rows, or a sort the index cannot spare)
}

// perTicketPlanCases are the queries that the indexes of the tables growing with every ticket
// serve (docs/SQLITE-INDEXES.md), built as the store builds them where it has a builder.
func perTicketPlanCases() []planCase {
	t0 := time.Date(2025, 3, 14, 2, 26, 53, 589_000_000, time.UTC)
	after := &models.QueueCursor{DueAt: t0, ID: "t1"}
	open := []models.State{models.StateReceived, models.StateAssigned, models.StateInProgress, models.StateAwaitingInfo}
	running := open[:3]
	c := func(index string, sort bool) func(string, []any) planCase {
		return func(q string, args []any) planCase { return planCase{index, q, args, sort} }
	}
	stats := models.StatsQuery{From: "2025-01-01", To: "2025-12-31", Unit: "u1", Now: t0}
	facts, fargs := factsWhere(stats)
	// A summary filtered by one dimension: the days of its partial months (one part of the bucket
	// counts), and the durations of one bucket.
	partial := stats
	partial.To = "2025-01-20"
	days := histogram{q: partial}
	days.filteredDays("n", partial.From, partial.To)
	return []planCase{
		{"sqlite_autoindex_tickets_1", `SELECT doc FROM tickets WHERE id = ?`, []any{"t1"}, false},
		{"tickets_idempotency_key", `SELECT doc FROM tickets WHERE idempotency_key = ?`, []any{"k"}, false},
		{"tickets_reporter", `SELECT doc FROM tickets WHERE reporter_id = ? AND (created_at, id) < (?, ?)
			ORDER BY created_at DESC, id DESC LIMIT ?`, []any{"r", 0, "", 20}, false},
		{"tickets_created", `SELECT doc FROM tickets WHERE 1 = 1 AND (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT ?`,
			[]any{0, "", 500}, false},
		c("tickets_open_unit_due", false)(queueQuery(models.QueueFilter{UnitIDs: []string{"u1"}, States: open, After: after, Limit: 21})),
		c("tickets_open_due", false)(queueQuery(models.QueueFilter{States: open, Limit: 21})),
		c("tickets_unit_state_due", false)(queueQuery(models.QueueFilter{UnitIDs: []string{"u1"}, States: []models.State{models.StateResolved}, Limit: 21})),
		// Counts per state of a queue with a deadline filter (CountByState beyond ticket_counts):
		// with statistics the planner may take the unit's deadline range of tickets_unit_due.
		{"tickets_unit_state_due|tickets_unit_due", `SELECT state, COUNT(*) FROM tickets WHERE unit_id IN (?) AND due_at < ?
			GROUP BY state`, []any{"u1", 0}, true},
		c("tickets_unit_due", false)(queueQuery(models.QueueFilter{UnitIDs: []string{"u1"}, States: running, DueBefore: t0, Limit: 21})),
		c("tickets_due", false)(queueQuery(models.QueueFilter{States: running, DueBefore: t0, Limit: 21})),
		c("tickets_open_nearby", false)(nearbyQuery("doc", models.NearbyFilter{MinLat: 10, MaxLat: 10.01, MinLng: 105, MaxLng: 105.01,
			Category: "c", States: open, CreatedAfter: t0, Limit: 500})),
		c("tickets_open_nearby", false)(nearbyQuery("id, lat, lng", models.NearbyFilter{MinLat: 10, MaxLat: 10.01, MinLng: 105, MaxLng: 105.01,
			Category: "c", States: open, CreatedAfter: t0, Limit: 500})),
		c("tickets_next_check", false)(slaQuery(t0, 100)),
		c("tickets_unapplied", false)(unappliedQuery(100)),
		{"tickets_updated", `SELECT doc FROM tickets WHERE updated_at >= ? AND updated_at < ? AND 1 = 1
			AND (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT ?`, []any{ms(t0), ms(t0.Add(time.Hour)), 0, "", 500}, true},
		{"PRIMARY KEY", `SELECT state, SUM(n) FROM ticket_counts WHERE unit_id IN (?) GROUP BY state HAVING SUM(n) > 0`,
			[]any{"u1"}, true},
		{"PRIMARY KEY", `SELECT t.doc FROM ticket_followers f JOIN tickets t ON t.id = f.ticket_id WHERE f.user_id = ?
			ORDER BY f.created_at DESC, f.ticket_id DESC LIMIT ?`, []any{"u1", 20}, false},
		{"ticket_followers_ticket", `DELETE FROM ticket_followers WHERE ticket_id = ?`, []any{"t1"}, false},
		{"sqlite_autoindex_feed_1", `SELECT 1 FROM feed WHERE ticket_id = ? AND version = ?`, []any{"t1", 1}, false},
		{"INTEGER PRIMARY KEY", `SELECT position FROM feed WHERE position > ? ORDER BY position LIMIT ?`, []any{0, 100}, false},
		{"sqlite_autoindex_push_outbox_1", `SELECT doc FROM push_outbox WHERE id = ?`, []any{"m"}, false},
		// The claim: on a fresh database the planner seeks the queued messages through
		// push_outbox_state and sorts them; with statistics it may walk push_outbox_due instead.
		{"push_outbox_due|push_outbox_state", `SELECT id FROM push_outbox WHERE state = 'queued' AND next_attempt_at <= ? AND lease_until <= ?
			ORDER BY next_attempt_at, id LIMIT ?`, []any{0, 0, 500}, true},
		{"push_outbox_state", `SELECT MIN(created_at) FROM push_outbox WHERE state = ?`, []any{"queued"}, false},
		{"push_outbox_done", `DELETE FROM push_outbox INDEXED BY push_outbox_done WHERE done_at < ?`, []any{0}, false},
		{"stats_facts_ticket", `SELECT version FROM stats_facts WHERE ticket_id = ?`, []any{"t1"}, false},
		{"stats_facts_running", `SELECT unit_id, COUNT(*) FROM stats_facts INDEXED BY stats_facts_running` + facts +
			` AND is_running = 1 AND due_at < ? GROUP BY 1`, append(slices.Clone(fargs), ms(t0)), true},
		{"stats_facts_running_by_due", `SELECT created_day, COUNT(*) FROM stats_facts INDEXED BY stats_facts_running_by_due
			WHERE is_running = 1 AND due_at >= ? GROUP BY 1`, []any{ms(t0)}, true},
		{"stats_facts_resolved", `SELECT group_concat(resolve_ms) FROM stats_facts INDEXED BY stats_facts_resolved` + facts +
			` AND is_resolved = 1`, fargs, false},
		{"stats_facts_resolved", days.parts[0], days.args, true},
		c("stats_facts_resolve_bucket", false)(bucketDurationsQuery(stats, 817)),
		{"stats_facts_running", `SELECT '', COUNT(*) FROM stats_facts INDEXED BY stats_facts_running` + facts +
			` AND is_running = 1 AND due_at >= ? GROUP BY 1`, append(slices.Clone(fargs), ms(t0)), true},
		c("stats_facts_resolve_bucket", false)(bucketDurationsQuery(models.StatsQuery{From: "2025-01-01"}, 501)),
	}
}

// TestIndexesServeQueries checks every index of the tables that grow with every ticket (the
// tickets, their statistics facts, feed entries, outbox messages and followers) against the
// queries it is there for: each such query's plan uses its index and scans no table whole, and
// each index has a query. A new index without a query here, or a query the planner stops
// serving from its index, fails; docs/SQLITE-INDEXES.md says which caller runs each query.
//
// The plans are those of a fresh database, without statistics. PHANANH_PLANS_DB names a copy of
// a generated one instead (bench/cmd/gen, which runs ANALYZE), to check the plans a full city's
// statistics give; the test migrates that copy.
func TestIndexesServeQueries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	if p := os.Getenv("PHANANH_PLANS_DB"); p != "" {
		path = p
	}
	s := openTemp(t, path)
	defer s.Close()
	cases := perTicketPlanCases()
	fullScan := regexp.MustCompile(`SCAN (tickets|stats_facts)( AS \w+)?($|;)`)
	for _, tc := range cases {
		p := strings.Join(queryPlan(t, s, tc.query, tc.args), "; ")
		uses := slices.ContainsFunc(strings.Split(tc.index, "|"), func(ix string) bool {
			return regexp.MustCompile(`(INDEX|USING) ` + regexp.QuoteMeta(ix) + `( |;|$)`).MatchString(p)
		})
		if !uses || fullScan.MatchString(p) || (!tc.sort && strings.Contains(p, "TEMP B-TREE")) {
			t.Errorf("%s\nplan: %s\nwant %s without a full scan%s", tc.query, p, tc.index, map[bool]string{false: " or a sort"}[tc.sort])
		}
	}
	rows, err := s.r.QueryContext(t.Context(), `SELECT name FROM sqlite_schema WHERE type = 'index'
		AND tbl_name IN ('tickets', 'stats_facts', 'feed', 'push_outbox', 'ticket_followers') ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(cases, func(c planCase) bool { return slices.Contains(strings.Split(c.index, "|"), name) }) {
			t.Errorf("index %s serves no query of perTicketPlanCases: drop it, or add its query here and to docs/SQLITE-INDEXES.md", name)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
