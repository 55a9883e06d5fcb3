package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"phananh/store/internal/oldnotes"
)

// migrateBatch is how many ticket documents typeHistoryEvents reads at a time.
const migrateBatch = 500

// typeHistoryEvents is the Go step of migration 0014: it rewrites every ticket document whose
// history holds events in the old note-encoded form (oldnotes.Upgrade), in id order, a batch at
// a time so that a large database is not read into memory at once. Only the document changes:
// the derived columns do not depend on the history.
func typeHistoryEvents(ctx context.Context, tx *sql.Tx) error {
	after := ""
	for {
		docs, last, err := ticketDocsAfter(ctx, tx, after)
		if err != nil {
			return err
		}
		for id, doc := range docs {
			t, err := decodeTicket(doc)
			if err != nil {
				return fmt.Errorf("ticket %q: %w", id, err)
			}
			if !oldnotes.Upgrade(t) {
				continue
			}
			out, err := ticketDoc(t)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE tickets SET doc = ? WHERE id = ?`, out, id); err != nil {
				return fmt.Errorf("rewrite ticket %q: %w", id, err)
			}
		}
		if len(docs) < migrateBatch {
			return nil
		}
		after = last
	}
}

// ticketDocsAfter reads the next batch of documents by id after after, and the last id read.
func ticketDocsAfter(ctx context.Context, tx *sql.Tx, after string) (map[string]string, string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, doc FROM tickets WHERE id > ? ORDER BY id LIMIT ?`, after, migrateBatch)
	if err != nil {
		return nil, "", fmt.Errorf("read tickets: %w", err)
	}
	defer rows.Close()
	docs := make(map[string]string, migrateBatch)
	last := after
	for rows.Next() {
		var id, doc string
		if err := rows.Scan(&id, &doc); err != nil {
			return nil, "", fmt.Errorf("read tickets: %w", err)
		}
		docs[id], last = doc, id
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("read tickets: %w", err)
	}
	return docs, last, nil
}
