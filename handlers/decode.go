package handlers

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"mime"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"phananh/models"
)

// decodeJSON reads exactly one JSON object into dst, refusing unknown fields so a client cannot
// set what it does not own (state, unit, deadlines …) and typos do not pass silently. When
// fields are unknown or of the wrong type it reports all of them (models.Errors, with dotted
// paths such as location.alt), not only the first that encoding/json stops at; dst is then
// filled as far as it could be, so that the caller may add its own checks (models.JoinProblems).
func decodeJSON(c *fiber.Ctx, dst any) error {
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != fiber.MIMEApplicationJSON {
		return models.Errorf(models.EUnsupportedMedia, "Content-Type must be application/json")
	}
	return decodeBody(c.Body(), dst)
}

// decodeBody is decodeJSON without the transport: the rules of a JSON request body.
func decodeBody(body []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		first := jsonError(err)
		if models.FieldProblems(first) == nil {
			return first // not about a field: the body could not be read at all
		}
		var all models.Errors
		checkJSON(body, reflect.TypeOf(dst), "", &all)
		if len(all) == 0 {
			return first
		}
		return all.Err()
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return models.Errorf(models.EInvalid, "the body must be a single JSON object")
	}
	return nil
}

// jsonError explains a decoding failure in terms of the request, naming the field when known.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return models.Errorf(models.EInvalid, "the request body is empty")
	case errors.As(err, &syntax):
		return models.Errorf(models.EInvalid, "malformed JSON at byte %d", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return models.Errorf(models.EInvalid, "malformed JSON: unexpected end of body")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return models.Errorf(models.EInvalid, "the body must be a JSON object")
		}
		return wrongType(typ.Field, typ.Type)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return models.Problem(field, models.ProblemUnknownField, "", "unknown field %q", field)
	}
	return models.WrapError(models.EInvalid, err, "malformed JSON")
}

// wrongType is the problem of a field whose JSON value cannot become a typ.
func wrongType(field string, typ reflect.Type) *models.Error {
	kind := jsonKind(typ)
	_, en := typeNames(kind)
	return models.Problem(field, models.ProblemWrongType, kind, "%s must be %s", field, en)
}

// checkJSON adds to out every field of the JSON value raw that typ does not declare, or whose
// value is of another type than the field's, named by its dotted path under prefix. Keys are
// visited in sorted order, so the answer is the same for the same body.
func checkJSON(raw json.RawMessage, typ reflect.Type, prefix string, out *models.Errors) {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return // encoding/json leaves the field as it is
	}
	switch {
	case customJSON(typ):
	case typ.Kind() == reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			*out = append(*out, wrongType(strings.TrimSuffix(prefix, "."), typ))
			return
		}
		for _, key := range slices.Sorted(maps.Keys(obj)) {
			f, ok := fieldByJSONName(typ, key)
			if !ok {
				*out = append(*out, models.Problem(prefix+key, models.ProblemUnknownField, "", "unknown field %q", prefix+key))
				continue
			}
			checkJSON(obj[key], f.Type, prefix+key+".", out)
		}
		return
	case typ.Kind() == reflect.Slice && typ.Elem().Kind() != reflect.Uint8: // []byte is base64 text
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) == nil {
			for i, item := range items {
				checkJSON(item, typ.Elem(), strings.TrimSuffix(prefix, ".")+"["+strconv.Itoa(i)+"].", out)
			}
			return
		}
	}
	var typeErr *json.UnmarshalTypeError
	if err := json.Unmarshal(raw, reflect.New(typ).Interface()); errors.As(err, &typeErr) {
		*out = append(*out, wrongType(strings.TrimSuffix(prefix, "."), typ))
	}
}

// customJSON reports whether typ decodes itself (time.Time …): checkJSON does not look inside.
func customJSON(typ reflect.Type) bool {
	p := reflect.PointerTo(typ)
	return p.Implements(reflect.TypeFor[json.Unmarshaler]()) || p.Implements(reflect.TypeFor[encoding.TextUnmarshaler]())
}

// fieldByJSONName matches a key as encoding/json does (tag name, case-insensitively, and the
// fields of an untagged embedded struct as if they were the outer one's).
func fieldByJSONName(typ reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if f.Anonymous && f.Tag.Get("json") == "" && f.Type.Kind() == reflect.Struct {
			if inner, ok := fieldByJSONName(f.Type, key); ok {
				return inner, true
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		if f.IsExported() && name != "-" && strings.EqualFold(name, key) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// jsonKind is the JSON type a Go type is decoded from (models.ProblemWrongType's Arg).
func jsonKind(typ reflect.Type) string {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	switch typ.Kind() {
	case reflect.String:
		return "string"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return "object"
}
