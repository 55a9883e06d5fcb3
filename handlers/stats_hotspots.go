package handlers

import (
	"github.com/gofiber/fiber/v2"

	"phananh/app"
)

// hotspotCell is one cell of GET /v1/stats/hotspots.
type hotspotCell struct {
	Row   int     `json:"row"`
	Col   int     `json:"col"`
	South float64 `json:"south"`
	West  float64 `json:"west"`
	North float64 `json:"north"`
	East  float64 `json:"east"`
	Count int     `json:"count"`
}

// statsHotspots answers with the reports of the period per grid cell (app.Stats.Hotspots): counts
// only, cells of at least 250 m, those with fewer than three reports left out.
func (s *jsonAPI) statsHotspots(c *fiber.Ctx) error {
	f := statsFilter(c)
	cell, err := queryPositiveInt(c, "cell")
	if err != nil {
		return err
	}
	h, err := s.svc.Stats.Hotspots(c.UserContext(), principal(c), f, cell)
	if err != nil {
		return err
	}
	cells := make([]hotspotCell, len(h.Cells))
	for i, x := range h.Cells {
		cells[i] = hotspotCell{Row: x.Row, Col: x.Col, South: x.South, West: x.West, North: x.North, East: x.East, Count: x.Count}
	}
	return c.JSON(fiber.Map{"period": periodOf(f), "cell_m": h.CellM, "lat_step": h.LatStep, "lng_step": h.LngStep,
		"min_count": h.MinCount, "counted": h.Counted, "suppressed": h.Suppressed, "truncated": h.Truncated, "cells": cells})
}

// hotspotsSchema describes the answer of GET /v1/stats/hotspots.
func hotspotsSchema() map[string]any {
	object := func(required []string, props map[string]any) map[string]any {
		return map[string]any{"type": "object", "required": required, "properties": props, "additionalProperties": false}
	}
	str, integer := map[string]any{"type": "string"}, map[string]any{"type": "integer"}
	num := func(desc string) map[string]any { return map[string]any{"type": "number", "description": desc} }
	cell := object([]string{"row", "col", "south", "west", "north", "east", "count"}, map[string]any{
		"row":   map[string]any{"type": "integer", "description": "floor(latitude / lat_step)"},
		"col":   map[string]any{"type": "integer", "description": "floor(longitude / lng_step)"},
		"south": num("southern edge, degrees"), "west": num("western edge"), "north": num("northern edge"), "east": num("eastern edge"),
		"count": map[string]any{"type": "integer", "minimum": app.HotspotMinCount, "description": "reports filed in the cell"}})
	return object([]string{"period", "cell_m", "lat_step", "lng_step", "min_count", "counted", "suppressed", "truncated", "cells"}, map[string]any{
		"period":     object([]string{"time_zone"}, map[string]any{"from": str, "to": str, "time_zone": str}),
		"cell_m":     integer,
		"lat_step":   num("cell height in degrees of latitude"),
		"lng_step":   num("cell width in degrees of longitude (square at the boundary set's latitude)"),
		"min_count":  map[string]any{"type": "integer", "description": "cells with fewer reports are left out"},
		"counted":    map[string]any{"type": "integer", "description": "reports matching the filters"},
		"suppressed": map[string]any{"type": "integer", "description": "of them, reports in the cells left out"},
		"truncated":  map[string]any{"type": "boolean", "description": "more cells than the answer holds (the busiest are listed)"},
		"cells":      map[string]any{"type": "array", "description": "most reports first", "items": cell},
	})
}
