package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"phananh/models"
)

// EraseAccount deletes the account and everything keyed by it or its phone in one
// transaction. The writer runs with secure_delete, so SQLite overwrites the deleted content in
// its pages; Compact then clears the write-ahead log.
func (s *Store) EraseAccount(ctx context.Context, userID, phone string) error {
	type stmt struct {
		q    string
		args []any
	}
	stmts := []stmt{
		{`DELETE FROM push_devices WHERE user_id = ?`, []any{userID}},
		{`DELETE FROM push_subscriptions WHERE user_id = ?`, []any{userID}},
		{`DELETE FROM push_outbox WHERE json_extract(doc, '$.user_id') = ?`, []any{userID}},
		{`DELETE FROM refresh_tokens WHERE user_id = ?`, []any{userID}},
		{`DELETE FROM consents WHERE user_id = ?`, []any{userID}},
		{`DELETE FROM notifications WHERE user_id = ?`, []any{userID}},
		// A pending phone change is a sign-in challenge keyed change:<user>:<new phone>.
		{`DELETE FROM otp_challenges WHERE substr(phone, 1, ?) = ?`, []any{len("change:" + userID + ":"), "change:" + userID + ":"}},
		{`DELETE FROM rate_counters WHERE instr(key, ?) > 0`, []any{userID}},
		{`DELETE FROM users WHERE id = ?`, []any{userID}},
	}
	if phone != "" {
		stmts = append(stmts, stmt{`DELETE FROM otp_challenges WHERE phone = ?`, []any{phone}},
			stmt{`DELETE FROM rate_counters WHERE instr(key, ?) > 0`, []any{phone}})
	}
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for _, st := range stmts {
			if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
				return err
			}
		}
		return nil
	})
	return translate(err, "erase account", "account")
}

// TicketIDsFollowedBy lists the tickets whose followers include userID (ticket_followers).
func (s *Store) TicketIDsFollowedBy(ctx context.Context, userID string) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT ticket_id FROM ticket_followers WHERE user_id = ? ORDER BY ticket_id`, userID)
	if err != nil {
		return nil, translate(err, "tickets followed", "ticket")
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err, "tickets followed", "ticket")
		}
		ids = append(ids, id)
	}
	return ids, translate(rows.Err(), "tickets followed", "ticket")
}

// FindRetention lists tickets in a final state last changed before q.ClosedBefore, by id.
func (s *Store) FindRetention(ctx context.Context, q models.RetentionQuery) ([]*models.Ticket, error) {
	states := make([]string, len(models.FinalStates))
	args := []any{ms(q.ClosedBefore), q.AfterID}
	for i, st := range models.FinalStates {
		states[i] = "?"
		args = append(args, string(st))
	}
	where := `updated_at < ? AND id > ? AND state IN (` + strings.Join(states, ", ") + `)`
	if q.Identified {
		where += ` AND reporter_id <> ?`
		args = append(args, models.ErasedReporter)
	}
	if q.WithMedia {
		where += ` AND (COALESCE(json_array_length(doc, '$.media'), 0) > 0
			OR (json_extract(doc, '$.private') AND COALESCE(json_array_length(doc, '$.result_media'), 0) > 0))`
	}
	args = append(args, max(q.Limit, 1))
	return s.queryTickets(ctx, "find retention", `SELECT doc FROM tickets WHERE `+where+` ORDER BY id LIMIT ?`, args...)
}

// PurgeExpired deletes expired sign-in codes (their newest code, the pending one, expired),
// expired refresh tokens, old rate counters and the push messages finished (sent, dropped or
// dead) more than pushDoneRetention ago.
func (s *Store) PurgeExpired(ctx context.Context, now, countersBefore time.Time) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for _, st := range []struct {
			q   string
			arg int64
		}{
			{`DELETE FROM otp_challenges WHERE expires_at < ?`, ms(now)},
			{`DELETE FROM refresh_tokens WHERE expires_at < ?`, ms(now)},
			{`DELETE FROM rate_counters WHERE window_start < ?`, ms(countersBefore)},
			{`DELETE FROM push_outbox INDEXED BY push_outbox_done WHERE done_at < ?`, ms(now.Add(-pushDoneRetention))},
		} {
			res, err := tx.ExecContext(ctx, st.q, st.arg)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += k
		}
		return nil
	})
	return n, translate(err, "purge expired", "record")
}

// Compact moves the write-ahead log into the database file and truncates it, so content
// deleted (and, with secure_delete, overwritten) is in neither file any more. A reader in the
// middle of a read keeps the log busy; it is tried again for a while.
func (s *Store) Compact(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		var busy, logFrames, done int
		err := s.w.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done)
		if err != nil {
			return translate(err, "checkpoint", "database")
		}
		if busy == 0 {
			return nil
		}
		if attempt == 50 {
			return fmt.Errorf("sqlite: checkpoint: the write-ahead log stayed busy")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// PruneAudit removes the oldest chained records before before, keeping the newest, in one
// transaction with the anchor.
func (s *Store) PruneAudit(ctx context.Context, before, now time.Time) (int, error) {
	var n int64
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var last sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MAX(seq) FROM audit_log WHERE seq > 0`).Scan(&last); err != nil || !last.Valid {
			return err
		}
		var firstKept sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MIN(seq) FROM audit_log WHERE seq > 0 AND at >= ?`, ms(before)).Scan(&firstKept); err != nil {
			return err
		}
		upTo := last.Int64 - 1
		if firstKept.Valid {
			upTo = min(upTo, firstKept.Int64-1)
		}
		var hash string
		var at int64
		err := tx.QueryRowContext(ctx, `SELECT hash, at FROM audit_log WHERE seq = ?`, upTo).Scan(&hash, &at)
		if err == sql.ErrNoRows {
			return nil // nothing old enough, or removed already
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_anchor (id, seq, hash, at, pruned_at) VALUES (1, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, at = excluded.at, pruned_at = excluded.pruned_at`,
			upTo, hash, at, ms(now)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM audit_log WHERE seq > 0 AND seq <= ?`, upTo)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), translate(err, "prune audit", "audit record")
}

// AuditAnchor reads the chain's anchor (zero when nothing was removed).
func (s *Store) AuditAnchor(ctx context.Context) (models.AuditAnchor, error) {
	var a models.AuditAnchor
	var at, pruned int64
	err := s.r.QueryRowContext(ctx, `SELECT seq, hash, at, pruned_at FROM audit_anchor WHERE id = 1`).Scan(&a.Seq, &a.Hash, &at, &pruned)
	if err == sql.ErrNoRows {
		return models.AuditAnchor{}, nil
	} else if err != nil {
		return a, translate(err, "audit anchor", "audit anchor")
	}
	a.At, a.PrunedAt = time.UnixMilli(at).UTC(), time.UnixMilli(pruned).UTC()
	return a, nil
}
