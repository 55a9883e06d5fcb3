package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// The index has two levels. A uniform grid over the set's bound lists, per cell, the polygons
// whose bound meets the cell; it narrows a point to a handful of candidates and also provides
// the candidates for the ambiguity check and the nearest fallback. Each polygon then splits its
// latitude range into horizontal strips listing the edges that reach into them, so the crossing
// test only looks at the few edges a horizontal ray through the point can hit.

// edgesPerStrip trades index memory for lookup speed: each strip holds about this many edges
// plus those that pass through it.
const edgesPerStrip = 4

// polygonIndex is one polygon (outer ring and holes) prepared for point queries.
type polygonIndex struct {
	area  int // index of the owning area in BoundarySet.areas
	bound orb.Bound
	// pts holds all rings back to back; the edge numbered e joins pts[e] and pts[e+1]
	// (no edge is numbered at the last point of a ring, so rings do not join up).
	pts []orb.Point
	// Strip k covers latitudes [minY + k/scale, minY + (k+1)/scale); its edges are
	// edges[first[k]:first[k+1]].
	minY, scale float64
	first       []uint32
	edges       []uint32
}

// newPolygonIndex indexes poly. It copies the rings into one block and points poly's rings at
// that block, so the area's Geometry and the index share memory.
func newPolygonIndex(area int, poly orb.Polygon) polygonIndex {
	n := 0
	for _, r := range poly {
		n += len(r)
	}
	pts := make([]orb.Point, 0, n)
	for i, r := range poly {
		start := len(pts)
		pts = append(pts, r...)
		poly[i] = pts[start:len(pts):len(pts)]
	}

	bound := poly.Bound()
	nStrips := max(1, (n-len(poly))/edgesPerStrip)
	pg := polygonIndex{area: area, bound: bound, pts: pts, minY: bound.Min[1]}
	if h := bound.Max[1] - bound.Min[1]; h > 0 {
		pg.scale = float64(nStrips) / h
	}

	// Two passes over the edges: count entries per strip, then fill them (CSR layout).
	forEachEdge := func(fn func(e uint32, lo, hi int)) {
		start := 0
		for _, r := range poly {
			for i := 0; i+1 < len(r); i++ {
				lo, hi := min(r[i][1], r[i+1][1]), max(r[i][1], r[i+1][1])
				fn(uint32(start+i), pg.strip(lo), pg.strip(hi))
			}
			start += len(r)
		}
	}
	pg.first = make([]uint32, nStrips+1)
	forEachEdge(func(_ uint32, lo, hi int) {
		for k := lo; k <= hi; k++ {
			pg.first[k+1]++
		}
	})
	for k := 1; k <= nStrips; k++ {
		pg.first[k] += pg.first[k-1]
	}
	pg.edges = make([]uint32, pg.first[nStrips])
	next := slices.Clone(pg.first[:nStrips])
	forEachEdge(func(e uint32, lo, hi int) {
		for k := lo; k <= hi; k++ {
			pg.edges[next[k]] = e
			next[k]++
		}
	})
	return pg
}

// strip returns the strip holding latitude y, clamped to the polygon's strips. It is monotonic
// in y, so an edge is found from every latitude within its own latitude range.
func (pg *polygonIndex) strip(y float64) int {
	return clampIndex((y-pg.minY)*pg.scale, len(pg.first)-1)
}

// stripEdges returns the edges reaching into strip k.
func (pg *polygonIndex) stripEdges(k int) []uint32 {
	return pg.edges[pg.first[k]:pg.first[k+1]]
}

// contains reports whether p is inside the polygon under the package's boundary rule. Only
// edges in p's strip can straddle p's latitude, so the others are not looked at.
func (pg *polygonIndex) contains(p orb.Point) bool {
	in := false
	for _, e := range pg.stripEdges(pg.strip(p[1])) {
		if x, ok := crossingX(pg.pts[e], pg.pts[e+1], p[1]); ok && p[0] < x {
			in = !in
		}
	}
	return in
}

// distance2 returns the squared distance in metres from the projection's origin to the
// nearest edge reaching into window's latitude range, or +Inf if there is none. Edges outside
// that range are farther away than the window's half-height, which the caller ignores anyway.
func (pg *polygonIndex) distance2(proj localProjection, window orb.Bound) float64 {
	d2 := math.Inf(1)
	for k := pg.strip(window.Min[1]); k <= pg.strip(window.Max[1]); k++ {
		for _, e := range pg.stripEdges(k) {
			ax, ay := proj.metres(pg.pts[e])
			bx, by := proj.metres(pg.pts[e+1])
			d2 = min(d2, segmentDistance2(ax, ay, bx, by))
		}
	}
	return d2
}

