package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"phananh/models"
)

// queueWhere builds the conditions of a queue filter, except the cursor and the limit.
// withStates leaves out f.States (CountByState ignores them).
func queueWhere(f models.QueueFilter, withStates bool) (where []string, args []any) {
	if len(f.UnitIDs) > 0 {
		where = append(where, "unit_id IN ("+placeholders(len(f.UnitIDs))+")")
		for _, u := range f.UnitIDs {
			args = append(args, u)
		}
	}
	if f.AreaCode != "" {
		where = append(where, "area_code = ?")
		args = append(args, f.AreaCode)
	}
	if withStates && len(f.States) > 0 {
		term, sargs := statesTerm(f.States)
		where, args = append(where, term), append(args, sargs...)
	}
	if f.Category != "" {
		where = append(where, "category = ?")
		args = append(args, f.Category)
	}
	if !f.DueBefore.IsZero() {
		where = append(where, "due_at < ?")
		args = append(args, ms(f.DueBefore))
	}
	where, args = queueFlags(f, where, args)
	if f.Q != "" {
		// A plain substring test on folded text (case and diacritics): nothing in Q is a
		// wildcard (no LIKE, no pattern), so "50%", "a_b" or "(x" match literally.
		q := models.FoldText(f.Q)
		where = append(where, `(instr(`+foldFunc+`(json_extract(doc, '$.code')), ?) > 0
			OR instr(`+foldFunc+`(json_extract(doc, '$.description')), ?) > 0
			OR instr(`+foldFunc+`(json_extract(doc, '$.address')), ?) > 0)`)
		args = append(args, q, q, q)
	}
	return where, args
}

