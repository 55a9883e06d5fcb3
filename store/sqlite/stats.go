package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"phananh/models"
)

// PutFact upserts the fact of f.TicketID; the ON CONFLICT … WHERE keeps a fact computed from a
// newer ticket version (a slower writer holding an older copy changes nothing).
//
// The rollups of the fact (migrations 0011, 0012, 0022 and 0035) are adjusted in the same transaction: the
// old fact's indicators are taken out of its rollup rows and the new fact's added, so the
// rollups always equal a recount of the facts.
func (s *Store) PutFact(ctx context.Context, f *models.TicketFact) error {
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var old models.TicketFact
		var grp, channel string
		err := tx.QueryRowContext(ctx, `SELECT version, created_day, boundary_set, area_code, unit_id, category, grp, channel,
			is_open, is_resolved, is_rejected, is_on_time, is_late_ext, is_rated, is_satisfied, is_reopened,
			is_ever_resolved, resolve_ms, is_running, is_on_time_e2e FROM stats_facts WHERE ticket_id = ?`, f.TicketID).Scan(&old.Version,
			&old.CreatedDay, &old.BoundarySet, &old.AreaCode, &old.UnitID, &old.Category, &grp, &channel, &old.IsOpen, &old.IsResolved, &old.IsRejected, &old.IsOnTime,
			&old.IsLateExt, &old.IsRated, &old.IsSatisfied, &old.IsReopened, &old.IsEverResolved, &old.ResolveMs,
			&old.IsRunning, &old.IsOnTimeE2E)
		// Most rewrites of a resolved fact (rating, closing) keep its duration: its bucket counts
		// stay as they are.
		durations := true
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case old.Version > f.Version:
			return nil // a newer fact is stored: keep it
		default:
			old.Group, old.Channel = models.Group(grp), models.Channel(channel)
			durations = old.IsResolved != f.IsResolved || old.CreatedDay != f.CreatedDay ||
				(f.IsResolved == 1 && (old.ResolveMs != f.ResolveMs || resolveDims(&old) != resolveDims(f)))
			if err := addRollup(ctx, tx, &old, -1, durations); err != nil {
				return err
			}
		}
		if err := putFact(ctx, tx, f); err != nil {
			return err
		}
		return addRollup(ctx, tx, f, 1, durations)
	})
	return translate(err, "put fact", "fact")
}

// rollupColumns are the counters of stats_daily and stats_days, summed from the fact
// indicators of the same name (received counts facts).
const rollupColumns = `received, open, resolved, rejected, on_time, late_ext, rated, satisfied, reopened, ever_resolved,
	on_time_e2e`

// rollupSums adds the counters of a conflicting insert into a rollup row.
const rollupSums = `received = received + excluded.received, open = open + excluded.open,
	resolved = resolved + excluded.resolved, rejected = rejected + excluded.rejected,
	on_time = on_time + excluded.on_time, late_ext = late_ext + excluded.late_ext, rated = rated + excluded.rated,
	satisfied = satisfied + excluded.satisfied, reopened = reopened + excluded.reopened,
	ever_resolved = ever_resolved + excluded.ever_resolved, on_time_e2e = on_time_e2e + excluded.on_time_e2e`

// bucketExpr is the resolve-duration bucket of a fact: the number of decimal digits and the two
// leading digits of resolve_ms, 0 below 100 ms, so buckets increase with the duration. It is
// written as in the stats_facts_resolve_bucket index of migration 0012 (SQLite uses an index on
// an expression only for that expression).
const bucketExpr = `(CASE WHEN resolve_ms < 100 THEN 0 ELSE length(resolve_ms) * 100 + CAST(substr(resolve_ms, 1, 2) AS INTEGER) END)`

// addRollup adds sign × the indicators of f to its rollup rows (and, with durations, its resolve
// duration to the bucket counts of its day and month when f is resolved), and drops rows whose
// count falls to 0, so that the rollups hold exactly the groups that have facts.
func addRollup(ctx context.Context, tx *sql.Tx, f *models.TicketFact, sign int, durations bool) error {
	counters := []any{sign, sign * f.IsOpen, sign * f.IsResolved, sign * f.IsRejected, sign * f.IsOnTime,
		sign * f.IsLateExt, sign * f.IsRated, sign * f.IsSatisfied, sign * f.IsReopened, sign * f.IsEverResolved,
		sign * f.IsOnTimeE2E}
	_, err := tx.ExecContext(ctx, `INSERT INTO stats_daily (created_day, boundary_set, area_code, unit_id, category, grp, channel, `+
		rollupColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (created_day, boundary_set, area_code, unit_id, category, grp, channel) DO UPDATE SET `+rollupSums,
		append([]any{f.CreatedDay, f.BoundarySet, f.AreaCode, f.UnitID, f.Category, string(f.Group), string(f.Channel.OrApp())}, counters...)...)
	if err != nil {
		return err
	}
	var left int
	err = tx.QueryRowContext(ctx, `INSERT INTO stats_days (created_day, `+rollupColumns+`, running)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (created_day) DO UPDATE SET `+rollupSums+`, running = running + excluded.running RETURNING received`,
		append(append([]any{f.CreatedDay}, counters...), sign*f.IsRunning)...).Scan(&left)
	if err != nil {
		return err
	}
	if left == 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM stats_days WHERE created_day = ?`, f.CreatedDay); err != nil {
			return err
		}
	}
	if err := addDimsRollup(ctx, tx, f, sign, append(counters, sign*f.IsRunning)); err != nil {
		return fmt.Errorf("stats_days_by: %w", err)
	}
	if sign < 0 {
		_, err = tx.ExecContext(ctx, `DELETE FROM stats_daily WHERE created_day = ? AND boundary_set = ? AND area_code = ?
			AND unit_id = ? AND category = ? AND grp = ? AND channel = ? AND received = 0`, f.CreatedDay, f.BoundarySet, f.AreaCode,
			f.UnitID, f.Category, string(f.Group), string(f.Channel.OrApp()))
		if err != nil {
			return err
		}
	}
	if !durations || f.IsResolved != 1 {
		return nil
	}
	return addBuckets(ctx, tx, f, sign)
}

