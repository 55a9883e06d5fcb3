package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"phananh/models"
)

// UpsertDevice inserts or moves the token, reading its previous owner in the same transaction.
// It deletes nothing: the per-user cap is the app's rule (app.Devices.RegisterDevice).
func (s *Store) UpsertDevice(ctx context.Context, d *models.Device) (string, error) {
	var prev string
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		prev = ""
		err := tx.QueryRowContext(ctx, `SELECT user_id FROM push_devices WHERE token = ?`, d.Token).Scan(&prev)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO push_devices (token, user_id, platform, locale, app_version, created_at, last_seen_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (token) DO UPDATE SET user_id = excluded.user_id, platform = excluded.platform,
				locale = excluded.locale, app_version = excluded.app_version, last_seen_at = excluded.last_seen_at`,
			d.Token, d.UserID, string(d.Platform), d.Locale, d.AppVersion, ms(d.CreatedAt), ms(d.LastSeenAt))
		return err
	})
	if err != nil {
		return "", translate(err, "upsert device", "device")
	}
	return prev, nil
}

// DeleteDevice removes the token (of userID when set); absent is not an error.
func (s *Store) DeleteDevice(ctx context.Context, token, userID string) error {
	q, args := `DELETE FROM push_devices WHERE token = ?`, []any{token}
	if userID != "" {
		q, args = q+` AND user_id = ?`, append(args, userID)
	}
	_, err := s.exec(ctx, q, args...)
	return translate(err, "delete device", "device")
}

// DevicesOfUsers lists the users' devices by user then token.
func (s *Store) DevicesOfUsers(ctx context.Context, userIDs []string) ([]models.Device, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	args := make([]any, len(userIDs))
	for i, u := range userIDs {
		args[i] = u
	}
	rows, err := s.r.QueryContext(ctx, `SELECT token, user_id, platform, locale, app_version, created_at, last_seen_at
		FROM push_devices WHERE user_id IN (`+placeholders(len(userIDs))+`) ORDER BY user_id, token`, args...)
	if err != nil {
		return nil, translate(err, "devices of users", "device")
	}
	out, err := scanDevices(rows)
	return out, translate(err, "devices of users", "device")
}

// PruneDevices deletes devices last seen before before and returns them (DELETE … RETURNING).
func (s *Store) PruneDevices(ctx context.Context, before time.Time) ([]models.Device, error) {
	var out []models.Device
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `DELETE FROM push_devices WHERE last_seen_at < ?
			RETURNING token, user_id, platform, locale, app_version, created_at, last_seen_at`, ms(before))
		if err != nil {
			return err
		}
		out, err = scanDevices(rows)
		return err
	})
	if err != nil {
		return nil, translate(err, "prune devices", "device")
	}
	return out, nil
}

func scanDevices(rows *sql.Rows) ([]models.Device, error) {
	defer rows.Close()
	var out []models.Device
	for rows.Next() {
		var d models.Device
		var platform string
		var created, seen int64
		if err := rows.Scan(&d.Token, &d.UserID, &platform, &d.Locale, &d.AppVersion, &created, &seen); err != nil {
			return nil, err
		}
		d.Platform, d.CreatedAt, d.LastSeenAt = models.Platform(platform), fromMs(created), fromMs(seen)
		out = append(out, d)
	}
	return out, rows.Err()
}

// UserIDsOf lists enabled users with one of roles (of unitID when set), sorted.
func (s *Store) UserIDsOf(ctx context.Context, unitID string, roles []models.Role) ([]string, error) {
	if len(roles) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(roles)+1)
	for _, r := range roles {
		args = append(args, string(r))
	}
	q := `SELECT id FROM users WHERE disabled = 0 AND role IN (` + placeholders(len(roles)) + `)`
	if unitID != "" {
		q, args = q+` AND unit_id = ?`, append(args, unitID)
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, translate(err, "user ids of", "user")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err, "user ids of", "user")
		}
		out = append(out, id)
	}
	return out, translate(rows.Err(), "user ids of", "user")
}

// pushDoneRetention is how long a finished message (sent, dropped, dead) stays in the outbox,
// the same as the MongoDB store's TTL index on done_at: long enough to look into a complaint
// about a notification, and far longer than any replay of a ticket version's effects (which
// could enqueue it again once its row is gone) can come after the version was applied. Without
// it every message ever sent stayed, a few hundred bytes each, several per ticket version.
const pushDoneRetention = 90 * 24 * time.Hour

// EnqueuePush inserts the messages whose id is new (INSERT OR IGNORE), in one transaction: one
// fsync for a whole fan-out.
func (s *Store) EnqueuePush(ctx context.Context, msgs []models.PushMessage) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	inserted := 0
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO push_outbox (id, state, attempts, created_at, next_attempt_at, doc)
			VALUES (?, 'queued', 0, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, m := range msgs {
			m.State, m.Attempts, m.LeaseHolder, m.LeaseUntil, m.LastError, m.DoneAt = models.PushQueued, 0, "", time.Time{}, "", time.Time{}
			doc, err := json.Marshal(pushRowOf(&m))
			if err != nil {
				return fmt.Errorf("encode push message: %w", err)
			}
			res, err := stmt.ExecContext(ctx, m.ID, ms(m.CreatedAt), ms(m.NextAttemptAt), string(doc))
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			inserted += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, translate(err, "enqueue push", "push message")
	}
	return inserted, nil
}

const pushColumns = `id, state, attempts, created_at, next_attempt_at, lease_holder, lease_until, last_error, done_at, doc`

func scanPush(sc interface{ Scan(...any) error }) (models.PushMessage, error) {
	var id, state, holder, lastErr, doc string
	var attempts int
	var created, next, lease int64
	var done sql.NullInt64
	if err := sc.Scan(&id, &state, &attempts, &created, &next, &holder, &lease, &lastErr, &done, &doc); err != nil {
		return models.PushMessage{}, err
	}
	var r pushRow
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		return models.PushMessage{}, fmt.Errorf("decode push message %s: %w", id, err)
	}
	m := r.message()
	m.ID, m.State, m.Attempts, m.LeaseHolder, m.LastError = id, models.PushState(state), attempts, holder, lastErr
	m.CreatedAt, m.NextAttemptAt, m.DoneAt = fromMs(created), fromMs(next), fromNullMs(done)
	m.LeaseUntil = time.Time{}
	if lease != 0 {
		m.LeaseUntil = fromMs(lease)
	}
	m.CreatedAt, m.NextAttemptAt = normTime(m.CreatedAt), normTime(m.NextAttemptAt)
	return m, nil
}

// pushRow is the stored JSON document of an outbox message, the store's own shape so that the
// JSON of models.PushMessage can change without changing what is on disk. Its keys are those the
// documents have always had, when they were the model's JSON. The delivery state (state,
// attempts, the times, lease and error) is also in the document, as enqueued, but read from the
// columns, which are the ones that change; the zero times are written as
// "0001-01-01T00:00:00Z", as they always were.
type pushRow struct {
	ID            string            `json:"id"`
	TicketID      string            `json:"ticket_id"`
	Version       int               `json:"version"`
	Event         string            `json:"event"`
	UserID        string            `json:"user_id"`
	Token         string            `json:"token"`
	Topic         string            `json:"topic,omitempty"`
	Platform      string            `json:"platform"`
	Title         string            `json:"title"`
	Body          string            `json:"body"`
	Data          map[string]string `json:"data"`
	CollapseKey   string            `json:"collapse_key"`
	Urgent        bool              `json:"urgent"`
	TTL           time.Duration     `json:"ttl"`
	State         string            `json:"state"`
	Attempts      int               `json:"attempts"`
	CreatedAt     time.Time         `json:"created_at"`
	NextAttemptAt time.Time         `json:"next_attempt_at"`
	LeaseHolder   string            `json:"lease_holder,omitempty"`
	LeaseUntil    time.Time         `json:"lease_until"`
	LastError     string            `json:"last_error,omitempty"`
	DoneAt        time.Time         `json:"done_at"`
}

// pushRowOf converts m to its stored form.
func pushRowOf(m *models.PushMessage) *pushRow {
	return &pushRow{
		ID: m.ID, TicketID: m.TicketID, Version: m.Version, Event: m.Event, UserID: m.UserID, Token: m.Token,
		Topic: m.Topic, Platform: string(m.Platform), Title: m.Title, Body: m.Body, Data: m.Data,
		CollapseKey: m.CollapseKey, Urgent: m.Urgent, TTL: m.TTL, State: string(m.State), Attempts: m.Attempts,
		CreatedAt: m.CreatedAt, NextAttemptAt: m.NextAttemptAt, LeaseHolder: m.LeaseHolder,
		LeaseUntil: m.LeaseUntil, LastError: m.LastError, DoneAt: m.DoneAt,
	}
}

// message converts a stored document back to the model.
func (r *pushRow) message() models.PushMessage {
	return models.PushMessage{
		ID: r.ID, TicketID: r.TicketID, Version: r.Version, Event: r.Event, UserID: r.UserID, Token: r.Token,
		Topic: r.Topic, Platform: models.Platform(r.Platform), Title: r.Title, Body: r.Body, Data: r.Data,
		CollapseKey: r.CollapseKey, Urgent: r.Urgent, TTL: r.TTL, State: models.PushState(r.State),
		Attempts: r.Attempts, CreatedAt: r.CreatedAt, NextAttemptAt: r.NextAttemptAt,
		LeaseHolder: r.LeaseHolder, LeaseUntil: r.LeaseUntil, LastError: r.LastError, DoneAt: r.DoneAt,
	}
}

// ClaimPush leases due messages with one UPDATE … WHERE id IN (SELECT … LIMIT) RETURNING: the
// single writer connection makes it atomic, and the partial index serves the inner select.
func (s *Store) ClaimPush(ctx context.Context, holder string, now time.Time, ttl time.Duration, limit int) ([]models.PushMessage, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []models.PushMessage
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		out = nil
		rows, err := tx.QueryContext(ctx, `UPDATE push_outbox SET lease_holder = ?, lease_until = ?
			WHERE id IN (SELECT id FROM push_outbox WHERE state = 'queued' AND next_attempt_at <= ? AND lease_until <= ?
				ORDER BY next_attempt_at, id LIMIT ?)
			RETURNING `+pushColumns, holder, ms(now.Add(ttl)), ms(now), ms(now), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanPush(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, translate(err, "claim push", "push message")
	}
	slices.SortFunc(out, func(a, b models.PushMessage) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// CompletePush finalises the messages holder still leases.
func (s *Store) CompletePush(ctx context.Context, holder string, ids []string, state models.PushState, now time.Time, reason string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	args := []any{string(state), ms(now), reason, holder}
	for _, id := range ids {
		args = append(args, id)
	}
	res, err := s.exec(ctx, `UPDATE push_outbox SET state = ?, done_at = ?, last_error = ?, lease_holder = '', lease_until = 0
		WHERE state = 'queued' AND lease_holder = ? AND id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return 0, translate(err, "complete push", "push message")
	}
	n, err := res.RowsAffected()
	return int(n), translate(err, "complete push", "push message")
}

