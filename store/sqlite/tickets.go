package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"phananh/models"
)

// NextSequence bumps the counter name in one upsert, so concurrent callers never share a value.
func (s *Store) NextSequence(ctx context.Context, name string) (int64, error) {
	var v int64
	err := s.writeScan(ctx, []any{&v}, `INSERT INTO sequences (name, value) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET value = value + 1
		RETURNING value`, name)
	if err != nil {
		return 0, translate(err, "next sequence", "sequence")
	}
	return v, nil
}

// ticketDoc is the stored JSON of t: its ticketRow, times in UTC milliseconds.
func ticketDoc(t *models.Ticket) (string, error) {
	b, err := json.Marshal(ticketRowOf(t))
	if err != nil {
		return "", fmt.Errorf("sqlite: encode ticket %q: %w", t.ID, err)
	}
	return string(b), nil
}

// ticketColumns lists the columns derived from a ticket besides id and doc, in the order of
// ticketValues. Every write sets all of them, so they always agree with the document.
const ticketColumns = `idempotency_key, reporter_id, unit_id, state, version, created_at, updated_at,
	category, area_code, due_at, next_check_at, lat, lng, applied_version`

// ticketValues are the values of ticketColumns for t.
func ticketValues(t *models.Ticket) []any {
	return []any{t.IdempotencyKey, t.ReporterID, t.UnitID, string(t.State), t.Version,
		ms(t.CreatedAt), ms(t.UpdatedAt),
		t.Category, t.AreaCode, ms(t.DueAt), nextCheckMs(t.NextCheckAt), t.Location.Lat, t.Location.Lng,
		t.AppliedVersion}
}

// nextCheckMs encodes NextCheckAt for the next_check_at column: 0 when nothing is scheduled.
// A time at or before the Unix epoch also counts as unscheduled (the app never schedules one).
func nextCheckMs(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return max(ms(t), 0)
}

// CreateTicket inserts t; a taken id or idempotency key is EConflict, which is how a retried
// report is recognised.
func (s *Store) CreateTicket(ctx context.Context, t *models.Ticket) error {
	doc, err := ticketDoc(t)
	if err != nil {
		return err
	}
	args := append([]any{t.ID, doc}, ticketValues(t)...)
	_, err = s.exec(ctx, `INSERT INTO tickets (id, doc, `+ticketColumns+`)
		VALUES (?, ?`+strings.Repeat(", ?", len(args)-2)+`)`, args...)
	return translate(err, "create ticket", "ticket")
}

// TicketByID returns the ticket id, ENotFound if there is none.
func (s *Store) TicketByID(ctx context.Context, id string) (*models.Ticket, error) {
	return s.ticketWhere(ctx, "id = ?", id)
}

// TicketByIdempotencyKey returns the ticket a report with key created, ENotFound if none did.
func (s *Store) TicketByIdempotencyKey(ctx context.Context, key string) (*models.Ticket, error) {
	return s.ticketWhere(ctx, "idempotency_key = ?", key)
}

func (s *Store) ticketWhere(ctx context.Context, where string, arg any) (*models.Ticket, error) {
	var doc string
	if err := s.r.QueryRowContext(ctx, `SELECT doc FROM tickets WHERE `+where, arg).Scan(&doc); err != nil {
		return nil, translate(err, "read ticket", "ticket")
	}
	return decodeTicket(doc)
}

// decodeTicket reads a stored document (a ticketRow) back into the model.
func decodeTicket(doc string) (*models.Ticket, error) {
	var r ticketRow
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		return nil, fmt.Errorf("sqlite: decode ticket: %w", err)
	}
	return r.ticket(), nil
}

// UpdateTicket replaces ticket t.ID if its stored version is still expectedVersion. The new
// version is whatever the caller put in t.Version: the store compares, it does not count.
func (s *Store) UpdateTicket(ctx context.Context, t *models.Ticket, expectedVersion int) error {
	doc, err := ticketDoc(t)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		args := append([]any{doc}, ticketValues(t)...)
		args = append(args, t.ID, expectedVersion)
		res, err := tx.ExecContext(ctx, `UPDATE tickets SET (doc, `+ticketColumns+`) =
			(?`+strings.Repeat(", ?", len(args)-3)+`) WHERE id = ? AND version = ?`, args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 1 {
			return nil
		}
		var current int
		if err := tx.QueryRowContext(ctx, `SELECT version FROM tickets WHERE id = ?`, t.ID).Scan(&current); err != nil {
			return err
		}
		return models.Errorf(models.EConflict, "ticket was changed by someone else (version %d, expected %d)", current, expectedVersion)
	})
	return translate(err, "update ticket", "ticket")
}

