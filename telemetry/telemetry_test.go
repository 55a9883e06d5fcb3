package telemetry

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"phananh/app"
	"phananh/app/apptest"
	"phananh/models"
)

// traced builds a Telemetry with metrics and a tracer whose spans the recorder keeps.
func traced(t *testing.T) (*Telemetry, *tracetest.SpanRecorder, *sdktrace.TracerProvider) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	tel, err := New(Options{Metrics: true, Tracer: tp.Tracer("test")})
	if err != nil {
		t.Fatal(err)
	}
	return tel, rec, tp
}

// TestInstrumentedStore checks the store decorator: every call is timed by operation, errors
// are counted by code, spans are made only inside a recorded trace and carry the error's code,
// never its text, and the SQLite store's write queue stays visible.
func TestInstrumentedStore(t *testing.T) {
	tel, rec, tp := traced(t)
	st := tel.InstrumentStore(apptest.Store(t, time.Now()), "sqlite")
	if _, ok := st.(writeQueue); !ok {
		t.Error("the instrumented SQLite store hides WriteQueue from readiness")
	}
	ctx := context.Background()
	if _, err := st.UserByID(ctx, "absent"); !models.IsCode(err, models.ENotFound) {
		t.Fatalf("UserByID: %v", err)
	}
	if n := len(rec.Ended()); n != 0 {
		t.Errorf("%d spans outside any trace, want none", n)
	}
	ctx, parent := tp.Tracer("test").Start(ctx, "request")
	if _, err := st.UserByPhone(ctx, "+84912345678"); !models.IsCode(err, models.ENotFound) {
		t.Fatalf("UserByPhone: %v", err)
	}
	parent.End()
	spans := rec.Ended()
	if len(spans) != 2 || spans[0].Name() != "store.UserByPhone" || spans[0].Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Fatalf("spans %v, want store.UserByPhone inside request", spans)
	}
	for _, kv := range spans[0].Attributes() {
		if strings.Contains(kv.Value.String(), "912345678") {
			t.Errorf("span attribute %s=%s holds the phone number", kv.Key, kv.Value.String())
		}
	}
	if got := testutil.ToFloat64(tel.store.errors.WithLabelValues("UserByID", models.ENotFound)); got != 1 {
		t.Errorf("errors{UserByID,not_found} = %v, want 1", got)
	}
	if n := testutil.CollectAndCount(tel.store.duration); n != 2 {
		t.Errorf("%d operations timed, want 2", n)
	}
}

// TestRequestsAndWorkers checks the request observer (route template, shed, server span) and the
// app observer's series, and lints every metric's name and help as Prometheus would.
func TestRequestsAndWorkers(t *testing.T) {
	tel, rec, _ := traced(t)
	obs := tel.Requests()
	_, finish := obs.StartRequest(context.Background(), "POST", "req-1", func(string) string { return "" })
	finish("/v1/tickets/:id/actions", 409)
	_, finish = obs.StartRequest(context.Background(), "GET", "req-2", func(string) string { return "" })
	finish(routeShed, 503)
	if got := testutil.ToFloat64(tel.http.requests.WithLabelValues("/v1/tickets/:id/actions", "POST", "409")); got != 1 {
		t.Errorf("requests{actions,POST,409} = %v", got)
	}
	if got := testutil.ToFloat64(tel.http.shed); got != 1 {
		t.Errorf("shed = %v, want 1", got)
	}
	if spans := rec.Ended(); len(spans) != 2 || spans[0].Name() != "POST /v1/tickets/:id/actions" {
		t.Errorf("server spans %v", spans)
	}
	o := tel.Observer()
	o.SLAStep(models.ActEscalate, 2)
	o.SLAStep(models.ActRemind, 0)
	o.LeaseHeld("sla", true)
	o.PushResult(app.PushResult{Outcome: app.PushBadToken, Code: "UNREGISTERED"})
	for _, c := range []struct {
		got, want float64
		what      string
	}{
		{testutil.ToFloat64(tel.app.escalations.WithLabelValues("ioc")), 1, "escalations{ioc}"},
		{testutil.ToFloat64(tel.app.reminders), 1, "reminders"},
		{testutil.ToFloat64(tel.app.leaseHeld.WithLabelValues("sla")), 1, "lease_held{sla}"},
		{testutil.ToFloat64(tel.app.pushSends.WithLabelValues("bad_token", "UNREGISTERED")), 1, "sends{bad_token,UNREGISTERED}"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	problems, err := testutil.GatherAndLint(tel.reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if !strings.HasPrefix(p.Metric, "phananh_") {
			continue // the Go and process collectors' own names are theirs
		}
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// TestDisabled checks that with neither metrics nor a tracer nothing is wrapped or observed.
func TestDisabled(t *testing.T) {
	tel, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := apptest.Store(t, time.Now())
	if tel.InstrumentStore(st, "sqlite") != st || tel.Requests() != nil || tel.Observer() != nil || tel.Spans() != nil || tel.Handler() != nil {
		t.Error("a disabled Telemetry still wraps or observes something")
	}
}
