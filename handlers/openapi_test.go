package handlers

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
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

// TestOperationIDsUnique: generated clients name their functions after operationId, so two
// operations with one name would not compile.
func TestOperationIDsUnique(t *testing.T) {
	seen := map[string]string{}
	paths := openAPIDocument()["paths"].(map[string]any)
	if id := paths["/v1/tickets/{id}/actions"].(map[string]any)["post"].(map[string]any)["operationId"]; id != "postTicketsIdActions" {
		t.Errorf("POST /v1/tickets/{id}/actions: operationId %v, want postTicketsIdActions (the README's example)", id)
	}
	for path, ops := range paths {
		for method, o := range ops.(map[string]any) {
			id, _ := o.(map[string]any)["operationId"].(string)
			if id == "" || seen[id] != "" {
				t.Errorf("%s %s: operationId %q (also %s)", method, path, id, seen[id])
			}
			seen[id] = method + " " + path
		}
	}
}

// TestOpenAPILint runs Redocly's linter (its recommended rules) on the document: no error may
// remain. It needs the linter from npm (npm install --prefix DIR @redocly/cli, then
// PHANANH_REDOCLY=DIR), which .ci/run installs; without it the test skips.
func TestOpenAPILint(t *testing.T) {
	dir := os.Getenv("PHANANH_REDOCLY")
	if dir == "" {
		t.Skip("PHANANH_REDOCLY is not set (npm install --prefix DIR @redocly/cli, then PHANANH_REDOCLY=DIR): lint skipped")
	}
	doc, err := json.MarshalIndent(openAPIDocument(), "", " ") // the linter reports lines
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(file, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(dir, "node_modules", ".bin", "redocly"), "lint", file, "--format=stylish", "--max-problems=1000")
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		var errors []string
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, " error ") {
				errors = append(errors, strings.TrimSpace(line))
			}
		}
		t.Fatalf("redocly lint: %v; errors:\n%s\n%s", err, strings.Join(errors, "\n"), lastLines(string(out), 5))
	}
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// TestNoBareObjects: a client generated from the document gets a type for every answer, so no
// schema of a response or request may be an object with neither properties nor
// additionalProperties (a bare "object" generates an untyped map).
func TestNoBareObjects(t *testing.T) {
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch x := v.(type) {
		case map[string]any:
			_, props := x["properties"]
			_, extra := x["additionalProperties"]
			if x["type"] == "object" && !props && !extra {
				t.Errorf("bare object at %s", path)
			}
			for k, c := range x {
				walk(c, path+"/"+k)
			}
		case []any:
			for i, c := range x {
				walk(c, fmt.Sprintf("%s/%d", path, i))
			}
		}
	}
	doc := openAPIDocument()
	walk(doc["paths"], "paths")
	walk(doc["components"], "components")
}
