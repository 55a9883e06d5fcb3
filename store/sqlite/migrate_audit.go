package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"phananh/models"
)

// chainAuditLog is the Go step of migration 0019: it chains the records written before the
// audit log was a hash chain, in (at, id) order, after any record already chained, so that
// `phananh admin audit verify` covers them too. It reads every record (the log is small next to
// the tickets) before it writes, since SQLite cannot update a table it is reading.
func chainAuditLog(ctx context.Context, tx *sql.Tx) error {
	seq, prev, err := lastAudit(ctx, tx)
	if err != nil {
		return fmt.Errorf("read the last chained audit record: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE seq IS NULL ORDER BY at, id`)
	if err != nil {
		return fmt.Errorf("read audit log: %w", err)
	}
	var recs []models.AuditRecord
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("read audit log: %w", err)
		}
		recs = append(recs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read audit log: %w", err)
	}
	for _, r := range recs {
		seq++
		r.Seq, r.PrevHash = seq, prev
		r.Hash = models.AuditChainHash(r)
		if _, err := tx.ExecContext(ctx, `UPDATE audit_log SET seq = ?, prev_hash = ?, hash = ? WHERE id = ?`,
			r.Seq, r.PrevHash, r.Hash, r.ID); err != nil {
			return fmt.Errorf("chain audit record %q: %w", r.ID, err)
		}
		prev = r.Hash
	}
	return nil
}
