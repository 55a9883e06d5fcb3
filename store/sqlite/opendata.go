package sqlite

import (
	"context"
	"strings"

	"phananh/models"
)

// streamBatch is how many tickets StreamTickets reads per query: large enough that the per-query
// cost vanishes, small enough that a batch of documents stays a few megabytes.
const streamBatch = 256

// openDataWhere turns a query into SQL conditions over the indexed columns; the group and the
// private flag live only in the document and are read with json_extract after the indexed
// conditions have narrowed the rows.
func openDataWhere(q models.TicketQuery) (where []string, args []any) {
	in := func(col string, vals []string) {
		where = append(where, col+" IN (?"+strings.Repeat(", ?", len(vals)-1)+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	if len(q.IDs) > 0 {
		in("id", q.IDs)
	}
	if len(q.Categories) > 0 {
		in("category", q.Categories)
	}
	if len(q.Groups) > 0 {
		gs := make([]string, len(q.Groups))
		for i, g := range q.Groups {
			gs[i] = string(g)
		}
		in("json_extract(doc, '$.group')", gs)
	}
	if len(q.States) > 0 {
		ss := make([]string, len(q.States))
		for i, st := range q.States {
			ss[i] = string(st)
		}
		in("state", ss)
	}
	if q.AreaCode != "" {
		where, args = append(where, "area_code = ?"), append(args, q.AreaCode)
	}
	if q.UnitID != "" {
		where, args = append(where, "unit_id = ?"), append(args, q.UnitID)
	}
	if q.PublicOnly {
		where = append(where, "json_extract(doc, '$.private') = 0")
	}
	if !q.CreatedFrom.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, ms(q.CreatedFrom))
	}
	if !q.CreatedTo.IsZero() {
		where, args = append(where, "created_at < ?"), append(args, ms(q.CreatedTo))
	}
	if !q.UpdatedFrom.IsZero() {
		where, args = append(where, "updated_at >= ?"), append(args, ms(q.UpdatedFrom))
	}
	if !q.UpdatedTo.IsZero() {
		where, args = append(where, "updated_at < ?"), append(args, ms(q.UpdatedTo))
	}
	if b := q.BBox; b != nil {
		where = append(where, "lat BETWEEN ? AND ?", "lng BETWEEN ? AND ?")
		args = append(args, b.MinLat, b.MaxLat, b.MinLng, b.MaxLng)
	}
	return where, args
}

// StreamTickets reads the matching tickets in (created_at, id) order, streamBatch at a time with
// a keyset cursor, and calls fn after each batch's rows are closed: no read transaction is held
// while the caller writes to a slow client, and memory is one batch whatever the total. The
// (created_at, id) index yields the rows in order.
func (s *Store) StreamTickets(ctx context.Context, q models.TicketQuery, fn func(*models.Ticket) error) error {
	where, args := openDataWhere(q)
	base := `SELECT doc FROM tickets WHERE ` + strings.Join(append(where, "1 = 1"), " AND ")
	var (
		after *models.Ticket
		sent  int
	)
	for {
		query, qargs := base, args
		if after != nil {
			query += ` AND (created_at, id) > (?, ?)`
			qargs = append(append([]any(nil), args...), ms(after.CreatedAt), after.ID)
		}
		n := streamBatch
		if q.BatchSize > 0 {
			n = q.BatchSize
		}
		if q.Limit > 0 {
			n = min(n, q.Limit-sent)
		}
		query += ` ORDER BY created_at, id LIMIT ?`
		qargs = append(qargs, n)
		batch, err := s.queryTickets(ctx, "stream tickets", query, qargs...)
		if err != nil {
			return err
		}
		for _, t := range batch {
			if err := fn(t); err != nil {
				return err
			}
		}
		sent += len(batch)
		if len(batch) < n || (q.Limit > 0 && sent >= q.Limit) {
			return nil
		}
		after = batch[len(batch)-1]
	}
}

// FindTicketsPage lists the matching tickets newest first with an offset page.
func (s *Store) FindTicketsPage(ctx context.Context, q models.TicketQuery) ([]*models.Ticket, error) {
	where, args := openDataWhere(q)
	query := `SELECT doc FROM tickets WHERE ` + strings.Join(append(where, "1 = 1"), " AND ") +
		` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`
	limit := q.Limit
	if limit <= 0 {
		limit = -1
	}
	return s.queryTickets(ctx, "find tickets page", query, append(args, limit, max(q.Offset, 0))...)
}
