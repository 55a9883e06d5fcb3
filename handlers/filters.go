package handlers

import (
	"github.com/gofiber/fiber/v2"

	"phananh/models"
)

// Saved queue filters (app.Filters): each official's named queue queries.

type savedFilterBody struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Query     string `json:"query" jsonschema:"example=assigned=none&overdue=true" jsonschema_description:"the filters as GET /v1/queue's query string"`
	CreatedAt string `json:"created_at" jsonschema:"format=date-time"`
}

// savedFilterList is GET /v1/queue/filters, oldest first.
type savedFilterList struct {
	Filters []savedFilterBody `json:"filters"`
}

// saveFilterRequest is the body of POST /v1/queue/filters.
type saveFilterRequest struct {
	Name  string `json:"name" jsonschema:"required,maxLength=60"`
	Query string `json:"query" jsonschema:"required,maxLength=500"`
}

func savedFilterView(f models.SavedFilter) savedFilterBody {
	return savedFilterBody{ID: f.ID, Name: f.Name, Query: f.Query, CreatedAt: formatTime(f.CreatedAt)}
}

func (s *jsonAPI) listFilters(c *fiber.Ctx) error {
	fs, err := s.svc.Filters.SavedFilters(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	out := make([]savedFilterBody, 0, len(fs))
	for _, f := range fs {
		out = append(out, savedFilterView(f))
	}
	return c.JSON(savedFilterList{Filters: out})
}

func (s *jsonAPI) saveFilter(c *fiber.Ctx) error {
	var req saveFilterRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	f, err := s.svc.Filters.SaveFilter(c.UserContext(), principal(c), req.Name, req.Query)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(savedFilterView(*f))
}

func (s *jsonAPI) deleteFilter(c *fiber.Ctx) error {
	if err := s.svc.Filters.DeleteFilter(c.UserContext(), principal(c), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// addFilterPaths documents the saved queue filters.
func addFilterPaths(paths map[string]any, op func(string, []string, bool, map[string]any, []any, map[string]any, ...string) map[string]any,
	param func(string, string, bool, string, string) map[string]any, resp func(string, map[string]any) map[string]any) {
	paths["/v1/queue/filters"] = map[string]any{
		"get": op("The caller's saved queue filters, oldest first", []string{"workflow"}, true, nil, nil,
			map[string]any{"200": resp("the filters", answerSchema(savedFilterList{}))}, "401", "403"),
		"post": op("Save a queue filter under a name (at most 20 per official): the query keeps GET /v1/queue's filter parameters only",
			[]string{"workflow"}, true, requestSchema(saveFilterRequest{}), nil,
			map[string]any{"201": resp("the saved filter", answerSchema(savedFilterBody{}))}, "400", "401", "403", "415", "422"),
	}
	paths["/v1/queue/filters/{id}"] = map[string]any{"delete": op("Delete one of the caller's saved filters", []string{"workflow"}, true, nil,
		[]any{param("id", "path", true, "string", "filter id")}, map[string]any{"204": resp("deleted", nil)}, "401", "403", "404")}
}
