package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"phananh/models"
)

// PutFact upserts the fact of f.TicketID; the ON CONFLICT … WHERE keeps a fact computed from a
// newer ticket version (a slower writer holding an older copy changes nothing).
//
// The daily rollup of the fact's (day, area, unit, category, group) is adjusted in the same
// transaction: the old fact's indicators are taken out of its rollup row and the new fact's
// added, so the rollups always equal a recount of the facts.
func (s *Store) PutFact(ctx context.Context, f *models.TicketFact) error {
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var old models.TicketFact
		var grp string
		err := tx.QueryRowContext(ctx, `SELECT version, created_day, area_code, unit_id, category, grp, is_open,
			is_resolved, is_rejected, is_on_time, is_late_ext, is_rated, is_satisfied, is_reopened, is_ever_resolved
			FROM stats_facts WHERE ticket_id = ?`, f.TicketID).Scan(&old.Version, &old.CreatedDay, &old.AreaCode,
			&old.UnitID, &old.Category, &grp, &old.IsOpen, &old.IsResolved, &old.IsRejected, &old.IsOnTime,
			&old.IsLateExt, &old.IsRated, &old.IsSatisfied, &old.IsReopened, &old.IsEverResolved)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case old.Version > f.Version:
			return nil // a newer fact is stored: keep it
		default:
			old.Group = models.Group(grp)
			if err := addRollup(ctx, tx, &old, -1); err != nil {
				return err
			}
		}
		if err := putFact(ctx, tx, f); err != nil {
			return err
		}
		return addRollup(ctx, tx, f, 1)
	})
	return translate(err, "put fact", "fact")
}

// rollupColumns are the counters of stats_daily, summed from the fact indicators of the same
// name (received counts facts).
const rollupColumns = `received, open, resolved, rejected, on_time, late_ext, rated, satisfied, reopened, ever_resolved`

// addRollup adds sign × the indicators of f to its daily rollup row, and drops the row when no
// fact is left in it, so that the rollups hold exactly the groups that have facts.
func addRollup(ctx context.Context, ex execer, f *models.TicketFact, sign int) error {
	_, err := ex.ExecContext(ctx, `INSERT INTO stats_daily (created_day, area_code, unit_id, category, grp, `+rollupColumns+`)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (created_day, area_code, unit_id, category, grp) DO UPDATE SET
		received = received + excluded.received, open = open + excluded.open, resolved = resolved + excluded.resolved,
		rejected = rejected + excluded.rejected, on_time = on_time + excluded.on_time,
		late_ext = late_ext + excluded.late_ext, rated = rated + excluded.rated,
		satisfied = satisfied + excluded.satisfied, reopened = reopened + excluded.reopened,
		ever_resolved = ever_resolved + excluded.ever_resolved`,
		f.CreatedDay, f.AreaCode, f.UnitID, f.Category, string(f.Group), sign, sign*f.IsOpen, sign*f.IsResolved,
		sign*f.IsRejected, sign*f.IsOnTime, sign*f.IsLateExt, sign*f.IsRated, sign*f.IsSatisfied, sign*f.IsReopened,
		sign*f.IsEverResolved)
	if err != nil || sign > 0 {
		return err
	}
	_, err = ex.ExecContext(ctx, `DELETE FROM stats_daily WHERE created_day = ? AND area_code = ? AND unit_id = ?
		AND category = ? AND grp = ? AND received = 0`, f.CreatedDay, f.AreaCode, f.UnitID, f.Category, string(f.Group))
	return err
}

// RebuildRollups recomputes every daily rollup row from the facts in one transaction.
func (s *Store) RebuildRollups(ctx context.Context) error {
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM stats_daily`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO stats_daily (created_day, area_code, unit_id, category, grp, `+rollupColumns+`)
			SELECT created_day, area_code, unit_id, category, grp, COUNT(*), SUM(is_open), SUM(is_resolved),
			SUM(is_rejected), SUM(is_on_time), SUM(is_late_ext), SUM(is_rated), SUM(is_satisfied), SUM(is_reopened),
			SUM(is_ever_resolved) FROM stats_facts GROUP BY 1, 2, 3, 4, 5`)
		return err
	})
	return translate(err, "rebuild rollups", "fact")
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

