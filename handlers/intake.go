package handlers

import (
	"github.com/gofiber/fiber/v2"
	"github.com/invopop/jsonschema"

	"phananh/models"
)

// onBehalfRequest is a report an official took down for a resident (a hotline call, a walk-in):
// the report's own fields, the channel it came through (required) and, optionally, the
// resident's phone and name.
type onBehalfRequest struct {
	createTicketRequest
	OnBehalf *onBehalfBody `json:"on_behalf"`
}

// onBehalfBody is who the report was filed for, as the resident gave it.
type onBehalfBody struct {
	Phone string `json:"phone" jsonschema:"example=0912345678" jsonschema_description:"the resident's Vietnamese mobile number: the report becomes that account's (created if new), a text message gives them its code, and signing in with the phone shows it; absent: an anonymous report"`
	Name  string `json:"name" jsonschema:"maxLength=100" jsonschema_description:"the resident's name, kept as the display name of an account without one (needs phone)"`
}

// createOnBehalf files a report on a resident's behalf (app.Tickets.FileOnBehalf). Like
// createTicket, it answers every problem of the body at once, and nothing is created when
// there is one.
func (s *jsonAPI) createOnBehalf(c *fiber.Ctx) error {
	var req onBehalfRequest
	decodeErr := decodeJSON(c, &req)
	if decodeErr != nil && models.FieldProblems(decodeErr) == nil {
		return decodeErr
	}
	in, err := req.input(c.Get("Idempotency-Key"))
	var who models.OnBehalf
	if req.OnBehalf != nil {
		who = models.OnBehalf{Phone: req.OnBehalf.Phone, Name: req.OnBehalf.Name}
	}
	_, _, whoErr := who.Check(in.Channel) // the app checks it again; here, with the report's problems
	if err = models.JoinProblems(decodeErr, err, whoErr); err != nil {
		return err
	}
	p := principal(c)
	t, created, err := s.svc.Tickets.FileOnBehalf(c.UserContext(), p, in, who, s.clientIP(c))
	if err != nil {
		return err
	}
	return s.sendFiled(c, p, t, created)
}

// JSONSchemaExtend documents what differs from a resident's report: the channel is required
// and names how the official took the report down, and contact needs the resident's phone.
func (onBehalfRequest) JSONSchemaExtend(s *jsonschema.Schema) {
	s.Properties.Set("channel", &jsonschema.Schema{Type: "string", Enum: enumOf(models.OnBehalfChannels),
		Description: "how the report came: a hotline call, a walk-in at a ward office, a Zalo message, an e-mail, another way"})
	s.Properties.Set("allow_contact", &jsonschema.Schema{Type: "boolean",
		Description: "the resident agrees to be called back by the unit (needs on_behalf.phone)"})
	s.Required = append(s.Required, "channel")
}

// addOnBehalfPaths documents filing on a resident's behalf.
func addOnBehalfPaths(doc map[string]any, op func(string, []string, bool, map[string]any, []any, map[string]any, ...string) map[string]any,
	param func(string, string, bool, string, string) map[string]any, resp func(string, map[string]any) map[string]any) {
	doc["paths"].(map[string]any)["/v1/tickets/on-behalf"] = map[string]any{"post": op(
		"File a report on a resident's behalf (IOC operators, officers, leaders): a hotline call, a walk-in; the resident's consent to the privacy notice is not asked (README)",
		[]string{"tickets"}, true, requestSchema(onBehalfRequest{}),
		[]any{param("Idempotency-Key", "header", false, "string", "a retry with the same key returns the original ticket")},
		map[string]any{"201": resp("created, in the caller's view", answerSchema(ticketBody{})), "200": resp("the original ticket of this idempotency key", answerSchema(ticketBody{}))},
		"400", "401", "403", "415", "422", "429")}
}
