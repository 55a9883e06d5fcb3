package models

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

// TestOTPEarlierAt: a replacing code keeps the codes unexpired at its creation, oldest first,
// and no more than MaxOTPCodes-1 of them.
func TestOTPEarlierAt(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	code := func(hash string, expires time.Duration) OTPCode {
		return OTPCode{Hash: hash, ExpiresAt: t0.Add(expires)}
	}
	var many []OTPCode
	for i := range MaxOTPCodes + 2 {
		many = append(many, code(fmt.Sprintf("h%d", i), time.Duration(i+1)*time.Minute))
	}
	cases := []struct {
		name string
		c    OTPChallenge
		at   time.Duration
		want []OTPCode
	}{
		{"the pending code is kept", OTPChallenge{CodeHash: "p", ExpiresAt: t0.Add(5 * time.Minute)}, time.Minute,
			[]OTPCode{code("p", 5*time.Minute)}},
		{"expired at the exact instant", OTPChallenge{CodeHash: "p", ExpiresAt: t0.Add(5 * time.Minute)}, 5 * time.Minute, nil},
		{"expired earlier codes drop out", OTPChallenge{CodeHash: "p", ExpiresAt: t0.Add(9 * time.Minute),
			Earlier: []OTPCode{code("a", 2*time.Minute), code("b", 4*time.Minute), code("c", 6*time.Minute)}}, 3 * time.Minute,
			[]OTPCode{code("b", 4*time.Minute), code("c", 6*time.Minute), code("p", 9*time.Minute)}},
		{"the oldest go past the cap", OTPChallenge{CodeHash: "p", ExpiresAt: t0.Add(time.Hour), Earlier: many}, 0,
			append(append([]OTPCode{}, many[len(many)-(MaxOTPCodes-2):]...), code("p", time.Hour))},
	}
	for _, tc := range cases {
		got := tc.c.EarlierAt(t0.Add(tc.at))
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: EarlierAt = %v, want %v", tc.name, got, tc.want)
		}
	}
}
