package app

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// Workers records, for this instance, when each background loop last finished a cycle. A loop
// that does not hold its lease still finishes cycles (it asks for the lease each time), so only
// a loop that died or hangs falls behind: that is what readiness reports as a stopped worker,
// and what the metrics export as each worker's last run. The record is per process, because a
// worker that stopped is this instance's fault, whoever holds the lease.
type Workers struct {
	now   func() time.Time
	mu    sync.Mutex
	state map[string]*WorkerStatus
}

// WorkerStatus is one loop's record.
type WorkerStatus struct {
	Name string
	// Bound is how long a cycle may take to come: three intervals, at least 30 seconds, so a slow
	// store or a long burst of sending is not taken for a dead worker.
	Bound     time.Duration
	Started   time.Time // when the loop (re)started
	LastCycle time.Time // zero until the first cycle finishes
	Cycles    int64
	Running   bool // false once the loop returned
}

func newWorkers(now func() time.Time) *Workers {
	return &Workers{now: now, state: map[string]*WorkerStatus{}}
}

// workerBound is how long a loop running every interval may go without finishing a cycle.
func workerBound(interval time.Duration) time.Duration { return max(3*interval, 30*time.Second) }

// started records that the named loop (re)started, running every interval, and returns the
// function that records each finished cycle and the one the loop defers when it returns.
func (w *Workers) started(name string, interval time.Duration) (cycle, stopped func()) {
	if w == nil {
		return func() {}, func() {}
	}
	w.mu.Lock()
	w.state[name] = &WorkerStatus{Name: name, Bound: workerBound(interval), Started: w.now(), Running: true}
	w.mu.Unlock()
	cycle = func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		s := w.state[name]
		s.LastCycle, s.Cycles = w.now(), s.Cycles+1
	}
	stopped = func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.state[name].Running = false
	}
	return cycle, stopped
}

// Status lists the loops this instance started, by name.
func (w *Workers) Status() []WorkerStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]WorkerStatus, 0, len(w.state))
	for _, s := range w.state {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b WorkerStatus) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Problem says what is wrong with the loop at now, or "" when it is well: it returned, or its
// last cycle (or its start, before the first cycle) is older than its bound.
func (s WorkerStatus) Problem(now time.Time) string {
	if !s.Running {
		return "stopped"
	}
	last := s.Started
	if s.LastCycle.After(last) {
		last = s.LastCycle
	}
	if age := now.Sub(last); age > s.Bound {
		return "no cycle for " + age.Truncate(time.Second).String() + " (bound " + s.Bound.String() + ")"
	}
	return ""
}
