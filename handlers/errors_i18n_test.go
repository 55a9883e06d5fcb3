package handlers

import (
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/gofiber/fiber/v2"
	"github.com/google/go-cmp/cmp"

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

// messageFormat is one English message format found in the source, and where.
type messageFormat struct {
	format, pos string
}

// messageFormats reads every non-test .go file of the module and returns the literal formats
// given to models.Errorf, FieldError, Problem and WrapError (unqualified inside package models)
// or to a function that passes its own format parameter on to one of them (formatForwarders:
// the 429 of a rate limit), so that a message added anywhere is checked. A format that is not a
// string literal (a variable, a concatenation) cannot be read here and is skipped; so are
// internal errors (code models.EInternal), whose message is never shown.
func messageFormats(t *testing.T) []messageFormat {
	t.Helper()
	fset, files := parseModule(t)
	forwarders := map[string]int{}
	for _, f := range files {
		formatForwarders(f, forwarders)
	}
	var out []messageFormat
	for _, f := range files {
		out = append(out, fileFormats(fset, f, forwarders)...)
	}
	if len(out) < 300 {
		t.Fatalf("found only %d message formats; is the walk broken?", len(out))
	}
	return out
}

// parseModule parses every non-test .go file of the module.
func parseModule(t *testing.T) (*token.FileSet, []*ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	var files []*ast.File
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != ".." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err == nil {
			files = append(files, f)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return fset, files
}

// modelsImport is the name package models is imported as in f; "" when f does not import it.
func modelsImport(f *ast.File) string {
	for _, im := range f.Imports {
		if im.Path.Value == `"phananh/models"` {
			if im.Name != nil {
				return im.Name.Name
			}
			return "models"
		}
	}
	return ""
}

// formatForwarders adds to forwarders the functions of f that hand one of their parameters as the
// format of an error constructor of package models, with the position of that parameter.
func formatForwarders(f *ast.File, forwarders map[string]int) {
	pkg, inModels := modelsImport(f), f.Name.Name == "models"
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		params := map[string]int{}
		for _, field := range fn.Type.Params.List {
			for _, name := range field.Names {
				params[name.Name] = len(params)
			}
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if i, ok := constructorFormat(call, pkg, inModels); ok && len(call.Args) > i {
				if id, ok := call.Args[i].(*ast.Ident); ok {
					if p, ok := params[id.Name]; ok {
						forwarders[fn.Name.Name] = p
					}
				}
			}
			return true
		})
	}
}

// constructorFormat is the position of the format among the arguments of call when it calls an
// error constructor of package models (pkg is the name models is imported as; inModels for the
// package itself).
func constructorFormat(call *ast.CallExpr, pkg string, inModels bool) (int, bool) {
	name := ""
	switch fn := call.Fun.(type) {
	case *ast.SelectorExpr:
		if id, ok := fn.X.(*ast.Ident); ok && pkg != "" && id.Name == pkg {
			name = fn.Sel.Name
		}
	case *ast.Ident:
		if inModels {
			name = fn.Name
		}
	}
	i, ok := map[string]int{"Errorf": 1, "FieldError": 2, "Problem": 3, "WrapError": 2}[name]
	return i, ok
}

// fileFormats are the literal message formats of the error constructors and their forwarders
// called in f, but those of internal errors.
func fileFormats(fset *token.FileSet, f *ast.File, forwarders map[string]int) []messageFormat {
	pkg, inModels := modelsImport(f), f.Name.Name == "models"
	var out []messageFormat
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		i, ok := constructorFormat(call, pkg, inModels)
		if !ok {
			i, ok = forwarders[nameOf(call.Fun)]
		}
		if !ok || len(call.Args) <= i || nameOf(call.Args[0]) == "EInternal" {
			return true
		}
		if lit, ok := call.Args[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
			format, _ := strconv.Unquote(lit.Value)
			out = append(out, messageFormat{format, fset.Position(lit.Pos()).String()})
		}
		return true
	})
	return out
}

// nameOf is the name an expression ends with: the function or method of a call's Fun, the
// constant of a code argument.
func nameOf(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.SelectorExpr:
		return e.Sel.Name
	case *ast.Ident:
		return e.Name
	}
	return ""
}

// printfVerb matches a verb of a format, with its flags, width and precision.
var printfVerb = regexp.MustCompile(`%[-+# 0]*(\*|[0-9]+)?(\.(\*|[0-9]+)?)?[a-zA-Z%]`)

