package telemetry

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"phananh/app"
	"phananh/models"
)

// appMetrics count the workers' events that app.Observer reports.
type appMetrics struct {
	reminders   prometheus.Counter
	escalations *prometheus.CounterVec
	autoCloses  prometheus.Counter
	leaseHeld   *prometheus.GaugeVec
	pushSends   *prometheus.CounterVec
}

func newAppMetrics() *appMetrics {
	m := &appMetrics{
		reminders: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Subsystem: "sla", Name: "reminders_total",
			Help: "Reminders the SLA worker of this instance stored (75 % of the time to a deadline)."}),
		escalations: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "sla", Name: "escalations_total",
			Help: "Escalations the SLA worker of this instance stored, by level: leader (deadline missed) or ioc (8 working hours later)."}, []string{"level"}),
		autoCloses: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Subsystem: "sla", Name: "auto_closes_total",
			Help: "Resolved tickets the SLA worker of this instance closed unrated after the reopen window."}),
		leaseHeld: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: namespace, Name: "lease_held",
			Help: "1 while this instance holds the named lease (sla, media-gc), so does that worker's work; 0 otherwise."}, []string{"lease"}),
		pushSends: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "push", Name: "sends_total",
			Help: "Messages sent to FCM, by FCM's answer (result) and its error code (none when delivered)."}, []string{"result", "code"}),
	}
	for _, l := range []string{"leader", "ioc"} {
		m.escalations.WithLabelValues(l)
	}
	for _, l := range []string{"sla", "media-gc"} {
		m.leaseHeld.WithLabelValues(l)
	}
	m.pushSends.WithLabelValues("delivered", "none")
	return m
}

func (m *appMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.reminders, m.escalations, m.autoCloses, m.leaseHeld, m.pushSends}
}

// Observer returns app's Observer (Deps.Observer, DispatcherDeps.Observer), or nil when metrics
// are off.
func (t *Telemetry) Observer() app.Observer {
	if t.app == nil {
		return nil
	}
	return appObserver{t.app}
}

// appObserver implements app.Observer on appMetrics.
type appObserver struct{ m *appMetrics }

// SLAStep implements app.Observer.
func (o appObserver) SLAStep(action models.Action, level int) {
	switch {
	case action == models.ActRemind:
		o.m.reminders.Inc()
	case action == models.ActEscalate && level >= 2:
		o.m.escalations.WithLabelValues("ioc").Inc()
	case action == models.ActEscalate:
		o.m.escalations.WithLabelValues("leader").Inc()
	case action == models.ActAutoClose:
		o.m.autoCloses.Inc()
	}
}

// LeaseHeld implements app.Observer.
func (o appObserver) LeaseHeld(name string, held bool) {
	v := 0.0
	if held {
		v = 1
	}
	o.m.leaseHeld.WithLabelValues(name).Set(v)
}

// PushResult implements app.Observer.
func (o appObserver) PushResult(r app.PushResult) {
	code := r.Code
	if code == "" {
		code = "none"
	}
	o.m.pushSends.WithLabelValues(pushResultName(r.Outcome), code).Inc()
}

// pushResultName is the result label of an outcome.
func pushResultName(o app.PushOutcome) string {
	switch o {
	case app.PushDelivered:
		return "delivered"
	case app.PushBadToken:
		return "bad_token"
	case app.PushRetryable:
		return "retryable"
	case app.PushAuthFailure:
		return "auth_failure"
	case app.PushRejected:
		return "rejected"
	}
	return "unknown"
}

// Spans returns app's Spans (Deps.Spans, DispatcherDeps.Spans), or nil when nothing is traced.
func (t *Telemetry) Spans() app.Spans {
	if t.tracer == nil {
		return nil
	}
	return appSpans{t.tracer}
}

// appSpans implements app.Spans: an internal span named as the app names the work.
type appSpans struct{ tracer trace.Tracer }

// Start implements app.Spans. Only the error's code is recorded, never its text.
func (s appSpans) Start(ctx context.Context, name string) (context.Context, func(error)) {
	ctx, span := s.tracer.Start(ctx, name)
	return ctx, func(err error) {
		if err != nil {
			code := models.ErrorCode(err)
			span.SetAttributes(attribute.String("error.type", code))
			span.SetStatus(codes.Error, code)
		}
		span.End()
	}
}
