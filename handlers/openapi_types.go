package handlers

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"unicode"

	"github.com/invopop/jsonschema"

	"phananh/models"
)

// The document's schemas are reflected from the Go types the handlers encode and decode, so a
// field added to an answer is documented by being added, and a client generated from the
// document reads exactly what the server writes (the black-box tests check every exchange
// against it). A place in the document that holds the schema of a Go type says so with
// answerSchema or requestSchema; reflectSchemas then turns the marks into references to
// components reflected by github.com/invopop/jsonschema, which writes JSON Schema 2020-12, the
// dialect of OpenAPI 3.1.
//
// Struct tags carry what reflection cannot know: `jsonschema:"format=date-time"` for times
// kept as strings, `jsonschema_description:"…"` for the meaning of a field, `jsonschema:"example=…"`,
// bounds (minimum, maxLength, maxItems). The named string types of models get their enum from
// the model's list of values (mappedSchema).
const (
	answerTypeKey  = "x-go-answer"
	requestTypeKey = "x-go-request"
)

// answerSchema marks the schema of an answer of v's type: a field is required unless it is
// omitted when empty (omitempty), because encoding/json always writes the others.
func answerSchema(v any) map[string]any { return map[string]any{answerTypeKey: reflect.TypeOf(v)} }

// requestSchema marks the schema of a request body of v's type: a field is required only when
// tagged `jsonschema:"required"`, since decoding leaves a missing field empty and the app
// decides what must be given.
func requestSchema(v any) map[string]any { return map[string]any{requestTypeKey: reflect.TypeOf(v)} }

// reflectSchemas replaces every mark in doc with a reference to the component reflected from
// its type and adds the components. Two types of one name, or one type reflected differently
// as a request and as an answer, are an error: the names are the generated clients' type names.
func reflectSchemas(doc map[string]any) error {
	components := doc["components"].(map[string]any)["schemas"].(map[string]any)
	owners := map[string]string{} // component name → the Go type and use that made it
	var err error
	types := map[string]reflect.Type{} // component name → the one Go type it may describe
	// Only structs become components; the reflector inlines every other type, but looks its
	// name up among the components first, so a named string such as models.Action gets a name
	// no component has (with the Go name, it would resolve to the struct Action).
	unique := func(namer func(reflect.Type) string) func(reflect.Type) string {
		return func(t reflect.Type) string {
			if t.Kind() != reflect.Struct {
				if t.Name() == "" {
					return ""
				}
				return "go:" + t.String()
			}
			name := namer(t)
			if prev, ok := types[name]; ok && prev != t && name != "" && err == nil {
				err = fmt.Errorf("OpenAPI schema %s: both %s and %s are named so", name, prev, t)
			}
			types[name] = t
			return name
		}
	}
	reflectors := map[string]*jsonschema.Reflector{
		answerTypeKey:  {Anonymous: true, Mapper: mappedSchema, Namer: unique(answerSchemaName)},
		requestTypeKey: {Anonymous: true, Mapper: mappedSchema, Namer: unique(requestSchemaName), RequiredFromJSONSchemaTags: true},
	}
	walkMarks(doc["paths"], func(mark map[string]any) { // the marks are in the operations only
		for key, r := range reflectors {
			t, ok := mark[key].(reflect.Type)
			if !ok {
				continue
			}
			delete(mark, key)
			mark["$ref"] = "#/components/schemas/" + r.Namer(t)
			if e := addComponents(components, owners, r, t, key); e != nil && err == nil {
				err = e
			}
		}
	})
	return err
}

// walkMarks calls f on every map of the document that carries a type mark.
func walkMarks(v any, f func(map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		if _, ok := v[answerTypeKey]; ok {
			f(v)
			return
		}
		if _, ok := v[requestTypeKey]; ok {
			f(v)
			return
		}
		for _, child := range v {
			walkMarks(child, f)
		}
	case []any:
		for _, child := range v {
			walkMarks(child, f)
		}
	}
}

