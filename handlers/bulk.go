package handlers

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

// bulkRequest is the body of POST /v1/queue/actions: one action on several tickets of the
// caller's queue, each with the version the caller saw.
type bulkRequest struct {
	Action  models.Action `json:"action" jsonschema:"required,enum=accept,enum=assign"`
	Officer string        `json:"officer" jsonschema_description:"assign: the officer's account id"`
	Note    string        `json:"note"`
	Tickets []struct {
		ID              string `json:"id" jsonschema:"required"`
		ExpectedVersion int    `json:"expected_version" jsonschema:"required,minimum=1"`
	} `json:"tickets" jsonschema:"required,minItems=1,maxItems=50"`
}

// bulkResultBody is what became of one ticket: its new version and state, or the error.
type bulkResultBody struct {
	ID      string       `json:"id"`
	Status  int          `json:"status" jsonschema_description:"200, or the status the action alone would have had"`
	Version int          `json:"version,omitempty"`
	State   models.State `json:"state,omitempty"`
	Error   *errorDetail `json:"error,omitempty"`
}

// bulkResponse is the answer of POST /v1/queue/actions.
type bulkResponse struct {
	Results []bulkResultBody `json:"results"`
	Done    int              `json:"done"`
	Failed  int              `json:"failed"`
}

func (s *jsonAPI) bulkAct(c *fiber.Ctx) error {
	var req bulkRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	items := make([]app.BulkItem, len(req.Tickets))
	for i, t := range req.Tickets {
		items[i] = app.BulkItem{ID: t.ID, ExpectedVersion: t.ExpectedVersion}
	}
	results, err := s.svc.Tickets.ActOnMany(c.UserContext(), principal(c), items,
		app.ActionInput{Action: req.Action, Officer: req.Officer, Note: req.Note})
	if err != nil {
		return err
	}
	en, _ := wantsEnglish(c)
	out := make([]bulkResultBody, len(results))
	done := 0
	for i, r := range results {
		out[i] = bulkResultBody{ID: r.ID, Status: fiber.StatusOK}
		if r.Err == nil {
			out[i].Version, out[i].State = r.Ticket.Version, r.Ticket.State
			done++
			continue
		}
		code := models.ErrorCode(r.Err)
		out[i].Status = statusOf(code)
		out[i].Error = &errorDetail{Code: code, Message: localized(r.Err, code, models.ErrorMessage(r.Err), code == models.EInternal, en)}
		s.logFailure(c, out[i].Status, fmt.Errorf("ticket %s: %w", r.ID, r.Err))
	}
	return c.JSON(bulkResponse{Results: out, Done: done, Failed: len(results) - done})
}

// addBulkPaths documents POST /v1/queue/actions.
func addBulkPaths(paths map[string]any, op func(string, []string, bool, map[string]any, []any, map[string]any, ...string) map[string]any,
	resp func(string, map[string]any) map[string]any) {
	paths["/v1/queue/actions"] = map[string]any{"post": op("Accept or assign several tickets of the caller's queue at once (at most 50): each is its own "+
		"compare-and-set on its expected_version, so a stale or refused one leaves the others done; the answer says what became of each",
		[]string{"workflow"}, true, requestSchema(bulkRequest{}), nil,
		map[string]any{"200": resp("each ticket's result", answerSchema(bulkResponse{}))},
		"400", "401", "403", "415", "429")}
}
