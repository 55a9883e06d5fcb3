// Package geo routes a GPS point to the administrative area (ward, commune or special zone)
// whose boundary contains it.
//
// A BoundarySet is built once from a GeoJSON FeatureCollection and never changes afterwards,
// so any number of goroutines may call Locate on it without locks. Administrative reforms
// redraw boundaries and reuse codes with new meanings, which is why every set carries an ID
// that callers store next to each routing decision.
//
// # Boundary rule
//
// Containment is the even-odd crossing test with half-open edges, applied to the coordinates
// as planar longitude/latitude (GeoJSON edges are straight lines in degrees). A point lying
// exactly on a boundary is decided as if it had been moved an infinitesimal step east (and an
// even smaller step north). Two neighbouring areas whose shared edge has identical vertices
// therefore never both claim a point on it: it goes to the area east of the edge, or north of
// it for an east-west edge. A consequence is that points on the north or east side of the
// outer outline are inside no polygon; Locate routes them by the nearest-area fallback at
// distance 0.
package geo

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// Area is one administrative unit of a boundary set. Code is the official unit code; it is
// only meaningful together with the ID of the set it came from, because reforms reuse codes.
type Area struct {
	Code, Name, FullName, Kind string
	// Geometry is a MultiPolygon even for Polygon features so callers handle one shape only.
	// Every copy of the Area shares it, so it must not be modified.
	Geometry orb.MultiPolygon
	// Bound is the bound of Geometry, kept so callers can reject far points cheaply.
	Bound orb.Bound
}

// BoundarySet is an immutable, indexed, versioned set of areas. It is safe for concurrent use
// and lock-free because nothing in it is written after Parse returns.
type BoundarySet struct {
	id    string
	areas []Area // sorted by code
	bound orb.Bound
	polys []polygonIndex // every polygon of every area, in area order
	grid  grid
	// buildTime is how long indexing took after parsing, for IndexStats.
	buildTime time.Duration
}

// ID names the boundary set (for example "longxuyen-2023"); store it with every routing
// result, since an area code alone is ambiguous across reforms.
func (s *BoundarySet) ID() string { return s.id }

// Areas returns a copy of the area list, sorted by code so that listings are deterministic.
// The geometries are shared with the set and must not be modified.
func (s *BoundarySet) Areas() []Area { return slices.Clone(s.areas) }

// Area looks an area up by code, for callers that stored a code and need its name or shape.
func (s *BoundarySet) Area(code string) (Area, bool) {
	i, ok := slices.BinarySearchFunc(s.areas, code, func(a Area, code string) int {
		return strings.Compare(a.Code, code)
	})
	if !ok {
		return Area{}, false
	}
	return s.areas[i], true
}

// Bound is the union of all area bounds, for quickly rejecting points outside the deployment
// region or centring a map on it.
func (s *BoundarySet) Bound() orb.Bound { return s.bound }

// Match is the result of Locate. Besides the area it says how confident the routing is, so
// callers can flag reports that were routed by proximity or through overlapping boundaries.
type Match struct {
	// Area is the matched area, nil when nothing matched. It points into the set; do not
	// modify it.
	Area *Area
	// Nearest is true when the point was in no polygon and was routed to the nearest area
	// within the tolerance (GPS error, river banks, coastline).
	Nearest bool
	// Ambiguous is true when the point lies in more than one area (overlapping boundary data);
	// the lowest code wins so the result is still deterministic.
	Ambiguous bool
	// DistanceM is the distance in metres from the point to the matched area's boundary when
	// Nearest is true, else 0.
	DistanceM float64
}

