package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"phananh/models"
)

// PutFact upserts the fact of f.TicketID; the ON CONFLICT … WHERE keeps a fact computed from a
// newer ticket version (a slower writer holding an older copy changes nothing).
func (s *Store) PutFact(ctx context.Context, f *models.TicketFact) error {
	return translate(putFact(ctx, s.w, f), "put fact", "fact")
}

// execer is what putFact needs of a connection or a transaction (bulk loads in tests).
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func putFact(ctx context.Context, ex execer, f *models.TicketFact) error {
	_, err := ex.ExecContext(ctx, `INSERT INTO stats_facts (ticket_id, version, boundary_set, area_code, unit_id,
		category, grp, created_day, created_at, state, outcome, triage_due_at, resolve_due_at, due_at, on_time_class,
		triage_ms, resolve_ms, rating, reopen_count, is_open, is_running, is_resolved, is_rejected, is_on_time,
		is_late_ext, is_rated, is_satisfied, is_reopened, is_ever_resolved)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (ticket_id) DO UPDATE SET version = excluded.version, boundary_set = excluded.boundary_set,
		area_code = excluded.area_code, unit_id = excluded.unit_id, category = excluded.category, grp = excluded.grp,
		created_day = excluded.created_day, created_at = excluded.created_at, state = excluded.state,
		outcome = excluded.outcome, triage_due_at = excluded.triage_due_at, resolve_due_at = excluded.resolve_due_at,
		due_at = excluded.due_at, on_time_class = excluded.on_time_class, triage_ms = excluded.triage_ms,
		resolve_ms = excluded.resolve_ms, rating = excluded.rating, reopen_count = excluded.reopen_count,
		is_open = excluded.is_open, is_running = excluded.is_running, is_resolved = excluded.is_resolved,
		is_rejected = excluded.is_rejected, is_on_time = excluded.is_on_time, is_late_ext = excluded.is_late_ext,
		is_rated = excluded.is_rated, is_satisfied = excluded.is_satisfied, is_reopened = excluded.is_reopened,
		is_ever_resolved = excluded.is_ever_resolved
		WHERE excluded.version >= stats_facts.version`,
		f.TicketID, f.Version, f.BoundarySet, f.AreaCode, f.UnitID, f.Category, string(f.Group), f.CreatedDay,
		ms(f.CreatedAt), string(f.State), string(f.Outcome), ms(f.TriageDueAt), ms(f.ResolveDueAt), ms(f.DueAt),
		string(f.OnTimeClass), f.TriageMs, f.ResolveMs, f.Rating, f.ReopenCount, f.IsOpen, f.IsRunning, f.IsResolved,
		f.IsRejected, f.IsOnTime, f.IsLateExt, f.IsRated, f.IsSatisfied, f.IsReopened, f.IsEverResolved)
	return err
}

