package app

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"phananh/models"
)

// totpIssuer names the service in authenticator apps.
const totpIssuer = "phananh"

// recoveryCodeCount is how many one-time recovery codes a confirmation hands out.
const recoveryCodeCount = 10

// TwoFactorEnrolment is what an official types or scans into an authenticator app: the
// secret (base32) and the otpauth:// URI holding it. It is shown until the enrolment is
// confirmed, never after.
type TwoFactorEnrolment struct {
	Secret string
	URI    string
}

// EnrollTwoFactor starts (or restarts) the enrolment of a second factor for the signed-in
// official: a new secret, kept encrypted as pending until ConfirmTwoFactor proves the app has it.
// An account whose second factor is on must turn it off first (EConflict).
func (s *Auth) EnrollTwoFactor(ctx context.Context, p models.Principal) (*TwoFactorEnrolment, error) {
	u, err := s.twoFactorAccount(ctx, p)
	if err != nil {
		return nil, err
	}
	if u.TwoFactor() {
		return nil, models.Errorf(models.EConflict, "the second factor is already on; turn it off first (DELETE /v1/me/2fa)")
	}
	key, err := s.secret(20)
	if err != nil {
		return nil, err
	}
	if u.TOTPPending, err = s.seal(key); err != nil {
		return nil, err
	}
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	return &TwoFactorEnrolment{Secret: totpEncoding.EncodeToString(key), URI: totpURI(totpIssuer, u.Username, key)}, nil
}

// ConfirmTwoFactor turns the pending second factor on when code is its current TOTP code, and
// returns the recovery codes, shown this once (only their hashes are kept). Audited.
func (s *Auth) ConfirmTwoFactor(ctx context.Context, p models.Principal, code string) ([]string, error) {
	u, err := s.twoFactorAccount(ctx, p)
	if err != nil {
		return nil, err
	}
	if u.TOTPPending == "" {
		return nil, models.Errorf(models.EConflict, "no enrolment in progress; start one with POST /v1/me/2fa/enroll")
	}
	if err := s.limit(ctx, "2fa-confirm:"+u.ID, s.cfg.LoginMaxFailures); err != nil {
		return nil, err
	}
	key, err := s.open(u.TOTPPending)
	if err != nil {
		return nil, err
	}
	if ok, err := s.useTOTP(ctx, u.ID, key, strings.TrimSpace(code)); err != nil {
		return nil, err
	} else if !ok {
		return nil, models.FieldError(models.EInvalid, "code", "the code is not the authenticator's current one")
	}
	codes := make([]string, recoveryCodeCount)
	hashes := make([]string, recoveryCodeCount)
	for i := range codes {
		raw, err := s.secret(7)
		if err != nil {
			return nil, err
		}
		c := strings.ToLower(totpEncoding.EncodeToString(raw))[:10]
		codes[i], hashes[i] = c[:5]+"-"+c[5:], hashRecoveryCode(c)
	}
	u.TOTPSecret, u.TOTPPending, u.RecoveryCodes = u.TOTPPending, "", hashes
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	s.states.forget(u.ID)
	if err := s.audit(ctx, p, "2fa_enable", "", u.ID, "second factor off→on (TOTP); 10 recovery codes issued"); err != nil {
		return nil, err
	}
	return codes, nil
}

// DisableTwoFactor turns the caller's second factor off; code must be a current TOTP code or
// an unused recovery code (which it spends). Audited.
func (s *Auth) DisableTwoFactor(ctx context.Context, p models.Principal, code string) error {
	u, err := s.twoFactorAccount(ctx, p)
	if err != nil {
		return err
	}
	if !u.TwoFactor() {
		return models.Errorf(models.EConflict, "the second factor is not on")
	}
	if err := s.limit(ctx, "2fa-confirm:"+u.ID, s.cfg.LoginMaxFailures); err != nil {
		return err
	}
	if ok, err := s.checkSecondFactor(ctx, u, code); err != nil {
		return err
	} else if !ok {
		return models.FieldError(models.EForbidden, "code", "the code is wrong or already used")
	}
	if u, err = s.store.UserByID(ctx, u.ID); err != nil { // as it is now: the check may have spent a code
		return err
	}
	u.TOTPSecret, u.TOTPPending, u.RecoveryCodes = "", "", nil
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return err
	}
	s.states.forget(u.ID)
	return s.audit(ctx, p, "2fa_disable", "", u.ID, "second factor on→off by the account holder")
}