// FindTickets lists tickets newest first (created_at desc, id desc), strictly after f.After,
// at most f.Limit of them (no limit when zero). With a reporter or unit filter the matching
// (x, created_at, id) index yields the rows already in order.
func (s *Store) FindTickets(ctx context.Context, f models.TicketFilter) ([]*models.Ticket, error) {
	if f.Follower != "" && f.ReporterID == "" && f.UnitID == "" {
		return s.findFollowed(ctx, f)
	}
	var (
		where []string
		args  []any
	)
	if f.ReporterID != "" {
		where = append(where, "reporter_id = ?")
		args = append(args, f.ReporterID)
	}
	if f.UnitID != "" {
		where = append(where, "unit_id = ?")
		args = append(args, f.UnitID)
	}
	if f.Follower != "" { // with another filter: that filter's index, then the documents
		where = append(where, "EXISTS (SELECT 1 FROM json_each(doc, '$.followers') WHERE value = ?)")
		args = append(args, f.Follower)
	}
	if f.After != nil {
		where = append(where, "(created_at, id) < (?, ?)")
		args = append(args, ms(f.After.CreatedAt), f.After.ID)
	}
	q := `SELECT doc FROM tickets`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY created_at DESC, id DESC`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	return s.queryTickets(ctx, "find tickets", q, args...)
}

// findFollowed lists the tickets f.Follower follows from ticket_followers (migration 0025),
// whose key yields them in the lists' order.
func (s *Store) findFollowed(ctx context.Context, f models.TicketFilter) ([]*models.Ticket, error) {
	q := `SELECT t.doc FROM ticket_followers f JOIN tickets t ON t.id = f.ticket_id WHERE f.user_id = ?`
	args := []any{f.Follower}
	if f.After != nil {
		q += ` AND (f.created_at, f.ticket_id) < (?, ?)`
		args = append(args, ms(f.After.CreatedAt), f.After.ID)
	}
	q += ` ORDER BY f.created_at DESC, f.ticket_id DESC`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	return s.queryTickets(ctx, "find followed tickets", q, args...)
}

// queryTickets runs q, which selects the doc column only, and decodes every row.
func (s *Store) queryTickets(ctx context.Context, op, q string, args ...any) ([]*models.Ticket, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, translate(err, op, "ticket")
	}
	defer rows.Close()
	var out []*models.Ticket
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, translate(err, op, "ticket")
		}
		t, err := decodeTicket(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, op, "ticket")
	}
	return out, nil
}

// openStatesTerm is the condition of the partial indexes tickets_open_unit_due and
// tickets_open_due (migration 0011) and tickets_open_nearby (0037, 0038), written exactly as there:
// SQLite uses a partial index only when the query's WHERE contains its condition verbatim, which
// a term with bound parameters never does. A queue of open tickets (the default of every
// official's queue) then walks only the open tickets in deadline order instead of every ticket
// of the unit, closed ones included, and the reports near a new one only the open ones.
const openStatesTerm = `state IN ('received', 'assigned', 'in_progress', 'awaiting_info')`

// statesTerm is the condition that a ticket's state is one of states (not empty):
// openStatesTerm for exactly the open ones, so the partial indexes serve, else a list of
// parameters.
func statesTerm(states []models.State) (string, []any) {
	if isOpenStates(states) {
		return openStatesTerm, nil
	}
	args := make([]any, len(states))
	for i, st := range states {
		args[i] = string(st)
	}
	return "state IN (" + placeholders(len(states)) + ")", args
}

// isOpenStates reports whether states is exactly the set of open states, in any order.
func isOpenStates(states []models.State) bool {
	if len(states) != len(models.OpenStates) {
		return false
	}
	for _, st := range models.OpenStates {
		if !slices.Contains(states, st) {
			return false
		}
	}
	return true
}
