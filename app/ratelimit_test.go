package app_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"phananh/app"
	"phananh/models"
)

// TestRetryAfterOnServiceClock: a refusal says when to come back on the service's own clock,
// here one far from the wall clock, so the Retry-After header never mixes the two.
func TestRetryAfterOnServiceClock(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 7, 30, 0, time.UTC)
	svc := newService(t, &now)
	ctx := context.Background()
	limit := app.DefaultRateLimits()["intake_user"]
	for i := range limit.Max {
		if err := svc.RateLimit(ctx, "intake", "", "u1"); err != nil {
			t.Fatalf("attempt %d refused: %v", i+1, err)
		}
	}
	err := svc.RateLimit(ctx, "intake", "", "u1")
	var retry *app.RetryAfter
	if !models.IsCode(err, models.ERateLimited) || !errors.As(err, &retry) {
		t.Fatalf("attempt %d: %v, want ERateLimited with RetryAfter", limit.Max+1, err)
	}
	until := now.Truncate(limit.Window).Add(limit.Window)
	if !retry.At.Equal(until) || retry.Wait != until.Sub(now) {
		t.Errorf("retry at %s in %s, want %s in %s", retry.At, retry.Wait, until, until.Sub(now))
	}
}

// TestQuotaReport: each limit a request counts against reports its size and what is left of
// the window on the service's clock, the refused attempt included, in the order counted.
func TestQuotaReport(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 7, 30, 0, time.UTC)
	svc := newService(t, &now)
	ip, user := app.DefaultRateLimits()["intake_ip"], app.DefaultRateLimits()["intake_user"]
	reset := now.Truncate(user.Window).Add(user.Window).Sub(now)
	for i := range user.Max + 1 {
		ctx, report := app.WithQuotaReport(context.Background())
		err := svc.RateLimit(ctx, "intake", "192.0.2.1", "u1")
		if (i == user.Max) != models.IsCode(err, models.ERateLimited) {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
		want := []app.Quota{
			{Policy: "intake_ip", Limit: ip.Max, Window: ip.Window, Remaining: ip.Max - i - 1, Reset: reset},
			{Policy: "intake_user", Limit: user.Max, Window: user.Window, Remaining: max(0, user.Max-i-1), Reset: reset},
		}
		if diff := cmp.Diff(want, report.Quotas()); diff != "" {
			t.Fatalf("attempt %d: quotas (-want +got):\n%s", i+1, diff)
		}
	}
	if err := svc.RateLimit(context.Background(), "intake", "192.0.2.1", "u2"); err != nil {
		t.Errorf("a request without a report: %v", err)
	}
}

// TestAddressKey: IPv6 clients are counted by their /64, IPv4 clients by their address.
func TestAddressKey(t *testing.T) {
	cases := []struct{ in, want string }{
		{"203.0.113.7", "203.0.113.7"},
		{"::ffff:203.0.113.7", "203.0.113.7"}, // IPv4-mapped: the IPv4 client
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"}, // same /64, same key
		{"2001:db8:1:3::1", "2001:db8:1:3::/64"},                  // the next /64 is another client
		{"fe80::1%eth0", "fe80::/64"},
		{"::1", "::/64"},
		{"0.0.0.0", "0.0.0.0"},
		{"", ""},
		{"pipe", "pipe"}, // not an address: unchanged
	}
	for _, c := range cases {
		if got := app.AddressKey(c.in); got != c.want {
			t.Errorf("AddressKey(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestRateLimitIPv6Prefix: every address of one IPv6 /64 shares one per-address counter, while
// another /64 and IPv4 addresses keep their own.
func TestRateLimitIPv6Prefix(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 7, 30, 0, time.UTC)
	svc := newService(t, &now)
	ctx := context.Background()
	limit := app.DefaultRateLimits()["login_ip"]
	for i := range limit.Max {
		if err := svc.RateLimit(ctx, "login", fmt.Sprintf("2001:db8:7:7::%x", i+1), ""); err != nil {
			t.Fatalf("attempt %d refused: %v", i+1, err)
		}
	}
	if err := svc.RateLimit(ctx, "login", "2001:db8:7:7:abcd::1", ""); !models.IsCode(err, models.ERateLimited) {
		t.Errorf("another address of the same /64: %v, want ERateLimited", err)
	}
	for _, ip := range []string{"2001:db8:7:8::1", "203.0.113.7"} {
		if err := svc.RateLimit(ctx, "login", ip, ""); err != nil {
			t.Errorf("%s shares the /64's counter: %v", ip, err)
		}
	}
}
