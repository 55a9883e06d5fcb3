package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"phananh/models"
)

// PutOTP makes c the pending code of c.Phone (c.Attempts and c.Earlier are ignored). The codes
// of the challenge still unexpired at c.CreatedAt become its earlier codes
// (models.OTPChallenge.EarlierAt) and its attempts carry over; when none is left the attempts
// restart at zero. The read and the upsert share one IMMEDIATE transaction, so concurrent puts
// of a phone each see the codes the others stored; the attempts are kept by the row itself, so a
// guess counted in between is not lost either.
func (s *Store) PutOTP(ctx context.Context, c *models.OTPChallenge) error {
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var earlier []models.OTPCode
		old, err := scanOTP(tx.QueryRowContext(ctx, `SELECT `+otpColumns+` FROM otp_challenges WHERE phone = ?`, c.Phone))
		if err == nil {
			earlier = old.EarlierAt(c.CreatedAt)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		codes, err := encodeOTPCodes(earlier)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO otp_challenges (phone, code_hash, created_at, expires_at, attempts, earlier_codes)
			VALUES (?, ?, ?, ?, 0, ?)
			ON CONFLICT (phone) DO UPDATE SET
				attempts = CASE WHEN ? THEN otp_challenges.attempts ELSE 0 END,
				code_hash = excluded.code_hash, created_at = excluded.created_at, expires_at = excluded.expires_at,
				earlier_codes = excluded.earlier_codes`,
			c.Phone, c.CodeHash, ms(c.CreatedAt), ms(c.ExpiresAt), codes, len(earlier) > 0)
		return err
	})
	return translate(err, "put otp", "sign-in code")
}

const otpColumns = `phone, code_hash, created_at, expires_at, attempts, earlier_codes`

// OTPByPhone returns the pending challenge of phone, ENotFound if there is none.
func (s *Store) OTPByPhone(ctx context.Context, phone string) (*models.OTPChallenge, error) {
	c, err := scanOTP(s.r.QueryRowContext(ctx, `SELECT `+otpColumns+` FROM otp_challenges WHERE phone = ?`, phone))
	if err != nil {
		return nil, translate(err, "read otp", "sign-in code")
	}
	return c, nil
}

func scanOTP(row *sql.Row) (*models.OTPChallenge, error) {
	var (
		c                    models.OTPChallenge
		createdAt, expiresAt int64
		earlier              string
	)
	if err := row.Scan(&c.Phone, &c.CodeHash, &createdAt, &expiresAt, &c.Attempts, &earlier); err != nil {
		return nil, err
	}
	c.CreatedAt, c.ExpiresAt = fromMs(createdAt), fromMs(expiresAt)
	var codes []otpCodeJSON
	if err := json.Unmarshal([]byte(earlier), &codes); err != nil {
		return nil, fmt.Errorf("earlier codes of a sign-in code: %w", err)
	}
	for _, k := range codes {
		c.Earlier = append(c.Earlier, models.OTPCode{Hash: k.Hash, ExpiresAt: fromMs(k.ExpiresAt)})
	}
	return &c, nil
}

// otpCodeJSON is one element of the earlier_codes column.
type otpCodeJSON struct {
	Hash      string `json:"hash"`
	ExpiresAt int64  `json:"expires_at"` // unix milliseconds, as every time column
}

// encodeOTPCodes renders codes for the earlier_codes column; none is "[]", never "null".
func encodeOTPCodes(codes []models.OTPCode) (string, error) {
	out := make([]otpCodeJSON, 0, len(codes))
	for _, k := range codes {
		out = append(out, otpCodeJSON{Hash: k.Hash, ExpiresAt: ms(k.ExpiresAt)})
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// AddOTPAttempt increments in one statement, so concurrent guesses each get their own count.
func (s *Store) AddOTPAttempt(ctx context.Context, phone string) (int, error) {
	var n int
	err := s.writeScan(ctx, []any{&n}, `UPDATE otp_challenges SET attempts = attempts + 1
		WHERE phone = ? RETURNING attempts`, phone)
	if err != nil {
		return 0, translate(err, "add otp attempt", "sign-in code")
	}
	return n, nil
}

// DeleteOTP removes the challenge of phone; deleting an absent one is not an error, so that a
// retried or racing sign-in completion does not fail.
func (s *Store) DeleteOTP(ctx context.Context, phone string) error {
	_, err := s.exec(ctx, `DELETE FROM otp_challenges WHERE phone = ?`, phone)
	return translate(err, "delete otp", "sign-in code")
}

// counterRetention is how far behind the newest window a rate counter is kept. Rate-limit
// windows are at most a month long, so anything older can no longer be the current window of
// any key.
const counterRetention = 35 * 24 * time.Hour

// counterSweepEvery spaces the sweeps of old counters (in window time, not wall time).
const counterSweepEvery = time.Hour

// HitCounter increments the counter of (key, window) in one upsert and returns the new count.
func (s *Store) HitCounter(ctx context.Context, key string, window time.Time) (int, error) {
	n, err := s.AddToCounter(ctx, key, window, 1)
	return int(n), err
}

// AddToCounter adds n to the counter of (key, window) in one upsert and returns the new value.
// Old windows are swept now and then rather than per key, because one key may be limited over
// windows of different lengths.
func (s *Store) AddToCounter(ctx context.Context, key string, window time.Time, n int64) (int64, error) {
	var total int64
	err := s.writeScan(ctx, []any{&total}, `INSERT INTO rate_counters (key, window_start, count) VALUES (?, ?, ?)
		ON CONFLICT (key, window_start) DO UPDATE SET count = count + excluded.count
		RETURNING count`, key, ms(window), n)
	if err != nil {
		return 0, translate(err, "add to counter", "counter")
	}
	if s.sweepDue(window) {
		if _, err := s.exec(ctx, `DELETE FROM rate_counters WHERE window_start < ?`,
			ms(window.Add(-counterRetention))); err != nil {
			return 0, translate(err, "sweep counters", "counter")
		}
	}
	return total, nil
}

func (s *Store) sweepDue(window time.Time) bool {
	s.pruneMu.Lock()
	defer s.pruneMu.Unlock()
	if !s.lastPrune.IsZero() && window.Sub(s.lastPrune) < counterSweepEvery {
		return false
	}
	s.lastPrune = window
	return true
}

const refreshColumns = `id, family_id, user_id, created_at, expires_at, used_at, revoked_at`

// CreateRefreshToken inserts t; a taken id is EConflict.
func (s *Store) CreateRefreshToken(ctx context.Context, t *models.RefreshToken) error {
	_, err := s.exec(ctx, `INSERT INTO refresh_tokens (`+refreshColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.FamilyID, t.UserID, ms(t.CreatedAt), ms(t.ExpiresAt), nullMs(t.UsedAt), nullMs(t.RevokedAt))
	return translate(err, "create refresh token", "refresh token")
}

// UseRefreshToken reads and marks the token in one IMMEDIATE transaction, so of two concurrent
// uses exactly one sees it unused. A token keeps the time of its first use.
func (s *Store) UseRefreshToken(ctx context.Context, id string, now time.Time) (*models.RefreshToken, error) {
	var t *models.RefreshToken
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		t, err = scanRefresh(tx.QueryRowContext(ctx, `SELECT `+refreshColumns+` FROM refresh_tokens WHERE id = ?`, id))
		if err != nil {
			return err
		}
		if !t.UsedAt.IsZero() {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE refresh_tokens SET used_at = ? WHERE id = ?`, ms(now), id)
		return err
	})
	if err != nil {
		return nil, translate(err, "use refresh token", "refresh token")
	}
	return t, nil
}

