package telemetry

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"phananh/app"
	"phananh/models"
)

//go:generate go test -run TestStoreDecoratorIsCurrent -update .

// Where store calls are measured. The decorator of app.Store (store_gen.go, generated from the
// interface by store_gen_test.go) times every call of the app into the store, labelled by the
// contract's method name — "TicketByID", "ClaimPush". That is the one chokepoint both stores
// share: SQLite's reads go straight to the read pool from each method (only writes meet in
// inTx), and MongoDB's command monitor names driver commands ("find", "update") that no operator
// can map back to what the app was doing. The method names are a fixed set (about 90), the
// same on both stores, so one dashboard compares them; a call inside Batched is measured on its
// own as well as within the batch. The cost is two clock reads and one histogram observation
// per call, against store calls of tens of microseconds at least. The generated file must match
// the interface: its compile-time assertion fails when app.Store gains a method, and
// TestStoreDecoratorIsCurrent when any signature changes; `go generate ./telemetry` rewrites it.

// storeMetrics are the store series.
type storeMetrics struct {
	duration  *prometheus.HistogramVec
	errors    *prometheus.CounterVec
	batchSize prometheus.Histogram
}

func newStoreMetrics() *storeMetrics {
	return &storeMetrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "store", Name: "operation_duration_seconds",
			Help:    "Time of each call of the app into the store, by operation (the app.Store method).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}}, []string{"operation"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "store", Name: "operation_errors_total",
			Help: "Store calls that returned an error, by operation and error code (not_found and conflict are ordinary answers; internal and unavailable are failures)."},
			[]string{"operation", "code"}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "sqlite", Name: "write_batch_size",
			Help:    "Write transactions committed together by one fsync of the SQLite writer (group commit).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256}}),
	}
}

func (m *storeMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.duration, m.errors, m.batchSize}
}

// InstrumentStore returns st measured and traced, or st itself when nothing is; system names the
// store in traces ("sqlite", "mongodb"). The SQLite store's write queue stays visible to
// readiness (WriteQueue), and its batch sizes are observed.
func (t *Telemetry) InstrumentStore(st app.Store, system string) app.Store {
	if !t.Enabled() {
		return st
	}
	if t.store != nil {
		if b, ok := st.(interface{ ObserveBatches(func(int)) }); ok {
			b.ObserveBatches(func(n int) { t.store.batchSize.Observe(float64(n)) })
		}
	}
	s := &instrumentedStore{next: st, m: t.store, tracer: t.tracer, system: attribute.String("db.system.name", system)}
	if q, ok := st.(writeQueue); ok {
		return queuedStore{instrumentedStore: s, q: q}
	}
	return s
}

// writeQueue is the SQLite store's queue in front of its writer (app's readiness reads it).
type writeQueue interface {
	WriteQueue() (waiting, saturated int)
}

// queuedStore is an instrumentedStore that keeps its store's WriteQueue.
type queuedStore struct {
	*instrumentedStore
	q writeQueue
}

// WriteQueue is the wrapped store's.
func (s queuedStore) WriteQueue() (waiting, saturated int) { return s.q.WriteQueue() }

// instrumentedStore implements app.Store around next (methods in store_gen.go).
type instrumentedStore struct {
	next   app.Store
	m      *storeMetrics // nil: metrics off
	tracer trace.Tracer  // nil: traces off
	system attribute.KeyValue
}

// storeCall is one call being measured; a value, so measuring allocates nothing.
type storeCall struct {
	s     *instrumentedStore
	op    string
	start time.Time
	span  trace.Span // nil unless traced
}

// begin starts measuring operation op. A span is made only inside a trace that is recorded (a
// request's, an effect's): the workers poll the store every few seconds, and a root span per
// poll would bury the traces that matter.
func (s *instrumentedStore) begin(ctx context.Context, op string) (context.Context, storeCall) {
	c := storeCall{s: s, op: op, start: time.Now()}
	if s.tracer != nil && trace.SpanFromContext(ctx).IsRecording() {
		ctx, c.span = s.tracer.Start(ctx, "store."+op, trace.WithSpanKind(trace.SpanKindClient),
			trace.WithAttributes(s.system, attribute.String("db.operation.name", op)))
	}
	return ctx, c
}

// end records the call's time and outcome. Only the error's code is recorded, never its text:
// a driver's message can quote the values of a duplicate key, such as a phone number.
func (c storeCall) end(err error) {
	var code string
	if err != nil {
		code = models.ErrorCode(err)
	}
	if m := c.s.m; m != nil {
		m.duration.WithLabelValues(c.op).Observe(time.Since(c.start).Seconds())
		if err != nil {
			m.errors.WithLabelValues(c.op, code).Inc()
		}
	}
	if c.span != nil {
		if err != nil {
			c.span.SetAttributes(attribute.String("error.type", code))
			if code == models.EInternal || code == models.EUnavailable {
				c.span.SetStatus(codes.Error, code)
			}
		}
		c.span.End()
	}
}