// ResetTwoFactor turns off the second factor of the official id for an administrator (a lost
// phone): the secret, a pending enrolment and the recovery codes are deleted, and every session
// of the account ends (token generation, refresh tokens). Audited with the state before.
func (s *Auth) ResetTwoFactor(ctx context.Context, by models.Principal, id string) (*models.User, error) {
	if err := requireAdmin(by, "account administration"); err != nil {
		return nil, err
	}
	u, err := s.account(ctx, id, true)
	if err != nil {
		return nil, err
	}
	before := "off"
	if u.TwoFactor() {
		before = "on"
	} else if u.TOTPPending != "" {
		before = "enrolment pending"
	}
	u.TOTPSecret, u.TOTPPending, u.RecoveryCodes = "", "", nil
	u.TokenGeneration++
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	if err := s.store.RevokeUserRefreshTokens(ctx, id, s.clock()); err != nil {
		return nil, err
	}
	s.states.forget(id)
	if err := s.audit(ctx, by, "2fa_reset", "", id, "second factor "+before+"→off by an administrator; every session signed out"); err != nil {
		return nil, err
	}
	return u, nil
}

// twoFactorAccount is the signed-in official's account (people only: not a machine key).
func (s *Auth) twoFactorAccount(ctx context.Context, p models.Principal) (*models.User, error) {
	if !p.Role.Official() || p.Scope != "" {
		return nil, models.Errorf(models.EForbidden, "a second factor is for officials' accounts")
	}
	u, err := s.store.UserByID(ctx, p.UserID)
	if models.IsCode(err, models.ENotFound) {
		return nil, errSessionEnded()
	}
	return u, err
}

// checkSecondFactor reports whether code is a current TOTP code of u not used before in its
// step, or one of u's unused recovery codes, which it then spends.
func (s *Auth) checkSecondFactor(ctx context.Context, u *models.User, code string) (bool, error) {
	code = strings.ToLower(strings.Join(strings.Fields(code), ""))
	if len(code) == totpDigits {
		key, err := s.open(u.TOTPSecret)
		if err != nil {
			return false, err
		}
		return s.useTOTP(ctx, u.ID, key, code)
	}
	h := hashRecoveryCode(strings.ReplaceAll(code, "-", ""))
	if code == "" || !slices.Contains(u.RecoveryCodes, h) {
		return false, nil
	}
	// Concurrent uses of one code: the shared counter lets only the first through.
	if n, err := s.store.AddToCounter(ctx, "2fa-recovery:"+u.ID+":"+h, s.clock().Truncate(24*time.Hour), 1); err != nil || n > 1 {
		return false, err
	}
	cur, err := s.store.UserByID(ctx, u.ID)
	if err != nil {
		return false, err
	}
	cur.RecoveryCodes = slices.DeleteFunc(slices.Clone(cur.RecoveryCodes), func(x string) bool { return x == h })
	if err := s.store.UpdateUser(ctx, cur); err != nil {
		return false, err
	}
	detail := fmt.Sprintf("recovery code used; %d left", len(cur.RecoveryCodes))
	return true, s.audit(ctx, models.Principal{UserID: u.ID, Role: u.Role}, "2fa_recovery_code_used", "", u.ID, detail)
}

// useTOTP reports whether code is key's code of a step within the drift of now, spending the
// step: a second use of the same step's code (a replay, on any instance) is refused, since the
// counter of (account, secret, step) is shared and atomic.
func (s *Auth) useTOTP(ctx context.Context, userID string, key []byte, code string) (bool, error) {
	step, ok := totpMatch(key, code, s.clock())
	if !ok {
		return false, nil
	}
	// The key's fingerprint keeps a new enrolment's codes apart from the old secret's steps.
	counter := "2fa-step:" + userID + ":" + hashSecret(string(key))[:16]
	n, err := s.store.AddToCounter(ctx, counter, time.Unix(step*int64(totpStep/time.Second), 0).UTC(), 1)
	return err == nil && n == 1, err
}

// hashRecoveryCode is what the store keeps of a recovery code (lower case, without the dash).
func hashRecoveryCode(code string) string { return hashSecret("2fa-recovery\x00" + code) }

// seal encrypts a TOTP key for the store with TwoFactorKey (AES-256-GCM, random nonce first).
func (s *Auth) seal(key []byte) (string, error) {
	aead, err := s.twoFactorAEAD()
	if err != nil {
		return "", err
	}
	nonce, err := s.secret(aead.NonceSize())
	if err != nil {
		return "", err
	}
	return base64.RawStdEncoding.EncodeToString(aead.Seal(nonce, nonce, key, nil)), nil
}

// open decrypts what seal wrote.
func (s *Auth) open(sealed string) ([]byte, error) {
	aead, err := s.twoFactorAEAD()
	if err != nil {
		return nil, err
	}
	raw, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < aead.NonceSize() {
		return nil, fmt.Errorf("second factor: stored secret is malformed")
	}
	key, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], nil)
	if err != nil {
		return nil, fmt.Errorf("second factor: stored secret does not open with this key (was the signing key replaced?): %w", err)
	}
	return key, nil
}

func (s *Auth) twoFactorAEAD() (cipher.AEAD, error) {
	if len(s.cfg.TwoFactorKey) != 32 {
		return nil, models.Errorf(models.EUnavailable, "second factors are not configured on this server")
	}
	block, err := aes.NewCipher(s.cfg.TwoFactorKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
