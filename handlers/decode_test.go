package handlers

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"phananh/models"
)

// decodeEmbedded is embedded in decodeTarget: its fields are decodeTarget's in JSON.
type decodeEmbedded struct {
	Note string `json:"note"`
}

// decodeTarget has every shape decodeBody meets in requests: text, numbers, booleans, lists,
// a nested object behind a pointer, a list of objects, a type that decodes itself and an
// embedded struct.
type decodeTarget struct {
	decodeEmbedded
	Name  string    `json:"name"`
	Count int       `json:"count"`
	Ratio *float64  `json:"ratio"`
	On    bool      `json:"on"`
	Tags  []string  `json:"tags"`
	At    time.Time `json:"at"`
	Inner *struct {
		Lat float64 `json:"lat"`
	} `json:"inner"`
	Items []struct {
		ID string `json:"id"`
	} `json:"items"`
}

// problem is the comparable part of a field problem.
type problem struct{ Field, Problem, Arg string }

// TestDecodeBodyListsEveryProblem checks that every unknown field and every value of the wrong
// type is named, with dotted paths, in a stable order; that a body which cannot be read at all
// is one error about no field; and that good bodies pass.
func TestDecodeBodyListsEveryProblem(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		body       string
		want       []problem
		unreadable bool // the body could not be read at all: one error, about no field
	}{
		{"good", `{"name":"a","count":2,"ratio":0.5,"on":true,"tags":["x"],"at":"2026-12-01T10:00:00+07:00","inner":{"lat":1},"items":[{"id":"i"}]}`, nil, false},
		{"nulls are absent values", `{"name":null,"inner":null,"tags":null}`, nil, false},
		{"one unknown field", `{"name":"a","role":"admin"}`,
			[]problem{{"role", models.ProblemUnknownField, ""}}, false},
		{"unknown fields at every depth", `{"zeta":1,"inner":{"lat":1,"alt":2},"items":[{"id":"a"},{"id":"b","x":1}],"alpha":true}`,
			[]problem{{"alpha", models.ProblemUnknownField, ""}, {"inner.alt", models.ProblemUnknownField, ""},
				{"items[1].x", models.ProblemUnknownField, ""}, {"zeta", models.ProblemUnknownField, ""}}, false},
		{"wrong types", `{"name":5,"count":"2","ratio":"0.5","on":"yes","tags":"x","inner":{"lat":"1"}}`,
			[]problem{{"count", models.ProblemWrongType, "integer"}, {"inner.lat", models.ProblemWrongType, "number"},
				{"name", models.ProblemWrongType, "string"}, {"on", models.ProblemWrongType, "boolean"},
				{"ratio", models.ProblemWrongType, "number"}, {"tags", models.ProblemWrongType, "array"}}, false},
		{"a fraction for an integer", `{"count":1.5}`, []problem{{"count", models.ProblemWrongType, "integer"}}, false},
		{"wrong list elements", `{"tags":["a",2,true]}`,
			[]problem{{"tags[1]", models.ProblemWrongType, "string"}, {"tags[2]", models.ProblemWrongType, "string"}}, false},
		{"an object that is not one", `{"inner":[1],"items":{"id":"a"}}`,
			[]problem{{"inner", models.ProblemWrongType, "object"}, {"items", models.ProblemWrongType, "array"}}, false},
		{"wrong types and unknown fields together", `{"name":1,"nope":2}`,
			[]problem{{"name", models.ProblemWrongType, "string"}, {"nope", models.ProblemUnknownField, ""}}, false},
		{"keys match as encoding/json does", `{"NAME":"a","Count":1,"note":"n"}`, nil, false},
		{"embedded fields are checked", `{"note":1,"x":2}`,
			[]problem{{"note", models.ProblemWrongType, "string"}, {"x", models.ProblemUnknownField, ""}}, false},
		{"malformed JSON", `{"name":`, nil, true},
		{"empty body", ``, nil, true},
		{"not an object", `[]`, nil, true},
		{"two objects", `{} {}`, nil, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var dst decodeTarget
			err := decodeBody([]byte(tt.body), &dst)
			var got []problem
			for _, p := range models.FieldProblems(err) {
				got = append(got, problem{p.Field, p.Problem, p.Arg})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if wantErr := tt.want != nil || tt.unreadable; (err != nil) != wantErr {
				t.Errorf("error %v, want one: %v", err, wantErr)
			}
			if err != nil && models.ErrorCode(err) != models.EInvalid {
				t.Errorf("code %q, want invalid", models.ErrorCode(err))
			}
			if tt.unreadable && models.ErrorField(err) != "" {
				t.Errorf("unreadable body names field %q", models.ErrorField(err))
			}
		})
	}
}

// TestFieldErrorsWording checks that the catalog words every problem in both languages, names
// the field, and that a field error with no problem code keeps the app's own text, translated
// into Vietnamese.
func TestFieldErrorsWording(t *testing.T) {
	t.Parallel()
	problems := []*models.Error{
		models.Problem("location.lat", models.ProblemWrongType, "number", "location.lat must be a number"),
		models.Problem("category", models.ProblemRequired, "", "category is required"),
		models.FieldError(models.EUnprocessable, "category", "unknown category %q", "X"),
	}
	for _, tt := range []struct {
		en   bool
		want []fieldErrorBody
	}{
		{false, []fieldErrorBody{{"location.lat", "wrong_type", "Sai kiểu dữ liệu: cần số (location.lat)"},
			{"category", "required", "Thiếu trường bắt buộc (category)"},
			{"category", "invalid", `Không có lĩnh vực "X"`}}},
		{true, []fieldErrorBody{{"location.lat", "wrong_type", "Wrong type: must be a number (location.lat)"},
			{"category", "required", "Required field missing (category)"},
			{"category", "invalid", `unknown category "X"`}}},
	} {
		if diff := cmp.Diff(tt.want, fieldErrors(problems, tt.en)); diff != "" {
			t.Errorf("en=%v (-want +got):\n%s", tt.en, diff)
		}
	}
}
