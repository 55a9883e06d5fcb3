package geo

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// The GeoJSON subset Parse understands. Coordinates stay raw until the geometry type is known.
type featureCollectionJSON struct {
	Type     string        `json:"type"`
	Features []featureJSON `json:"features"`
}

type featureJSON struct {
	Type       string         `json:"type"`
	Properties propertiesJSON `json:"properties"`
	Geometry   *geometryJSON  `json:"geometry"`
}

type propertiesJSON struct {
	Code     any    `json:"code"` // any, so that a numeric code is reported rather than coerced
	Name     string `json:"name"`
	FullName string `json:"full_name"`
	Kind     string `json:"kind"`
}

type geometryJSON struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// Parse reads a GeoJSON FeatureCollection of Polygon and MultiPolygon features, each with a
// string property "code", and builds the index. id names the set (for example
// "longxuyen-2023") and must not be empty, because a code means nothing without it.
//
// Bad boundary data misroutes reports silently, so Parse refuses it rather than guessing:
// invalid JSON, a root that is not a FeatureCollection, no features, a feature without a
// string code, duplicate codes, geometry other than Polygon or MultiPolygon, empty polygons or
// rings, rings of fewer than four positions, and coordinates out of range (|lng| > 180,
// |lat| > 90) are errors. Unclosed rings are closed and positions beyond [lng, lat] are
// ignored. Areas are sorted by code, so the result does not depend on feature order.
func Parse(id string, data []byte) (*BoundarySet, error) {
	if id == "" {
		return nil, errors.New("geo: boundary set id is empty")
	}
	areas, err := decodeAreas(data)
	if err != nil {
		return nil, fmt.Errorf("geo: boundary set %s: %w", id, err)
	}
	return newBoundarySet(id, areas), nil
}

// decodeAreas validates a FeatureCollection and returns its features as areas sorted by code.
func decodeAreas(data []byte) ([]Area, error) {
	var fc featureCollectionJSON
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, fmt.Errorf("invalid GeoJSON: %w", err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("type is %q, want FeatureCollection", fc.Type)
	}
	if len(fc.Features) == 0 {
		return nil, errors.New("no features")
	}
	areas := make([]Area, len(fc.Features))
	for i := range fc.Features {
		a, err := parseFeature(&fc.Features[i])
		if err != nil {
			return nil, fmt.Errorf("feature %d: %w", i, err)
		}
		areas[i] = a
		fc.Features[i].Geometry = nil // release the raw coordinates early; national sets are large
	}
	slices.SortFunc(areas, func(a, b Area) int { return strings.Compare(a.Code, b.Code) })
	for i := 1; i < len(areas); i++ {
		if areas[i].Code == areas[i-1].Code {
			return nil, fmt.Errorf("duplicate code %q", areas[i].Code)
		}
	}
	return areas, nil
}

func parseFeature(f *featureJSON) (Area, error) {
	if f.Type != "Feature" {
		return Area{}, fmt.Errorf("type is %q, want Feature", f.Type)
	}
	code, ok := f.Properties.Code.(string)
	if !ok || code == "" {
		return Area{}, fmt.Errorf("property code is %v, want a non-empty string", f.Properties.Code)
	}
	mp, err := parseGeometry(f.Geometry)
	if err != nil {
		return Area{}, fmt.Errorf("code %s: %w", code, err)
	}
	return Area{
		Code:     code,
		Name:     f.Properties.Name,
		FullName: f.Properties.FullName,
		Kind:     f.Properties.Kind,
		Geometry: mp,
		Bound:    mp.Bound(),
	}, nil
}

func parseGeometry(g *geometryJSON) (orb.MultiPolygon, error) {
	if g == nil {
		return nil, errors.New("geometry is missing")
	}
	var mp orb.MultiPolygon
	switch g.Type {
	case "Polygon":
		var p orb.Polygon
		if err := json.Unmarshal(g.Coordinates, &p); err != nil {
			return nil, fmt.Errorf("polygon coordinates: %w", err)
		}
		mp = orb.MultiPolygon{p}
	case "MultiPolygon":
		if err := json.Unmarshal(g.Coordinates, &mp); err != nil {
			return nil, fmt.Errorf("multipolygon coordinates: %w", err)
		}
		if len(mp) == 0 {
			return nil, errors.New("multipolygon has no polygons")
		}
	default:
		return nil, fmt.Errorf("geometry type %q is not Polygon or MultiPolygon", g.Type)
	}
	for i, p := range mp {
		if len(p) == 0 {
			return nil, fmt.Errorf("polygon %d has no rings", i)
		}
		for j := range p {
			r, err := checkRing(p[j])
			if err != nil {
				return nil, fmt.Errorf("polygon %d ring %d: %w", i, j, err)
			}
			p[j] = r
		}
	}
	return mp, nil
}

// checkRing validates a ring's coordinates and returns it closed.
func checkRing(r orb.Ring) (orb.Ring, error) {
	if len(r) == 0 {
		return nil, errors.New("empty ring")
	}
	for _, p := range r {
		// Written as a negation so that NaN fails too.
		if !(math.Abs(p[0]) <= 180 && math.Abs(p[1]) <= 90) {
			return nil, fmt.Errorf("coordinate [%v, %v] out of range", p[0], p[1])
		}
	}
	if r[0] != r[len(r)-1] {
		r = append(r, r[0])
	}
	if len(r) < 4 {
		return nil, fmt.Errorf("ring has %d positions, want at least 4", len(r))
	}
	return r, nil
}

// newBoundarySet indexes areas, which must be sorted by code and valid.
func newBoundarySet(id string, areas []Area) *BoundarySet {
	start := time.Now()
	s := &BoundarySet{id: id, areas: areas, bound: areas[0].Bound}
	for i := range areas {
		s.bound = s.bound.Union(areas[i].Bound)
		for _, p := range areas[i].Geometry {
			s.polys = append(s.polys, newPolygonIndex(i, p))
		}
	}
	s.grid = newGrid(s.bound, areas, s.polys)
	s.buildTime = time.Since(start)
	return s
}
