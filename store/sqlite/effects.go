package sqlite

import (
	"context"
	"database/sql"

	"phananh/models"
)

// MarkApplied raises the ticket's applied_version to version in the column and in the document
// together, in one statement, and only when that raises it (applied_version < version) and does
// not pass the stored version (version <= the ticket's version): an AppliedVersion above Version
// would claim effects of a write that does not exist. Otherwise it is a no-op. json_set rewrites
// the one key and leaves the rest of the document as it was, so nothing else changes; a writer
// that raced ahead with a newer version is untouched except for its applied_version, which then
// stays below its version (still pending, as it must be). When nothing was updated, a lookup in
// the same transaction tells a no-op (nil) from an absent ticket (ENotFound).
func (s *Store) MarkApplied(ctx context.Context, id string, version int) error {
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tickets
			SET applied_version = ?, doc = json_set(doc, '$.applied_version', ?)
			WHERE id = ? AND applied_version < ? AND version >= ?`,
			version, version, id, version, version)
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
		var one int
		return tx.QueryRowContext(ctx, `SELECT 1 FROM tickets WHERE id = ?`, id).Scan(&one)
	})
	return translate(err, "mark applied", "ticket")
}

// FindUnapplied lists the tickets whose applied_version is below their version, oldest update
// first (updated_at, id), at most limit (all when zero or less). The partial index
// tickets_unapplied holds exactly those tickets, already in that order.
func (s *Store) FindUnapplied(ctx context.Context, limit int) ([]*models.Ticket, error) {
	q, args := unappliedQuery(limit)
	return s.queryTickets(ctx, "find unapplied", q, args...)
}

func unappliedQuery(limit int) (string, []any) {
	return withLimit(`SELECT doc FROM tickets WHERE applied_version < version ORDER BY updated_at, id`, nil, limit)
}
