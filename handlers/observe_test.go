package handlers

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"phananh/app/apptest"
)

// recordingObserver keeps what StartRequest and its finish function were told.
type recordingObserver struct {
	mu   sync.Mutex
	seen []observed
}

type observed struct {
	method, requestID, route, traceparent string
	status                                int
}

type ctxKey struct{}

func (o *recordingObserver) StartRequest(ctx context.Context, method, requestID string, header func(string) string) (context.Context, func(string, int)) {
	rec := observed{method: method, requestID: requestID, traceparent: header("traceparent")}
	return context.WithValue(ctx, ctxKey{}, requestID), func(route string, status int) {
		rec.route, rec.status = route, status
		o.mu.Lock()
		o.seen = append(o.seen, rec)
		o.mu.Unlock()
	}
}

// TestObserverSeesRouteTemplates checks that the Observer is told the route template that served
// a request — never its path — or "(unmatched)", with the status and the request id.
func TestObserverSeesRouteTemplates(t *testing.T) {
	store := apptest.Store(t, time.Now())
	svc := apptest.New(t, store, apptest.Options{})
	obs := &recordingObserver{}
	cfg := DefaultConfig()
	cfg.Observer = obs
	f, err := New(svc, slog.New(slog.DiscardHandler), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, path, route string
		status              int
	}{
		{"GET", "/v1/areas/30280", "/v1/areas/:code", 200},
		{"GET", "/v1/tickets/0123456789abcdef0123456789abcdef", "/v1/tickets/:id", 401},
		{"GET", "/no/such/route", RouteUnmatched, 404},
		{"DELETE", "/v1/areas", RouteUnmatched, 405},
		{"GET", "/livez", "/livez", 200},
	} {
		req := httptest.NewRequest(tc.method, tc.path, nil)
		req.Header.Set("X-Request-Id", "req-"+tc.method)
		req.Header.Set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
		resp, err := f.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		obs.mu.Lock()
		got := obs.seen[len(obs.seen)-1]
		obs.mu.Unlock()
		want := observed{method: tc.method, requestID: "req-" + tc.method, route: tc.route, status: tc.status,
			traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
		if got != want || resp.StatusCode != tc.status {
			t.Errorf("%s %s: observed %+v, status %d; want %+v", tc.method, tc.path, got, resp.StatusCode, want)
		}
	}
}
