package client

import (
	"bytes"
	"os"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"

	"phananh/handlers"
)

const generated = "phananh.gen.go"

// TestClientIsCurrent regenerates the client from the server's document and compares it with the
// checked-in one, which PHANANH_UPDATE_CLIENT=1 rewrites.
func TestClientIsCurrent(t *testing.T) {
	doc, err := handlers.OpenAPIJSON()
	if err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	loader.IncludeOrigin = true // operations in the document's order, so the output is stable
	spec, err := loader.LoadFromData(doc)
	if err != nil {
		t.Fatalf("load the document: %v", err)
	}
	opts := codegen.Configuration{PackageName: "client", Generate: codegen.GenerateOptions{Models: true, Client: true}}
	code, err := codegen.Generate(spec, opts.UpdateDefaults())
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	if os.Getenv("PHANANH_UPDATE_CLIENT") == "1" {
		if err := os.WriteFile(generated, []byte(code), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	have, err := os.ReadFile(generated)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, []byte(code)) {
		t.Errorf("%s is not what the document generates: run PHANANH_UPDATE_CLIENT=1 go test ./client", generated)
	}
}