// addDimsRollup adds the counters (rollupColumns, then running) of sign × f to its rows of
// stats_days_by, one per dimension (resolveDims) on its filing day and channel, in one
// statement, and drops those whose count falls to 0.
func addDimsRollup(ctx context.Context, tx *sql.Tx, f *models.TicketFact, sign int, counters []any) error {
	dims := resolveDims(f)
	channel := string(f.Channel.OrApp())
	var args []any
	for i, d := range dimNames {
		args = append(append(args, d, dims[i], f.CreatedDay, channel), counters...)
	}
	row := "(" + strings.Repeat("?, ", 3+len(counters)) + "?)"
	_, err := tx.ExecContext(ctx, `INSERT INTO stats_days_by (dim, value, created_day, channel, `+rollupColumns+`, running)
		VALUES `+strings.Repeat(row+", ", len(dimNames)-1)+row+`
		ON CONFLICT (dim, value, created_day, channel) DO UPDATE SET `+rollupSums+`, running = running + excluded.running`, args...)
	if err != nil || sign > 0 {
		return err
	}
	where, wargs := dimsWhere(f)
	_, err = tx.ExecContext(ctx, `DELETE FROM stats_days_by WHERE `+where+` AND created_day = ? AND channel = ? AND received = 0`,
		append(wargs, f.CreatedDay, channel)...)
	return err
}

// dimNames are the dimensions of stats_days_by and stats_resolve_by, in the order of resolveDims.
var dimNames = []string{"area", "unit", "category", "group", "channel"}

// addBuckets adds sign × 1 to the bucket counts of the resolve duration of f: of its filing day
// and month, and of its month under each of its dimensions (stats_resolve_by, one statement).
// Rows whose count falls to 0 are deleted.
func addBuckets(ctx context.Context, tx *sql.Tx, f *models.TicketFact, sign int) error {
	month := monthOf(f.CreatedDay)
	for _, h := range []struct{ table, key, period string }{
		{"stats_resolve_days", "created_day", f.CreatedDay},
		{"stats_resolve_months", "month", month},
	} {
		var bucket int64
		var left int
		err := tx.QueryRowContext(ctx, `INSERT INTO `+h.table+` (`+h.key+`, bucket, n)
			SELECT ?1, `+bucketExpr+`, ?2 FROM (SELECT ?3 AS resolve_ms) WHERE true
			ON CONFLICT (`+h.key+`, bucket) DO UPDATE SET n = n + excluded.n RETURNING bucket, n`,
			h.period, sign, f.ResolveMs).Scan(&bucket, &left)
		if err != nil {
			return fmt.Errorf("%s: %w", h.table, err)
		}
		if left == 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+h.table+` WHERE `+h.key+` = ? AND bucket = ?`,
				h.period, bucket); err != nil {
				return fmt.Errorf("%s: %w", h.table, err)
			}
		}
	}
	keys, args := dimKeys(f, month)
	_, err := tx.ExecContext(ctx, `INSERT INTO stats_resolve_by (dim, value, month, bucket, n)
		SELECT k.column1, k.column2, k.column3, `+bucketExpr+`, ? FROM (`+keys+`) AS k, (SELECT ? AS resolve_ms) WHERE true
		ON CONFLICT (dim, value, month, bucket) DO UPDATE SET n = n + excluded.n`,
		append(append([]any{sign}, args...), f.ResolveMs)...)
	if err != nil || sign > 0 {
		return wrapErr("stats_resolve_by", err)
	}
	where, wargs := dimsWhere(f)
	_, err = tx.ExecContext(ctx, `DELETE FROM stats_resolve_by WHERE `+where+` AND month = ?
		AND bucket = (SELECT `+bucketExpr+` FROM (SELECT ? AS resolve_ms)) AND n = 0`, append(wargs, month, f.ResolveMs)...)
	return wrapErr("stats_resolve_by", err)
}