// Locate finds the area for a point given in degrees. Points inside no polygon go to the area
// with the closest boundary if that is at most maxNearestM metres away (the app uses 200 m);
// otherwise, and for invalid coordinates, Match.Area is nil. A negative or NaN tolerance
// disables the fallback. Locate does not allocate.
func (s *BoundarySet) Locate(lat, lng float64, maxNearestM float64) Match {
	if !(math.Abs(lat) <= 90 && math.Abs(lng) <= 180) {
		return Match{}
	}
	p := orb.Point{lng, lat}
	if s.bound.Contains(p) {
		ix, iy := s.grid.cell(p)
		switch owner := s.grid.lookup(p, ix, iy); {
		case owner == mixed:
			if m, ok := s.locateInPolygons(p, ix, iy); ok {
				return m
			}
		case owner <= hinted:
			if m, ok := s.locateByHint(p, int(hinted-owner)); ok {
				return m
			}
		case owner == noArea: // only the nearest fallback can match
		default:
			return Match{Area: &s.areas[owner]}
		}
	}
	return s.nearest(p, maxNearestM)
}

// locateInPolygons tests p against the polygons listed in its grid cell (ix, iy).
func (s *BoundarySet) locateInPolygons(p orb.Point, ix, iy int) (Match, bool) {
	hit := -1
	// The cell lists polygons in area order, so the first hit has the lowest code.
	for _, pi := range s.grid.cellAt(ix, iy) {
		pg := &s.polys[pi]
		if pg.area == hit || !pg.bound.Contains(p) || !pg.contains(p) {
			continue
		}
		if hit >= 0 {
			return Match{Area: &s.areas[hit], Ambiguous: true}, true
		}
		hit = pg.area
	}
	if hit < 0 {
		return Match{}, false
	}
	return Match{Area: &s.areas[hit]}, true
}

// nearest returns the area whose boundary is closest to p, if that is within maxM metres.
// Only polygons whose bound comes within maxM of p are examined, and within them only the
// edges that do.
func (s *BoundarySet) nearest(p orb.Point, maxM float64) Match {
	if !(maxM >= 0) {
		return Match{}
	}
	proj := newLocalProjection(p)
	window := orb.Bound{
		Min: orb.Point{p[0] - maxM/proj.kx, p[1] - maxM/proj.ky},
		Max: orb.Point{p[0] + maxM/proj.kx, p[1] + maxM/proj.ky},
	}
	if !window.Intersects(s.bound) {
		return Match{}
	}
	ix0, iy0 := s.grid.cell(window.Min)
	ix1, iy1 := s.grid.cell(window.Max)
	best, bestD2, maxD2 := -1, 0.0, maxM*maxM
	for iy := iy0; iy <= iy1; iy++ {
		for ix := ix0; ix <= ix1; ix++ {
			for _, pi := range s.grid.cellAt(ix, iy) {
				pg := &s.polys[pi]
				// A polygon is listed in every cell its bound meets: measure it only in
				// the first of those cells inside the window.
				px, py := s.grid.cell(pg.bound.Min)
				if max(px, ix0) != ix || max(py, iy0) != iy || !pg.bound.Intersects(window) {
					continue
				}
				d2 := pg.distance2(proj, window)
				if d2 > maxD2 {
					continue
				}
				if best < 0 || d2 < bestD2 || (d2 == bestD2 && pg.area < best) {
					best, bestD2 = pg.area, d2
				}
			}
		}
	}
	if best < 0 {
		return Match{}
	}
	return Match{Area: &s.areas[best], Nearest: true, DistanceM: math.Sqrt(bestD2)}
}

// meanEarthRadiusM is the IUGG mean Earth radius; the equirectangular approximation it feeds
// is accurate to well under a metre over the few hundred metres of the nearest fallback.
const meanEarthRadiusM = 6371008.8

// localProjection maps degrees to metres on a plane tangent at origin (equirectangular), which
// is accurate enough for distances of a few hundred metres and much cheaper than haversine.
type localProjection struct {
	origin orb.Point
	kx, ky float64 // metres per degree of longitude and latitude
}

func newLocalProjection(origin orb.Point) localProjection {
	ky := meanEarthRadiusM * math.Pi / 180
	return localProjection{origin: origin, kx: ky * math.Cos(origin[1]*math.Pi/180), ky: ky}
}

// metres returns the offset of q from the origin in metres (east, north).
func (lp localProjection) metres(q orb.Point) (x, y float64) {
	return (q[0] - lp.origin[0]) * lp.kx, (q[1] - lp.origin[1]) * lp.ky
}
