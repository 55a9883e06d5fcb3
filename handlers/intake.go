package handlers

import (
	"github.com/gofiber/fiber/v2"

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
	Phone string `json:"phone"`
	Name  string `json:"name"`
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

// channelNames lists channels as the strings of an OpenAPI enum.
func channelNames(cs []models.Channel) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}

// addOnBehalfPaths documents filing on a resident's behalf: its request schema (OnBehalfTicket,
// NewTicket's fields with a required channel and the resident) and its path.
func addOnBehalfPaths(doc map[string]any, op func(string, []string, bool, map[string]any, []any, map[string]any, ...string) map[string]any,
	param func(string, string, bool, string, string) map[string]any, resp func(string, map[string]any) map[string]any) {
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	newTicket := schemas["NewTicket"].(map[string]any)
	props := map[string]any{}
	for k, v := range newTicket["properties"].(map[string]any) {
		props[k] = v
	}
	props["channel"] = map[string]any{"type": "string", "enum": channelNames(models.OnBehalfChannels),
		"description": "how the report came: a hotline call, a walk-in at a ward office, a Zalo message, an e-mail, another way"}
	props["allow_contact"] = map[string]any{"type": "boolean", "description": "the resident agrees to be called back by the unit (needs on_behalf.phone)"}
	props["on_behalf"] = map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{
		"phone": map[string]any{"type": "string", "description": "the resident's Vietnamese mobile number: the report becomes that account's (created if new), a text message gives them its code, and signing in with the phone shows it; absent: an anonymous report"},
		"name":  map[string]any{"type": "string", "maxLength": models.MaxDisplayNameRunes, "description": "the resident's name, kept as the display name of an account without one (needs phone)"}}}
	schemas["OnBehalfTicket"] = map[string]any{"type": "object", "additionalProperties": false,
		"required": []string{"category", "description", "location", "channel"}, "properties": props}
	ref := func(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }
	doc["paths"].(map[string]any)["/v1/tickets/on-behalf"] = map[string]any{"post": op(
		"File a report on a resident's behalf (IOC operators, officers, leaders): a hotline call, a walk-in; the resident's consent to the privacy notice is not asked (README)",
		[]string{"tickets"}, true, ref("OnBehalfTicket"),
		[]any{param("Idempotency-Key", "header", false, "string", "a retry with the same key returns the original ticket")},
		map[string]any{"201": resp("created, in the caller's view", ref("Ticket")), "200": resp("the original ticket of this idempotency key", ref("Ticket"))},
		"400", "401", "403", "415", "422", "429")}
}