// ReschedulePush queues the message again for next if holder still leases it.
func (s *Store) ReschedulePush(ctx context.Context, holder, id string, next time.Time, reason string) (bool, error) {
	res, err := s.exec(ctx, `UPDATE push_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?,
		lease_holder = '', lease_until = 0 WHERE id = ? AND state = 'queued' AND lease_holder = ?`, ms(next), reason, id, holder)
	if err != nil {
		return false, translate(err, "reschedule push", "push message")
	}
	n, err := res.RowsAffected()
	return n == 1, translate(err, "reschedule push", "push message")
}

// PushMessageByID returns one message.
func (s *Store) PushMessageByID(ctx context.Context, id string) (*models.PushMessage, error) {
	m, err := scanPush(s.r.QueryRowContext(ctx, `SELECT `+pushColumns+` FROM push_outbox WHERE id = ?`, id))
	if err != nil {
		return nil, translate(err, "push message by id", "push message")
	}
	return &m, nil
}

// CountPush counts the messages per state.
func (s *Store) CountPush(ctx context.Context) (map[models.PushState]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT state, COUNT(*) FROM push_outbox GROUP BY state`)
	if err != nil {
		return nil, translate(err, "count push", "push message")
	}
	defer rows.Close()
	out := map[models.PushState]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, translate(err, "count push", "push message")
		}
		out[models.PushState(st)] = n
	}
	return out, translate(rows.Err(), "count push", "push message")
}

// OldestQueuedPush reads the smallest created_at of the queued messages through the state index.
func (s *Store) OldestQueuedPush(ctx context.Context) (time.Time, error) {
	var oldest sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT MIN(created_at) FROM push_outbox WHERE state = ?`, string(models.PushQueued)).Scan(&oldest)
	if err != nil {
		return time.Time{}, translate(err, "oldest queued push", "push message")
	}
	if !oldest.Valid {
		return time.Time{}, nil
	}
	return fromMs(oldest.Int64), nil
}
