package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

// Boundary switch-overs for administrators: schedule one from the set in force to an imported
// set at an instant, list them with their results, cancel one not yet started.

// switchOverBody is a switch-over as administrators see it.
type switchOverBody struct {
	ID         string                  `json:"id"`
	FromSet    string                  `json:"from_set"`
	ToSet      string                  `json:"to_set"`
	At         string                  `json:"at" jsonschema:"format=date-time"`
	InProgress string                  `json:"in_progress" jsonschema:"enum=stay,enum=follow" jsonschema_description:"stay: tickets already accepted stay with their unit; follow: they move to its successor"`
	UnitMap    map[string]string       `json:"unit_map" jsonschema_description:"old unit id → successor unit id"`
	State      models.SwitchOverState  `json:"state" jsonschema:"enum=scheduled,enum=running,enum=done,enum=cancelled"`
	CreatedBy  string                  `json:"created_by"`
	CreatedAt  string                  `json:"created_at" jsonschema:"format=date-time"`
	DoneAt     string                  `json:"done_at,omitempty" jsonschema:"format=date-time"`
	Result     models.SwitchOverResult `json:"result"`
}

// switchOverList is GET /v1/admin/switchovers, with the set in force.
type switchOverList struct {
	BoundarySet string           `json:"boundary_set"`
	SwitchOvers []switchOverBody `json:"switchovers"`
}

func switchOverView(so *models.SwitchOver) switchOverBody {
	return switchOverBody{ID: so.ID, FromSet: so.FromSet, ToSet: so.ToSet, At: formatTime(so.At), InProgress: so.InProgress,
		UnitMap: so.UnitMap, State: so.State, CreatedBy: so.CreatedBy, CreatedAt: formatTime(so.CreatedAt),
		DoneAt: formatTime(so.DoneAt), Result: so.Result}
}

func (s *jsonAPI) listSwitchOvers(c *fiber.Ctx) error {
	all, err := s.svc.Boundaries.List(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	out := make([]switchOverBody, 0, len(all))
	for i := range all {
		out = append(out, switchOverView(&all[i]))
	}
	return c.JSON(switchOverList{BoundarySet: s.svc.Catalog.BoundarySet().ID(), SwitchOvers: out})
}

// scheduleSwitchOverRequest is the body of POST /v1/admin/switchovers.
type scheduleSwitchOverRequest struct {
	ToSet      string            `json:"to_set" jsonschema:"required" jsonschema_description:"an imported boundary set"`
	At         string            `json:"at" jsonschema:"required,format=date-time" jsonschema_description:"at least 10 s ahead"`
	InProgress string            `json:"in_progress" jsonschema:"required,enum=stay,enum=follow" jsonschema_description:"stay: tickets already accepted stay with their unit; follow: they move to its successor"`
	UnitMap    map[string]string `json:"unit_map" jsonschema_description:"successors other than by geography (each ward unit goes by default to the unit of its kind in the new area holding the old area's interior)"`
}

func (s *jsonAPI) scheduleSwitchOver(c *fiber.Ctx) error {
	var req scheduleSwitchOverRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	at, err := time.Parse(time.RFC3339, req.At)
	if err != nil {
		return models.FieldError(models.EInvalid, "at", "at must be an RFC 3339 time, e.g. 2027-01-01T00:00:00+07:00")
	}
	so, err := s.svc.Boundaries.Schedule(c.UserContext(), principal(c), app.SwitchOverRequest{ToSet: req.ToSet, At: at,
		InProgress: req.InProgress, UnitMap: req.UnitMap})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(switchOverView(so))
}

func (s *jsonAPI) cancelSwitchOver(c *fiber.Ctx) error {
	so, err := s.svc.Boundaries.Cancel(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(switchOverView(so))
}

// addSwitchOverPaths documents the switch-over routes.
func addSwitchOverPaths(paths map[string]any, op func(string, []string, bool, map[string]any, []any, map[string]any, ...string) map[string]any,
	param func(string, string, bool, string, string) map[string]any, resp func(string, map[string]any) map[string]any) {
	so := answerSchema(switchOverBody{})
	paths["/v1/admin/switchovers"] = map[string]any{
		"get": op("Boundary switch-overs by instant, with the set in force (administrators)", []string{"admin"}, true, nil, nil,
			map[string]any{"200": resp("switch-overs", answerSchema(switchOverList{}))}, "401", "403"),
		"post": op("Schedule a switch-over from the set in force (administrators; audited as switchover_schedule). At its instant every instance "+
			"routes new reports by the new map; then received tickets are re-routed by their location, officials of mapped units move to the "+
			"successors, tickets in progress stay or follow, and each ticket gets a reroute event",
			[]string{"admin"}, true, requestSchema(scheduleSwitchOverRequest{}), nil, map[string]any{"201": resp("scheduled", so)}, "400", "401", "403", "409", "415"),
	}
	paths["/v1/admin/switchovers/{id}"] = map[string]any{"delete": op("Cancel a scheduled switch-over (administrators; audited as switchover_cancel)",
		[]string{"admin"}, true, nil, []any{param("id", "path", true, "string", "switch-over id")},
		map[string]any{"200": resp("cancelled", so)}, "401", "403", "404", "409")}
}
