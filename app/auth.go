package app

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"phananh/models"
)

// AccessClaims is what an access token asserts about its holder.
type AccessClaims struct {
	UserID    string
	Role      models.Role
	UnitID    string
	ExpiresAt time.Time
}

// TokenSigner issues and verifies short-lived access tokens (package tokens: asymmetric JWTs).
// VerifyAccess returns an EUnauthorized error for every invalid token, without detail.
type TokenSigner interface {
	SignAccess(c AccessClaims, now time.Time) (string, error)
	VerifyAccess(token string, now time.Time) (AccessClaims, error)
}

// Tokens is what a successful sign-in returns.
type Tokens struct {
	AccessToken      string
	AccessExpiresAt  time.Time
	AccessExpiresIn  time.Duration
	RefreshToken     string
	RefreshExpiresAt time.Time
	User             *models.User
}

var errBadCode = models.Errorf(models.EUnauthorized, "invalid or expired code")

// RequestOTP sends a 6-digit sign-in code to a phone, within the per-phone and per-IP limits.
// The code's hash replaces any earlier pending code of that phone.
func (s *Service) RequestOTP(ctx context.Context, rawPhone, ip string) error {
	phone, err := models.NormalizePhone(rawPhone)
	if err != nil {
		return err
	}
	if err := s.limit(ctx, "otp-ip:"+ip, s.cfg.OTPPerIP); err != nil {
		return err
	}
	if err := s.limit(ctx, "otp-phone:"+phone, s.cfg.OTPPerPhone); err != nil {
		return err
	}
	code, err := s.otpCode()
	if err != nil {
		return err
	}
	now := s.clock()
	c := &models.OTPChallenge{Phone: phone, CodeHash: hashOTP(phone, code), CreatedAt: now, ExpiresAt: now.Add(s.cfg.OTPTTL)}
	if err := s.store.PutOTP(ctx, c); err != nil {
		return err
	}
	// Without diacritics: an SMS in GSM-7 holds 160 characters, in UCS-2 only 70, and every
	// Vietnamese phone shows the plain form.
	text := fmt.Sprintf("Ma xac thuc Phan anh cua ban la %s. Ma co hieu luc %d phut. Khong chia se ma nay cho bat ky ai.",
		code, int(s.cfg.OTPTTL.Minutes()))
	if err := s.sms.Send(ctx, phone, text); err != nil {
		return models.WrapError(models.EUnavailable, err, "the SMS could not be sent; try again later")
	}
	return nil
}

// otpCode draws a uniform 6-digit code (rejection sampling avoids modulo bias).
func (s *Service) otpCode() (string, error) {
	for {
		b, err := s.secret(4)
		if err != nil {
			return "", err
		}
		n := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		if n < 4294000000 { // largest multiple of 1,000,000 below 2^32
			return fmt.Sprintf("%06d", n%1000000), nil
		}
	}
}

// hashOTP binds the code to the phone so a stored hash is useless for another number.
func hashOTP(phone, code string) string {
	h := sha256.Sum256([]byte("otp\x00" + phone + "\x00" + code))
	return hex.EncodeToString(h[:])
}

// limit counts one attempt against key in the current window and refuses past max.
func (s *Service) limit(ctx context.Context, key string, max int) error {
	window := s.clock().Truncate(s.cfg.OTPWindow)
	n, err := s.store.HitCounter(ctx, key, window)
	if err != nil {
		return err
	}
	if n > max {
		until := window.Add(s.cfg.OTPWindow)
		return s.rateLimited(until, "too many attempts; try again after %s", until.In(models.VietnamTime).Format("15:04"))
	}
	return nil
}