func scanRefresh(row *sql.Row) (*models.RefreshToken, error) {
	var (
		t                    models.RefreshToken
		createdAt, expiresAt int64
		usedAt, revokedAt    sql.NullInt64
	)
	if err := row.Scan(&t.ID, &t.FamilyID, &t.UserID, &createdAt, &expiresAt, &usedAt, &revokedAt); err != nil {
		return nil, err
	}
	t.CreatedAt, t.ExpiresAt = fromMs(createdAt), fromMs(expiresAt)
	t.UsedAt, t.RevokedAt = fromNullMs(usedAt), fromNullMs(revokedAt)
	return &t, nil
}

// RevokeRefreshFamily marks every token of the family revoked at now; tokens revoked earlier keep
// their first revocation time. An unknown family is not an error (nothing to revoke).
func (s *Store) RevokeRefreshFamily(ctx context.Context, familyID string, now time.Time) error {
	_, err := s.exec(ctx, `UPDATE refresh_tokens SET revoked_at = ?
		WHERE family_id = ? AND revoked_at IS NULL`, ms(now), familyID)
	return translate(err, "revoke refresh family", "refresh token")
}

// RevokeUserRefreshTokens marks every not yet revoked token of the user revoked at now.
func (s *Store) RevokeUserRefreshTokens(ctx context.Context, userID string, now time.Time) error {
	_, err := s.exec(ctx, `UPDATE refresh_tokens SET revoked_at = ?
		WHERE user_id = ? AND revoked_at IS NULL`, ms(now), userID)
	return translate(err, "revoke user refresh tokens", "refresh token")
}

