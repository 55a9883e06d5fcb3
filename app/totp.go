package app

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // RFC 6238 with HMAC-SHA-1 is what every authenticator app implements
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"time"
)

// The second factor is TOTP (RFC 6238) as authenticator apps implement it: HMAC-SHA-1, six
// digits, 30-second steps, and one step of clock drift either way.
const (
	totpDigits = 6
	totpStep   = 30 * time.Second
	totpDrift  = 1
)

// totpEncoding is how secrets are written for people and apps: base32 without padding.
var totpEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// hotp is RFC 4226's HOTP value of key at counter, as digits decimal digits.
func hotp(key []byte, counter uint64, digits int) string {
	mac := hmac.New(sha1.New, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// totpStepAt is the time step of t (seconds since the Unix epoch divided by 30).
func totpStepAt(t time.Time) int64 { return t.Unix() / int64(totpStep/time.Second) }

// totpMatch reports the step, within totpDrift of now's, whose code is code (compared in
// constant time), or false.
func totpMatch(key []byte, code string, now time.Time) (int64, bool) {
	if len(code) != totpDigits {
		return 0, false
	}
	step := totpStepAt(now)
	for d := int64(-totpDrift); d <= totpDrift; d++ {
		s := step + d
		if s >= 0 && subtle.ConstantTimeCompare([]byte(hotp(key, uint64(s), totpDigits)), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// totpURI is the otpauth:// URI authenticator apps read (from a QR code or typed) for account
// of issuer.
func totpURI(issuer, account string, key []byte) string {
	q := url.Values{}
	q.Set("secret", totpEncoding.EncodeToString(key))
	q.Set("issuer", issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", fmt.Sprint(totpDigits))
	q.Set("period", fmt.Sprint(int(totpStep/time.Second)))
	return "otpauth://totp/" + url.PathEscape(issuer+":"+account) + "?" + q.Encode()
}
