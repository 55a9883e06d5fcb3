package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"time"

	"phananh/telemetry"
)

// parseMetricsAddr checks METRICS_ADDR: empty (no metrics) or host:port with a numeric port.
func parseMetricsAddr(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	_, port, err := net.SplitHostPort(v)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
		return "", fmt.Errorf("METRICS_ADDR must be host:port with a numeric port, such as 127.0.0.1:9464, not %q", v)
	}
	return v, nil
}

// checkMetricsAddr refuses a METRICS_ADDR on ADDR's port: the metrics tell the request mix, the
// backlog and which instance holds which lease, and belong on an address only the monitoring
// system reaches, never on the public listener. Port 0 (a free port, each listener its own) is
// allowed on both.
func checkMetricsAddr(metrics, addr string) error {
	if metrics == "" {
		return nil
	}
	_, mport, _ := net.SplitHostPort(metrics) // checked by parseMetricsAddr
	if _, aport, err := net.SplitHostPort(addr); err == nil && mport == aport && mport != "0" {
		return fmt.Errorf("METRICS_ADDR (%s) must not use ADDR's port (%s): metrics are never served on the public listener", metrics, addr)
	}
	return nil
}

// newTelemetry builds the metrics (with METRICS_ADDR) and traces (with an OTLP endpoint) of
// serve, and returns the function that flushes the traces at the end.
func newTelemetry(ctx context.Context, cfg config, log *slog.Logger) (*telemetry.Telemetry, func(context.Context), error) {
	opts := telemetry.Options{Metrics: cfg.MetricsAddr != "", Logger: log}
	flush := func(context.Context) {}
	if cfg.OTLPEndpoint != "" || cfg.OTLPTracesEndpoint != "" {
		telemetry.LogOTelErrors(log)
		tracer, shutdown, err := telemetry.NewOTLPTracer(ctx)
		if err != nil {
			return nil, nil, err
		}
		opts.Tracer = tracer
		flush = func(ctx context.Context) {
			if err := shutdown(ctx); err != nil {
				log.Warn("tracing: flush at stop", "error", err)
			}
		}
		log.Info("tracing enabled", "exporter", "otlp/http")
	}
	tel, err := telemetry.New(opts)
	if err != nil {
		return nil, nil, err
	}
	return tel, flush, nil
}

// serveMetrics starts the metrics listener on METRICS_ADDR, logging "metrics listening" with the
// address it got, and returns the function that stops it; without METRICS_ADDR it does nothing.
func serveMetrics(cfg config, tel *telemetry.Telemetry, log *slog.Logger) (stop func(context.Context), err error) {
	if cfg.MetricsAddr == "" {
		return func(context.Context) {}, nil
	}
	ln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("listen for metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", tel.Handler())
	// Go's profiles on the same private listener, so an operator can see where a busy instance
	// spends its time (go tool pprof http://…/debug/pprof/profile?seconds=20) without a rebuild.
	// net/http/pprof also registers on http.DefaultServeMux, which nothing here serves.
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	log.Info("metrics listening", "addr", ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server", "error", err)
		}
	}()
	return func(ctx context.Context) {
		if err := srv.Shutdown(ctx); err != nil {
			log.Warn("metrics server shutdown", "error", err)
		}
	}, nil
}
