package handlers

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"phananh/models"
)

// Duplicate candidates (app.Duplicates): the open tickets near one an official handles, which
// they may merge it into (the merge action).

// candidateBody is one candidate in the officials' view: the internal description, the exact
// distance.
type candidateBody struct {
	ID          string       `json:"id"`
	Code        string       `json:"code"`
	State       models.State `json:"state"`
	Category    string       `json:"category"`
	Description string       `json:"description" jsonschema_description:"the resident's text as officials read it"`
	UnitID      string       `json:"unit_id"`
	Private     bool         `json:"private"`
	CreatedAt   string       `json:"created_at" jsonschema:"format=date-time"`
	DistanceM   float64      `json:"distance_m" jsonschema_description:"exact distance from the ticket asked about, in metres"`
}

// candidateList is GET /v1/tickets/{id}/duplicates: nearest first, at most 10.
type candidateList struct {
	Candidates []candidateBody `json:"candidates" jsonschema:"maxItems=10"`
}

func (s *jsonAPI) duplicates(c *fiber.Ctx) error {
	radius := 0.0
	if raw := strings.TrimSpace(c.Query("radius")); raw != "" {
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return models.FieldError(models.EInvalid, "radius", "radius must be a number of metres")
		}
		radius = v
	}
	found, err := s.svc.Duplicates.Candidates(c.UserContext(), principal(c), c.Params("id"), radius)
	if err != nil {
		return err
	}
	out := make([]candidateBody, 0, len(found))
	for _, d := range found {
		t := d.Ticket
		out = append(out, candidateBody{ID: t.ID, Code: t.Code, State: t.State, Category: t.Category,
			Description: t.Description, UnitID: t.UnitID, Private: t.Private, CreatedAt: formatTime(t.CreatedAt), DistanceM: d.DistanceM})
	}
	return c.JSON(candidateList{Candidates: out})
}

// addDuplicatePaths documents the duplicate candidates.
func addDuplicatePaths(paths map[string]any, op func(string, []string, bool, map[string]any, []any, map[string]any, ...string) map[string]any,
	param func(string, string, bool, string, string) map[string]any, resp func(string, map[string]any) map[string]any) {
	paths["/v1/tickets/{id}/duplicates"] = map[string]any{
		"get": op("Duplicate candidates of a ticket for the officials handling it (its unit's officers and leaders, the IOC): open tickets of the same category within the radius, filed in the last 30 days, that the caller handles (a unit: its own, private ones included), nearest first, at most 10",
			[]string{"workflow"}, true, nil, []any{param("id", "path", true, "string", "ticket id"),
				param("radius", "query", false, "number", "metres, default 250, at most 1000")},
			map[string]any{"200": resp("the candidates", answerSchema(candidateList{}))}, "400", "401", "403", "404"),
	}
}