// VerifyOTP exchanges a valid code for tokens, creating the resident's account on first sign-in.
// After OTPMaxAttempts wrong codes the challenge is destroyed and a new code must be requested.
func (s *Service) VerifyOTP(ctx context.Context, rawPhone, code, ip string) (*Tokens, error) {
	phone, err := models.NormalizePhone(rawPhone)
	if err != nil {
		return nil, err
	}
	code = strings.TrimSpace(code)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return nil, models.FieldError(models.EInvalid, "code", "code must be 6 digits")
	}
	if err := s.limit(ctx, "otp-verify-ip:"+ip, s.cfg.OTPVerifyPerIP); err != nil {
		return nil, err
	}
	c, err := s.store.OTPByPhone(ctx, phone)
	if models.IsCode(err, models.ENotFound) {
		return nil, errBadCode
	} else if err != nil {
		return nil, err
	}
	now := s.clock()
	if !now.Before(c.ExpiresAt) {
		return nil, errBadCode
	}
	n, err := s.store.AddOTPAttempt(ctx, phone)
	if models.IsCode(err, models.ENotFound) {
		// A concurrent guess used up the challenge (or the right code spent it) in between.
		return nil, errBadCode
	} else if err != nil {
		return nil, err
	}
	if n > s.cfg.OTPMaxAttempts {
		if err := s.store.DeleteOTP(ctx, phone); err != nil && !models.IsCode(err, models.ENotFound) {
			return nil, err
		}
		return nil, models.Errorf(models.ERateLimited, "too many wrong codes; request a new code")
	}
	if subtle.ConstantTimeCompare([]byte(c.CodeHash), []byte(hashOTP(phone, code))) != 1 {
		return nil, errBadCode
	}
	if err := s.store.DeleteOTP(ctx, phone); err != nil && !models.IsCode(err, models.ENotFound) {
		return nil, err
	}
	u, err := s.residentByPhone(ctx, phone, now)
	if err != nil {
		return nil, err
	}
	return s.issueTokens(ctx, u, "")
}

// residentByPhone finds or creates the resident account of a phone number; a concurrent first
// sign-in of the same phone may win the insert, so a conflict re-reads.
func (s *Service) residentByPhone(ctx context.Context, phone string, now time.Time) (*models.User, error) {
	u, err := s.store.UserByPhone(ctx, phone)
	if err == nil {
		if u.Disabled {
			return nil, models.Errorf(models.EUnauthorized, "this account is disabled")
		}
		return u, nil
	}
	if !models.IsCode(err, models.ENotFound) {
		return nil, err
	}
	id, err := s.newID()
	if err != nil {
		return nil, err
	}
	u = &models.User{ID: id, Role: models.RoleResident, Phone: phone, CreatedAt: now}
	if err := s.store.CreateUser(ctx, u); err != nil {
		if models.IsCode(err, models.EConflict) {
			return s.store.UserByPhone(ctx, phone)
		}
		return nil, err
	}
	return u, nil
}

var errBadLogin = models.Errorf(models.EUnauthorized, "invalid username or password")

// Login signs an official in with a password. After LoginMaxFailures consecutive failures the
// account is locked for LoginLockout, so passwords cannot be guessed online.
func (s *Service) Login(ctx context.Context, username, password, ip string) (*Tokens, error) {
	if err := s.RateLimit(ctx, "login", ip, ""); err != nil {
		return nil, err
	}
	username = strings.ToLower(strings.TrimSpace(username))
	if username == "" || password == "" {
		return nil, errBadLogin
	}
	u, err := s.store.UserByUsername(ctx, username)
	if models.IsCode(err, models.ENotFound) {
		// Spend the same time as a real check so response times do not reveal usernames.
		verifyPassword(dummyPasswordHash, password)
		return nil, errBadLogin
	} else if err != nil {
		return nil, err
	}
	now := s.clock()
	if now.Before(u.LockedUntil) {
		return nil, s.rateLimited(u.LockedUntil, "too many failed sign-ins; this account is locked until %s",
			u.LockedUntil.In(models.VietnamTime).Format("15:04"))
	}
	if u.Disabled || !verifyPassword(u.PasswordHash, password) {
		u.FailedLogins++
		locked := u.FailedLogins >= s.cfg.LoginMaxFailures
		if locked {
			u.LockedUntil = now.Add(s.cfg.LoginLockout)
			u.FailedLogins = 0
			s.log.LogAttrs(ctx, slog.LevelWarn, "account locked after repeated failed sign-ins",
				slog.String("user", u.ID), slog.String("username", u.Username), slog.String("ip", ip))
		}
		if err := s.store.UpdateUser(ctx, u); err != nil {
			return nil, err
		}
		if locked {
			// Administrators review lockouts in the audit log (a guessing attack on an account).
			detail := fmt.Sprintf("%d failed sign-ins from %s; locked until %s", s.cfg.LoginMaxFailures, ip, u.LockedUntil.Format(time.RFC3339))
			if err := s.audit(ctx, models.Principal{UserID: u.ID, Role: u.Role}, "login_locked", "", u.ID, detail); err != nil {
				return nil, err
			}
		}
		return nil, errBadLogin
	}
	if u.FailedLogins != 0 || !u.LockedUntil.IsZero() {
		u.FailedLogins, u.LockedUntil = 0, time.Time{}
		if err := s.store.UpdateUser(ctx, u); err != nil {
			return nil, err
		}
	}
	return s.issueTokens(ctx, u, "")
}

