// Package telemetry is how phananh is watched: Prometheus metrics and OpenTelemetry traces. It
// is the only package of the server that imports either library. The others only declare the
// narrow interfaces they call — handlers.Observer for requests, app.Observer for the workers'
// events, app.Spans for effects and push sends — and this package implements them; it also
// wraps app.Store (store.go) and reads, at scrape time, what the app and the store can tell
// (collect.go). cmd/phananh builds one Telemetry in serve, with its own registry (never the
// default one) and the tracer provider it was handed (never the global one), and wires it.
//
// With metrics off and no tracer provider every part is skipped: nothing is wrapped or counted.
package telemetry

import (
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// namespace starts every metric of the program (Prometheus naming: one prefix per application).
const namespace = "phananh"

// Options selects what a Telemetry does.
type Options struct {
	// Metrics turns the Prometheus registry and every metric on (METRICS_ADDR is set).
	Metrics bool
	// Tracer traces requests, store calls, effects and push sends; nil traces nothing. It is
	// passed in, never read from OpenTelemetry's global provider, so that nothing is traced by
	// accident and tests can give each server its own.
	Tracer trace.Tracer
	// Logger receives the failures of scrape-time queries; nil discards them.
	Logger *slog.Logger
}

// Telemetry holds the registry, the metrics and the tracer of one server process.
type Telemetry struct {
	reg    *prometheus.Registry // nil: metrics off
	tracer trace.Tracer         // nil: traces off
	prop   propagation.TextMapPropagator
	log    *slog.Logger

	http   *httpMetrics
	store  *storeMetrics
	app    *appMetrics
	scrape *scrapeMetrics
}

// New builds the Telemetry of o. With metrics on, the registry starts with the Go runtime and
// process collectors and phananh_build_info.
func New(o Options) (*Telemetry, error) {
	t := &Telemetry{tracer: o.Tracer, prop: propagation.TraceContext{}, log: o.Logger}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	if !o.Metrics {
		return t, nil
	}
	t.reg = prometheus.NewRegistry()
	t.http, t.store, t.app, t.scrape = newHTTPMetrics(), newStoreMetrics(), newAppMetrics(), newScrapeMetrics()
	cs := []prometheus.Collector{collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), buildInfo()}
	cs = append(cs, t.http.collectors()...)
	cs = append(cs, t.store.collectors()...)
	cs = append(cs, t.app.collectors()...)
	cs = append(cs, t.scrape.collectors()...)
	for _, c := range cs {
		if err := t.reg.Register(c); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Enabled reports whether anything is measured or traced; when not, the caller need not wire
// anything of this package.
func (t *Telemetry) Enabled() bool { return t.reg != nil || t.tracer != nil }

// Handler serves the registry in Prometheus's text format (GET /metrics); a collector that fails
// is left out of the answer and logged rather than failing the whole scrape. It is nil when
// metrics are off.
func (t *Telemetry) Handler() http.Handler {
	if t.reg == nil {
		return nil
	}
	return promhttp.HandlerFor(t.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(t.log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
		Timeout:       10 * time.Second,
	})
}

// buildInfo is phananh_build_info{version, goversion} = 1, so a dashboard can show which release
// each instance runs; version is the module version the go command stamped ("(devel)" or a
// pseudo-version from the VCS for a local build).
func buildInfo() prometheus.Collector {
	version, goversion := "unknown", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		version, goversion = bi.Main.Version, bi.GoVersion
	}
	g := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: "build_info",
		Help:        "Always 1; the labels say which release and Go version this instance runs.",
		ConstLabels: prometheus.Labels{"version": version, "goversion": goversion}})
	g.Set(1)
	return g
}