// queueFlags adds the conditions of the queue's work filters: the reporter (an IOC search by
// phone), the assignee or nobody, a pending extension request, a routing to check.
func queueFlags(f models.QueueFilter, where []string, args []any) ([]string, []any) {
	if f.ReporterID != "" {
		where, args = append(where, "reporter_id = ?"), append(args, f.ReporterID)
	}
	if f.AssignedTo != "" {
		where, args = append(where, "json_extract(doc, '$.assigned_to') = ?"), append(args, f.AssignedTo)
	}
	if f.Unassigned {
		where = append(where, "coalesce(json_extract(doc, '$.assigned_to'), '') = ''")
	}
	if f.ExtensionPending {
		where = append(where, "json_type(doc, '$.extension') = 'object'")
	}
	if f.RoutingFlagged {
		where = append(where, "(json_extract(doc, '$.routed_by_nearest') = 1 OR json_extract(doc, '$.routing_ambiguous') = 1)")
	}
	if f.Channel != "" { // a document without a channel came through the app (migration 0028)
		where, args = append(where, "coalesce(json_extract(doc, '$.channel'), 'app') = ?"), append(args, string(f.Channel))
	}
	if f.Group != "" {
		where, args = append(where, "json_extract(doc, '$.group') = ?"), append(args, string(f.Group))
	}
	return where, args
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func whereClause(where []string) string {
	if len(where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(where, " AND ")
}

// FindQueue lists the tickets matching f in deadline order (due_at, id), strictly after
// f.After, at most f.Limit (all when zero or less). A unit's queue is served by the
// (unit_id, due_at, id) index, the IOC's by (due_at, id).
func (s *Store) FindQueue(ctx context.Context, f models.QueueFilter) ([]*models.Ticket, error) {
	q, args := queueQuery(f)
	return s.queryTickets(ctx, "find queue", q, args...)
}

func queueQuery(f models.QueueFilter) (string, []any) {
	where, args := queueWhere(f, true)
	if f.After != nil {
		where = append(where, "(due_at, id) > (?, ?)")
		args = append(args, ms(f.After.DueAt), f.After.ID)
	}
	q := `SELECT doc FROM tickets` + whereClause(where) + ` ORDER BY due_at, id`
	return withLimit(q, args, f.Limit)
}

// withLimit appends a LIMIT clause when limit is positive (zero or less means no limit).
func withLimit(q string, args []any, limit int) (string, []any) {
	if limit > 0 {
		return q + ` LIMIT ?`, append(args, limit)
	}
	return q, args
}

// CountByState counts the tickets matching f per state, ignoring f.States, f.After and f.Limit.
// States without tickets are absent from the map.
func (s *Store) CountByState(ctx context.Context, f models.QueueFilter) (map[models.State]int, error) {
	where, args := queueWhere(f, false)
	q := `SELECT state, COUNT(*) FROM tickets` + whereClause(where) + ` GROUP BY state`
	if f.DueBefore.IsZero() && f.Q == "" && f.ReporterID == "" && f.AssignedTo == "" && !f.Unassigned && !f.ExtensionPending && !f.RoutingFlagged &&
		f.Channel == "" && f.Group == "" {
		// Only unit, area and category filters: the trigger-maintained counts (migration 0011).
		q = `SELECT state, SUM(n) FROM ticket_counts` + whereClause(where) + ` GROUP BY state HAVING SUM(n) > 0`
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, translate(err, "count by state", "ticket")
	}
	defer rows.Close()
	out := map[models.State]int{}
	for rows.Next() {
		var (
			state string
			n     int
		)
		if err := rows.Scan(&state, &n); err != nil {
			return nil, translate(err, "count by state", "ticket")
		}
		out[models.State(state)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "count by state", "ticket")
	}
	return out, nil
}

// FindSLADue lists tickets whose next check is due at now (next_check_at in (0, now]), earliest
// first with id as the tiebreaker, from the partial index of scheduled tickets.
func (s *Store) FindSLADue(ctx context.Context, now time.Time, limit int) ([]*models.Ticket, error) {
	q, args := slaQuery(now, limit)
	return s.queryTickets(ctx, "find sla due", q, args...)
}

func slaQuery(now time.Time, limit int) (string, []any) {
	return withLimit(`SELECT doc FROM tickets WHERE next_check_at > 0 AND next_check_at <= ? ORDER BY next_check_at, id`,
		[]any{ms(now)}, limit)
}

// FindNearby lists tickets inside the bounding box (edges included) with the category and
// states of f, created strictly after f.CreatedAfter; tickets_open_nearby narrows the box for
// the open states.
func (s *Store) FindNearby(ctx context.Context, f models.NearbyFilter) ([]*models.Ticket, error) {
	q, args := nearbyQuery("doc", f)
	return s.queryTickets(ctx, "find nearby", q, args...)
}

// NearbyPlaces lists the id and place of each ticket FindNearby would list, from the covering
// index tickets_open_nearby alone: at 10,000,000 tickets the documents of a box's candidates
// were the reads that took the nearby search past 20 ms, and it shows only a handful of them.
func (s *Store) NearbyPlaces(ctx context.Context, f models.NearbyFilter) ([]models.TicketPlace, error) {
	q, args := nearbyQuery("id, lat, lng", f)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, translate(err, "find nearby places", "ticket")
	}
	defer rows.Close()
	var out []models.TicketPlace
	for rows.Next() {
		var p models.TicketPlace
		if err := rows.Scan(&p.ID, &p.Location.Lat, &p.Location.Lng); err != nil {
			return nil, translate(err, "find nearby places", "ticket")
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "find nearby places", "ticket")
	}
	return out, nil
}

// nearbyQuery selects columns of the tickets matching f.
func nearbyQuery(columns string, f models.NearbyFilter) (string, []any) {
	where := []string{"lat BETWEEN ? AND ?", "lng BETWEEN ? AND ?"}
	args := []any{f.MinLat, f.MaxLat, f.MinLng, f.MaxLng}
	if f.Category != "" {
		where = append(where, "category = ?")
		args = append(args, f.Category)
	}
	if len(f.States) > 0 {
		term, sargs := statesTerm(f.States)
		where, args = append(where, term), append(args, sargs...)
	}
	if !f.CreatedAfter.IsZero() {
		where = append(where, "created_at > ?")
		args = append(args, ms(f.CreatedAfter))
	}
	return withLimit(`SELECT `+columns+` FROM tickets`+whereClause(where), args, f.Limit)
}

// AcquireLease takes or renews the lease name in one upsert: it inserts a free lease, and
// overwrites an existing one only when it has expired (expires_at <= now) or holder already
// holds it. RETURNING yields a row only when the row was written, so no row means another
// holder's lease is still running. One statement is atomic across connections and processes.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	var got string
	err := s.writeScan(ctx, []any{&got}, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
			WHERE leases.expires_at <= ? OR leases.holder = excluded.holder
		RETURNING holder`, name, holder, ms(now.Add(ttl)), ms(now))
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, translate(err, "acquire lease", "lease")
	}
	return true, nil
}

// AppendAudit appends r to the chain in one write transaction: the writer runs one at a time,
// and BEGIN IMMEDIATE serializes it with other processes (the command line), so the last record
// read is still the last when r is inserted. A taken id is EConflict.
func (s *Store) AppendAudit(ctx context.Context, r *models.AuditRecord) error {
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		seq, prev, err := lastAudit(ctx, tx)
		if err != nil {
			return err
		}
		c := *r
		c.Seq, c.PrevHash = seq+1, prev
		c.Hash = models.AuditChainHash(c)
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log
			(id, at, actor_id, actor_role, action, ticket_id, subject_id, detail, seq, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, ms(c.At), c.ActorID, string(c.Role), c.Action, c.Ticket, c.Subject, c.Detail, c.Seq, c.PrevHash, c.Hash); err != nil {
			return err
		}
		*r = c
		return nil
	})
	return translate(err, "append audit", "audit record")
}

// lastAudit reads the sequence number and hash of the last chained record (0 and "" for none).
func lastAudit(ctx context.Context, tx *sql.Tx) (int64, string, error) {
	var (
		seq  int64
		hash string
	)
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	return seq, hash, err
}

// auditColumns are the columns scanAudit reads, in its order.
const auditColumns = `id, at, actor_id, actor_role, action, ticket_id, subject_id, detail, COALESCE(seq, 0), prev_hash, hash`

// FindAudit lists audit records newest first (at desc, id desc) matching f: From inclusive, To
// exclusive, strictly older than the f.Before cursor, at most f.Limit (all when zero or less).
func (s *Store) FindAudit(ctx context.Context, f models.AuditFilter) ([]models.AuditRecord, error) {
	q, args := auditQuery(f)
	return s.scanAudit(ctx, "find audit", q, args...)
}

// AuditChain lists the records after afterSeq in sequence order, at most limit (all when <= 0).
func (s *Store) AuditChain(ctx context.Context, afterSeq int64, limit int) ([]models.AuditRecord, error) {
	q, args := withLimit(`SELECT `+auditColumns+` FROM audit_log WHERE seq > ? ORDER BY seq`, []any{afterSeq}, limit)
	return s.scanAudit(ctx, "audit chain", q, args...)
}

func (s *Store) scanAudit(ctx context.Context, op, q string, args ...any) ([]models.AuditRecord, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, translate(err, op, "audit record")
	}
	defer rows.Close()
	var out []models.AuditRecord
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return nil, translate(err, op, "audit record")
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, op, "audit record")
	}
	return out, nil
}

// scanAudit reads one row of auditColumns.
func scanAudit(rows *sql.Rows) (models.AuditRecord, error) {
	var (
		r    models.AuditRecord
		at   int64
		role string
	)
	err := rows.Scan(&r.ID, &at, &r.ActorID, &role, &r.Action, &r.Ticket, &r.Subject, &r.Detail, &r.Seq, &r.PrevHash, &r.Hash)
	r.At, r.Role = fromMs(at), models.Role(role)
	return r, err
}

func auditQuery(f models.AuditFilter) (string, []any) {
	var (
		where []string
		args  []any
	)
	for _, c := range []struct{ col, v string }{{"actor_id", f.ActorID}, {"action", f.Action}, {"ticket_id", f.Ticket}, {"subject_id", f.Subject}} {
		if c.v != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	if !f.From.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, ms(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "at < ?")
		args = append(args, ms(f.To))
	}
	if f.Before != nil {
		where = append(where, "(at, id) < (?, ?)")
		args = append(args, ms(f.Before.At), f.Before.ID)
	}
	return withLimit(`SELECT `+auditColumns+` FROM audit_log`+
		whereClause(where)+` ORDER BY at DESC, id DESC`, args, f.Limit)
}
