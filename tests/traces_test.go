package tests

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpReceiver is an OpenTelemetry collector's OTLP/HTTP trace endpoint in the test process: it
// keeps every span it is sent, with the attributes of its resource.
type otlpReceiver struct {
	srv       *httptest.Server
	mu        sync.Mutex
	spans     []*tracepb.Span
	resources [][]*commonpb.KeyValue
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	r := &otlpReceiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost || req.URL.Path != "/v1/traces" {
			http.NotFound(w, req)
			return
		}
		var body io.Reader = req.Body
		if req.Header.Get("Content-Encoding") == "gzip" {
			gz, err := gzip.NewReader(req.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = gz
		}
		data, err := io.ReadAll(body)
		var export collectortrace.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(data, &export)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		for _, rs := range export.ResourceSpans {
			r.resources = append(r.resources, rs.GetResource().GetAttributes())
			for _, ss := range rs.ScopeSpans {
				r.spans = append(r.spans, ss.Spans...)
			}
		}
		r.mu.Unlock()
		out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// received returns the spans received so far.
func (r *otlpReceiver) received() []*tracepb.Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*tracepb.Span(nil), r.spans...)
}

// attr is the string form of the span's attribute key ("" when absent).
func attr(s *tracepb.Span, key string) string {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			return anyValue(kv.Value)
		}
	}
	return ""
}

func anyValue(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_IntValue:
		return fmt.Sprint(x.IntValue)
	}
	return v.String()
}

// TestTraces points a server at an OTLP receiver through OTEL_EXPORTER_OTLP_ENDPOINT, files a
// report, and finds the request's server span (named by its route template, continuing the
// caller's trace), the store calls and the effects inside its trace — and no attribute anywhere
// that holds the resident's phone number, token or the ticket's description.
func TestTraces(t *testing.T) {
	t.Parallel()
	rcv := newOTLPReceiver(t)
	s := startServer(t, storeKind{name: "sqlite"}, "OTEL_EXPORTER_OTLP_ENDPOINT="+rcv.srv.URL, "OTEL_BSP_SCHEDULE_DELAY=100")
	const phone = "0912300201"
	rep := s.signInResident(phone)
	body := report("ANTT.01", 10.386, 105.435)
	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	var tk wfTicket
	s.request(t, "POST", "/v1/tickets", rep.AccessToken, body, "traceparent: 00-"+traceID+"-"+parentID+"-01").
		expect(t, http.StatusCreated).json(t, &tk)

	var server *tracepb.Span
	inTrace := map[string]bool{}
	waitFor(t, "the filing's spans", 20*time.Second, func() bool {
		server, inTrace = nil, map[string]bool{}
		for _, sp := range rcv.received() {
			if hex.EncodeToString(sp.TraceId) != traceID {
				continue
			}
			inTrace[sp.Name] = true
			if sp.Kind == tracepb.Span_SPAN_KIND_SERVER {
				server = sp
			}
		}
		return server != nil && inTrace["store.CreateTicket"] && inTrace["effects.apply"]
	})
	if server.Name != "POST /v1/tickets" || attr(server, "http.route") != "/v1/tickets" || attr(server, "http.response.status_code") != "201" ||
		hex.EncodeToString(server.ParentSpanId) != parentID {
		t.Errorf("server span %s, route %q, status %q, parent %x; want POST /v1/tickets, 201, the caller's span %s",
			server.Name, attr(server, "http.route"), attr(server, "http.response.status_code"), server.ParentSpanId, parentID)
	}
	for _, want := range []string{"store.NextSequence", "store.Batched", "effect.push_outbox", "effect.facts", "effect.feed"} {
		if !inTrace[want] {
			t.Errorf("no span %s in the filing's trace (it has %v)", want, inTrace)
		}
	}

	secrets := []string{strings.TrimPrefix(phone, "0"), rep.AccessToken, body["description"].(string)}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	var all []*commonpb.KeyValue
	for _, sp := range rcv.spans {
		all = append(all, sp.Attributes...)
		if strings.Contains(sp.Name, tk.ID) {
			t.Errorf("span %q is named with a path", sp.Name)
		}
	}
	for _, res := range rcv.resources {
		all = append(all, res...)
	}
	for _, kv := range all {
		v := anyValue(kv.Value)
		for _, secret := range secrets {
			if strings.Contains(v, secret) || bytes.Contains([]byte(v), []byte(tk.ID)) {
				t.Errorf("attribute %s=%q holds personal data or a path id", kv.Key, v)
			}
		}
	}
}
