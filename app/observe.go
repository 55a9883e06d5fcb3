package app

import (
	"context"

	"phananh/models"
)

// Observer is told what the background work does, so that metrics can count it without this
// package importing a metrics library (package telemetry implements it; cmd/phananh wires it).
// Its methods are called on the worker's goroutine and must be cheap, never block and be safe
// for concurrent use. A nil Observer in Deps or DispatcherDeps observes nothing.
type Observer interface {
	// SLAStep is called once a system step of the SLA worker is stored: a reminder, an
	// escalation (level 1: the unit's leader, 2: the IOC) or an auto-close.
	SLAStep(action models.Action, escalationLevel int)
	// LeaseHeld is called after each attempt to take or renew a named lease ("sla",
	// "media-gc") with whether this instance holds it now, and with false when this instance
	// gives it back or its loop stops: which instance works is then visible without reading logs.
	LeaseHeld(name string, held bool)
	// PushResult is called with FCM's answer to each message the dispatcher sent.
	PushResult(r PushResult)
}

// Spans starts a trace span around a piece of the app's work (applying a ticket's effects,
// sending a push batch), so that package telemetry can trace it without this package importing
// OpenTelemetry. Start returns the context the work runs with and the function that ends the
// span with the work's error. Names are fixed words; attributes carry no personal data because
// there are none. A nil Spans in Deps or DispatcherDeps traces nothing.
type Spans interface {
	Start(ctx context.Context, name string) (context.Context, func(error))
}

// nopObserver and nopSpans stand in for a nil Observer or Spans, so callers need no nil checks.
type nopObserver struct{}

func (nopObserver) SLAStep(models.Action, int) {}
func (nopObserver) LeaseHeld(string, bool)     {}
func (nopObserver) PushResult(PushResult)      {}

type nopSpans struct{}

func (nopSpans) Start(ctx context.Context, _ string) (context.Context, func(error)) {
	return ctx, func(error) {}
}

// observerOr returns o, or one that observes nothing when o is nil.
func observerOr(o Observer) Observer {
	if o == nil {
		return nopObserver{}
	}
	return o
}

// spansOr returns s, or one that traces nothing when s is nil.
func spansOr(s Spans) Spans {
	if s == nil {
		return nopSpans{}
	}
	return s
}