// issueTokens signs an access token and creates a refresh token in family (a new family when "").
func (s *Service) issueTokens(ctx context.Context, u *models.User, family string) (*Tokens, error) {
	now := s.clock()
	claims := AccessClaims{UserID: u.ID, Role: u.Role, UnitID: u.UnitID, ExpiresAt: now.Add(s.cfg.AccessTokenTTL)}
	access, err := s.tokens.SignAccess(claims, now)
	if err != nil {
		return nil, fmt.Errorf("sign access token: %w", err)
	}
	raw, err := s.secret(32)
	if err != nil {
		return nil, err
	}
	refresh := "rt_" + base64.RawURLEncoding.EncodeToString(raw)
	if family == "" {
		if family, err = s.newID(); err != nil {
			return nil, err
		}
	}
	rt := &models.RefreshToken{ID: hashSecret(refresh), FamilyID: family, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.RefreshTokenTTL)}
	if err := s.store.CreateRefreshToken(ctx, rt); err != nil {
		return nil, err
	}
	return &Tokens{AccessToken: access, AccessExpiresAt: claims.ExpiresAt, AccessExpiresIn: s.cfg.AccessTokenTTL, RefreshToken: refresh, RefreshExpiresAt: rt.ExpiresAt, User: u}, nil
}

// hashSecret is how opaque secrets (refresh tokens, API keys) are stored: they carry 256 bits of
// randomness, so a fast hash suffices and lookups stay exact-match.
func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

var errBadRefresh = models.Errorf(models.EUnauthorized, "invalid refresh token")

// Refresh rotates a refresh token: the old one is spent and a new pair is issued in the same
// family. Presenting a spent token means it was copied: the whole family is revoked.
func (s *Service) Refresh(ctx context.Context, refresh string) (*Tokens, error) {
	if !strings.HasPrefix(refresh, "rt_") {
		return nil, errBadRefresh
	}
	now := s.clock()
	rt, err := s.store.UseRefreshToken(ctx, hashSecret(refresh), now)
	if models.IsCode(err, models.ENotFound) {
		return nil, errBadRefresh
	} else if err != nil {
		return nil, err
	}
	if !rt.UsedAt.IsZero() {
		if err := s.store.RevokeRefreshFamily(ctx, rt.FamilyID, now); err != nil {
			return nil, err
		}
		s.log.LogAttrs(ctx, slog.LevelWarn, "refresh token reused; family revoked",
			slog.String("user", rt.UserID), slog.String("family", rt.FamilyID))
		return nil, errBadRefresh
	}
	if !rt.RevokedAt.IsZero() || !now.Before(rt.ExpiresAt) {
		return nil, errBadRefresh
	}
	u, err := s.store.UserByID(ctx, rt.UserID)
	if err != nil || u.Disabled {
		return nil, errBadRefresh
	}
	return s.issueTokens(ctx, u, rt.FamilyID)
}

// Logout revokes the refresh token's family. Unknown tokens are ignored: logging out twice is
// not an error.
func (s *Service) Logout(ctx context.Context, refresh string) error {
	rt, err := s.store.UseRefreshToken(ctx, hashSecret(refresh), s.clock())
	if models.IsCode(err, models.ENotFound) {
		return nil
	} else if err != nil {
		return err
	}
	return s.store.RevokeRefreshFamily(ctx, rt.FamilyID, s.clock())
}

// Authenticate turns a bearer access token into the caller's principal.
func (s *Service) Authenticate(token string) (models.Principal, error) {
	c, err := s.tokens.VerifyAccess(token, s.now())
	if err != nil {
		return models.Principal{}, models.Errorf(models.EUnauthorized, "invalid or expired access token")
	}
	return models.Principal{UserID: c.UserID, Role: c.Role, UnitID: c.UnitID}, nil
}

// AuthenticateAPIKey turns a machine key into a principal with the key's scope.
func (s *Service) AuthenticateAPIKey(ctx context.Context, key string) (models.Principal, error) {
	if !strings.HasPrefix(key, "pk_") {
		return models.Principal{}, models.Errorf(models.EUnauthorized, "invalid API key")
	}
	k, err := s.store.APIKeyByHash(ctx, hashSecret(key))
	if models.IsCode(err, models.ENotFound) {
		return models.Principal{}, models.Errorf(models.EUnauthorized, "invalid API key")
	} else if err != nil {
		return models.Principal{}, err
	}
	return models.Principal{UserID: "apikey:" + k.ID, Scope: k.Scope}, nil
}

// Me returns the caller's account.
func (s *Service) Me(ctx context.Context, p models.Principal) (*models.User, error) {
	if p.Role == "" {
		return nil, models.Errorf(models.ENotFound, "no account for this credential")
	}
	return s.store.UserByID(ctx, p.UserID)
}
