package telemetry

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// instrumentationName names this package's tracer, as OpenTelemetry asks of instrumentation.
const instrumentationName = "phananh/telemetry"

// NewOTLPTracer returns a tracer exporting over OTLP/HTTP and the function that flushes and stops
// it. Everything about the export comes from the standard variables, read by the exporter and
// the SDK themselves: OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (where;
// an http:// URL is sent in clear), OTEL_EXPORTER_OTLP_HEADERS (credentials), _TIMEOUT and
// _COMPRESSION, OTEL_BSP_* (batching), OTEL_TRACES_SAMPLER (sampling; every trace by default,
// or the caller's decision when a request carries one), OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES. The service is "phananh" with its module version unless those say
// otherwise. The provider is this process's alone: it is never made OpenTelemetry's global one.
func NewOTLPTracer(ctx context.Context) (trace.Tracer, func(context.Context) error, error) {
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	version := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		version = bi.Main.Version
	}
	// Later options win: the variables override the defaults given first.
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "phananh"), attribute.String("service.version", version)),
		resource.WithTelemetrySDK(), resource.WithFromEnv())
	if err != nil {
		return nil, nil, fmt.Errorf("trace resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return tp.Tracer(instrumentationName), tp.Shutdown, nil
}

// LogOTelErrors sends OpenTelemetry's own failures (an unreachable collector, a refused export)
// to log as warnings instead of the standard library's logger, which would break a JSON log
// stream. OpenTelemetry keeps its error handler in a global: cmd/phananh calls this once, as
// part of its wiring, when it turns tracing on.
func LogOTelErrors(log *slog.Logger) {
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { log.Warn("tracing", "error", err) }))
}