// crossingX reports where edge ab crosses the horizontal line at latitude y. Edges are
// half-open in latitude (one end strictly above y, the other at or below), which counts a
// vertex on the line once and ignores east-west edges. The intersection is computed from the
// lower end so that two polygons sharing an edge, whichever direction they store it in, get
// bit-identical results and thus never both claim a point on it.
func crossingX(a, b orb.Point, y float64) (float64, bool) {
	if (a[1] > y) == (b[1] > y) {
		return 0, false
	}
	if a[1] > b[1] {
		a, b = b, a
	}
	return a[0] + (y-a[1])*(b[0]-a[0])/(b[1]-a[1]), true
}

// segmentDistance2 is the squared distance from the origin to the segment (ax,ay)-(bx,by).
func segmentDistance2(ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = min(max(-(ax*dx+ay*dy)/l2, 0), 1)
	}
	x, y := ax+t*dx, ay+t*dy
	return x*x + y*y
}

// grid is a uniform grid over the set's bound; each cell lists the polygons whose bound meets
// it, in polygon (and so area) order.
type grid struct {
	bound  orb.Bound
	nx, ny int
	sx, sy float64  // cells per degree of longitude and latitude
	first  []uint32 // the polygons of cell c = iy*nx+ix are polys[first[c]:first[c+1]]
	polys  []uint32
}

// maxGridSide caps the grid at about a million cells (4 MB of offsets).
const maxGridSide = 1024

// newGrid sizes cells at half the median area extent, so a typical area spans a few cells
// and a cell meets only a few areas, whatever the scale of the set.
func newGrid(bound orb.Bound, areas []Area, polys []polygonIndex) grid {
	extents := make([]float64, len(areas))
	for i, a := range areas {
		extents[i] = max(a.Bound.Max[0]-a.Bound.Min[0], a.Bound.Max[1]-a.Bound.Min[1])
	}
	slices.Sort(extents)
	cellDeg := extents[len(extents)/2] / 2

	g := grid{bound: bound, nx: 1, ny: 1}
	w, h := bound.Max[0]-bound.Min[0], bound.Max[1]-bound.Min[1]
	if cellDeg > 0 {
		g.nx = min(maxGridSide, max(1, int(math.Ceil(w/cellDeg))))
		g.ny = min(maxGridSide, max(1, int(math.Ceil(h/cellDeg))))
	}
	if w > 0 {
		g.sx = float64(g.nx) / w
	}
	if h > 0 {
		g.sy = float64(g.ny) / h
	}

	g.first = make([]uint32, g.nx*g.ny+1)
	forEachCell := func(b orb.Bound, fn func(c int)) {
		ix0, iy0 := g.cell(b.Min)
		ix1, iy1 := g.cell(b.Max)
		for iy := iy0; iy <= iy1; iy++ {
			for ix := ix0; ix <= ix1; ix++ {
				fn(iy*g.nx + ix)
			}
		}
	}
	for _, pg := range polys {
		forEachCell(pg.bound, func(c int) { g.first[c+1]++ })
	}
	for c := 1; c < len(g.first); c++ {
		g.first[c] += g.first[c-1]
	}
	g.polys = make([]uint32, g.first[len(g.first)-1])
	next := slices.Clone(g.first[:len(g.first)-1])
	for i, pg := range polys {
		forEachCell(pg.bound, func(c int) {
			g.polys[next[c]] = uint32(i)
			next[c]++
		})
	}
	return g
}

// cell returns the cell holding p, clamped to the grid; like strip it is monotonic, so a
// polygon is found from every point of its bound.
func (g *grid) cell(p orb.Point) (ix, iy int) {
	return clampIndex((p[0]-g.bound.Min[0])*g.sx, g.nx), clampIndex((p[1]-g.bound.Min[1])*g.sy, g.ny)
}

// cellAt returns the polygons listed in cell (ix, iy).
func (g *grid) cellAt(ix, iy int) []uint32 {
	c := iy*g.nx + ix
	return g.polys[g.first[c]:g.first[c+1]]
}

// clampIndex converts a fractional cell coordinate to an index in [0, n), clamping before the
// conversion so that out-of-range and infinite values are safe.
func clampIndex(v float64, n int) int {
	if v >= float64(n-1) {
		return n - 1
	}
	if v > 0 {
		return int(v)
	}
	return 0
}