// dimKeys is a VALUES list of the (dimension, value, period) keys of f in the rollups per
// dimension, one per dimension (resolveDims), and its arguments.
func dimKeys(f *models.TicketFact, period string) (string, []any) {
	dims := resolveDims(f)
	args := make([]any, 0, 3*len(dimNames))
	for i, d := range dimNames {
		args = append(args, d, dims[i], period)
	}
	return `VALUES ` + strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", len(dimNames)), ", "), args
}

// dimsWhere selects the rows of f in a rollup per dimension (with the period's condition
// added): dimension and value each IN a list, which SQLite serves with a seek per pair, where a
// row value IN a VALUES list scans the table. The pairs of one dimension and another's value
// name no row of f; a delete of rows whose count is 0 may drop them, as they are empty too.
func dimsWhere(f *models.TicketFact) (string, []any) {
	dims := resolveDims(f)
	return `dim IN ('area', 'unit', 'category', 'group', 'channel') AND value IN (?, ?, ?, ?, ?)`,
		[]any{dims[0], dims[1], dims[2], dims[3], dims[4]}
}

// wrapErr names the table of a failed statement (nil stays nil).
func wrapErr(table string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", table, err)
	}
	return nil
}

// resolveDims are the values of f under the dimensions of stats_days_by and stats_resolve_by:
// area (boundary set and code, joined as models.AreaKey joins them), unit, category, group and
// channel.
func resolveDims(f *models.TicketFact) [5]string {
	return [5]string{models.AreaKey(f.BoundarySet, f.AreaCode), f.UnitID, f.Category, string(f.Group),
		string(f.Channel.OrApp())}
}

// monthOf is the month ("2006-01") of a day ("2006-01-02"), as migration 0012 computes it.
func monthOf(day string) string {
	if len(day) < 7 {
		return day
	}
	return day[:7]
}

