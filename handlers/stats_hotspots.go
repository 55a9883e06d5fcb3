package handlers

import (
	"github.com/gofiber/fiber/v2"
)

// hotspotCell is one cell of GET /v1/stats/hotspots.
type hotspotCell struct {
	Row   int     `json:"row" jsonschema_description:"floor(latitude / lat_step)"`
	Col   int     `json:"col" jsonschema_description:"floor(longitude / lng_step)"`
	South float64 `json:"south" jsonschema_description:"southern edge, degrees"`
	West  float64 `json:"west" jsonschema_description:"western edge"`
	North float64 `json:"north" jsonschema_description:"northern edge"`
	East  float64 `json:"east" jsonschema_description:"eastern edge"`
	Count int     `json:"count" jsonschema:"minimum=3" jsonschema_description:"reports filed in the cell"`
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
	return c.JSON(hotspotsBody{Period: periodOf(f), CellM: h.CellM, LatStep: h.LatStep, LngStep: h.LngStep,
		MinCount: h.MinCount, Counted: h.Counted, Suppressed: h.Suppressed, Truncated: h.Truncated, Cells: cells})
}

// hotspotsBody is GET /v1/stats/hotspots.
type hotspotsBody struct {
	Period     statsPeriod   `json:"period"`
	CellM      int           `json:"cell_m"`
	LatStep    float64       `json:"lat_step" jsonschema_description:"cell height in degrees of latitude"`
	LngStep    float64       `json:"lng_step" jsonschema_description:"cell width in degrees of longitude (square at the boundary set's latitude)"`
	MinCount   int           `json:"min_count" jsonschema_description:"cells with fewer reports are left out"`
	Counted    int           `json:"counted" jsonschema_description:"reports matching the filters"`
	Suppressed int           `json:"suppressed" jsonschema_description:"of them, reports in the cells left out"`
	Truncated  bool          `json:"truncated" jsonschema_description:"more cells than the answer holds (the busiest are listed)"`
	Cells      []hotspotCell `json:"cells" jsonschema_description:"most reports first"`
}
