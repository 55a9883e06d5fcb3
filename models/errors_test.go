package models

import (
	"errors"
	"fmt"
	"testing"
)

// TestJoinProblems: field problems of several checks merge, the first of each field only, in
// order; an error about no field wins alone; single problems stay a plain *Error.
func TestJoinProblems(t *testing.T) {
	required := func(f string) *Error { return Problem(f, ProblemRequired, "", "%s is required", f) }
	wrongType := Problem("b", ProblemWrongType, "string", "b must be a string")
	unreadable := Errorf(EInvalid, "malformed JSON")
	for _, tt := range []struct {
		name   string
		errs   []error
		fields string // the fields of FieldProblems, in order
		single bool   // the result is one *Error, not Errors
	}{
		{"nothing", []error{nil, Errors(nil).Err()}, "[]", false},
		{"one problem", []error{nil, required("a")}, "[a]", true},
		{"merged in order", []error{Errors{required("a"), wrongType}.Err(), required("c")}, "[a b c]", false},
		{"first of a field wins", []error{wrongType, Errors{required("a"), required("b")}}, "[b a]", false},
		{"not about a field", []error{required("a"), unreadable}, "[]", true},
		{"wrapped", []error{fmt.Errorf("filing: %w", Errors{required("a"), required("b")})}, "[a b]", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := JoinProblems(tt.errs...)
			var fields []string
			for _, p := range FieldProblems(err) {
				fields = append(fields, p.Field)
			}
			if got := fmt.Sprint(fields); got != tt.fields {
				t.Errorf("fields %s, want %s", got, tt.fields)
			}
			var es Errors
			if isErrors := errors.As(err, &es); err != nil && isErrors == tt.single {
				t.Errorf("%#v: Errors %v, want a single error %v", err, isErrors, tt.single)
			}
		})
	}
}

// TestErrorsReadAsTheirFirst: code that reads one error sees the first problem of an Errors.
func TestErrorsReadAsTheirFirst(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", Errors{
		Problem("location.lat", ProblemOutOfRange, "-90..90", "lat must be between -90 and 90"),
		FieldError(EUnprocessable, "category", "unknown category"),
	})
	if ErrorCode(err) != EInvalid || ErrorField(err) != "location.lat" || ErrorMessage(err) != "lat must be between -90 and 90" {
		t.Errorf("read as %s %s %q", ErrorCode(err), ErrorField(err), ErrorMessage(err))
	}
	if !IsCode(err, EInvalid) || len(FieldProblems(err)) != 2 {
		t.Errorf("problems of %v: %d", err, len(FieldProblems(err)))
	}
}
