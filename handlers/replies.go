package handlers

import (
	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

// Canned replies (app.Replies): a unit's prepared answers, listed per unit or filled in for one
// ticket, written by the unit's leaders and the IOC.

// cannedReplyBody is a canned reply; filled is its text for the ticket asked about.
type cannedReplyBody struct {
	ID        string `json:"id"`
	UnitID    string `json:"unit_id"`
	Category  string `json:"category,omitempty"`
	Title     string `json:"title"`
	Text      string `json:"text"`
	Filled    string `json:"filled,omitempty" jsonschema_description:"the text filled in for the ticket asked about (ticket=)"`
	UpdatedBy string `json:"updated_by"`
	UpdatedAt string `json:"updated_at" jsonschema:"format=date-time"`
}

// cannedReplyList is GET /v1/replies, by title.
type cannedReplyList struct {
	Replies []cannedReplyBody `json:"replies"`
}

func replyView(r models.CannedReply) cannedReplyBody {
	return cannedReplyBody{ID: r.ID, UnitID: r.UnitID, Category: r.Category, Title: r.Title, Text: r.Text, UpdatedBy: r.UpdatedBy,
		UpdatedAt: formatTime(r.UpdatedAt)}
}

// replyRequest is the body of POST /v1/replies and PUT /v1/replies/:id.
type replyRequest struct {
	UnitID   string `json:"unit_id" jsonschema_description:"the unit (IOC operators and administrators; a leader's own unit by default)"`
	Category string `json:"category" jsonschema_description:"a category code: offered only for its tickets; empty for every category"`
	Title    string `json:"title" jsonschema:"required,maxLength=120"`
	Text     string `json:"text" jsonschema:"required,maxLength=2000" jsonschema_description:"Vietnamese text; {code}, {due}, {unit}, {category} and {area} are filled in from the ticket"`
}

func (s *jsonAPI) listReplies(c *fiber.Ctx) error {
	p := principal(c)
	out := []cannedReplyBody{}
	if id := c.Query("ticket"); id != "" {
		filled, err := s.svc.Replies.RepliesFor(c.UserContext(), p, id)
		if err != nil {
			return err
		}
		for _, r := range filled {
			b := replyView(r.CannedReply)
			b.Filled = r.Filled
			out = append(out, b)
		}
		return c.JSON(cannedReplyList{Replies: out})
	}
	rs, err := s.svc.Replies.RepliesOf(c.UserContext(), p, c.Query("unit"))
	if err != nil {
		return err
	}
	for _, r := range rs {
		out = append(out, replyView(r))
	}
	return c.JSON(cannedReplyList{Replies: out})
}

func (s *jsonAPI) createReply(c *fiber.Ctx) error {
	var req replyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	r, err := s.svc.Replies.CreateReply(c.UserContext(), principal(c), app.ReplyInput(req))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(replyView(*r))
}

func (s *jsonAPI) updateReply(c *fiber.Ctx) error {
	var req replyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	r, err := s.svc.Replies.UpdateReply(c.UserContext(), principal(c), c.Params("id"), app.ReplyInput(req))
	if err != nil {
		return err
	}
	return c.JSON(replyView(*r))
}

func (s *jsonAPI) deleteReply(c *fiber.Ctx) error {
	if err := s.svc.Replies.DeleteReply(c.UserContext(), principal(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// addReplyPaths documents the canned replies.
func addReplyPaths(paths map[string]any, op func(string, []string, bool, map[string]any, []any, map[string]any, ...string) map[string]any,
	param func(string, string, bool, string, string) map[string]any, resp func(string, map[string]any) map[string]any) {
	ref := answerSchema(cannedReplyBody{})
	list := answerSchema(cannedReplyList{})
	body := requestSchema(replyRequest{})
	idParam := param("id", "path", true, "string", "reply id")
	paths["/v1/replies"] = map[string]any{
		"get": op("A unit's canned replies by title (officers and leaders: their unit; the IOC names one), or, with ticket=, the replies that fit that ticket with their text filled in",
			[]string{"workflow"}, true, nil, []any{param("unit", "query", false, "string", "unit id (IOC and administrators)"),
				param("ticket", "query", false, "string", "a ticket the caller handles: its unit's replies for its category, filled in")},
			map[string]any{"200": resp("the replies", list)}, "400", "401", "403", "404"),
		"post": op("Write a canned reply for a unit (its leaders, IOC operators, administrators; at most 100 per unit)", []string{"workflow"}, true, body, nil,
			map[string]any{"201": resp("the reply", ref)}, "400", "401", "403", "415", "422"),
	}
	paths["/v1/replies/{id}"] = map[string]any{
		"put": op("Replace a canned reply's category, title and text (its unit stays)", []string{"workflow"}, true, body, []any{idParam},
			map[string]any{"200": resp("the reply", ref)}, "400", "401", "403", "404", "415"),
		"delete": op("Delete a canned reply", []string{"workflow"}, true, nil, []any{idParam},
			map[string]any{"204": resp("deleted", nil)}, "401", "403", "404"),
	}
}
