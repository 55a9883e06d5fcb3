package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"reflect"
	"strings"

	"github.com/gofiber/fiber/v2"

	"phananh/models"
)

// decodeJSON reads exactly one JSON object into dst, refusing unknown fields so a client cannot
// set what it does not own (state, unit, deadlines …) and typos do not pass silently.
func decodeJSON(c *fiber.Ctx, dst any) error {
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != fiber.MIMEApplicationJSON {
		return models.Errorf(models.EUnsupportedMedia, "Content-Type must be application/json")
	}
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		err = jsonError(err)
		if models.ErrorField(err) != "" && strings.HasPrefix(models.ErrorMessage(err), "unknown field") {
			// encoding/json names only the key; give clients the full path (location.alt).
			var raw any
			if json.Unmarshal(c.Body(), &raw) == nil {
				if path := unknownFieldPath(raw, reflect.TypeOf(dst), ""); path != "" {
					return models.FieldError(models.EInvalid, path, "unknown field %q", path)
				}
			}
		}
		return err
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
		return models.FieldError(models.EInvalid, typ.Field, "%s must be %s", typ.Field, jsonTypeName(typ.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return models.FieldError(models.EInvalid, field, "unknown field %q", field)
	}
	return models.WrapError(models.EInvalid, err, "malformed JSON")
}

// unknownFieldPath finds the dotted path of the first key in v that typ does not declare.
func unknownFieldPath(v any, typ reflect.Type, prefix string) string {
	for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
		typ = typ.Elem()
	}
	obj, ok := v.(map[string]any)
	if !ok || typ.Kind() != reflect.Struct {
		return ""
	}
	for key, val := range obj {
		f, ok := fieldByJSONName(typ, key)
		if !ok {
			return prefix + key
		}
		if p := unknownFieldPath(val, f.Type, prefix+key+"."); p != "" {
			return p
		}
	}
	return ""
}

// fieldByJSONName matches a key as encoding/json does (tag name, case-insensitively).
func fieldByJSONName(typ reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		if strings.EqualFold(name, key) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "float64", "float32", "int", "int64":
		return "a number"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	}
	return fmt.Sprintf("of type %s", kind)
}