// DeleteFacts removes every fact.
func (s *Store) DeleteFacts(ctx context.Context) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM stats_facts`)
	return translate(err, "delete facts", "fact")
}

// factsWhere renders the filters of q.
func factsWhere(q models.StatsQuery) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, v any) { where = append(where, cond); args = append(args, v) }
	if q.From != "" {
		add("created_day >= ?", q.From)
	}
	if q.To != "" {
		add("created_day <= ?", q.To)
	}
	if q.Area != "" {
		add("area_code = ?", q.Area)
	}
	if q.Unit != "" {
		add("unit_id = ?", q.Unit)
	}
	if q.Category != "" {
		add("category = ?", q.Category)
	}
	if q.Group != "" {
		add("grp = ?", string(q.Group))
	}
	if len(where) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

// keyColumn is the column of a grouping dimension (” when not grouped).
func keyColumn(by models.StatsDimension) string {
	switch by {
	case models.ByArea:
		return "area_code"
	case models.ByUnit:
		return "unit_id"
	case models.ByDay:
		return "created_day"
	}
	return "''"
}

// AggregateFacts sums the indicators per group in one GROUP BY.
func (s *Store) AggregateFacts(ctx context.Context, q models.StatsQuery) ([]models.StatsCounts, error) {
	where, args := factsWhere(q)
	key := keyColumn(q.By)
	rows, err := s.r.QueryContext(ctx, `SELECT `+key+`, COUNT(*), SUM(is_open), SUM(is_resolved), SUM(is_rejected),
		SUM(CASE WHEN is_running = 1 AND due_at < ? THEN 1 ELSE 0 END), SUM(is_on_time), SUM(is_late_ext), SUM(is_rated),
		SUM(is_satisfied), SUM(is_reopened), SUM(is_ever_resolved)
		FROM stats_facts`+where+` GROUP BY 1 ORDER BY 1`, append([]any{ms(q.Now)}, args...)...)
	if err != nil {
		return nil, translate(err, "aggregate facts", "fact")
	}
	defer rows.Close()
	var out []models.StatsCounts
	for rows.Next() {
		var c models.StatsCounts
		if err := rows.Scan(&c.Key, &c.Received, &c.Open, &c.Resolved, &c.Rejected, &c.Overdue, &c.OnTime,
			&c.LateWithExtension, &c.Rated, &c.Satisfied, &c.Reopened, &c.EverResolved); err != nil {
			return nil, translate(err, "aggregate facts", "fact")
		}
		out = append(out, c)
	}
	return out, translate(rows.Err(), "aggregate facts", "fact")
}

// ResolveTimes lists the resolve durations of the resolved facts matching q.
func (s *Store) ResolveTimes(ctx context.Context, q models.StatsQuery) ([]models.KeyedDuration, error) {
	where, args := factsWhere(q)
	if where == "" {
		where = " WHERE is_resolved = 1"
	} else {
		where += " AND is_resolved = 1"
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+keyColumn(q.By)+`, resolve_ms FROM stats_facts`+where, args...)
	if err != nil {
		return nil, translate(err, "resolve times", "fact")
	}
	defer rows.Close()
	var out []models.KeyedDuration
	for rows.Next() {
		var d models.KeyedDuration
		if err := rows.Scan(&d.Key, &d.Ms); err != nil {
			return nil, translate(err, "resolve times", "fact")
		}
		out = append(out, d)
	}
	return out, translate(rows.Err(), "resolve times", "fact")
}

// AppendFeed inserts the entry unless (ticket, version) is already in the feed. All writes go
// through the one writer connection inside SQLite's write lock, so the rowid (the position) is
// taken and committed in one step: positions become visible strictly in order. The existence
// check is in the statement rather than an ON CONFLICT clause because a conflicting insert would
// still consume an AUTOINCREMENT number and leave a gap.
func (s *Store) AppendFeed(ctx context.Context, e *models.FeedEntry) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO feed (ticket_id, code, version, at, action, from_state, to_state,
		area_code, unit_id, category) SELECT ?,?,?,?,?,?,?,?,?,?
		WHERE NOT EXISTS (SELECT 1 FROM feed WHERE ticket_id = ? AND version = ?)`,
		e.TicketID, e.Code, e.Version, ms(e.At), e.Action, string(e.From), string(e.To), e.AreaCode, e.UnitID, e.Category,
		e.TicketID, e.Version)
	return translate(err, "append feed", "feed entry")
}

// FeedAfter lists entries after a position in position order.
func (s *Store) FeedAfter(ctx context.Context, after int64, limit int) ([]models.FeedEntry, error) {
	q, args := withLimit(`SELECT position, ticket_id, code, version, at, action, from_state, to_state, area_code,
		unit_id, category FROM feed WHERE position > ? ORDER BY position`, []any{after}, limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, translate(err, "feed", "feed entry")
	}
	defer rows.Close()
	var out []models.FeedEntry
	for rows.Next() {
		var e models.FeedEntry
		var at int64
		var from, to string
		if err := rows.Scan(&e.Position, &e.TicketID, &e.Code, &e.Version, &at, &e.Action, &from, &to, &e.AreaCode,
			&e.UnitID, &e.Category); err != nil {
			return nil, translate(err, "feed", "feed entry")
		}
		e.At, e.From, e.To = fromMs(at), models.State(from), models.State(to)
		out = append(out, e)
	}
	return out, translate(rows.Err(), "feed", "feed entry")
}
