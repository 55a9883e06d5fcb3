package app_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"phananh/app"
	"phananh/app/apptest"
)

// TestReadinessFollowsWorkers stops and hangs a real worker loop and checks that readiness
// turns unready within the loop's bound, says why, and turns ready again when the loop resumes.
// The clock is the app's injected one, so the bound passes without waiting for it.
func TestReadinessFollowsWorkers(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	var offset atomic.Int64
	now := func() time.Time { return t0.Add(time.Duration(offset.Load())) }
	a := apptest.New(t, apptest.Store(t, t0), apptest.Options{Now: now})
	ctx := context.Background()

	if r := a.Ready(ctx); !r.Ready {
		t.Fatalf("a fresh app with no workers is unready: %+v", r.Checks)
	}
	start := func() (stop func()) {
		t.Helper()
		wctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Go(func() { a.Tickets.RunSweeps(wctx, "holder", time.Hour) })
		waitUntil(t, "a cycle of the SLA worker", func() bool { return cycles(a, "sla") > 0 })
		return func() { cancel(); wg.Wait() }
	}
	stop := start()
	want := []string{"store", "schema", "write_queue", "worker:sla"}
	if r := a.Ready(ctx); !r.Ready || !sameNames(r.Checks, want) {
		t.Fatalf("with a running worker: ready %v, checks %+v; want ready with %v", r.Ready, r.Checks, want)
	}

	// The ticker fires once an hour: three hours and a second later, the loop looks hung.
	offset.Store(int64(3*time.Hour + time.Second))
	if p := problem(a, "worker:sla"); !strings.Contains(p, "no cycle for 3h0m1s") {
		t.Errorf("past the bound: problem %q, want no cycle for 3h0m1s", p)
	}
	stop()
	if p := problem(a, "worker:sla"); p != "stopped" {
		t.Errorf("after the loop returned: problem %q, want stopped", p)
	}
	stop = start()
	defer stop()
	if r := a.Ready(ctx); !r.Ready {
		t.Errorf("after the loop resumed: unready %+v", r.Checks)
	}
}

// cycles is how many cycles the running loop of that name finished (0 when none runs).
func cycles(a *app.App, name string) int64 {
	for _, w := range a.Workers.Status() {
		if w.Name == name && w.Running {
			return w.Cycles
		}
	}
	return 0
}

func problem(a *app.App, check string) string {
	r := a.Ready(context.Background())
	for _, c := range r.Checks {
		if c.Name == check {
			if r.Ready {
				return "ready: " + c.Problem
			}
			return c.Problem
		}
	}
	return "no check " + check
}

func sameNames(checks []app.ReadinessCheck, want []string) bool {
	if len(checks) != len(want) {
		return false
	}
	for i, c := range checks {
		if c.Name != want[i] {
			return false
		}
	}
	return true
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
