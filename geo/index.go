package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// The index has two levels. A uniform grid over the set's bound lists, per cell, the polygons
// whose bound meets the cell; it narrows a point to a handful of candidates and also provides
// the candidates for the ambiguity check and the nearest fallback. Cells that no edge comes
// near also record the single area containing them, which answers most lookups at once. Each
// polygon then splits its latitude range into horizontal strips listing the edges that reach
// into them, so the crossing test only looks at the few edges a horizontal ray through the
// point can hit.

// edgesPerStrip trades index memory for lookup speed: each strip holds about this many edges
// plus those that pass through it.
const edgesPerStrip = 8

// polygonIndex is one polygon (outer ring and holes) prepared for point queries.
type polygonIndex struct {
	area  int // index of the owning area in BoundarySet.areas
	bound orb.Bound
	// Strip k covers latitudes [minY + k/scale, minY + (k+1)/scale); its edges are
	// segs[first[k]:first[k+1]]. Edges are stored by value, not as indexes into the rings,
	// so a lookup reads one contiguous run of memory instead of a dozen scattered vertices.
	minY, scale float64
	first       []uint32
	segs        []segment
}

// segment is one edge of a ring, from a to b.
type segment struct{ a, b orb.Point }

func newPolygonIndex(area int, poly orb.Polygon) polygonIndex {
	nEdges := 0
	for _, r := range poly {
		nEdges += len(r) - 1
	}
	bound := poly.Bound()
	nStrips := max(1, nEdges/edgesPerStrip)
	pg := polygonIndex{area: area, bound: bound, minY: bound.Min[1]}
	if h := bound.Max[1] - bound.Min[1]; h > 0 {
		pg.scale = float64(nStrips) / h
	}

	// Two passes over the edges: count entries per strip, then fill them (CSR layout).
	forEachEdge := func(fn func(s segment, lo, hi int)) {
		for _, r := range poly {
			for i := 0; i+1 < len(r); i++ {
				lo, hi := min(r[i][1], r[i+1][1]), max(r[i][1], r[i+1][1])
				fn(segment{r[i], r[i+1]}, pg.strip(lo), pg.strip(hi))
			}
		}
	}
	pg.first = make([]uint32, nStrips+1)
	forEachEdge(func(_ segment, lo, hi int) {
		for k := lo; k <= hi; k++ {
			pg.first[k+1]++
		}
	})
	for k := 1; k <= nStrips; k++ {
		pg.first[k] += pg.first[k-1]
	}
	pg.segs = make([]segment, pg.first[nStrips])
	next := slices.Clone(pg.first[:nStrips])
	forEachEdge(func(s segment, lo, hi int) {
		for k := lo; k <= hi; k++ {
			pg.segs[next[k]] = s
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
func (pg *polygonIndex) stripEdges(k int) []segment {
	return pg.segs[pg.first[k]:pg.first[k+1]]
}

// contains reports whether p is inside the polygon under the package's boundary rule. Only
// edges in p's strip can straddle p's latitude, so the others are not looked at.
func (pg *polygonIndex) contains(p orb.Point) bool {
	in := false
	for _, e := range pg.stripEdges(pg.strip(p[1])) {
		if x, ok := crossingX(e.a, e.b, p[1]); ok && p[0] < x {
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
			if max(e.a[0], e.b[0]) < window.Min[0] || min(e.a[0], e.b[0]) > window.Max[0] {
				continue // too far east or west
			}
			ax, ay := proj.metres(e.a)
			bx, by := proj.metres(e.b)
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

// grid is a uniform grid over the set's bound. Each cell lists the polygons whose bound meets
// it, in polygon (and so area) order, and, where possible, the one answer valid for the
// whole cell, which lets most lookups skip the polygon tests.
type grid struct {
	bound  orb.Bound
	nx, ny int
	sx, sy float64  // cells per degree of longitude and latitude
	first  []uint32 // the polygons of cell c = iy*nx+ix are polys[first[c]:first[c+1]]
	polys  []uint32
	owner  []int32 // per cell: the index of the one area containing all of it, noArea or mixed
}

const (
	noArea = -1 // no polygon contains any point of the cell
	mixed  = -2 // an edge may cross the cell, or areas overlap in it: test the polygons
)

// cellsPerEdge sizes the grid from the number of edges: the finer the cells relative to the
// boundaries, the more of them lie wholly inside one area and answer lookups without polygon
// tests. maxCells caps the grid at 4M cells (32 MB plus the polygon lists).
const (
	cellsPerEdge = 4
	maxCells     = 1 << 22
)

func newGrid(bound orb.Bound, areas []Area, polys []polygonIndex) grid {
	nEdges := 0
	for _, a := range areas {
		for _, poly := range a.Geometry {
			for _, r := range poly {
				nEdges += len(r) - 1
			}
		}
	}
	g := grid{bound: bound, nx: 1, ny: 1}
	w, h := bound.Max[0]-bound.Min[0], bound.Max[1]-bound.Min[1]
	if w > 0 && h > 0 {
		cellDeg := math.Sqrt(w * h / float64(min(maxCells, cellsPerEdge*nEdges)))
		g.nx = min(maxCells, max(1, int(w/cellDeg)))
		g.ny = min(maxCells/g.nx, max(1, int(h/cellDeg)))
	}
	if w > 0 {
		g.sx = float64(g.nx) / w
	}
	if h > 0 {
		g.sy = float64(g.ny) / h
	}
	g.listPolygons(polys)
	g.findOwners(areas, polys)
	return g
}

// listPolygons fills first and polys in two passes: count, then place (CSR layout).
func (g *grid) listPolygons(polys []polygonIndex) {
	g.first = make([]uint32, g.nx*g.ny+1)
	for _, pg := range polys {
		g.forEachCell(pg.bound, func(c int) { g.first[c+1]++ })
	}
	for c := 1; c < len(g.first); c++ {
		g.first[c] += g.first[c-1]
	}
	g.polys = make([]uint32, g.first[len(g.first)-1])
	next := slices.Clone(g.first[:len(g.first)-1])
	for i, pg := range polys {
		g.forEachCell(pg.bound, func(c int) {
			g.polys[next[c]] = uint32(i)
			next[c]++
		})
	}
}

// findOwners sets owner. Containment only changes across edges, so a cell that no edge's
// bound reaches is wholly inside or wholly outside each polygon, like its centre.
func (g *grid) findOwners(areas []Area, polys []polygonIndex) {
	g.owner = make([]int32, g.nx*g.ny)
	if g.sx == 0 || g.sy == 0 {
		for c := range g.owner {
			g.owner[c] = mixed // degenerate bound: no cell has a centre to test
		}
		return
	}
	for _, a := range areas {
		for _, poly := range a.Geometry {
			for _, r := range poly {
				for i := 0; i+1 < len(r); i++ {
					g.forEachCell(orb.Bound{Min: r[i], Max: r[i]}.Extend(r[i+1]), func(c int) { g.owner[c] = mixed })
				}
			}
		}
	}
	for iy := range g.ny {
		for ix := range g.nx {
			c := iy*g.nx + ix
			if g.owner[c] == mixed {
				continue
			}
			centre := orb.Point{
				g.bound.Min[0] + (float64(ix)+0.5)/g.sx,
				g.bound.Min[1] + (float64(iy)+0.5)/g.sy,
			}
			if cx, cy := g.cell(centre); cx != ix || cy != iy {
				g.owner[c] = mixed // rounding moved the centre out; be safe
				continue
			}
			owner := int32(noArea)
			for _, pi := range g.cellAt(ix, iy) {
				pg := &polys[pi]
				if int32(pg.area) == owner || !pg.bound.Contains(centre) || !pg.contains(centre) {
					continue
				}
				if owner != noArea {
					owner = mixed // overlapping areas: let Locate report the ambiguity
					break
				}
				owner = int32(pg.area)
			}
			g.owner[c] = owner
		}
	}
}

// forEachCell calls fn with every cell that b meets.
func (g *grid) forEachCell(b orb.Bound, fn func(c int)) {
	ix0, iy0 := g.cell(b.Min)
	ix1, iy1 := g.cell(b.Max)
	for iy := iy0; iy <= iy1; iy++ {
		for ix := ix0; ix <= ix1; ix++ {
			fn(iy*g.nx + ix)
		}
	}
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
