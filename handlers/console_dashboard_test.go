package handlers

import "testing"

// TestPreviousPeriod: the previous period has as many days as the period and ends the day
// before it, across month and year ends.
func TestPreviousPeriod(t *testing.T) {
	for _, c := range []struct{ from, to, wantFrom, wantTo string }{
		{"2026-03-01", "2026-03-31", "2026-01-29", "2026-02-28"},
		{"2026-01-01", "2026-01-01", "2025-12-31", "2025-12-31"},
		{"2026-11-05", "2026-12-04", "2026-10-06", "2026-11-04"},
	} {
		from, to, ok := previousPeriod(c.from, c.to)
		if !ok || from != c.wantFrom || to != c.wantTo {
			t.Errorf("before %s – %s: %s – %s (%v), want %s – %s", c.from, c.to, from, to, ok, c.wantFrom, c.wantTo)
		}
	}
	if _, _, ok := previousPeriod("2026-03-31", "2026-03-01"); ok {
		t.Error("a reversed period has a previous period")
	}
}

// TestFigureChange: counts change by a percentage of the earlier count, rates by points; no
// percentage of nothing, and nothing to say without both figures.
func TestFigureChange(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, c := range []struct {
		metric   string
		cur, old *float64
		want     string
	}{
		{"received", f(12), f(10), "↑ 20 %"},
		{"backlog", f(5), f(10), "↓ 50 %"},
		{"received", f(3), f(0), "↑ from 0"},
		{"received", f(4), f(4), "="},
		{"on_time_rate", f(0.6), f(0.4), "↑ 20 points"},
		{"on_time_e2e_rate", nil, f(0.4), ""},
		{"median_resolve_hours", f(9), f(12), "↓ 25 %"},
	} {
		if got := change(c.metric, c.cur, c.old, "en"); got != c.want {
			t.Errorf("%s from %v to %v: %q, want %q", c.metric, c.old, c.cur, got, c.want)
		}
	}
}
