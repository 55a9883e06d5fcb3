package handlers

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb/geojson"

	"phananh/app"
	"phananh/geo"
	"phananh/models"
)

// categoryList is GET /v1/categories (and the administrators' list).
type categoryList struct {
	Categories []models.Category `json:"categories"`
}

func (s *jsonAPI) listCategories(c *fiber.Ctx) error {
	return c.JSON(categoryList{Categories: s.svc.Catalog.Categories()})
}

// unitList is GET /v1/units (and the administrators' list).
type unitList struct {
	Units []models.Unit `json:"units"`
}

func (s *jsonAPI) listUnits(c *fiber.Ctx) error {
	return c.JSON(unitList{Units: s.svc.Catalog.Units()})
}

// areaList is GET /v1/areas.
type areaList struct {
	BoundarySet string     `json:"boundary_set"`
	Areas       []areaBody `json:"areas"`
}

type areaBody struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	FullName    string `json:"full_name,omitempty"`
	Kind        string `json:"kind,omitempty"`
	BoundarySet string `json:"boundary_set,omitempty"`
	// Bbox is [min lng, min lat, max lng, max lat], as in GeoJSON.
	Bbox []float64 `json:"bbox,omitempty" jsonschema:"minItems=4,maxItems=4" jsonschema_description:"[min lng, min lat, max lng, max lat], as in GeoJSON"`
}

func areaView(set string, a geo.Area) areaBody {
	return areaBody{Code: a.Code, Name: a.Name, FullName: a.FullName, Kind: a.Kind, BoundarySet: set,
		Bbox: []float64{a.Bound.Min[0], a.Bound.Min[1], a.Bound.Max[0], a.Bound.Max[1]}}
}

func (s *jsonAPI) listAreas(c *fiber.Ctx) error {
	set := s.svc.Catalog.BoundarySet()
	areas := set.Areas()
	out := make([]areaBody, 0, len(areas))
	for _, a := range areas {
		out = append(out, areaView(set.ID(), a))
	}
	return c.JSON(areaList{BoundarySet: set.ID(), Areas: out})
}

// getArea answers with a GeoJSON Feature, so map clients can draw the ward directly.
func (s *jsonAPI) getArea(c *fiber.Ctx) error {
	a, err := s.svc.Catalog.Area(c.Params("code"))
	if err != nil {
		return err
	}
	f := geojson.NewFeature(a.Geometry)
	f.ID = a.Code
	f.Properties = geojson.Properties{
		"code": a.Code, "name": a.Name, "full_name": a.FullName, "kind": a.Kind,
		"boundary_set": s.svc.Catalog.BoundarySet().ID(),
	}
	c.Set(fiber.HeaderContentType, "application/geo+json")
	body, err := f.MarshalJSON()
	if err != nil {
		return err
	}
	return c.Send(body)
}

func (s *jsonAPI) locate(c *fiber.Ctx) error {
	lat, err := queryFloat(c, "lat")
	if err != nil {
		return err
	}
	lng, err := queryFloat(c, "lng")
	if err != nil {
		return err
	}
	loc, err := s.svc.Catalog.Locate(models.Location{Lat: lat, Lng: lng})
	if err != nil {
		return err
	}
	return c.JSON(locateView(s.svc.Catalog.BoundarySet().ID(), loc))
}

type locateResponse struct {
	Area            areaBody      `json:"area"`
	Units           []models.Unit `json:"units"`
	RoutedByNearest bool          `json:"routed_by_nearest" jsonschema_description:"the point is in no area: the nearest one (within the city's bounds) takes it"`
	Ambiguous       bool          `json:"ambiguous" jsonschema_description:"the point is on a border: officials check the routing"`
}

func locateView(set string, l app.Location) locateResponse {
	return locateResponse{Area: areaView(set, l.Area), Units: l.Units, RoutedByNearest: l.RoutedByNearest, Ambiguous: l.Ambiguous}
}

// queryFloat reads a required decimal query parameter.
func queryFloat(c *fiber.Ctx, name string) (float64, error) {
	raw := strings.TrimSpace(c.Query(name))
	if raw == "" {
		return 0, models.FieldError(models.EInvalid, name, "%s is required", name)
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return 0, models.FieldError(models.EInvalid, name, "%s must be a decimal number", name)
	}
	return v, nil
}
