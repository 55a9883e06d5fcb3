package app

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"phananh/models"
)

// Limit allows Max hits per fixed Window. Counters live in the store (HitCounter), so every
// instance of the server shares them and a restart does not reset them.
type Limit struct {
	Max    int
	Window time.Duration
}

// RateLimits are the abuse limits of the API, by name: "<operation>_user" counts per signed-in
// account, "<operation>_ip" per client address. Operations: intake (reports), login (password
// sign-in), nearby (the "me too" lookup), upload (POST /v1/media and /v1/media/uploads),
// upload_patch (the PATCHes that send a resumable upload's bytes), action (the workflow's
// actions, follow and unfollow among them, each of which grows the ticket's history), export
// (the personal data export). OTP limits are OTPPerPhone,
// OTPPerIP and OTPVerifyPerIP.
type RateLimits map[string]Limit

// DefaultRateLimits are generous for people and tight for scripts. Per-address limits are high
// because Vietnamese mobile carriers put many phones behind one address (carrier-grade NAT).
func DefaultRateLimits() RateLimits {
	return RateLimits{
		"intake_user": {30, 15 * time.Minute},
		"intake_ip":   {1000, 15 * time.Minute},
		"login_ip":    {100, 15 * time.Minute},
		"upload_user": {120, 15 * time.Minute},
		"upload_ip":   {3000, 15 * time.Minute},
		// "Me too" before filing: a person asks a few times per report; a grid sweep asks
		// hundreds of times.
		"nearby_user": {60, 15 * time.Minute},
		"nearby_ip":   {2000, 15 * time.Minute},
		// A phone on a bad network resumes a 50 MB video in many short PATCHes: 600 per quarter
		// hour is one every 1.5 s for the whole window, far more than a person needs, while a
		// script hammering the endpoint is still stopped.
		"upload_patch_user": {600, 15 * time.Minute},
		"upload_patch_ip":   {15000, 15 * time.Minute},
		// An official working a busy queue acts a few times a minute; a script toggling follow
		// to grow a ticket's history acts hundreds of times a second.
		"action_user": {600, 15 * time.Minute},
		"action_ip":   {15000, 15 * time.Minute},
		// The personal data export (GET /v1/me/data) reads everything held about the caller:
		// a few a day is all a person needs.
		"export_user": {5, 24 * time.Hour},
		"export_ip":   {200, time.Hour},
	}
}

// ParseRateLimits reads RATE_LIMITS, e.g. "intake_user=30/15m,login_ip=100/15m", over the
// defaults; "name=off" removes a limit.
func ParseRateLimits(s string) (RateLimits, error) {
	out := DefaultRateLimits()
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, spec, ok := strings.Cut(part, "=")
		if _, known := DefaultRateLimits()[name]; !ok || !known {
			return nil, fmt.Errorf("RATE_LIMITS: %q is not name=max/window with a name of %s", part, strings.Join(slices.Sorted(maps.Keys(DefaultRateLimits())), ", "))
		}
		if spec == "off" {
			delete(out, name)
			continue
		}
		max, window, ok := strings.Cut(spec, "/")
		n, err := strconv.Atoi(max)
		d, derr := time.ParseDuration(window)
		if !ok || err != nil || derr != nil || n < 1 || d < time.Second || d > 24*time.Hour {
			return nil, fmt.Errorf("RATE_LIMITS: %q must be name=max/window, e.g. intake_user=30/15m (window 1s to 24h)", part)
		}
		out[name] = Limit{Max: n, Window: d}
	}
	return out, nil
}

// RetryAfter is the cause carried by every ERateLimited error: when the caller may try again,
// and how long that is from now on the service's clock, for the Retry-After header. Wait is
// measured here so that the transport never mixes the wall clock with an injected one.
type RetryAfter struct {
	At   time.Time
	Wait time.Duration
}

func (r *RetryAfter) Error() string { return "retry after " + r.At.Format(time.RFC3339) }

