package handlers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"phananh/models"
)

// modelConsts reads the string constants of package models named prefix and a capital (E:
// EInvalid … error codes, Problem: field problem codes), so that a code added there is checked
// here.
func modelConsts(t *testing.T, prefix string) []string {
	t.Helper()
	files, err := filepath.Glob("../models/*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var out []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, prefixedConsts(f, prefix)...)
	}
	if len(out) < 5 {
		t.Fatalf("found only %v with prefix %s in models", out, prefix)
	}
	return out
}

// prefixedConsts are the string constants of f named prefix and a capital.
func prefixedConsts(f *ast.File, prefix string) []string {
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || len(vs.Values) != 1 {
			return true
		}
		if rest, ok := strings.CutPrefix(vs.Names[0].Name, prefix); !ok || rest == "" || !unicode.IsUpper(rune(rest[0])) {
			return true
		}
		if lit, ok := vs.Values[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
			v, _ := strconv.Unquote(lit.Value)
			out = append(out, v)
		}
		return true
	})
	return out
}

// TestCatalogCoversEveryCode checks that every error code of models has a headline of its own in
// both languages and every field problem a sentence, so no answer falls back to a generic text.
func TestCatalogCoversEveryCode(t *testing.T) {
	t.Parallel()
	fallbackVI, fallbackEN := codeTexts("no such code")
	for _, code := range append(modelConsts(t, "E"), codeMethodNotAllowed) {
		vi, en := codeTexts(code)
		if code != models.EInternal && (vi == fallbackVI || en == fallbackEN) {
			t.Errorf("error code %q has no message in the catalog", code)
		}
		if vi == en {
			t.Errorf("error code %q: the Vietnamese message is the English one", code)
		}
	}
	for _, problem := range modelConsts(t, "Problem") {
		vi, en := problemTexts(problem, "x")
		if problem != models.ProblemInvalid && (vi == "" || en == "" || vi == en) {
			t.Errorf("problem %q: messages %q / %q", problem, vi, en)
		}
	}
}
