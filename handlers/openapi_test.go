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

	"phananh/app"
	"phananh/models"
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
	doc, err := json.MarshalIndent(renderedDocument(t), "", " ") // the linter reports lines
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
	doc := renderedDocument(t)
	walk(doc["paths"], "paths")
	walk(doc["components"], "components")
}

// renderedDocument is the document as the server serves it, its schemas reflected.
func renderedDocument(t *testing.T) map[string]any {
	t.Helper()
	raw, err := OpenAPIJSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestJSONSchemasAreReflected: every JSON body the API takes or gives is described by a
// component reflected from the Go type the handler decodes or encodes (openapi_types.go), never
// by a schema written by hand beside it, so the document cannot drift from the code. Only the
// formats defined elsewhere are written out: GeoJSON (RFC 7946), Open311 (GeoReport v2, outside
// /v1), files.
func TestJSONSchemasAreReflected(t *testing.T) {
	doc := renderedDocument(t)
	checked := 0
	for path, ops := range doc["paths"].(map[string]any) {
		if !strings.HasPrefix(path, "/v1/") { // Open311 is GeoReport v2's
			continue
		}
		for method, o := range ops.(map[string]any) {
			op := o.(map[string]any)
			var contents []any
			if body, ok := op["requestBody"].(map[string]any); ok {
				contents = append(contents, body["content"])
			}
			for _, r := range op["responses"].(map[string]any) {
				contents = append(contents, r.(map[string]any)["content"])
			}
			for _, content := range contents {
				byType, _ := content.(map[string]any)
				media, _ := byType["application/json"].(map[string]any)
				if media == nil {
					continue
				}
				checked++
				schema := media["schema"].(map[string]any)
				ref, _ := schema["$ref"].(string)
				if len(schema) != 1 || !strings.HasPrefix(ref, "#/components/schemas/") {
					t.Errorf("%s %s: a JSON schema written by hand: %v", method, path, schema)
				}
			}
		}
	}
	if checked < 200 {
		t.Errorf("only %d JSON bodies checked; the walk is not seeing the document", checked)
	}
}

// TestSchemaBoundsFollowTheModel: bounds written in struct tags are the ones the code enforces.
func TestSchemaBoundsFollowTheModel(t *testing.T) {
	schemas := renderedDocument(t)["components"].(map[string]any)["schemas"].(map[string]any)
	bound := func(schema, property, keyword string) any {
		t.Helper()
		s, ok := schemas[schema].(map[string]any)
		if !ok {
			t.Fatalf("no schema %s", schema)
		}
		p, ok := s["properties"].(map[string]any)[property].(map[string]any)
		if !ok {
			t.Fatalf("schema %s has no property %s", schema, property)
		}
		return p[keyword]
	}
	for _, c := range []struct {
		schema, property, keyword string
		want                      int
	}{
		{"NewTicket", "description", "maxLength", models.MaxDescriptionRunes},
		{"NewTicket", "media", "maxItems", models.MaxMediaPerTicket},
		{"Action", "description", "maxLength", models.MaxDescriptionRunes},
		{"PasswordRequest", "new_password", "minLength", app.MinPasswordLength},
		{"BulkRequest", "tickets", "maxItems", app.MaxBulk},
		{"SaveFilterRequest", "name", "maxLength", models.MaxFilterName},
		{"SaveFilterRequest", "query", "maxLength", models.MaxFilterQueryText},
		{"ReplyRequest", "title", "maxLength", models.MaxReplyTitle},
		{"ReplyRequest", "text", "maxLength", models.MaxReplyText},
		{"LegalHoldRequest", "reason", "maxLength", models.MaxLegalHoldReasonLen},
		{"OnBehalf", "name", "maxLength", models.MaxDisplayNameRunes},
		{"ProfileRequest", "display_name", "maxLength", models.MaxDisplayNameRunes},
		{"HotspotCell", "count", "minimum", app.HotspotMinCount},
	} {
		if got := bound(c.schema, c.property, c.keyword); got != float64(c.want) {
			t.Errorf("%s.%s %s = %v, the code's bound is %d", c.schema, c.property, c.keyword, got, c.want)
		}
	}
}
