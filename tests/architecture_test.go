package tests

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// goPackage is what `go list -json` says of one package of the module.
type goPackage struct {
	ImportPath string
	Standard   bool
	Imports    []string // direct imports of the package's non-test files
	Deps       []string // every package it depends on, transitively
}

// modulePackages lists the module's packages (without test files) as the go command sees them.
func modulePackages(t *testing.T) []goPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Standard,Imports,Deps", "phananh/...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []goPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p goPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages; the module has more", len(pkgs))
	}
	return pkgs
}

// TestDependencyRules checks the direction of dependencies that docs/ARCHITECTURE.md describes:
// the domain depends on nothing, the stores do not know the use cases, and each outside
// technology enters through one package.
func TestDependencyRules(t *testing.T) {
	t.Parallel()
	pkgs := modulePackages(t)
	std := map[string]bool{}
	out, err := exec.Command("go", "list", "std").Output()
	if err != nil {
		t.Fatalf("go list std: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		std[p] = true
	}
	// Which module packages may import a technology directly. The benchmark baseline is a
	// trivial Fiber handler on purpose (the yardstick intake is measured against), mongotest is
	// the MongoDB store's test server, fcmtest the fake FCM server. Metrics and traces enter
	// through telemetry alone: handlers and app declare the narrow interfaces it implements.
	technologies := []struct {
		prefix  string
		allowed []string
	}{
		{"github.com/gofiber/fiber", []string{"phananh/handlers", "phananh/bench/cmd/baseline"}},
		{"go.mongodb.org/mongo-driver", []string{"phananh/store/mongodb", "phananh/store/mongodb/mongotest"}},
		{"firebase.google.com/go", []string{"phananh/push", "phananh/push/fcmtest"}},
		{"github.com/prometheus/", []string{"phananh/telemetry"}},
		{"go.opentelemetry.io/", []string{"phananh/telemetry"}},
		{"github.com/xuri/excelize", []string{"phananh/handlers"}}, // the XLSX reports, a transport format
	}
	for _, p := range pkgs {
		if p.ImportPath == "phananh/models" {
			for _, d := range p.Deps {
				if !std[d] {
					t.Errorf("models depends on %s; it may use the standard library only", d)
				}
			}
		}
		if strings.HasPrefix(p.ImportPath, "phananh/store/") && slices.Contains(p.Deps, "phananh/app") {
			t.Errorf("%s depends on phananh/app; stores implement app's interfaces without importing it", p.ImportPath)
		}
		if p.ImportPath == "phananh/app" {
			for _, d := range p.Deps {
				for _, tech := range technologies {
					if strings.HasPrefix(d, tech.prefix) {
						t.Errorf("app depends on %s; the use cases never see a transport, driver or SDK", d)
					}
				}
			}
		}
		for _, imp := range p.Imports {
			for _, tech := range technologies {
				if strings.HasPrefix(imp, tech.prefix) && !slices.Contains(tech.allowed, p.ImportPath) {
					t.Errorf("%s imports %s; only %v may", p.ImportPath, imp, tech.allowed)
				}
			}
		}
	}
}

// TestAppServicesStayNarrow keeps the use cases split by capability: no exported type of package
// app has more than 25 exported methods. (The services embed only the unexported core, which has
// no exported methods, so declared methods are the whole method set.)
func TestAppServicesStayNarrow(t *testing.T) {
	t.Parallel()
	const limit = 25
	fset := token.NewFileSet()
	files, err := filepath.Glob("../app/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("app sources: %v (%d files)", err, len(files))
	}
	methods := map[string][]string{}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || !fn.Name.IsExported() {
				continue
			}
			recv := fn.Recv.List[0].Type
			if star, ok := recv.(*ast.StarExpr); ok {
				recv = star.X
			}
			if id, ok := recv.(*ast.Ident); ok {
				methods[id.Name] = append(methods[id.Name], fn.Name.Name)
			}
		}
	}
	if len(methods["Tickets"]) == 0 {
		t.Fatal("found no methods of app.Tickets; is the parser looking at the right files?")
	}
	for typ, ms := range methods {
		if ast.IsExported(typ) && len(ms) > limit {
			t.Errorf("app.%s has %d exported methods, more than %d: split it by capability (%s)", typ, len(ms), limit, strings.Join(ms, ", "))
		}
	}
}

// TestFunctionsStayShort keeps every function of the module, tests included, at 80 lines or
// fewer (from its func line to its closing brace), so each can be read at once. The exceptions
// are table literals, where one row per line is the clearest form and splitting would only
// scatter the table.
func TestFunctionsStayShort(t *testing.T) {
	t.Parallel()
	const limit = 80
	tables := map[string]bool{
		"seed/categories.go Categories":       true, // the category catalogue, one literal
		"handlers/openapi.go openAPIDocument": true, // the OpenAPI document's paths, one literal
		"handlers/server.go policy":           true, // the route table: method, path, roles, handler
		"cmd/phananh/settings.go settings":    true, // the configuration table, one row per variable
	}
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != ".." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution|parser.ParseComments)
		if err != nil {
			return err
		}
		if ast.IsGenerated(f) { // written by a generator from its source (the OpenAPI document)
			return nil
		}
		rel := filepath.ToSlash(strings.TrimPrefix(path, "../"))
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			checked++
			lines := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1
			if lines > limit && !tables[rel+" "+fn.Name.Name] {
				t.Errorf("%s: %s is %d lines, more than %d", rel, fn.Name.Name, lines, limit)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 500 {
		t.Fatalf("checked %d functions; the module has far more", checked)
	}
}
