package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"phananh/models"
)

// AddNotifications inserts the notifications whose id is absent.
func (s *Store) AddNotifications(ctx context.Context, ns []models.Notification) (int, error) {
	if len(ns) == 0 {
		return 0, nil
	}
	inserted := 0
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO notifications
			(id, user_id, ticket_id, code, version, event, title, body, title_en, body_en, created_at, read_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, n := range ns {
			res, err := stmt.ExecContext(ctx, n.ID, n.UserID, n.TicketID, n.Code, n.Version, n.Event, n.Title, n.Body,
				n.TitleEN, n.BodyEN, ms(n.CreatedAt))
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			inserted += int(k)
		}
		return nil
	})
	return inserted, translate(err, "add notifications", "notification")
}

// Notifications lists a page of an inbox from the notifications_inbox index: unread (read_at 0)
// first, each group newest first, after the keyset cursor.
func (s *Store) Notifications(ctx context.Context, q models.NotificationQuery) ([]models.Notification, error) {
	where := []string{"user_id = ?"}
	args := []any{q.UserID}
	if q.UnreadOnly {
		where = append(where, "read_at = 0")
	}
	if c := q.After; c != nil {
		read := 0
		if c.Read {
			read = 1
		}
		where = append(where, "((read_at > 0) > ? OR ((read_at > 0) = ? AND (created_at < ? OR (created_at = ? AND id < ?))))")
		args = append(args, read, read, ms(c.CreatedAt), ms(c.CreatedAt), c.ID)
	}
	query := `SELECT id, user_id, ticket_id, code, version, event, title, body, title_en, body_en, created_at, read_at
		FROM notifications WHERE ` + strings.Join(where, " AND ") + ` ORDER BY read_at > 0, created_at DESC, id DESC`
	if q.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, q.Limit)
	}
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translate(err, "notifications", "notification")
	}
	defer rows.Close()
	var out []models.Notification
	for rows.Next() {
		var n models.Notification
		var created, read int64
		if err := rows.Scan(&n.ID, &n.UserID, &n.TicketID, &n.Code, &n.Version, &n.Event, &n.Title, &n.Body, &n.TitleEN, &n.BodyEN,
			&created, &read); err != nil {
			return nil, translate(err, "notifications", "notification")
		}
		n.CreatedAt = fromMs(created)
		if read > 0 {
			n.ReadAt = fromMs(read)
		}
		out = append(out, n)
	}
	return out, translate(rows.Err(), "notifications", "notification")
}

// CountUnread counts the user's unread notifications.
func (s *Store) CountUnread(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE user_id = ? AND read_at = 0`, userID).Scan(&n)
	return n, translate(err, "count unread", "notification")
}

// MarkNotificationsRead marks the user's unread notifications (those with ids, or all) read.
func (s *Store) MarkNotificationsRead(ctx context.Context, userID string, ids []string, at time.Time) (int, error) {
	query := `UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at = 0`
	args := []any{ms(at), userID}
	if ids != nil {
		query += ` AND id IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + `)`
		for _, id := range ids {
			args = append(args, id)
		}
	}
	res, err := s.exec(ctx, query, args...)
	if err != nil {
		return 0, translate(err, "mark notifications read", "notification")
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// DeleteNotificationsOf removes the user's inbox.
func (s *Store) DeleteNotificationsOf(ctx context.Context, userID string) error {
	_, err := s.exec(ctx, `DELETE FROM notifications WHERE user_id = ?`, userID)
	return translate(err, "delete notifications", "notification")
}
