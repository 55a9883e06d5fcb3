package handlers

import (
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOpenAPICoversRoutes fails when a registered route is missing from the OpenAPI document or
// the document describes a route that is not registered.
func TestOpenAPICoversRoutes(t *testing.T) {
	f, err := New(nil, slog.New(slog.DiscardHandler), DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`:([A-Za-z_]+)`)
	var registered []string
	for _, r := range Routes(f) {
		registered = append(registered, r.Method+" "+param.ReplaceAllString(r.Path, "{$1}"))
	}
	var documented []string
	paths := openAPIDocument()["paths"].(map[string]any)
	for path, ops := range paths {
		for method := range ops.(map[string]any) {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(registered)
	sort.Strings(documented)
	if diff := cmp.Diff(registered, documented); diff != "" {
		t.Errorf("routes (-registered +documented):\n%s", diff)
	}
	if len(registered) < 15 {
		t.Errorf("only %d routes registered; the comparison is not seeing the router", len(registered))
	}
}

func TestStatusOfEveryCode(t *testing.T) {
	for code, want := range map[string]int{
		"invalid": 400, "unprocessable": 422, "outside_jurisdiction": 422, "unauthorized": 401, "forbidden": 403, "password_change_required": 403,
		"not_found": 404, "conflict": 409, "too_large": 413, "unsupported_media_type": 415, "rate_limited": 429,
		"unavailable": 503, "internal": 500, "something new": 500,
	} {
		if got := statusOf(code); got != want {
			t.Errorf("statusOf(%q) = %d, want %d", code, got, want)
		}
	}
}
