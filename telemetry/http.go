package telemetry

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// httpMetrics are the request series. Labels are bounded: route is a template of the route
// table (or "(unmatched)", "(shed)"), method one of the HTTP methods Fiber accepts, code a status.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	shed     prometheus.Counter
}

func newHTTPMetrics() *httpMetrics {
	return &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "http", Name: "requests_total",
			Help: "Requests answered, by route template, method and status code."}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time from a request's arrival to its answer's status, by route template and method (an export's stream is not included).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"route", "method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "http", Name: "requests_in_flight",
			Help: "Requests being served now."}),
		shed: prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Subsystem: "http", Name: "requests_shed_total",
			Help: "Requests refused with 503 because MAX_IN_FLIGHT requests were in flight."}),
	}
}

func (m *httpMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.requests, m.duration, m.inFlight, m.shed}
}

// Requests returns the observer of handlers.Config.Observer, or nil when nothing is measured or
// traced.
func (t *Telemetry) Requests() *RequestObserver {
	if !t.Enabled() {
		return nil
	}
	return &RequestObserver{t: t}
}

// RequestObserver implements handlers.Observer: it counts and times every request by route
// template and, with a tracer, makes it a server span named "METHOD /route/template" that
// continues the caller's trace (W3C traceparent). The span carries the method, the route, the
// status and the request id — never the path, the query, the client's address or any header.
type RequestObserver struct{ t *Telemetry }

// StartRequest implements handlers.Observer.
func (o *RequestObserver) StartRequest(ctx context.Context, method, requestID string, header func(string) string) (context.Context, func(string, int)) {
	start := time.Now()
	m := o.t.http
	if m != nil {
		m.inFlight.Inc()
	}
	var span trace.Span
	if o.t.tracer != nil {
		ctx = o.t.prop.Extract(ctx, headerCarrier(header))
		ctx, span = o.t.tracer.Start(ctx, method, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", method), attribute.String("phananh.request_id", requestID)))
	}
	return ctx, func(route string, status int) {
		if m != nil {
			m.inFlight.Dec()
			m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
			m.duration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
			if route == routeShed {
				m.shed.Inc()
			}
		}
		if span != nil {
			span.SetName(method + " " + route)
			span.SetAttributes(attribute.String("http.route", route), attribute.Int("http.response.status_code", status))
			if status >= 500 {
				span.SetStatus(codes.Error, strconv.Itoa(status))
			}
			span.End()
		}
	}
}

// routeShed is handlers.RouteShed (not imported: this package does not depend on the transport).
const routeShed = "(shed)"

// headerCarrier reads a request's headers for the propagator; requests are never injected into.
type headerCarrier func(string) string

var _ propagation.TextMapCarrier = headerCarrier(nil)

func (h headerCarrier) Get(key string) string { return h(key) }
func (h headerCarrier) Set(string, string)    {}
func (h headerCarrier) Keys() []string        { return nil }