// DeleteFacts removes every fact and rollup.
func (s *Store) DeleteFacts(ctx context.Context) error {
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM stats_daily`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM stats_facts`)
		return err
	})
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

// AggregateFacts sums the daily rollups per group in one GROUP BY (a year is a few thousand
// rollup rows instead of hundreds of thousands of facts) and adds Overdue, which depends on the
// current time, from the facts whose deadline runs: the (is_running, created_day, …) index
// covers that count.
func (s *Store) AggregateFacts(ctx context.Context, q models.StatsQuery) ([]models.StatsCounts, error) {
	where, args := factsWhere(q)
	key := keyColumn(q.By)
	rows, err := s.r.QueryContext(ctx, `SELECT `+key+`, SUM(received), SUM(open), SUM(resolved), SUM(rejected),
		SUM(on_time), SUM(late_ext), SUM(rated), SUM(satisfied), SUM(reopened), SUM(ever_resolved)
		FROM stats_daily`+where+` GROUP BY 1 ORDER BY 1`, args...)
	if err != nil {
		return nil, translate(err, "aggregate facts", "fact")
	}
	defer rows.Close()
	var out []models.StatsCounts
	for rows.Next() {
		var c models.StatsCounts
		if err := rows.Scan(&c.Key, &c.Received, &c.Open, &c.Resolved, &c.Rejected, &c.OnTime,
			&c.LateWithExtension, &c.Rated, &c.Satisfied, &c.Reopened, &c.EverResolved); err != nil {
			return nil, translate(err, "aggregate facts", "fact")
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "aggregate facts", "fact")
	}
	if len(out) == 0 {
		return nil, nil
	}
	overdue, err := s.overdue(ctx, q)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Overdue = overdue[out[i].Key]
	}
	return out, nil
}

// overdue counts the running facts matching q whose deadline is before q.Now, per group key.
func (s *Store) overdue(ctx context.Context, q models.StatsQuery) (map[string]int, error) {
	where, args := factsWhere(q)
	if where == "" {
		where = " WHERE is_running = 1 AND due_at < ?"
	} else {
		where += " AND is_running = 1 AND due_at < ?"
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+keyColumn(q.By)+`, COUNT(*) FROM stats_facts`+where+` GROUP BY 1`,
		append(args, ms(q.Now))...)
	if err != nil {
		return nil, translate(err, "count overdue", "fact")
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, translate(err, "count overdue", "fact")
		}
		out[k] = n
	}
	return out, translate(rows.Err(), "count overdue", "fact")
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

// ResolveRanks reads each rank with ORDER BY resolve_ms LIMIT 1 OFFSET rank-1: SQLite scans the
// period's range of the (is_resolved, created_day, resolve_ms, …) covering index and keeps only
// the smallest rank values in its sorter, so no row crosses into Go but the answer.
func (s *Store) ResolveRanks(ctx context.Context, q models.StatsQuery, ranks []int) ([]int64, error) {
	where, args := factsWhere(q)
	if where == "" {
		where = " WHERE is_resolved = 1"
	} else {
		where += " AND is_resolved = 1"
	}
	out := make([]int64, len(ranks))
	for i, r := range ranks {
		err := s.r.QueryRowContext(ctx, `SELECT resolve_ms FROM stats_facts`+where+` ORDER BY resolve_ms LIMIT 1 OFFSET ?`,
			append(args, r-1)...).Scan(&out[i])
		if err != nil {
			return nil, translate(err, "resolve ranks", "fact")
		}
	}
	return out, nil
}

// AppendFeed inserts the entry unless (ticket, version) is already in the feed. All writes go
// through the one writer connection inside SQLite's write lock, so the rowid (the position) is
// taken and committed in one step: positions become visible strictly in order. The existence
// check is in the statement rather than an ON CONFLICT clause because a conflicting insert would
// still consume an AUTOINCREMENT number and leave a gap.
func (s *Store) AppendFeed(ctx context.Context, e *models.FeedEntry) error {
	_, err := s.exec(ctx, `INSERT INTO feed (ticket_id, code, version, at, action, from_state, to_state,
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