// TestVietnameseCoversEveryFormat checks that every message format of the app has a Vietnamese
// translation with the same verbs in the same order, so that its arguments fill it.
func TestVietnameseCoversEveryFormat(t *testing.T) {
	t.Parallel()
	for _, m := range messageFormats(t) {
		vi, ok := viFormat(m.format)
		switch {
		case !ok:
			t.Errorf("%s: no Vietnamese for %q", m.pos, m.format)
		case vi == m.format:
			t.Errorf("%s: the Vietnamese of %q is the English", m.pos, m.format)
		case !slices.Equal(printfVerb.FindAllString(vi, -1), printfVerb.FindAllString(m.format, -1)):
			t.Errorf("%s: %q has the verbs %q, its Vietnamese %q has %q", m.pos, m.format,
				printfVerb.FindAllString(m.format, -1), vi, printfVerb.FindAllString(vi, -1))
		}
	}
}

// TestErrorAnswerLanguage renders app errors as the API answers them: fully in Vietnamese by
// default, the headline before the English only for a message without a translation, nothing
// of an internal error's message, and the app's English with ?lang=en or Accept-Language: en.
func TestErrorAnswerLanguage(t *testing.T) {
	t.Parallel()
	s := &Server{log: slog.New(slog.DiscardHandler)}
	stale := models.Errorf(models.EConflict, "the ticket changed meanwhile: it is at version %d, not %d; reload it", 4, 3)
	category := models.FieldError(models.EUnprocessable, "category", "unknown category %q; see GET /v1/categories", "den")
	required := models.Problem("description", models.ProblemRequired, "", "description is required")
	for _, tt := range []struct {
		name     string
		err      error
		lang     string // ?lang=, or "accept-en" for the header
		want     string
		wantList []fieldErrorBody
	}{
		{"translated", stale, "", "Phản ánh đã thay đổi trong lúc bạn xem: phiên bản hiện tại là 4, không phải 3; vui lòng tải lại", nil},
		{"english", stale, "en", "the ticket changed meanwhile: it is at version 4, not 3; reload it", nil},
		{"english by header", stale, "accept-en", "the ticket changed meanwhile: it is at version 4, not 3; reload it", nil},
		{"wrapped", models.WrapError(models.ENotFound, errors.New("no rows"), "%s not found", "routing rule"), "", "Không tìm thấy routing rule", nil},
		{"no translation", models.Errorf(models.EConflict, "a message the catalog lacks (%d)", 7), "", "Dữ liệu đã thay đổi hoặc đã tồn tại: a message the catalog lacks (7)", nil},
		{"internal", models.WrapError(models.EInternal, errors.New("disk full"), "%s not found", "ticket"), "", "Lỗi hệ thống", nil},
		{"internal english", models.WrapError(models.EInternal, errors.New("disk full"), "%s not found", "ticket"), "en", "internal error", nil},
		{"field", category, "", `Không có lĩnh vực "den"; xem GET /v1/categories`,
			[]fieldErrorBody{{"category", models.ProblemInvalid, `Không có lĩnh vực "den"; xem GET /v1/categories`}}},
		{"fields", models.Errors{required, category}, "", "Thiếu trường bắt buộc (description)",
			[]fieldErrorBody{{"description", models.ProblemRequired, "Thiếu trường bắt buộc (description)"},
				{"category", models.ProblemInvalid, `Không có lĩnh vực "den"; xem GET /v1/categories`}}},
		{"fields english", models.Errors{required, category}, "en", "Required field missing (description)",
			[]fieldErrorBody{{"description", models.ProblemRequired, "Required field missing (description)"},
				{"category", models.ProblemInvalid, `unknown category "den"; see GET /v1/categories`}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := renderError(t, s, tt.err, tt.lang)
			if got.Message != tt.want {
				t.Errorf("message %q, want %q", got.Message, tt.want)
			}
			if diff := cmp.Diff(tt.wantList, got.Errors); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

// renderError answers a request with err through the server's error handler and reads the
// error body back.
func renderError(t *testing.T, s *Server, err error, lang string) errorDetail {
	t.Helper()
	app := fiber.New(fiber.Config{ErrorHandler: s.handleError, DisableStartupMessage: true})
	app.Get("/", func(*fiber.Ctx) error { return err })
	target := "/"
	if lang != "" && lang != "accept-en" {
		target += "?lang=" + lang
	}
	req := httptest.NewRequest(fiber.MethodGet, target, nil)
	if lang == "accept-en" {
		req.Header.Set(fiber.HeaderAcceptLanguage, "en-US,en;q=0.9")
	}
	resp, err := app.Test(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body errorBody
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Error
}
