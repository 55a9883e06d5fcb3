package app

import (
	"testing"
	"time"
)

// TestTOTPVectors checks hotp against the SHA-1 test vectors of RFC 6238, Appendix B (eight
// digits, 30-second steps, the ASCII key "12345678901234567890").
func TestTOTPVectors(t *testing.T) {
	key := []byte("12345678901234567890")
	for _, v := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"},
		{1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
	} {
		if got := hotp(key, uint64(totpStepAt(time.Unix(v.unix, 0))), 8); got != v.want {
			t.Errorf("TOTP at %d = %s, want %s", v.unix, got, v.want)
		}
	}
}

// TestTOTPMatch: the code of the current step and of one step either side match, with the step
// they belong to; two steps away, a wrong code or a wrong length does not.
func TestTOTPMatch(t *testing.T) {
	key := []byte("12345678901234567890")
	now := time.Unix(1111111111, 0)
	step := totpStepAt(now)
	for d, want := range map[int64]bool{-2: false, -1: true, 0: true, 1: true, 2: false} {
		code := hotp(key, uint64(step+d), totpDigits)
		got, ok := totpMatch(key, code, now)
		if ok != want || (ok && got != step+d) {
			t.Errorf("code of step %+d: step %d, %v; want %v", d, got, ok, want)
		}
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, ok := totpMatch(key, bad, now); ok {
			t.Errorf("%q matched", bad)
		}
	}
	if uri := totpURI("phananh", "can bo", key); uri != "otpauth://totp/phananh:can%20bo?algorithm=SHA1&digits=6&issuer=phananh&period=30&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" {
		t.Errorf("uri %s", uri)
	}
}
