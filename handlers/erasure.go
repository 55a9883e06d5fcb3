package handlers

import (
	"github.com/gofiber/fiber/v2"

	"phananh/models"
)

// eraseRequest is the body of DELETE /v1/me: a sign-in code requested for the account's phone
// just before (POST /v1/auth/otp), so a stolen session alone cannot erase an account.
type eraseRequest struct {
	Code string `json:"code" jsonschema:"required" jsonschema_description:"a sign-in code just requested for the account's phone (POST /v1/auth/otp)"`
}

// heldTicketBody names a ticket an erasure left under a legal hold.
type heldTicketBody struct {
	ID   string `json:"id"`
	Code string `json:"code"`
}

// erasureBody is the answer of DELETE /v1/me.
type erasureBody struct {
	Erased       []string         `json:"erased"`
	Deidentified []string         `json:"deidentified_tickets"`
	Unfollowed   int              `json:"unfollowed_tickets"`
	MediaDeleted int              `json:"media_deleted"`
	LegalHold    []heldTicketBody `json:"legal_hold"`
	Message      string           `json:"message"`
}

// legalHoldBody is a ticket's legal hold as officials see it: never the identity it keeps.
type legalHoldBody struct {
	Reason string `json:"reason"`
	By     string `json:"by"`
	At     string `json:"at" jsonschema:"format=date-time"`
}

// legalHoldRequest is the body of POST and DELETE /v1/tickets/{id}/legal-hold.
type legalHoldRequest struct {
	Reason string `json:"reason" jsonschema:"required,maxLength=500"`
}

// ticketHoldAnswer is the answer of the legal-hold routes.
type ticketHoldAnswer struct {
	TicketID     string         `json:"ticket_id"`
	Code         string         `json:"code"`
	Version      int            `json:"version"`
	LegalHold    *legalHoldBody `json:"legal_hold" jsonschema:"nullable" jsonschema_description:"the hold; null once released"`
	Deidentified bool           `json:"deidentified"`
}

// legalHoldView renders a hold for officials; nil stays nil.
func legalHoldView(h *models.LegalHold) *legalHoldBody {
	if h == nil {
		return nil
	}
	return &legalHoldBody{Reason: h.Reason, By: h.By, At: formatTime(h.At)}
}

func (s *jsonAPI) eraseMe(c *fiber.Ctx) error {
	var req eraseRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	rep, err := s.svc.Erasure.EraseAccount(c.UserContext(), principal(c), req.Code, s.clientIP(c))
	if err != nil {
		return err
	}
	b := erasureBody{Erased: rep.Erased, Deidentified: rep.Deidentified, Unfollowed: rep.Unfollowed, MediaDeleted: rep.MediaDeleted,
		LegalHold: []heldTicketBody{}, Message: "Your account and personal data were erased; your reports stay in the city's record without your identity."}
	if b.Deidentified == nil {
		b.Deidentified = []string{}
	}
	for _, h := range rep.Held {
		b.LegalHold = append(b.LegalHold, heldTicketBody{ID: h.ID, Code: h.Code})
	}
	if len(rep.Held) > 0 {
		b.Message += " Some reports are under a legal hold for an investigation: they keep your identity until the hold is released."
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(b)
}

func (s *jsonAPI) placeLegalHold(c *fiber.Ctx) error {
	var req legalHoldRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	t, err := s.svc.Erasure.PlaceHold(c.UserContext(), principal(c), c.Params("id"), req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(ticketHoldAnswer{TicketID: t.ID, Code: t.Code, Version: t.Version, LegalHold: legalHoldView(t.LegalHold)})
}

func (s *jsonAPI) releaseLegalHold(c *fiber.Ctx) error {
	var req legalHoldRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	t, err := s.svc.Erasure.ReleaseHold(c.UserContext(), principal(c), c.Params("id"), req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(ticketHoldAnswer{TicketID: t.ID, Code: t.Code, Version: t.Version, Deidentified: t.ReporterID == models.ErasedReporter})
}

// addErasurePaths documents account erasure and legal holds.
func addErasurePaths(paths map[string]any, op func(string, []string, bool, map[string]any, []any, map[string]any, ...string) map[string]any,
	param func(string, string, bool, string, string) map[string]any, resp func(string, map[string]any) map[string]any) {
	me, _ := paths["/v1/me"].(map[string]any)
	if me == nil {
		me = map[string]any{}
		paths["/v1/me"] = me
	}
	me["delete"] = op("Erase the caller's resident account with a fresh sign-in code: phone, name, devices, subscriptions, pending pushes, follows, sign-in codes, refresh tokens; "+
		"the reports filed stay in the city's record de-identified (reporter erased, phone numbers removed, photos of closed reports deleted), except those under a legal hold, which the answer lists (audited as account_erase)",
		[]string{"auth"}, true, requestSchema(eraseRequest{}), nil, map[string]any{"200": resp("what was erased", answerSchema(erasureBody{}))},
		"400", "401", "403", "415", "429")
	answer := resp("the ticket's hold", answerSchema(ticketHoldAnswer{}))
	reason := requestSchema(legalHoldRequest{})
	id := []any{param("id", "path", true, "string", "ticket id")}
	paths["/v1/tickets/{id}/legal-hold"] = map[string]any{
		"post": op("Place a legal hold on a ticket under investigation (IOC operators, administrators; audited as legal_hold): until released, erasure and retention keep the ticket linked to its reporter",
			[]string{"tickets"}, true, reason, id, map[string]any{"200": answer}, "400", "401", "403", "404", "409", "415"),
		"delete": op("Release a ticket's legal hold (IOC operators, administrators; audited as legal_hold_release): a ticket whose reporter erased their account, or whose retention period ended, is de-identified now",
			[]string{"tickets"}, true, reason, id, map[string]any{"200": answer}, "400", "401", "403", "404", "409", "415"),
	}
}
