package app

import (
	"context"
	"crypto/subtle"
	"fmt"
	"slices"

	"phananh/models"
)

// A resident moves their account to a new phone number by proving they hold it: a code is sent
// to the new number (RequestPhoneChange) and the account switches when it comes back
// (ConfirmPhoneChange). The pending code is kept as a sign-in challenge under a key of its own
// (phoneChangeKey), so it never signs anyone in and a sign-in code never changes a number. The
// account keeps its id, so its tokens, reports and consents stay; refresh tokens keep working
// (the holder proved both numbers), and the old number can sign up as a new person.

// errBadChangeCode is a 400, not the 401 of a bad sign-in code: the caller is signed in, and a
// 401 would tell their app that its token failed.
var errBadChangeCode = models.FieldError(models.EInvalid, "code", "invalid or expired code")

// phoneChangeKey is the challenge key of user's pending change to phone.
func phoneChangeKey(userID, phone string) string { return "change:" + userID + ":" + phone }

// RequestPhoneChange sends a code to the new number. The number is not checked against other
// accounts yet, so the answer does not tell whether a stranger's number is registered; the
// switch (ConfirmPhoneChange) is refused then.
func (s *Privacy) RequestPhoneChange(ctx context.Context, p models.Principal, rawPhone string) error {
	u, phone, err := s.phoneChangeOf(ctx, p, rawPhone)
	if err != nil {
		return err
	}
	if phone == u.Phone {
		return models.FieldError(models.EInvalid, "phone", "this is already the account's phone number")
	}
	if err := s.hit(ctx, "phone_change", "phone-change:"+p.UserID, Limit{Max: s.cfg.OTPPerPhone, Window: s.cfg.OTPWindow}); err != nil {
		return err
	}
	code, err := sixDigits(s.core)
	if err != nil {
		return err
	}
	now := s.clock()
	key := phoneChangeKey(p.UserID, phone)
	if err := s.store.PutOTP(ctx, &models.OTPChallenge{Phone: key, CodeHash: hashOTP(key, code), CreatedAt: now, ExpiresAt: now.Add(s.cfg.OTPTTL)}); err != nil {
		return err
	}
	text := fmt.Sprintf("Ma xac nhan doi so dien thoai Phan anh: %s. Ma co hieu luc %d phut. Khong chia se ma nay cho bat ky ai.",
		code, int(s.cfg.OTPTTL.Minutes()))
	if err := s.sms.Send(ctx, phone, text); err != nil {
		return models.WrapError(models.EUnavailable, err, "the SMS could not be sent; try again later")
	}
	return nil
}

// ConfirmPhoneChange switches the account to phone when code is one sent to it by
// RequestPhoneChange. A number held by another account is refused (409, nothing changes);
// after OTPMaxAttempts wrong codes the change must be requested again.
func (s *Privacy) ConfirmPhoneChange(ctx context.Context, p models.Principal, rawPhone, code string) (*models.User, error) {
	u, phone, err := s.phoneChangeOf(ctx, p, rawPhone)
	if err != nil {
		return nil, err
	}
	if len(code) != 6 || !isDigits(code) {
		return nil, models.FieldError(models.EInvalid, "code", "code must be 6 digits")
	}
	key := phoneChangeKey(p.UserID, phone)
	c, err := s.store.OTPByPhone(ctx, key)
	if models.IsCode(err, models.ENotFound) {
		return nil, errBadChangeCode
	} else if err != nil {
		return nil, err
	}
	n, err := s.store.AddOTPAttempt(ctx, key)
	if models.IsCode(err, models.ENotFound) {
		return nil, errBadChangeCode
	} else if err != nil {
		return nil, err
	}
	if n > s.cfg.OTPMaxAttempts {
		_ = s.store.DeleteOTP(ctx, key)
		return nil, models.Errorf(models.ERateLimited, "too many wrong codes; request a new code")
	}
	now, h := s.clock(), []byte(hashOTP(key, code))
	if !slices.ContainsFunc(c.Codes(), func(k models.OTPCode) bool {
		return subtle.ConstantTimeCompare([]byte(k.Hash), h) == 1 && now.Before(k.ExpiresAt)
	}) {
		return nil, errBadChangeCode
	}
	// Asked first, so the answer is the same on every store (FerretDB reports a unique index
	// violation of an update as an internal error); the unique index still settles a race.
	if other, err := s.store.UserByPhone(ctx, phone); err == nil && other.ID != u.ID {
		return nil, models.FieldError(models.EConflict, "phone", "this phone number belongs to another account")
	} else if err != nil && !models.IsCode(err, models.ENotFound) {
		return nil, err
	}
	if err := s.store.SetUserPhone(ctx, u.ID, phone); err != nil {
		if models.IsCode(err, models.EConflict) {
			return nil, models.FieldError(models.EConflict, "phone", "this phone number belongs to another account")
		}
		return nil, err
	}
	if err := s.store.DeleteOTP(ctx, key); err != nil && !models.IsCode(err, models.ENotFound) {
		return nil, err
	}
	if err := s.audit(ctx, p, "phone_changed", "", u.ID, ""); err != nil {
		return nil, err
	}
	u.Phone = phone
	return u, nil
}

// phoneChangeOf checks the caller is a resident and normalizes the new number.
func (s *Privacy) phoneChangeOf(ctx context.Context, p models.Principal, rawPhone string) (*models.User, string, error) {
	if p.Role != models.RoleResident || p.UserID == "" {
		return nil, "", models.Errorf(models.EForbidden, "only residents sign in with a phone number")
	}
	phone, err := models.NormalizePhone(rawPhone)
	if err != nil {
		return nil, "", err
	}
	u, err := s.store.UserByID(ctx, p.UserID)
	return u, phone, err
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// sixDigits draws a uniform 6-digit code (rejection sampling avoids modulo bias).
func sixDigits(c *core) (string, error) {
	for {
		b, err := c.secret(4)
		if err != nil {
			return "", err
		}
		n := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		if n < 4294000000 { // largest multiple of 1,000,000 below 2^32
			return fmt.Sprintf("%06d", n%1000000), nil
		}
	}
}