// addComponents reflects t and adds its definition and those of the types it holds.
func addComponents(components map[string]any, owners map[string]string, r *jsonschema.Reflector, t reflect.Type, use string) error {
	raw, err := json.Marshal(r.ReflectFromType(t).Definitions)
	if err != nil {
		return fmt.Errorf("reflect %s: %w", t, err)
	}
	raw = []byte(strings.ReplaceAll(string(raw), `"#/$defs/`, `"#/components/schemas/`))
	var defs map[string]any
	if err := json.Unmarshal(raw, &defs); err != nil {
		return fmt.Errorf("reflect %s: %w", t, err)
	}
	for name, def := range defs {
		owner := t.String() + " (" + use + ")"
		if prev, ok := components[name]; ok && !reflect.DeepEqual(prev, def) {
			return fmt.Errorf("OpenAPI schema %s: %s and %s reflect differently", name, owners[name], owner)
		}
		components[name], owners[name] = def, owner
	}
	return nil
}

// answerSchemaName is the component name of an answer's Go type, which generated clients use
// as the type's name: the type's name capitalized, without the handlers' Body/Response/Answer
// endings (ticketBody → Ticket).
func answerSchemaName(t reflect.Type) string {
	name := t.Name()
	for _, suffix := range []string{"Body", "Response", "Answer"} {
		if trimmed, ok := strings.CutSuffix(name, suffix); ok && trimmed != "" {
			name = trimmed
			break
		}
	}
	return capitalized(name)
}

// requestSchemaName is the component name of a request body's Go type: its name capitalized
// (deviceRequest → DeviceRequest, beside the answer's Device), a model's with Input (SLAInput:
// what a request must give differs from what an answer always holds), or the name clients
// already know.
func requestSchemaName(t reflect.Type) string {
	if t.PkgPath() == reflect.TypeFor[models.Ticket]().PkgPath() {
		return capitalized(t.Name()) + "Input"
	}
	switch name := t.Name(); name {
	case "createTicketRequest":
		return "NewTicket"
	case "actionRequest":
		return "Action"
	case "onBehalfRequest":
		return "OnBehalfTicket"
	case "onBehalfBody":
		return "OnBehalf"
	case "locationBody":
		return "LocationInput"
	default:
		return capitalized(name)
	}
}

// capitalized is a Go type's name as a schema name: upper case first, a generic instance's
// type arguments dropped. Unnamed types have none (the reflector inlines them).
func capitalized(name string) string {
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i]
	}
	if name == "" {
		return ""
	}
	r := []rune(name)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// mappedSchema gives the named string types of models their values, so clients get enums, and
// says float64 is a double.
func mappedSchema(t reflect.Type) *jsonschema.Schema {
	var values []string
	switch t {
	case reflect.TypeFor[float64](): // clients keep coordinates in doubles, not in float32
		return &jsonschema.Schema{Type: "number", Format: "double"}
	case reflect.TypeFor[models.State]():
		values = stringsOf(models.States)
	case reflect.TypeFor[models.Role]():
		values = append(stringsOf(models.Roles), string(models.RoleSystem)) // system: the workers' steps
	case reflect.TypeFor[models.Channel]():
		values = stringsOf(models.Channels)
	case reflect.TypeFor[models.Outcome]():
		values = append(stringsOf(models.Outcomes), string(models.OutcomeNoResponse))
	case reflect.TypeFor[models.Visibility]():
		values = []string{string(models.Public), string(models.Internal)}
	case reflect.TypeFor[models.Group]():
		values = stringsOf([]models.Group{models.GroupANTT, models.GroupASXH, models.GroupDoThi, models.GroupMoiTruong,
			models.GroupGiaoThong, models.GroupKhac})
	case reflect.TypeFor[models.SLAUnit]():
		values = []string{string(models.WorkingHours), string(models.WorkingDays), string(models.ClockHours)}
	case reflect.TypeFor[models.ConsentPurpose]():
		values = stringsOf(models.ConsentPurposes)
	case reflect.TypeFor[models.APIKeyScope]():
		values = stringsOf(models.APIKeyScopes)
	default:
		return nil
	}
	return &jsonschema.Schema{Type: "string", Enum: enumOf(values)}
}

// enumOf is values as a schema's enum.
func enumOf[T ~string](values []T) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// stringsOf is values as strings.
func stringsOf[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}
