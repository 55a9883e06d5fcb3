package tests

import (
	"encoding/json"
	"io"
	"os/exec"
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
	// the MongoDB store's test server, fcmtest the fake FCM server.
	technologies := []struct {
		prefix  string
		allowed []string
	}{
		{"github.com/gofiber/fiber", []string{"phananh/handlers", "phananh/bench/cmd/baseline"}},
		{"go.mongodb.org/mongo-driver", []string{"phananh/store/mongodb", "phananh/store/mongodb/mongotest"}},
		{"firebase.google.com/go", []string{"phananh/push", "phananh/push/fcmtest"}},
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
