package app

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"phananh/models"
)

// AccessClaims is what an access token asserts about its holder.
type AccessClaims struct {
	UserID    string
	Role      models.Role
	UnitID    string
	ExpiresAt time.Time
	// PasswordChange: the account must change its password before anything else.
	PasswordChange bool
	// Generation is the account's models.User.TokenGeneration at issue; a token of an older
	// generation is refused (Authenticate).
	Generation int
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

// RequestOTP sends a 6-digit sign-in code to a phone within three limits: per client address
// (OTPPerIP), per phone and client address (OTPPerPhone, so a stranger asking for someone's
// phone from elsewhere does not spend the owner's quota) and per phone from every address
// (OTPPerPhoneDay, so no number of addresses can bomb a phone with SMS). A code sent earlier
// stays valid until it expires (PutOTP), so a stranger's request does not break the code the
// owner is typing.
func (s *Auth) RequestOTP(ctx context.Context, rawPhone, ip string) error {
	phone, err := models.NormalizePhone(rawPhone)
	if err != nil {
		return err
	}
	addr := AddressKey(ip)
	if err := s.limit(ctx, "otp-ip:"+addr, s.cfg.OTPPerIP); err != nil {
		return err
	}
	if err := s.limit(ctx, "otp-phone:"+phone+"@"+addr, s.cfg.OTPPerPhone); err != nil {
		return err
	}
	if u, err := s.store.UserByPhone(ctx, phone); err == nil && u.Disabled {
		return errBlocked()
	} else if err != nil && !models.IsCode(err, models.ENotFound) {
		return err
	}
	until, over, err := s.count(ctx, "otp_phone_day", "otp-phone-day:"+phone, Limit{Max: s.cfg.OTPPerPhoneDay, Window: 24 * time.Hour})
	if err != nil {
		return err
	}
	if over {
		return s.rateLimited(until, "too many codes were sent to this phone today; try again after %s",
			until.In(models.VietnamTime).Format("15:04"))
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
func (s *Auth) otpCode() (string, error) {
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

// limit counts one attempt against key in the current window and refuses past max; the part
// of key before its ":" names the limit in the request's QuotaReport, spelt as the limits of
// RATE_LIMITS are (otp_ip, otp_verify_ip, 2fa_confirm …).
func (s *Auth) limit(ctx context.Context, key string, max int) error {
	policy, _, _ := strings.Cut(key, ":")
	until, over, err := s.count(ctx, strings.ReplaceAll(policy, "-", "_"), key, Limit{Max: max, Window: s.cfg.OTPWindow})
	if err != nil {
		return err
	}
	if over {
		return s.rateLimited(until, "too many attempts; try again after %s", until.In(models.VietnamTime).Format("15:04"))
	}
	return nil
}

// VerifyOTP exchanges a valid code (any code sent to the phone that has not expired) for
// tokens, creating the resident's account on first sign-in, and spends every code of the phone.
// After OTPMaxAttempts wrong codes, counted across all of them, the challenge is destroyed and a
// new code must be requested.
func (s *Auth) VerifyOTP(ctx context.Context, rawPhone, code, ip string) (*Tokens, error) {
	phone, err := models.NormalizePhone(rawPhone)
	if err := models.JoinProblems(err, models.CheckOTPCode(code)); err != nil {
		return nil, err // every problem of the two fields at once
	}
	if err := s.spendOTP(ctx, phone, code, ip); err != nil {
		return nil, err
	}
	u, err := s.residentByPhone(ctx, phone, s.clock())
	if err != nil {
		return nil, err
	}
	return s.issueTokens(ctx, u, "")
}

// spendOTP checks code against every unexpired code sent to phone (E.164) and spends them all
// when it matches; after OTPMaxAttempts wrong codes, counted across all of them, the challenge
// is destroyed. Sign-in and account erasure (a "fresh code") both go through it.
func (s *Auth) spendOTP(ctx context.Context, phone, code, ip string) error {
	if err := models.CheckOTPCode(code); err != nil {
		return err
	}
	code = strings.TrimSpace(code)
	if err := s.limit(ctx, "otp-verify-ip:"+AddressKey(ip), s.cfg.OTPVerifyPerIP); err != nil {
		return err
	}
	c, err := s.store.OTPByPhone(ctx, phone)
	if models.IsCode(err, models.ENotFound) {
		return errBadCode
	} else if err != nil {
		return err
	}
	now := s.clock()
	codes := c.Codes()
	if !slices.ContainsFunc(codes, func(k models.OTPCode) bool { return now.Before(k.ExpiresAt) }) {
		return errBadCode
	}
	n, err := s.store.AddOTPAttempt(ctx, phone)
	if models.IsCode(err, models.ENotFound) {
		// A concurrent guess used up the challenge (or the right code spent it) in between.
		return errBadCode
	} else if err != nil {
		return err
	}
	if n > s.cfg.OTPMaxAttempts {
		if err := s.store.DeleteOTP(ctx, phone); err != nil && !models.IsCode(err, models.ENotFound) {
			return err
		}
		return models.Errorf(models.ERateLimited, "too many wrong codes; request a new code")
	}
	// Every code is compared, so the time taken does not tell which one matched.
	h := []byte(hashOTP(phone, code))
	matched := false
	for _, k := range codes {
		if subtle.ConstantTimeCompare([]byte(k.Hash), h) == 1 && now.Before(k.ExpiresAt) {
			matched = true
		}
	}
	if !matched {
		return errBadCode
	}
	if err := s.store.DeleteOTP(ctx, phone); err != nil && !models.IsCode(err, models.ENotFound) {
		return err
	}
	return nil
}

// residentByPhone finds or creates the resident account of a phone number; a concurrent first
// sign-in of the same phone may win the insert, so a conflict re-reads.
func (s *Auth) residentByPhone(ctx context.Context, phone string, now time.Time) (*models.User, error) {
	u, err := s.store.UserByPhone(ctx, phone)
	if err == nil {
		if u.Disabled {
			return nil, errBlocked()
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

// maxUsernameLength is the longest username an account can have (CreateOfficial); a longer one
// is refused before anything is counted, so failure counters never key on huge strings.
const maxUsernameLength = 64

// loginFieldsPresent names every empty field of a sign-in at once: that says nothing about
// any account, so unlike a wrong password it need not look like the other failures.
func loginFieldsPresent(username, password string) error {
	var missing models.Errors
	if username == "" {
		missing = append(missing, models.Problem("username", models.ProblemRequired, "", "username is required"))
	}
	if password == "" {
		missing = append(missing, models.Problem("password", models.ProblemRequired, "", "password is required"))
	}
	return missing.Err()
}

// Login signs an official in with a password. Failed checks are counted in the store, atomically
// and shared by every instance, in fixed windows of LoginLockout (loginCount): a username is
// locked for one client address after LoginMaxFailures failures from it, and for every address
// after LoginUserMaxFailures failures from all of them. The counts are kept for every username
// sent, whether or not an account has it, so neither the answers nor the lockouts reveal which
// usernames exist; and the user's row is never written, so a failed sign-in cannot undo a
// concurrent change to the account (an administrator disabling it) — except when a recovery
// code is spent. Every sign-in and every checked failure is audited (login, login_failed).
//
// An account with a second factor also needs otp: its current TOTP code or an unused recovery
// code. With the right password and no otp the answer is ESecondFactorRequired (the counts are
// given back: the client asks for the code next); a wrong or replayed otp is a failed sign-in
// like a wrong password, counted towards the lockout.
func (s *Auth) Login(ctx context.Context, username, password, otp, ip string) (*Tokens, error) {
	if err := s.rateLimit(ctx, "login", ip, ""); err != nil {
		return nil, err
	}
	username = strings.ToLower(strings.TrimSpace(username))
	if err := loginFieldsPresent(username, password); err != nil {
		return nil, err
	}
	if len(username) > maxUsernameLength {
		return nil, errBadLogin
	}
	count, err := s.loginCount(ctx, username, ip)
	if err != nil {
		return nil, err
	}
	u, err := s.store.UserByUsername(ctx, username)
	if models.IsCode(err, models.ENotFound) {
		u = nil
	} else if err != nil {
		return nil, err
	}
	// An unknown username is checked against a dummy hash, so response times do not reveal it.
	hash := dummyPasswordHash
	if u != nil {
		hash = u.PasswordHash
	}
	if !verifyPassword(hash, password) || u == nil {
		if err := s.loginFailed(ctx, count, u, ip); err != nil {
			return nil, err
		}
		if err := s.auditLogin(ctx, u, username, ip, "wrong password"); err != nil {
			return nil, err
		}
		return nil, errBadLogin
	}
	// Only the right password learns that the account is disabled.
	if u.Disabled {
		if err := s.auditLogin(ctx, u, username, ip, "account disabled"); err != nil {
			return nil, err
		}
		return nil, errDisabled()
	}
	if u.TwoFactor() {
		if err := s.secondFactor(ctx, count, u, otp, ip); err != nil {
			return nil, err
		}
	}
	if err := count.giveBack(ctx, s.store); err != nil {
		return nil, err
	}
	if err := s.auditLogin(ctx, u, username, ip, ""); err != nil {
		return nil, err
	}
	return s.issueTokens(ctx, u, "")
}

// secondFactor checks the otp of a sign-in whose password was right (attempt a): none is
// ESecondFactorRequired with the counts given back; a wrong or replayed one is a failure,
// counted and audited like a wrong password.
func (s *Auth) secondFactor(ctx context.Context, a *loginAttempt, u *models.User, otp, ip string) error {
	if strings.TrimSpace(otp) == "" {
		if err := a.giveBack(ctx, s.store); err != nil {
			return err
		}
		return models.FieldError(models.ESecondFactorRequired, "otp",
			"this account signs in with a second factor: send the authenticator's code (or a recovery code) as otp")
	}
	ok, err := s.checkSecondFactor(ctx, u, otp)
	if err != nil || ok {
		return err
	}
	if err := s.loginFailed(ctx, a, u, ip); err != nil {
		return err
	}
	if err := s.auditLogin(ctx, u, a.username, ip, "wrong or used second factor code"); err != nil {
		return err
	}
	return models.FieldError(models.EUnauthorized, "otp", "the second factor code is wrong or already used")
}

// auditLogin records an official's sign-in in the audit log: "login" when failure is empty,
// else "login_failed" with the username attempted and why — never the password. The actor is
// the account (none for an unknown username, whose failures are audited all the same); checks
// refused by the lockout before the password is looked at are not (login_locked says when it
// began).
func (s *Auth) auditLogin(ctx context.Context, u *models.User, username, ip, failure string) error {
	var p models.Principal
	subject := ""
	if u != nil {
		p, subject = models.Principal{UserID: u.ID, Role: u.Role}, u.ID
	}
	if failure == "" {
		return s.audit(ctx, p, "login", "", subject, fmt.Sprintf("username %q from %s", username, ip))
	}
	return s.audit(ctx, p, "login_failed", "", subject, fmt.Sprintf("username %q from %s: %s", username, ip, failure))
}

// loginAttempt is one password check as the failure counters saw it.
type loginAttempt struct {
	username, pairKey, userKey string
	window                     time.Time
	pair, user                 int64 // the counts including this attempt
}

// loginCount counts a password check as a failure of username from ip (by AddressKey) and of
// username from anywhere before the check is made, so that parallel guesses cannot all be
// checked before the first failure is recorded; a check that succeeds gives its counts back.
// Past either limit the check is refused as locked until the window ends. An attempt refused
// for its address is not counted for the username, so one address cannot push the username
// towards the lock of every address.
func (s *Auth) loginCount(ctx context.Context, username, ip string) (*loginAttempt, error) {
	a := &loginAttempt{
		username: username,
		pairKey:  "login-fail:" + username + "@" + AddressKey(ip),
		userKey:  "login-fail-user:" + username,
		window:   s.clock().Truncate(s.cfg.LoginLockout),
	}
	until := a.window.Add(s.cfg.LoginLockout)
	var err error
	if a.pair, err = s.store.AddToCounter(ctx, a.pairKey, a.window, 1); err != nil {
		return nil, err
	}
	if a.pair > int64(s.cfg.LoginMaxFailures) {
		return nil, s.loginLocked(until)
	}
	if a.user, err = s.store.AddToCounter(ctx, a.userKey, a.window, 1); err != nil {
		return nil, err
	}
	if a.user > int64(s.cfg.LoginUserMaxFailures) {
		return nil, s.loginLocked(until)
	}
	return a, nil
}

// giveBack undoes the counts of a check that succeeded: it was not a failure.
func (a *loginAttempt) giveBack(ctx context.Context, st CounterStore) error {
	if _, err := st.AddToCounter(ctx, a.pairKey, a.window, -1); err != nil {
		return err
	}
	_, err := st.AddToCounter(ctx, a.userKey, a.window, -1)
	return err
}

func (s *Auth) loginLocked(until time.Time) error {
	return s.rateLimited(until, "too many failed sign-ins; this account is locked until %s",
		until.In(models.VietnamTime).Format("15:04"))
}

// loginFailed records the lockout the failed attempt a completes, if any: in the log, and for
// an existing account u (nil for an unknown username) in the audit log, where administrators
// review guessing attacks. Exactly one attempt reaches each limit in a window, so each lockout
// is recorded once.
func (s *Auth) loginFailed(ctx context.Context, a *loginAttempt, u *models.User, ip string) error {
	until := a.window.Add(s.cfg.LoginLockout)
	var details []string
	if a.pair == int64(s.cfg.LoginMaxFailures) {
		details = append(details, fmt.Sprintf("%d failed sign-ins from %s; locked for that address until %s",
			s.cfg.LoginMaxFailures, ip, until.Format(time.RFC3339)))
	}
	if a.user == int64(s.cfg.LoginUserMaxFailures) {
		details = append(details, fmt.Sprintf("%d failed sign-ins from several addresses, the last from %s; locked for every address until %s",
			s.cfg.LoginUserMaxFailures, ip, until.Format(time.RFC3339)))
	}
	for _, detail := range details {
		// The username is masked (the log holds no names, Law 91/2025/QH15); the audit record
		// written below names the account by id for whoever investigates.
		s.log.LogAttrs(ctx, slog.LevelWarn, "username locked after repeated failed sign-ins",
			slog.String("username", models.MaskName(a.username)), slog.String("ip", ip), slog.String("detail", detail))
		if u == nil {
			continue
		}
		if err := s.audit(ctx, models.Principal{UserID: u.ID, Role: u.Role}, "login_locked", "", u.ID, detail); err != nil {
			return err
		}
	}
	return nil
}

// ChangePassword replaces the password of the caller's account, which must have one (officials;
// residents sign in with codes). A wrong current password counts as a failed sign-in of the
// account's username from ip, so this route cannot be used to guess passwords past the lockout.
// On success every refresh token of the account is revoked, signing out every session, this
// one's included (its access token stays valid until it expires), and the change is audited.
func (s *Auth) ChangePassword(ctx context.Context, p models.Principal, current, next, ip string) error {
	if current == "" {
		return models.FieldError(models.EInvalid, "current_password", "current_password is required")
	}
	if err := checkNewPassword("new_password", next); err != nil {
		return err
	}
	if next == current {
		return models.FieldError(models.EInvalid, "new_password", "new_password must differ from the current password")
	}
	u, err := s.Me(ctx, p)
	if err != nil {
		return err
	}
	if u.PasswordHash == "" || u.Username == "" {
		return models.Errorf(models.EConflict, "this account signs in with a one-time code and has no password to change")
	}
	if u.Disabled {
		return models.Errorf(models.EForbidden, "this account is disabled")
	}
	count, err := s.loginCount(ctx, u.Username, ip)
	if err != nil {
		return err
	}
	if !verifyPassword(u.PasswordHash, current) {
		if err := s.loginFailed(ctx, count, u, ip); err != nil {
			return err
		}
		return models.FieldError(models.EForbidden, "current_password", "the current password is wrong")
	}
	if err := count.giveBack(ctx, s.store); err != nil {
		return err
	}
	return s.setPassword(ctx, p, u, next, "changed by the account holder from "+ip)
}

// SetPassword gives the official username a new password without knowing the old one: the
// operator's command (`phananh admin user passwd`) for a forgotten password or the first
// administrator's one-time password. Every session of the account is signed out.
func (s *Auth) SetPassword(ctx context.Context, username, password string) error {
	if err := checkNewPassword("password", password); err != nil {
		return err
	}
	u, err := s.store.UserByUsername(ctx, strings.ToLower(strings.TrimSpace(username)))
	if models.IsCode(err, models.ENotFound) {
		return models.FieldError(models.ENotFound, "username", "no account has the username %q", username)
	} else if err != nil {
		return err
	}
	return s.setPassword(ctx, models.Principal{}, u, password, "set by an operator with the command line")
}

// checkNewPassword applies the rule every password meets (CreateOfficial's) to the input field.
func checkNewPassword(field, password string) error {
	if utf8.RuneCountInString(password) < MinPasswordLength {
		return models.FieldError(models.EInvalid, field, "%s must have at least %d characters", field, MinPasswordLength)
	}
	return nil
}

// setPassword stores the new password of u, revokes every refresh token of the account and
// audits the change as actor p (the zero principal for the operator's command line).
func (s *Auth) setPassword(ctx context.Context, p models.Principal, u *models.User, password, detail string) error {
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	// The holder's own choice ends a required change; an operator's keeps whatever was required.
	u.PasswordHash = hash
	if p.UserID == u.ID {
		u.PasswordChangeRequired = false
	}
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return err
	}
	if err := s.store.RevokeUserRefreshTokens(ctx, u.ID, s.clock()); err != nil {
		return err
	}
	return s.audit(ctx, p, "password_changed", "", u.ID, "password "+detail+"; every session signed out")
}

// issueTokens signs an access token and creates a refresh token in family (a new family when "").
func (s *Auth) issueTokens(ctx context.Context, u *models.User, family string) (*Tokens, error) {
	now := s.clock()
	claims := AccessClaims{UserID: u.ID, Role: u.Role, UnitID: u.UnitID, ExpiresAt: now.Add(s.cfg.AccessTokenTTL),
		PasswordChange: u.PasswordChangeRequired, Generation: u.TokenGeneration}
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
func (s *Auth) Refresh(ctx context.Context, refresh string) (*Tokens, error) {
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
func (s *Auth) Logout(ctx context.Context, refresh string) error {
	rt, err := s.store.UseRefreshToken(ctx, hashSecret(refresh), s.clock())
	if models.IsCode(err, models.ENotFound) {
		return nil
	} else if err != nil {
		return err
	}
	return s.store.RevokeRefreshFamily(ctx, rt.FamilyID, s.clock())
}

// Authenticate turns a bearer access token into the caller's principal. Besides the signature,
// the account must be enabled and the token of its current generation, as the store said at
// most accountStateTTL ago (accountStates): so disabling, moving or resetting an account ends
// its tokens on every instance within that time, at the cost of one store read per account
// and period.
func (s *Auth) Authenticate(ctx context.Context, token string) (models.Principal, error) {
	c, err := s.tokens.VerifyAccess(token, s.now())
	if err != nil {
		return models.Principal{}, models.Errorf(models.EUnauthorized, "invalid or expired access token")
	}
	st, err := s.accountState(ctx, c.UserID)
	if err != nil {
		return models.Principal{}, err
	}
	switch {
	case st.disabled:
		return models.Principal{}, errDisabled()
	case st.generation != c.Generation:
		return models.Principal{}, errSessionEnded()
	}
	return models.Principal{UserID: c.UserID, Role: c.Role, UnitID: c.UnitID, PasswordChange: c.PasswordChange,
		SecondFactorEnrolment: s.cfg.RequireTwoFactor && TwoFactorRequired(c.Role) && !st.twoFactor}, nil
}

// TwoFactorRequired reports whether REQUIRE_2FA applies to role: administrators and the IOC
// roles, who see every ticket and every reporter the policy reveals.
func TwoFactorRequired(role models.Role) bool { return role.SeesAllTickets() }

// Me returns the caller's account.
func (s *Auth) Me(ctx context.Context, p models.Principal) (*models.User, error) {
	if p.Role == "" {
		return nil, models.Errorf(models.ENotFound, "no account for this credential")
	}
	return s.store.UserByID(ctx, p.UserID)
}

// Auth signs people and machines in: residents by a one-time code sent by SMS, officials by
// password with lockouts, access and rotated refresh tokens, machine keys, and the accounts the
// administrator creates. It also answers the request rate limits the transport asks for.
type Auth struct {
	*core
	store interface {
		UserStore
		AuthStore
	}
	sms    SMSSender
	tokens TokenSigner
	cat    *Catalog // the unit an official account belongs to
	states accountStates
}