// CreateAPIKey inserts k; a taken id or hash is EConflict.
func (s *Store) CreateAPIKey(ctx context.Context, k *models.APIKey) error {
	_, err := s.exec(ctx, `INSERT INTO api_keys (id, name, scope, hash, prefix, created_at, expires_at, revoked_at, last_used_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Name, string(k.Scope), k.Hash, k.Prefix, ms(k.CreatedAt), nullMs(k.ExpiresAt), nullMs(k.RevokedAt), nullMs(k.LastUsedAt))
	return translate(err, "create api key", "api key")
}

// apiKeyColumns are the columns scanAPIKey reads, in its order.
const apiKeyColumns = `id, name, scope, hash, prefix, created_at, expires_at, revoked_at, last_used_at`

// scanAPIKey reads one row of apiKeyColumns.
func scanAPIKey(row interface{ Scan(dest ...any) error }) (*models.APIKey, error) {
	var (
		k                            models.APIKey
		scope                        string
		createdAt                    int64
		expiresAt, revokedAt, usedAt sql.NullInt64
	)
	if err := row.Scan(&k.ID, &k.Name, &scope, &k.Hash, &k.Prefix, &createdAt, &expiresAt, &revokedAt, &usedAt); err != nil {
		return nil, err
	}
	k.Scope, k.CreatedAt = models.APIKeyScope(scope), fromMs(createdAt)
	k.ExpiresAt, k.RevokedAt, k.LastUsedAt = fromNullMs(expiresAt), fromNullMs(revokedAt), fromNullMs(usedAt)
	return &k, nil
}

// APIKeyByHash returns the key whose hash is hash, ENotFound if there is none.
func (s *Store) APIKeyByHash(ctx context.Context, hash string) (*models.APIKey, error) {
	k, err := scanAPIKey(s.r.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = ?`, hash))
	if err != nil {
		return nil, translate(err, "read api key", "api key")
	}
	return k, nil
}

// ListAPIKeys returns every key, newest first (created_at desc, id desc).
func (s *Store) ListAPIKeys(ctx context.Context) ([]models.APIKey, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, translate(err, "list api keys", "api key")
	}
	defer rows.Close()
	var out []models.APIKey
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, translate(err, "list api keys", "api key")
		}
		out = append(out, *k)
	}
	return out, translate(rows.Err(), "list api keys", "api key")
}

// RevokeAPIKey marks the key revoked at at; a key revoked earlier keeps its time. Unknown id:
// ENotFound.
func (s *Store) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, ms(at), id)
	return oneKeyUpdated(res, err, "revoke api key")
}

// TouchAPIKey records that the key was used at at. Unknown id: ENotFound.
func (s *Store) TouchAPIKey(ctx context.Context, id string, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, ms(at), id)
	return oneKeyUpdated(res, err, "touch api key")
}

// oneKeyUpdated turns the result of an update of one key by id into ENotFound when no row matched.
func oneKeyUpdated(res sql.Result, err error, op string) error {
	if err != nil {
		return translate(err, op, "api key")
	}
	if n, err := res.RowsAffected(); err != nil {
		return translate(err, op, "api key")
	} else if n == 0 {
		return notFound("api key")
	}
	return nil
}
