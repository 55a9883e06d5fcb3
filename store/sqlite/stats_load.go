package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"phananh/models"
)

// LoadTickets inserts generated tickets and their statistics facts in one transaction, for the
// benchmark data generator (bench/cmd/gen): a million tickets through CreateTicket would be a
// million fsynced commits. The tickets must be new and complete (their effects already applied:
// AppliedVersion = Version), and facts[i] must be the fact of tickets[i]. It also raises the
// ticket-code sequences of the years in the batch to at least the highest generated code number,
// so tickets filed later never reuse a code. Afterwards call RebuildRollups once: the rollups
// are not maintained row by row here.
func (s *Store) LoadTickets(ctx context.Context, tickets []*models.Ticket, facts []models.TicketFact) error {
	// A large page cache on the writer connection (this process only; the default 2 MB makes
	// every insert into the random-order indexes a read of a page evicted moments earlier).
	if _, err := s.exec(ctx, `PRAGMA cache_size = -524288`); err != nil {
		return translate(err, "load tickets", "ticket")
	}
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		// Prepared once: the driver would otherwise parse the statement again for every row.
		insert, err := tx.PrepareContext(ctx, `INSERT INTO tickets (id, doc, `+ticketColumns+`) VALUES (?, ?`+strings.Repeat(", ?", 14)+`)`)
		if err != nil {
			return err
		}
		defer insert.Close()
		seqs := map[string]int64{}
		for _, t := range tickets {
			doc, err := ticketDoc(t)
			if err != nil {
				return err
			}
			if _, err := insert.ExecContext(ctx, append([]any{t.ID, doc}, ticketValues(t)...)...); err != nil {
				return err
			}
			// Codes look like PREFIX-YEAR-NUMBER.
			if parts := strings.Split(t.Code, "-"); len(parts) == 3 {
				if n, err := strconv.ParseInt(parts[2], 10, 64); err == nil {
					name := "ticket-code-" + parts[1]
					seqs[name] = max(seqs[name], n)
				}
			}
		}
		for i := range facts {
			if err := putFact(ctx, tx, &facts[i]); err != nil {
				return err
			}
		}
		for name, v := range seqs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO sequences (name, value) VALUES (?, ?)
				ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)`, name, v); err != nil {
				return err
			}
		}
		return nil
	})
	return translate(err, "load tickets", "ticket")
}

// LoadFeed appends generated change-feed entries in one transaction, in the order given, for
// the benchmark data generator: the feed is part of what each ticket costs on disk. The entries
// must be new (no (ticket, version) already in the feed).
func (s *Store) LoadFeed(ctx context.Context, entries []models.FeedEntry) error {
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		insert, err := tx.PrepareContext(ctx, `INSERT INTO feed (ticket_id, code, version, at, action, from_state, to_state,
			area_code, unit_id, category) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer insert.Close()
		for _, e := range entries {
			if _, err := insert.ExecContext(ctx, e.TicketID, e.Code, e.Version, ms(e.At),
				e.Action, string(e.From), string(e.To), e.AreaCode, e.UnitID, e.Category); err != nil {
				return err
			}
		}
		return nil
	})
	return translate(err, "load feed", "feed entry")
}

// Analyze refreshes the query planner's statistics (after a bulk load); at millions of tickets
// that takes minutes (maintenanceTimeout).
func (s *Store) Analyze(ctx context.Context) error {
	err := s.inTxWithin(ctx, maintenanceTimeout, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `ANALYZE`)
		return err
	})
	return translate(err, "analyze", "database")
}

// ExplainQueue returns SQLite's query plans of the two statements of a queue page (the page and
// the counts per state, as CountByState reads them without a deadline or text filter) for f, so
// the benchmark can show which indexes serve them.
func (s *Store) ExplainQueue(ctx context.Context, f models.QueueFilter) (string, error) {
	q, args := queueQuery(f)
	where, cargs := queueWhere(f, false)
	var out strings.Builder
	for _, st := range []struct {
		q    string
		args []any
	}{{q, args}, {`SELECT state, SUM(n) FROM ticket_counts` + whereClause(where) + ` GROUP BY state HAVING SUM(n) > 0`, cargs}} {
		rows, err := s.r.QueryContext(ctx, `EXPLAIN QUERY PLAN `+st.q, st.args...)
		if err != nil {
			return "", translate(err, "explain", "ticket")
		}
		fmt.Fprintf(&out, "%s\n", strings.Join(strings.Fields(st.q), " "))
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				rows.Close()
				return "", translate(err, "explain", "ticket")
			}
			fmt.Fprintf(&out, "  %s\n", detail)
		}
		rows.Close()
	}
	return out.String(), nil
}
