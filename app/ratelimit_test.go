package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

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
