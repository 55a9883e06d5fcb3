package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"phananh/models"
)

// PutSubscription inserts the subscription unless the user has one for the area.
func (s *Store) PutSubscription(ctx context.Context, sub *models.Subscription) (bool, error) {
	res, err := s.exec(ctx, `INSERT OR IGNORE INTO push_subscriptions (user_id, area_code, area_name, topic, created_at)
		VALUES (?, ?, ?, ?, ?)`, sub.UserID, sub.AreaCode, sub.AreaName, sub.Topic, ms(sub.CreatedAt))
	if err != nil {
		return false, translate(err, "put subscription", "subscription")
	}
	n, err := res.RowsAffected()
	return n == 1, translate(err, "put subscription", "subscription")
}

// DeleteSubscription removes and returns the user's subscription of the area.
func (s *Store) DeleteSubscription(ctx context.Context, userID, areaCode string) (*models.Subscription, error) {
	var sub models.Subscription
	var created int64
	err := s.writeScan(ctx, []any{&sub.UserID, &sub.AreaCode, &sub.AreaName, &sub.Topic, &created}, `DELETE FROM push_subscriptions WHERE user_id = ? AND area_code = ?
		RETURNING user_id, area_code, area_name, topic, created_at`, userID, areaCode)
	if err != nil {
		return nil, translate(err, "delete subscription", "subscription")
	}
	sub.CreatedAt = fromMs(created)
	return &sub, nil
}

// SubscriptionsOf lists the user's subscriptions by area code.
func (s *Store) SubscriptionsOf(ctx context.Context, userID string) ([]models.Subscription, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT user_id, area_code, area_name, topic, created_at FROM push_subscriptions
		WHERE user_id = ? ORDER BY area_code`, userID)
	if err != nil {
		return nil, translate(err, "subscriptions of", "subscription")
	}
	defer rows.Close()
	var out []models.Subscription
	for rows.Next() {
		var sub models.Subscription
		var created int64
		if err := rows.Scan(&sub.UserID, &sub.AreaCode, &sub.AreaName, &sub.Topic, &created); err != nil {
			return nil, translate(err, "subscriptions of", "subscription")
		}
		sub.CreatedAt = fromMs(created)
		out = append(out, sub)
	}
	return out, translate(rows.Err(), "subscriptions of", "subscription")
}

// EnqueueTopicOps upserts every op in one transaction; the lease columns are left alone.
func (s *Store) EnqueueTopicOps(ctx context.Context, ops []models.TopicOp) error {
	if len(ops) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO push_topic_ops (token, topic, subscribe, gen, attempts, created_at, next_attempt_at)
			VALUES (?, ?, ?, 1, 0, ?, ?)
			ON CONFLICT (token, topic) DO UPDATE SET subscribe = excluded.subscribe, gen = gen + 1, attempts = 0,
				created_at = excluded.created_at, next_attempt_at = excluded.next_attempt_at, last_error = ''`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, op := range ops {
			if _, err := stmt.ExecContext(ctx, op.Token, op.Topic, boolInt(op.Subscribe), ms(op.CreatedAt), ms(op.NextAttemptAt)); err != nil {
				return err
			}
		}
		return nil
	})
	return translate(err, "enqueue topic ops", "topic op")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

const topicOpColumns = `token, topic, subscribe, gen, attempts, created_at, next_attempt_at, lease_holder, lease_until, last_error`

func scanTopicOps(rows *sql.Rows) ([]models.TopicOp, error) {
	defer rows.Close()
	var out []models.TopicOp
	for rows.Next() {
		var op models.TopicOp
		var sub int
		var created, next, lease int64
		if err := rows.Scan(&op.Token, &op.Topic, &sub, &op.Gen, &op.Attempts, &created, &next, &op.LeaseHolder, &lease, &op.LastError); err != nil {
			return nil, err
		}
		op.Subscribe, op.CreatedAt, op.NextAttemptAt = sub == 1, fromMs(created), fromMs(next)
		if lease != 0 {
			op.LeaseUntil = fromMs(lease)
		}
		out = append(out, op)
	}
	return out, rows.Err()
}

// ClaimTopicOps leases due ops with one UPDATE … RETURNING (atomic on the single writer).
func (s *Store) ClaimTopicOps(ctx context.Context, holder string, now time.Time, ttl time.Duration, limit int) ([]models.TopicOp, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []models.TopicOp
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE push_topic_ops SET lease_holder = ?, lease_until = ?
			WHERE rowid IN (SELECT rowid FROM push_topic_ops WHERE next_attempt_at <= ? AND lease_until <= ?
				ORDER BY next_attempt_at, topic, token LIMIT ?)
			RETURNING `+topicOpColumns, holder, ms(now.Add(ttl)), ms(now), ms(now), limit)
		if err != nil {
			return err
		}
		out, err = scanTopicOps(rows)
		return err
	})
	if err != nil {
		return nil, translate(err, "claim topic ops", "topic op")
	}
	sortTopicOps(out)
	return out, nil
}

// FinishTopicOps deletes the carried-out ops and releases the lease of superseded ones.
func (s *Store) FinishTopicOps(ctx context.Context, holder string, ops []models.TopicOp) (int, error) {
	done := 0
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		done = 0
		for _, op := range ops {
			res, err := tx.ExecContext(ctx, `DELETE FROM push_topic_ops WHERE token = ? AND topic = ? AND gen = ? AND lease_holder = ?`,
				op.Token, op.Topic, op.Gen, holder)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				done++
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE push_topic_ops SET lease_holder = '', lease_until = 0
				WHERE token = ? AND topic = ? AND lease_holder = ?`, op.Token, op.Topic, holder); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, translate(err, "finish topic ops", "topic op")
	}
	return done, nil
}

// RetryTopicOps reschedules holder's ops of the same generation and releases the others.
func (s *Store) RetryTopicOps(ctx context.Context, holder string, ops []models.TopicOp, next time.Time, reason string) error {
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for _, op := range ops {
			if _, err := tx.ExecContext(ctx, `UPDATE push_topic_ops SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?,
				lease_holder = '', lease_until = 0 WHERE token = ? AND topic = ? AND gen = ? AND lease_holder = ?`,
				ms(next), reason, op.Token, op.Topic, op.Gen, holder); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE push_topic_ops SET lease_holder = '', lease_until = 0
				WHERE token = ? AND topic = ? AND lease_holder = ?`, op.Token, op.Topic, holder); err != nil {
				return err
			}
		}
		return nil
	})
	return translate(err, "retry topic ops", "topic op")
}

// TopicOps lists every pending op by topic then token.
func (s *Store) TopicOps(ctx context.Context) ([]models.TopicOp, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+topicOpColumns+` FROM push_topic_ops ORDER BY topic, token`)
	if err != nil {
		return nil, translate(err, "topic ops", "topic op")
	}
	out, err := scanTopicOps(rows)
	return out, translate(err, "topic ops", "topic op")
}

func sortTopicOps(ops []models.TopicOp) {
	slices.SortFunc(ops, func(a, b models.TopicOp) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		if c := strings.Compare(a.Topic, b.Topic); c != 0 {
			return c
		}
		return strings.Compare(a.Token, b.Token)
	})
}
