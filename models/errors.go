// Package models holds the domain of phananh: tickets with their history and version, users,
// roles and principals, units, categories with their deadlines, the workflow's state table
// (Transitions) and the per-ticket access policy (Principal.TicketAccess), the working calendar
// deadlines are computed in, media, push, subscription and statistics records, input validation,
// and the one error vocabulary every layer speaks (Error and its codes, errors.go). It imports
// only the standard library, so every other package can depend on it without pulling in a
// transport or a database.
package models

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. Each maps to exactly one HTTP status in handlers; adapters translate their
// library's errors into these at their edge so the app never sees a driver error.
const (
	EInvalid             = "invalid"              // malformed or semantically wrong input (400)
	EUnprocessable       = "unprocessable"        // well-formed input the domain refuses (422)
	EOutsideJurisdiction = "outside_jurisdiction" // a point no area of the boundary set covers (422)
	EUnauthorized        = "unauthorized"         // no or bad credentials (401)
	EForbidden           = "forbidden"            // authenticated but not allowed (403)
	// EPasswordChangeRequired: the account must change its one-time password first (403).
	EPasswordChangeRequired = "password_change_required"
	// ESecondFactorRequired: the password was right, and the account also needs its second
	// factor (the "otp" of the sign-in) (401).
	ESecondFactorRequired = "second_factor_required"
	// ESecondFactorEnrolmentRequired: REQUIRE_2FA is on and the account has no second factor
	// yet; its tokens serve only the enrolment (403).
	ESecondFactorEnrolmentRequired = "second_factor_enrolment_required"
	ENotFound                      = "not_found"              // absent, or not visible to the caller (404)
	EConflict                      = "conflict"               // duplicate key or stale version (409)
	ETooLarge                      = "too_large"              // body over the limit (413)
	EUnsupportedMedia              = "unsupported_media_type" // a body that is not JSON where JSON is required (415)
	ERateLimited                   = "rate_limited"           // too many attempts (429)
	EUnavailable                   = "unavailable"            // a dependency is down (503)
	EInternal                      = "internal"               // a bug or an unexpected failure (500)
)

// Field problem codes: what is wrong with one input field. They are stable, so a client can
// branch on them and the transport can word them in the caller's language (its message
// catalog); Arg of the Error completes them where a sentence needs a value.
const (
	ProblemRequired     = "required"      // missing or empty
	ProblemWrongType    = "wrong_type"    // a JSON value of another type; Arg: string, number, boolean, array or object
	ProblemUnknownField = "unknown_field" // a field the request does not have
	ProblemBadEnum      = "bad_enum"      // not one of the allowed values; Arg: them, comma-separated
	ProblemOutOfRange   = "out_of_range"  // a number outside its bounds; Arg: the bounds, e.g. "-90..90"
	ProblemTooLong      = "too_long"      // a text over its length; Arg: the limit
	ProblemTooMany      = "too_many"      // a list over its size; Arg: the limit
	ProblemMalformed    = "malformed"     // a value of the wrong form (a time, UTF-8, a number)
	ProblemMismatch     = "mismatch"      // a value that disagrees with another one; Arg: the other
	ProblemInvalid      = "invalid"       // anything else: a field error built without a problem code
)

// Error is the one error type that crosses layers. Message is safe to show to the caller; Err
// keeps the underlying cause for logs and errors.Is/As without ever reaching the response.
// Problem and Arg say what is wrong with Field in stable terms, for clients and translations.
type Error struct {
	Code    string
	Message string
	Field   string
	Problem string
	Arg     string
	// Format and Args are what Message was formatted from, kept so that the transport can word
	// the message in the caller's language: its catalog holds a translation of each English
	// format with the same verbs, filled with the same Args. The domain stays free of any
	// language but English, and a message keeps one wording per language in one place. Format
	// is empty for an Error built without one of the constructors below; its Message is shown
	// as it is.
	Format string
	Args   []any
	Err    error
}

func (e *Error) Error() string {
	msg := e.Code + ": " + e.Message
	if e.Field != "" {
		msg += " (" + e.Field + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a formatted, caller-safe message, keeping format and args for
// its translation.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// FieldError builds an *Error about one input field, so clients can highlight it; format and
// args are kept for its translation.
func FieldError(code, field, format string, args ...any) *Error {
	e := Errorf(code, format, args...)
	e.Field = field
	return e
}

// Problem builds an EInvalid error about field with a stable problem code (ProblemRequired …)
// and its argument, so that the transport can word it in the caller's language; the formatted
// message is the English text, its format and args kept for its translation.
func Problem(field, problem, arg, format string, args ...any) *Error {
	e := FieldError(EInvalid, field, format, args...)
	e.Problem, e.Arg = problem, arg
	return e
}

// WrapError attaches a cause to a caller-safe error; format and args are kept for its
// translation.
func WrapError(code string, err error, format string, args ...any) *Error {
	e := Errorf(code, format, args...)
	e.Err = err
	return e
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal for any other error
// and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the caller-safe message of err; internal errors get a generic text so that
// driver messages and stack details never leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EInternal {
		return e.Message
	}
	return "internal error"
}

// ErrorField returns the input field err is about, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code string) bool { return ErrorCode(err) == code }

// Errors is every field problem found in one request, so that a client can mark all the wrong
// fields at once instead of learning them one round trip at a time. Its entries are *Error;
// errors.As finds the first one, so code that reads a single error (ErrorCode, ErrorField …)
// sees the first problem.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// Unwrap lets errors.Is and errors.As look into every entry.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Err is nil without problems, the one problem alone, or all of them.
func (es Errors) Err() error {
	switch len(es) {
	case 0:
		return nil
	case 1:
		return es[0]
	}
	return es
}

// FieldProblems lists the field problems of err: every entry of an Errors, or the one *Error
// that names a field; nil when err is not about fields (a malformed body, a missing record).
func FieldProblems(err error) []*Error {
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	var e *Error
	if errors.As(err, &e) && e.Field != "" {
		return []*Error{e}
	}
	return nil
}

// JoinProblems merges the field problems of errs, the first one of a field only (a field of the
// wrong type is not missing as well). An error that is not about fields wins: it is returned
// alone, as it says the request could not be read at all.
func JoinProblems(errs ...error) error {
	var out Errors
	seen := map[string]bool{}
	for _, err := range errs {
		if err == nil {
			continue
		}
		ps := FieldProblems(err)
		if ps == nil {
			return err
		}
		for _, p := range ps {
			if !seen[p.Field] {
				seen[p.Field] = true
				out = append(out, p)
			}
		}
	}
	return out.Err()
}