// rateLimited builds the 429 error of a limit that resets at until.
func (s *core) rateLimited(until time.Time, format string, args ...any) error {
	return models.WrapError(models.ERateLimited, &RetryAfter{At: until, Wait: until.Sub(s.clock())}, format, args...)
}

// hit counts one attempt against key in the current window of l and refuses past l.Max; policy
// names the limit in the request's QuotaReport.
func (s *core) hit(ctx context.Context, policy, key string, l Limit) error {
	until, over, err := s.count(ctx, policy, key, l)
	if err != nil {
		return err
	}
	if over {
		return s.rateLimited(until, "too many requests; try again after %s", until.In(models.VietnamTime).Format("15:04:05"))
	}
	return nil
}

// count counts one attempt against key in the current window of l, tells the request's
// QuotaReport what is left of policy, and says whether l.Max is passed and when the window ends.
// What is left comes with the count itself: reporting it costs no store round trip.
func (s *core) count(ctx context.Context, policy, key string, l Limit) (until time.Time, over bool, err error) {
	now := s.clock()
	window := now.Truncate(l.Window)
	n, err := s.counters.HitCounter(ctx, key, window)
	if err != nil {
		return time.Time{}, false, err
	}
	until = window.Add(l.Window)
	if r, ok := ctx.Value(quotaReportKey{}).(*QuotaReport); ok {
		r.add(Quota{Policy: policy, Limit: l.Max, Window: l.Window, Remaining: max(0, l.Max-n), Reset: until.Sub(now)})
	}
	return until, n > l.Max, nil
}

// Quota is what one rate limit said about a request: the limit's name, its size (Limit hits
// per Window) and what is left of the current window (Remaining hits, for Reset more), for
// the transport's RateLimit-Policy and RateLimit headers.
type Quota struct {
	Policy    string
	Limit     int
	Window    time.Duration
	Remaining int
	Reset     time.Duration
}

// QuotaReport collects the quotas every rate limit a request passed through counted against
// (WithQuotaReport), so that the transport can tell the client before it is refused.
type QuotaReport struct {
	mu     sync.Mutex
	quotas []Quota
}

type quotaReportKey struct{}

// WithQuotaReport returns ctx carrying a new, empty report that the rate limits of a request
// made with it fill in.
func WithQuotaReport(ctx context.Context) (context.Context, *QuotaReport) {
	r := &QuotaReport{}
	return context.WithValue(ctx, quotaReportKey{}, r), r
}

func (r *QuotaReport) add(q Quota) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.quotas = append(r.quotas, q)
}

// Quotas are the quotas counted so far, in the order they were counted.
func (r *QuotaReport) Quotas() []Quota {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.quotas)
}

// AddressKey is the form of a client address that per-address limits count under: an IPv4
// address as it is, an IPv6 address as its /64 prefix. An IPv6 subscriber is routinely given a
// whole /64 and can pick any address in it, so counting full IPv6 addresses would hand every
// client 2^64 fresh counters. IPv4-mapped IPv6 addresses count as the IPv4 address; anything
// that is not an address (a test transport, a Unix socket) is used unchanged.
func AddressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

// rateLimit counts one request of operation (intake, login, upload …) against the caller's
// address (AddressKey: an IPv6 client by its /64) and, when signed in, account, under the
// configured limits "<operation>_ip" and "<operation>_user"; past either it returns
// ERateLimited carrying RetryAfter. Transports call it before the work, so refused requests
// cost one counter increment each.
func (s *core) rateLimit(ctx context.Context, operation, ip, userID string) error {
	if l, ok := s.cfg.RateLimits[operation+"_ip"]; ok && ip != "" {
		if err := s.hit(ctx, operation+"_ip", "rl:"+operation+"_ip:"+AddressKey(ip), l); err != nil {
			return err
		}
	}
	if l, ok := s.cfg.RateLimits[operation+"_user"]; ok && userID != "" {
		if err := s.hit(ctx, operation+"_user", "rl:"+operation+"_user:"+userID, l); err != nil {
			return err
		}
	}
	return nil
}
