package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// InteriorPoint returns a point strictly inside the area: not on an edge and not in a hole.
// Centroids and bound centres can fall outside concave or holed shapes; tests and tools need a
// point that Locate routes back to this area (unless another area overlaps it there), without
// hand-typed coordinates.
//
// It scans horizontal lines across the largest polygon (through the middle of its bound first,
// then at quarters, eighths, ...), skipping lines that touch a vertex, and returns the midpoint
// of the widest inside interval once it passes the point-in-polygon test. Degenerate
// geometry without any such interval yields the centre of the bound.
func (a *Area) InteriorPoint() orb.Point {
	var poly orb.Polygon
	largest := -1.0
	for _, p := range a.Geometry {
		if area := planar.Area(p); area > largest {
			poly, largest = p, area
		}
	}
	b := poly.Bound()
	for den := 2; den <= 1<<10; den *= 2 {
		for num := 1; num < den; num += 2 {
			y := b.Min[1] + (b.Max[1]-b.Min[1])*float64(num)/float64(den)
			if p, ok := scanLineMidpoint(poly, y); ok {
				return p
			}
		}
	}
	return b.Center()
}

// scanLineMidpoint returns the midpoint of the widest stretch of the line at latitude y that
// lies inside poly, or false when y passes through a vertex (where an east-west edge could lie
// on the line) or no stretch has a verified interior midpoint.
func scanLineMidpoint(poly orb.Polygon, y float64) (orb.Point, bool) {
	var xs []float64
	for _, r := range poly {
		for i := 0; i+1 < len(r); i++ {
			if r[i][1] == y {
				return orb.Point{}, false
			}
			if x, ok := crossingX(r[i], r[i+1], y); ok {
				xs = append(xs, x)
			}
		}
	}
	slices.Sort(xs)
	// Even-odd: consecutive crossings pair up into inside intervals.
	widest, mid := 0.0, math.NaN()
	for i := 0; i+1 < len(xs); i += 2 {
		w, m := xs[i+1]-xs[i], xs[i]+(xs[i+1]-xs[i])/2
		if w > widest && xs[i] < m && m < xs[i+1] { // a tiny interval may have no float inside
			widest, mid = w, m
		}
	}
	p := orb.Point{mid, y}
	if math.IsNaN(mid) || !polygonContains(poly, p) {
		return orb.Point{}, false
	}
	return p, true
}

// polygonContains is the boundary rule of the package applied to every edge of poly, for when
// no index has been built.
func polygonContains(poly orb.Polygon, p orb.Point) bool {
	in := false
	for _, r := range poly {
		for i := 0; i+1 < len(r); i++ {
			if crossesEastOf(r[i], r[i+1], p) {
				in = !in
			}
		}
	}
	return in
}