// RebuildRollups recomputes every rollup row from the facts in one transaction, which may take
// minutes at millions of facts (maintenanceTimeout).
func (s *Store) RebuildRollups(ctx context.Context) error {
	err := s.inTxWithin(ctx, maintenanceTimeout, func(ctx context.Context, tx *sql.Tx) error {
		for _, q := range append(deleteRollups[:len(deleteRollups):len(deleteRollups)],
			`INSERT INTO stats_daily (created_day, boundary_set, area_code, unit_id, category, grp, channel, `+rollupColumns+`)
			SELECT created_day, boundary_set, area_code, unit_id, category, grp, channel, COUNT(*), SUM(is_open),
			SUM(is_resolved), SUM(is_rejected), SUM(is_on_time), SUM(is_late_ext), SUM(is_rated), SUM(is_satisfied),
			SUM(is_reopened), SUM(is_ever_resolved), SUM(is_on_time_e2e) FROM stats_facts GROUP BY 1, 2, 3, 4, 5, 6, 7`,
			`INSERT INTO stats_days (created_day, `+rollupColumns+`, running) SELECT created_day, COUNT(*), SUM(is_open),
			SUM(is_resolved), SUM(is_rejected), SUM(is_on_time), SUM(is_late_ext), SUM(is_rated), SUM(is_satisfied),
			SUM(is_reopened), SUM(is_ever_resolved), SUM(is_on_time_e2e), SUM(is_running) FROM stats_facts GROUP BY 1`,
			`INSERT INTO stats_resolve_days (created_day, bucket, n) SELECT created_day, `+bucketExpr+`, COUNT(*)
			FROM stats_facts WHERE is_resolved = 1 GROUP BY 1, 2`,
			`INSERT INTO stats_resolve_months (month, bucket, n) SELECT substr(created_day, 1, 7), bucket, SUM(n)
			FROM stats_resolve_days GROUP BY 1, 2`,
			`INSERT INTO stats_days_by (dim, value, created_day, channel, `+rollupColumns+`, running) SELECT d.dim, `+dimValue+`,
			created_day, channel, COUNT(*), SUM(is_open), SUM(is_resolved), SUM(is_rejected), SUM(is_on_time), SUM(is_late_ext),
			SUM(is_rated), SUM(is_satisfied), SUM(is_reopened), SUM(is_ever_resolved), SUM(is_on_time_e2e), SUM(is_running)
			FROM stats_facts, `+dimRows+` GROUP BY 1, 2, 3, 4`,
			`INSERT INTO stats_resolve_by (dim, value, month, bucket, n) SELECT d.dim, `+dimValue+`,
			substr(created_day, 1, 7), `+bucketExpr+`, COUNT(*) FROM stats_facts, `+dimRows+`
			WHERE is_resolved = 1 GROUP BY 1, 2, 3, 4`,
		) {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	return translate(err, "rebuild rollups", "fact")
}

// dimValue is the value of a fact under the dimension d.dim of stats_days_by and
// stats_resolve_by, as resolveDims gives it, and dimRows the table d of the dimensions
// (migrations 0035 and 0036 compute the same).
const (
	dimValue = `CASE d.dim WHEN 'area' THEN boundary_set || char(31) || area_code WHEN 'unit' THEN unit_id
	WHEN 'category' THEN category WHEN 'group' THEN grp ELSE channel END`
	dimRows = `(SELECT 'area' AS dim UNION ALL SELECT 'unit' UNION ALL SELECT 'category' UNION ALL SELECT 'group'
	UNION ALL SELECT 'channel') AS d`
)

// deleteRollups empties every rollup table.
var deleteRollups = []string{`DELETE FROM stats_daily`, `DELETE FROM stats_days`, `DELETE FROM stats_resolve_days`,
	`DELETE FROM stats_resolve_months`, `DELETE FROM stats_days_by`, `DELETE FROM stats_resolve_by`}

// execer is what putFact needs of a connection or a transaction (bulk loads in tests).
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func putFact(ctx context.Context, ex execer, f *models.TicketFact) error {
	_, err := ex.ExecContext(ctx, `INSERT INTO stats_facts (ticket_id, version, boundary_set, area_code, unit_id,
		category, grp, created_day, created_at, state, outcome, triage_due_at, resolve_due_at, due_at, on_time_class,
		triage_ms, resolve_ms, rating, reopen_count, is_open, is_running, is_resolved, is_rejected, is_on_time,
		is_late_ext, is_rated, is_satisfied, is_reopened, is_ever_resolved, e2e_due_at, e2e_class, is_on_time_e2e, channel)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (ticket_id) DO UPDATE SET version = excluded.version, boundary_set = excluded.boundary_set,
		area_code = excluded.area_code, unit_id = excluded.unit_id, category = excluded.category, grp = excluded.grp,
		created_day = excluded.created_day, created_at = excluded.created_at, state = excluded.state,
		outcome = excluded.outcome, triage_due_at = excluded.triage_due_at, resolve_due_at = excluded.resolve_due_at,
		due_at = excluded.due_at, on_time_class = excluded.on_time_class, triage_ms = excluded.triage_ms,
		resolve_ms = excluded.resolve_ms, rating = excluded.rating, reopen_count = excluded.reopen_count,
		is_open = excluded.is_open, is_running = excluded.is_running, is_resolved = excluded.is_resolved,
		is_rejected = excluded.is_rejected, is_on_time = excluded.is_on_time, is_late_ext = excluded.is_late_ext,
		is_rated = excluded.is_rated, is_satisfied = excluded.is_satisfied, is_reopened = excluded.is_reopened,
		is_ever_resolved = excluded.is_ever_resolved, e2e_due_at = excluded.e2e_due_at, e2e_class = excluded.e2e_class,
		is_on_time_e2e = excluded.is_on_time_e2e, channel = excluded.channel
		WHERE excluded.version >= stats_facts.version`,
		f.TicketID, f.Version, f.BoundarySet, f.AreaCode, f.UnitID, f.Category, string(f.Group), f.CreatedDay,
		ms(f.CreatedAt), string(f.State), string(f.Outcome), ms(f.TriageDueAt), ms(f.ResolveDueAt), ms(f.DueAt),
		string(f.OnTimeClass), f.TriageMs, f.ResolveMs, f.Rating, f.ReopenCount, f.IsOpen, f.IsRunning, f.IsResolved,
		f.IsRejected, f.IsOnTime, f.IsLateExt, f.IsRated, f.IsSatisfied, f.IsReopened, f.IsEverResolved,
		ms(f.E2EDueAt), string(f.E2EClass), f.IsOnTimeE2E, string(f.Channel.OrApp()))
	return err
}

// DeleteFacts removes every fact and rollup.
func (s *Store) DeleteFacts(ctx context.Context) error {
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for _, q := range append(deleteRollups[:len(deleteRollups):len(deleteRollups)], `DELETE FROM stats_facts`) {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
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
	if q.BoundarySet != "" {
		add("boundary_set = ?", q.BoundarySet)
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
	if q.Channel != "" {
		add("channel = ?", string(q.Channel))
	}
	if len(where) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

// keyColumn is the column (or expression) of a grouping dimension (” when not grouped): areas
// are keyed by boundary set and code, as models.AreaKey joins them.
func keyColumn(by models.StatsDimension) string {
	switch by {
	case models.ByArea:
		return "boundary_set || char(31) || area_code"
	case models.ByUnit:
		return "unit_id"
	case models.ByDay:
		return "created_day"
	case models.ByChannel:
		return "channel"
	}
	return "''"
}

// AggregateFacts sums the daily rollups per group in one GROUP BY (a year is a few thousand
// rollup rows instead of hundreds of thousands of facts) and adds Overdue, which depends on the
// current time, from the facts whose deadline runs: the (created_day, due_at, …) index of the
// running facts (stats_facts_running) covers that count. Not grouped by area or unit, filtered
// by nothing but the period the rollups per day alone (stats_days: 365 rows a year) serve it,
// and filtered by one dimension besides (resolveDim) that dimension's rollups per day
// (stats_days_by); Overdue is then their running facts less those whose deadline is still
// ahead (recent filings, found by deadline).
func (s *Store) AggregateFacts(ctx context.Context, q models.StatsQuery) ([]models.StatsCounts, error) {
	table, key, where, args := rollupSource(q)
	days := table != "stats_daily"
	running := ", 0"
	if days {
		running = ", SUM(running)"
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+key+`, SUM(received), SUM(open), SUM(resolved), SUM(rejected),
		SUM(on_time), SUM(late_ext), SUM(rated), SUM(satisfied), SUM(reopened), SUM(ever_resolved), SUM(on_time_e2e)`+running+`
		FROM `+table+where+` GROUP BY 1 ORDER BY 1`, args...)
	if err != nil {
		return nil, translate(err, "aggregate facts", "fact")
	}
	defer rows.Close()
	var out []models.StatsCounts
	var runs []int
	for rows.Next() {
		var c models.StatsCounts
		var run int
		if err := rows.Scan(&c.Key, &c.Received, &c.Open, &c.Resolved, &c.Rejected, &c.OnTime,
			&c.LateWithExtension, &c.Rated, &c.Satisfied, &c.Reopened, &c.EverResolved, &c.OnTimeE2E, &run); err != nil {
			return nil, translate(err, "aggregate facts", "fact")
		}
		out = append(out, c)
		runs = append(runs, run)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "aggregate facts", "fact")
	}
	if len(out) == 0 {
		return nil, nil
	}
	if days {
		ahead, err := s.countRunning(ctx, q, aheadIndex(q), "due_at >= ?")
		if err != nil {
			return nil, err
		}
		for i := range out {
			out[i].Overdue = runs[i] - ahead[out[i].Key]
		}
		return out, nil
	}
	overdue, err := s.countRunning(ctx, q, "stats_facts_running", "due_at < ?")
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Overdue = overdue[out[i].Key]
	}
	return out, nil
}

// aheadIndex is the index AggregateFacts counts the running facts whose deadline is still ahead
// through: by deadline alone when one total of the whole period is wanted; per group or under a
// filter the covering index of the running facts, which holds the group's and the filter's
// columns (the one by deadline would read each fact's row for them: 33 ms against 8 for a year
// by one unit at 10,000,000 tickets).
func aheadIndex(q models.StatsQuery) string {
	if _, grouped := groupDim(q.By); grouped || !periodOnly(q) {
		return "stats_facts_running"
	}
	return "stats_facts_running_by_due"
}

// rollupSource is the rollup table AggregateFacts sums for q, the column of its group keys (in
// keyColumn's form) and the WHERE clause of q on it: stats_days, stats_days_by or stats_daily
// (which holds every dimension).
func rollupSource(q models.StatsQuery) (table, key, where string, args []any) {
	period := models.StatsQuery{From: q.From, To: q.To}
	key = keyColumn(q.By)
	if dim, ok := groupDim(q.By); ok && periodOnly(q) {
		// Grouped by a dimension over the period alone (the summary's channels, the leagues of
		// every area or unit): that dimension's rollups per day, 365 rows a year per value,
		// whose value is the group's key.
		where, args = withDims(period, dim)
		return "stats_days_by", "value", where, args
	}
	dim, value, filtered := resolveDim(q)
	switch {
	case filtered && q.By == models.ByChannel:
		// The channels of a summary filtered by one dimension: that value's rollups per day and
		// channel (0036), grouped by their channel.
		where, args = withDims(period, dim, value)
		return "stats_days_by", "channel", where, args
	case q.By != models.ByNone && q.By != models.ByDay:
		where, args = factsWhere(q)
		return "stats_daily", key, where, args
	case periodOnly(q):
		where, args = factsWhere(period)
		return "stats_days", key, where, args
	case filtered:
		where, args = withDims(period, dim, value)
		return "stats_days_by", key, where, args
	}
	where, args = factsWhere(q)
	return "stats_daily", key, where, args
}

// withDims is the WHERE clause of the period on stats_days_by with its dimension (and value)
// first, the order of its primary key.
func withDims(period models.StatsQuery, dimAndValue ...string) (string, []any) {
	conds := []string{"dim = ?"}
	args := []any{dimAndValue[0]}
	if len(dimAndValue) > 1 {
		conds, args = append(conds, "value = ?"), append(args, dimAndValue[1])
	}
	where, pargs := factsWhere(period)
	if where != "" {
		conds = append(conds, strings.TrimPrefix(where, " WHERE "))
	}
	return " WHERE " + strings.Join(conds, " AND "), append(args, pargs...)
}

// groupDim is the dimension of stats_days_by that holds the groups of by (whose values are
// keyColumn(by)'s), if any.
func groupDim(by models.StatsDimension) (string, bool) {
	switch by {
	case models.ByArea:
		return "area", true
	case models.ByUnit:
		return "unit", true
	case models.ByChannel:
		return "channel", true
	}
	return "", false
}

// periodOnly reports whether q filters by nothing but the period of filing days.
func periodOnly(q models.StatsQuery) bool {
	return q.BoundarySet == "" && q.Area == "" && q.Unit == "" && q.Category == "" && q.Group == "" && q.Channel == ""
}

// countRunning counts the running facts matching q whose deadline meets cond (on due_at, with
// q.Now as its parameter), per group key, through the given index (named, as without
// statistics on the indexes of migration 0012 the planner may guess another).
func (s *Store) countRunning(ctx context.Context, q models.StatsQuery, index, cond string) (map[string]int, error) {
	where, args := factsWhere(q)
	if where == "" {
		where = " WHERE is_running = 1 AND " + cond
	} else {
		where += " AND is_running = 1 AND " + cond
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+keyColumn(q.By)+`, COUNT(*) FROM stats_facts INDEXED BY `+index+where+
		` GROUP BY 1`, append(args, ms(q.Now))...)
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

// ResolveTimes lists the resolve durations of the resolved facts matching q, from the covering
// index of the resolved facts: named, as with statistics the planner may read the period's
// table rows instead, twice the bytes of the index entries.
func (s *Store) ResolveTimes(ctx context.Context, q models.StatsQuery) ([]models.KeyedDuration, error) {
	where, args := factsWhere(q)
	if where == "" {
		where = " WHERE is_resolved = 1"
	} else {
		where += " AND is_resolved = 1"
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+keyColumn(q.By)+`, resolve_ms FROM stats_facts INDEXED BY stats_facts_resolved`+
		where, args...)
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

// ResolveRanks finds the ranks without reading every duration of the period when q filters by
// the period only, or by the period and one dimension of stats_resolve_by (bucketedRanks). With
// other filters, or should the bucket counts not match the facts, it reads the matching
// durations in one scan of the period's range of the (created_day, resolve_ms, …) covering index
// of the resolved facts and selects the ranks in Go (one pass, where ORDER BY resolve_ms LIMIT 1
// OFFSET rank-1 sorted them once per rank).
func (s *Store) ResolveRanks(ctx context.Context, q models.StatsQuery, ranks []int) ([]int64, error) {
	if _, _, ok := resolveDim(q); ok || periodOnly(q) {
		out, err := s.bucketedRanks(ctx, q, ranks)
		if !errors.Is(err, errBucketsDrift) {
			return out, translate(err, "resolve ranks", "fact")
		}
	}
	out, err := s.scannedRanks(ctx, q, ranks)
	return out, translate(err, "resolve ranks", "fact")
}

// scannedRanks selects the ranks from all the durations matching q.
func (s *Store) scannedRanks(ctx context.Context, q models.StatsQuery, ranks []int) ([]int64, error) {
	where, args := factsWhere(q)
	if where == "" {
		where = " WHERE is_resolved = 1"
	} else {
		where += " AND is_resolved = 1"
	}
	var list sql.NullString
	err := s.r.QueryRowContext(ctx, `SELECT group_concat(resolve_ms) FROM stats_facts INDEXED BY stats_facts_resolved`+
		where, args...).Scan(&list)
	if err != nil {
		return nil, err
	}
	vs := parseInts(list.String)
	out := make([]int64, len(ranks))
	for i, r := range ranks {
		if r < 1 || r > len(vs) {
			return nil, sql.ErrNoRows
		}
		out[i] = nth(vs, r-1)
	}
	return out, nil
}

// errBucketsDrift reports bucket counts that disagree with the facts (rollups not yet built
// after a bulk load, see LoadTickets): the ranks are then read the slow, exact way.
var errBucketsDrift = errors.New("resolve duration buckets disagree with the facts")

// resolveDim is the dimension of stats_resolve_by and its value that q filters by, when q
// filters by the period and that one dimension (an area with its boundary set) and nothing else.
func resolveDim(q models.StatsQuery) (dim, value string, ok bool) {
	var set []string
	for _, d := range []struct{ dim, value string }{{"area", q.Area}, {"unit", q.Unit}, {"category", q.Category},
		{"group", string(q.Group)}, {"channel", string(q.Channel)}} {
		if d.value != "" {
			dim, value = d.dim, d.value
			set = append(set, d.dim)
		}
	}
	switch {
	case len(set) != 1 || (dim == "area") != (q.BoundarySet != ""):
		return "", "", false
	case dim == "area":
		value = models.AreaKey(q.BoundarySet, q.Area)
	}
	return dim, value, true
}

// bucketedRanks finds each rank of the durations matching q (filtered by the period, and by at
// most one dimension: see resolveDim) in two steps, in one read transaction so that both see the
// same facts: the bucket counts of the period, summed from the whole months and remaining days
// it covers, give the bucket holding the rank and how many durations lie below it; then only
// that bucket's matching durations in the period (about 11,000 for a year of a million tickets,
// 1,000 for a month; under one area, a few hundred), selected from in Go, give the value.
func (s *Store) bucketedRanks(ctx context.Context, q models.StatsQuery, ranks []int) ([]int64, error) {
	tx, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() // read only: nothing to undo
	// The bucket counts of the period, summed in Go from one text of "bucket:count" pairs
	// (handing over thousands of rows one by one, or grouping them in a B-tree, costs more).
	var counts [maxBucket + 1]int64
	hq, hargs := histogramQuery(q)
	var pairs sql.NullString
	if err := tx.QueryRowContext(ctx, hq, hargs...).Scan(&pairs); err != nil {
		return nil, err
	}
	list := parseInts(pairs.String)
	if len(list)%2 != 0 {
		return nil, fmt.Errorf("resolve duration buckets %.40q: %w", pairs.String, errBucketsDrift)
	}
	for i := 0; i < len(list); i += 2 {
		if list[i] < 0 || list[i] > maxBucket {
			return nil, fmt.Errorf("resolve duration bucket %d: %w", list[i], errBucketsDrift)
		}
		counts[list[i]] += list[i+1]
	}
	out := make([]int64, len(ranks))
	values := map[int][]int64{} // the durations of the buckets read so far
	for i, r := range ranks {
		below, b := int64(0), 0
		for b <= maxBucket && below+counts[b] < int64(r) {
			below += counts[b]
			b++
		}
		if r < 1 || b > maxBucket {
			return nil, errBucketsDrift
		}
		vs, ok := values[b]
		if !ok {
			if vs, err = bucketDurations(ctx, tx, q, b); err != nil {
				return nil, err
			}
			if int64(len(vs)) != counts[b] {
				return nil, errBucketsDrift
			}
			values[b] = vs
		}
		out[i] = nth(vs, int(int64(r)-below-1))
	}
	return out, nil
}

// maxBucket is the highest bucket of bucketExpr: 19 digits, leading digits 99.
const maxBucket = 1999

// nth returns the k-th smallest (0-based) of vs, reordering vs: a quickselect with three-way
// partitions, linear even when most values are equal (durations tie on round figures).
func nth(vs []int64, k int) int64 {
	lo, hi := 0, len(vs)
	for {
		a, b, c := vs[lo], vs[lo+(hi-lo)/2], vs[hi-1]
		p := max(min(a, b), min(max(a, b), c)) // the median of three
		lt, i, gt := lo, lo, hi
		for i < gt {
			switch {
			case vs[i] < p:
				vs[lt], vs[i] = vs[i], vs[lt]
				lt++
				i++
			case vs[i] > p:
				gt--
				vs[i], vs[gt] = vs[gt], vs[i]
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt
		case k >= gt:
			lo = gt
		default:
			return p
		}
	}
}

// parseInts parses the integers of a text such as "12:3,-4" (any character other than a digit
// or a leading minus separates them). The values fit in int64 (durations and counts).
func parseInts(text string) []int64 {
	out := make([]int64, 0, strings.Count(text, ",")+1)
	for i := 0; i < len(text); {
		neg := text[i] == '-'
		j := i
		if neg {
			j++
		}
		var n int64
		k := j
		for ; k < len(text) && text[k] >= '0' && text[k] <= '9'; k++ {
			n = n*10 + int64(text[k]-'0')
		}
		if k == j {
			i++ // a separator
			continue
		}
		if neg {
			n = -n
		}
		out = append(out, n)
		i = k
	}
	return out
}

// bucketDurations lists the durations of the resolved facts matching q in bucket b, in any
// order. INDEXED BY keeps SQLite on stats_facts_resolve_bucket (migration 0039), which holds
// exactly the facts of a bucket side by side by filing day, with the dimensions to filter on:
// one range of the index, however q is filtered (without statistics on it, the planner would
// rather scan the period in stats_facts_resolved). They come as one comma-separated text: handing
// over thousands of rows one by one costs more than the whole scan, and so does letting SQLite
// sort them (its ORDER BY … LIMIT 1 OFFSET k keeps the k smallest in a B-tree).
func bucketDurations(ctx context.Context, tx *sql.Tx, q models.StatsQuery, b int) ([]int64, error) {
	query, args := bucketDurationsQuery(q, b)
	var list sql.NullString
	if err := tx.QueryRowContext(ctx, query, args...).Scan(&list); err != nil {
		return nil, err
	}
	return parseInts(list.String), nil
}

// bucketDurationsQuery is the statement of bucketDurations.
func bucketDurationsQuery(q models.StatsQuery, b int) (string, []any) {
	query := `SELECT group_concat(resolve_ms) FROM stats_facts INDEXED BY stats_facts_resolve_bucket
		WHERE is_resolved = 1 AND ` + bucketExpr + ` = ?`
	where, args := factsWhere(q)
	if where != "" {
		query += " AND " + strings.TrimPrefix(where, " WHERE ")
	}
	return query, append([]any{b}, args...)
}

// histogramQuery lists, as one text of "bucket:count" pairs to be summed per bucket, the bucket
// counts of the filing days from q.From to q.To (inclusive, either open): from
// stats_resolve_months for the whole calendar months the period covers and for a partial month
// whose missing days are fewer than its covered ones (less the missing days), and from
// stats_resolve_days for the other days. A year reads about a dozen months and at most half a
// month of days at each end. Dates that do not parse are compared as strings, day by day, as
// the facts' created_day is. Filtered by one dimension (resolveDim), the months come from its
// rows of stats_resolve_by and the days are counted from the matching resolved facts.
func histogramQuery(q models.StatsQuery) (string, []any) {
	h := histogram{q: q}
	from, to := q.From, q.To
	f, errF := parseDay(from)
	t, errT := parseDay(to)
	switch {
	case errF != nil || errT != nil || (from != "" && to != "" && to < from):
		h.span(daysTable, 1, from, to)
	case from != "" && to != "" && monthStart(f).Equal(monthStart(t)):
		h.partialMonth(f, t)
	default:
		var first, last string // whole months, "" when open
		if from != "" {
			first = monthStart(f).Format(monthLayout)
			if f.Day() != 1 {
				h.partialMonth(f, monthStart(f).AddDate(0, 1, -1))
				first = monthStart(f).AddDate(0, 1, 0).Format(monthLayout)
			}
		}
		if to != "" {
			last = t.Format(monthLayout)
			if end := monthStart(t).AddDate(0, 1, -1); !t.Equal(end) {
				h.partialMonth(monthStart(t), t)
				last = monthStart(t).AddDate(0, -1, 0).Format(monthLayout)
			}
		}
		if first == "" || last == "" || first <= last {
			h.span(monthsTable, 1, first, last)
		}
	}
	return `SELECT group_concat(bucket || ':' || n) FROM (` + strings.Join(h.parts, " UNION ALL ") + `)`, h.args
}

// The bucket count tables as histogramQuery selects from them, and their key column.
const (
	daysTable   = "stats_resolve_days|created_day"
	monthsTable = "stats_resolve_months|month"
	monthLayout = "2006-01"
)

// histogram collects the signed parts of a histogramQuery of the facts matching q.
type histogram struct {
	q     models.StatsQuery
	parts []string
	args  []any
}

// span adds (sign 1) or subtracts (sign -1) the bucket counts of table between lo and hi
// (inclusive keys; "" is open).
func (h *histogram) span(table string, sign int, lo, hi string) {
	name, key, _ := strings.Cut(table, "|")
	n := "n"
	if sign < 0 {
		n = "-n"
	}
	var where []string
	if dim, value, ok := resolveDim(h.q); ok {
		if table == daysTable {
			h.filteredDays(n, lo, hi)
			return
		}
		name, key = "stats_resolve_by", "month"
		where = append(where, "dim = ?", "value = ?")
		h.args = append(h.args, dim, value)
	}
	if lo != "" {
		where = append(where, key+" >= ?")
		h.args = append(h.args, lo)
	}
	if hi != "" {
		where = append(where, key+" <= ?")
		h.args = append(h.args, hi)
	}
	h.parts = append(h.parts, `SELECT bucket, `+n+` FROM `+name+whereClause(where))
}

// filteredDays adds (n "n") or subtracts (n "-n") the bucket counts of the resolved facts
// matching h.q filed from lo to hi (inclusive, "" open), counted from the covering index of the
// resolved facts.
func (h *histogram) filteredDays(n, lo, hi string) {
	q := h.q
	q.From, q.To = lo, hi
	where, args := factsWhere(q)
	h.parts = append(h.parts, `SELECT bucket, `+n+` FROM (SELECT `+bucketExpr+` AS bucket, COUNT(*) AS n
		FROM stats_facts INDEXED BY stats_facts_resolved`+where+` AND is_resolved = 1 GROUP BY 1)`)
	h.args = append(h.args, args...)
}

// partialMonth adds the days lo … hi of one month: those days, or, when they are more than the
// days of the month outside them, the month less the outside days.
func (h *histogram) partialMonth(lo, hi time.Time) {
	start := monthStart(lo)
	end := start.AddDate(0, 1, -1)
	covered := int(hi.Sub(lo).Hours()/24) + 1
	if total := end.Day(); total-covered >= covered {
		h.span(daysTable, 1, lo.Format(time.DateOnly), hi.Format(time.DateOnly))
		return
	}
	h.span(monthsTable, 1, start.Format(monthLayout), start.Format(monthLayout))
	if lo.After(start) {
		h.span(daysTable, -1, start.Format(time.DateOnly), lo.AddDate(0, 0, -1).Format(time.DateOnly))
	}
	if hi.Before(end) {
		h.span(daysTable, -1, hi.AddDate(0, 0, 1).Format(time.DateOnly), end.Format(time.DateOnly))
	}
}

// parseDay parses a "2006-01-02" date ("" is the zero time).
func parseDay(day string) (time.Time, error) {
	if day == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.DateOnly, day)
}

// monthStart is the first day of the month of t.
func monthStart(t time.Time) time.Time { return t.AddDate(0, 0, 1-t.Day()) }

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

// FeedHead implements app.Store: positions are rowids, so the head is the largest.
func (s *Store) FeedHead(ctx context.Context) (int64, error) {
	var pos int64
	err := s.r.QueryRowContext(ctx, `SELECT coalesce(max(position), 0) FROM feed`).Scan(&pos)
	return pos, translate(err, "feed head", "feed entry")
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
