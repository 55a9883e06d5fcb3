package geo

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// The index has two levels. A uniform grid over the set's bound lists, per cell, the polygons
// whose bound meets the cell; it narrows a point to a handful of candidates and also provides
// the candidates for the ambiguity check and the nearest fallback. Cells that no edge comes
// near also record the single area containing them, which answers most lookups at once; cells
// that edges cross do the same per sub-cell, and most sub-cells that one shared boundary
// crosses are answered by a single polygon test (hint.go). Each polygon then splits its
// latitude range into horizontal strips listing the edges that reach into them, so the
// crossing test only looks at the few edges a horizontal ray through the point can hit.

// edgesPerStrip trades index memory for lookup speed: each strip holds about this many edges
// plus those that pass through it.
const edgesPerStrip = 8

// polygonIndex is one polygon (outer ring and holes) prepared for point queries.
type polygonIndex struct {
	area  int // index of the owning area in BoundarySet.areas
	bound orb.Bound
	// verts holds every ring of the polygon back to back. The Area's rings are re-sliced onto
	// it, so the index keeps no second copy of the coordinates, and the edges of one polygon
	// lie in one array, close together in memory.
	verts []orb.Point
	// Strip k covers latitudes [minY + k/scale, minY + (k+1)/scale); its edges are
	// edges[first[k]:first[k+1]], each the index i of its first vertex: the edge runs from
	// verts[i] to verts[i+1]. Four bytes per listed edge keep the index well under the size of
	// the coordinates (copies of the edges took three times that on the national set).
	minY, scale float64
	first       []uint32
	edges       []uint32
}

// newPolygonIndex indexes poly and moves its rings into one array (poly's ring slices are
// replaced by slices of it, which changes no coordinate).
func newPolygonIndex(area int, poly orb.Polygon) polygonIndex {
	nVerts := 0
	for _, r := range poly {
		nVerts += len(r)
	}
	verts := make([]orb.Point, 0, nVerts)
	for i, r := range poly {
		lo := len(verts)
		verts = append(verts, r...)
		poly[i] = orb.Ring(verts[lo:len(verts):len(verts)])
	}
	nEdges := nVerts - len(poly)
	bound := poly.Bound()
	nStrips := max(1, nEdges/edgesPerStrip)
	pg := polygonIndex{area: area, bound: bound, minY: bound.Min[1], verts: verts}
	if h := bound.Max[1] - bound.Min[1]; h > 0 {
		pg.scale = float64(nStrips) / h
	}

	// Two passes over the edges: count entries per strip, then fill them (CSR layout).
	forEachEdge := func(fn func(e uint32, lo, hi int)) {
		start := 0
		for _, r := range poly {
			for i := start; i+1 < start+len(r); i++ {
				lo, hi := min(verts[i][1], verts[i+1][1]), max(verts[i][1], verts[i+1][1])
				fn(uint32(i), pg.strip(lo), pg.strip(hi))
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

// stripEdges returns the edges reaching into strip k (indexes of their first vertex).
func (pg *polygonIndex) stripEdges(k int) []uint32 {
	return pg.edges[pg.first[k]:pg.first[k+1]]
}

// contains reports whether p is inside the polygon under the package's boundary rule. Only
// edges in p's strip can straddle p's latitude, so the others are not looked at.
func (pg *polygonIndex) contains(p orb.Point) bool {
	in := false
	v := pg.verts
	for _, e := range pg.stripEdges(pg.strip(p[1])) {
		if crossesEastOf(v[e], v[e+1], p) {
			in = !in
		}
	}
	return in
}

// crossesEastOf reports whether edge ab crosses the horizontal ray going east from p, under the
// package's boundary rule: the edge is half-open in latitude (one end strictly above p, the
// other at or below), which counts a vertex on the ray once and ignores east-west edges, and a
// p exactly on the edge is not west of it. The side is decided by the sign of an orientation
// determinant that is exact (a floating-point filter, then exact expansion arithmetic), not by
// computing the crossing's longitude, so the answer is the true one even for points a rounding
// error away from an edge, and two polygons sharing an edge, whichever direction they store it
// in, never both claim a point.
func crossesEastOf(a, b, p orb.Point) bool {
	if (a[1] > p[1]) == (b[1] > p[1]) {
		return false
	}
	if a[1] > b[1] {
		a, b = b, a
	}
	// With a below and b above, p is west of the crossing iff p is left of a→b.
	return orient(a, b, p) > 0
}

// orientErrBound is Shewchuk's ccwerrboundA: when |det| exceeds it times the sum of the absolute
// products, the floating-point sign of the orientation determinant is the exact sign.
const orientErrBound = (3 + 16*epsilon) * epsilon

const epsilon = 1.0 / (1 << 53)

// orient returns the sign of the orientation determinant of (a, b, c): positive when c is left
// of the directed line a→b, negative when right, 0 when the three points are collinear. Exact.
func orient(a, b, c orb.Point) int {
	detLeft := (a[0] - c[0]) * (b[1] - c[1])
	detRight := (a[1] - c[1]) * (b[0] - c[0])
	det := detLeft - detRight
	if math.Abs(det) > orientErrBound*(math.Abs(detLeft)+math.Abs(detRight)) {
		if det > 0 {
			return 1
		}
		return -1
	}
	return orientExact(a, b, c)
}

// orientExact evaluates the orientation determinant exactly, without allocating: each
// coordinate difference is split into its rounded value and rounding error (two-diff), each
// product of those parts into its rounded value and error (FMA), and the sixteen terms are
// summed into a non-overlapping expansion (Shewchuk's grow-expansion), whose largest
// component has the sign of the exact sum. It is only reached for points within a few rounding
// errors of the line, such as points on edges and vertices.
func orientExact(a, b, c orb.Point) int {
	acx, acxErr := twoDiff(a[0], c[0])
	bcy, bcyErr := twoDiff(b[1], c[1])
	acy, acyErr := twoDiff(a[1], c[1])
	bcx, bcxErr := twoDiff(b[0], c[0])
	var terms [16]float64
	n := 0
	for _, f := range [2][4]float64{{acx, acxErr, bcy, bcyErr}, {-acy, -acyErr, bcx, bcxErr}} {
		for _, x := range f[:2] {
			for _, y := range f[2:] {
				p := x * y
				terms[n], terms[n+1] = p, math.FMA(x, y, -p)
				n += 2
			}
		}
	}
	var e [16]float64
	for m, t := range terms {
		q := t
		for i := range m {
			q, e[i] = twoSum(q, e[i])
		}
		e[m] = q
	}
	for i := len(e) - 1; i >= 0; i-- {
		switch {
		case e[i] > 0:
			return 1
		case e[i] < 0:
			return -1
		}
	}
	return 0
}

// twoSum returns a+b rounded and its exact rounding error (Knuth).
func twoSum(a, b float64) (sum, err float64) {
	sum = a + b
	bv := sum - a
	av := sum - bv
	return sum, (a - av) + (b - bv)
}

// twoDiff returns a-b rounded and its exact rounding error.
func twoDiff(a, b float64) (diff, err float64) {
	return twoSum(a, -b)
}

// distance2 returns the squared distance in metres from the projection's origin to the
// nearest edge reaching into window's latitude range, or +Inf if there is none. Edges outside
// that range are farther away than the window's half-height, which the caller ignores anyway.
func (pg *polygonIndex) distance2(proj localProjection, window orb.Bound) float64 {
	d2 := math.Inf(1)
	for k := pg.strip(window.Min[1]); k <= pg.strip(window.Max[1]); k++ {
		for _, e := range pg.stripEdges(k) {
			a, b := pg.verts[e], pg.verts[e+1]
			if max(a[0], b[0]) < window.Min[0] || min(a[0], b[0]) > window.Max[0] {
				continue // too far east or west
			}
			ax, ay := proj.metres(a)
			bx, by := proj.metres(b)
			d2 = min(d2, segmentDistance2(ax, ay, bx, by))
		}
	}
	return d2
}

// crossingX reports where edge ab crosses the horizontal line at latitude y, with the
// half-open rule of crossesEastOf. InteriorPoint uses it to find stretches of a scan line
// inside a polygon; containment itself uses the exact crossesEastOf.
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
// whole cell, which lets most lookups skip the polygon tests. A cell a boundary crosses is
// split into subdiv × subdiv sub-cells with an answer each where one holds: a boundary crosses
// few of them, so a point inside an area is answered from the owner tables alone about
// subdiv times more often than without them, at 2 bytes per sub-cell of the boundary cells only.
type grid struct {
	bound  orb.Bound
	nx, ny int
	sx, sy float64  // cells per degree of longitude and latitude
	first  []uint32 // the polygons of cell c = iy*nx+ix are polys[first[c]:first[c+1]]
	polys  []uint32
	// owner per cell: the index of the one area containing all of it, noArea, mixed, or
	// (refined − block) for a cell split into sub-cells, whose owners are
	// sub[block*subdiv*subdiv:][:subdiv*subdiv], row by row, each an area, noArea or mixed.
	owner []int32
	sub   []int16
	// Sub-cell owners hinted−j name the block's j-th hint, hints[hintBase[block]+j].
	hintBase []uint32
	hints    []hint
}

const (
	noArea  = -1 // no polygon contains any point of the cell
	mixed   = -2 // an edge may cross the cell, or areas overlap in it: test the polygons
	refined = -3 // owner values refined, refined-1, … name the cell's block of sub-cells
	subdiv  = 8  // sub-cells per side of a refined cell
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
	first, refs := g.refine(areas, polys)
	g.addHints(first, refs, polys)
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

// refine splits every mixed cell into sub-cells (when areas fit in the int16 sub-cell owners)
// and finds each sub-cell's owner the way findOwners does for cells: a sub-cell that no edge's
// bound reaches is wholly inside or outside each polygon. Neighbouring such sub-cells of one cell
// share their answer (no edge separates them), so a point-in-polygon test is made once per
// connected group, not per sub-cell. It returns the edges reaching each sub-cell, which
// addHints needs next (see subCellEdges).
func (g *grid) refine(areas []Area, polys []polygonIndex) (first []uint32, refs []edgeRef) {
	if len(areas) > math.MaxInt16 || g.sx == 0 || g.sy == 0 {
		return nil, nil
	}
	blocks := 0
	for c, o := range g.owner {
		if o == mixed {
			g.owner[c] = refined - int32(blocks)
			blocks++
		}
	}
	const n = subdiv * subdiv
	g.sub = make([]int16, blocks*n)
	const unknown = math.MinInt16
	for i := range g.sub {
		g.sub[i] = unknown
	}
	first, refs = g.subCellEdges(areas)
	for c, o := range g.owner {
		if o <= refined {
			g.resolveBlock(c, int(refined-o), polys)
		}
	}
	return first, refs
}

// resolveBlock gives the sub-cells of cell c (block b) that no edge reaches their owner, one
// containment test per group of neighbouring such sub-cells.
func (g *grid) resolveBlock(c, b int, polys []polygonIndex) {
	const unknown = math.MinInt16
	block := g.sub[b*subdiv*subdiv : (b+1)*subdiv*subdiv]
	ix, iy := c%g.nx, c/g.nx
	var stack [subdiv * subdiv]int
	for start := range block {
		if block[start] != unknown {
			continue
		}
		owner := g.subCellOwner(ix, iy, start, polys)
		// Flood the group with its owner (4-neighbours that no edge reaches).
		block[start], stack[0] = owner, start
		for top := 1; top > 0; {
			top--
			s := stack[top]
			sx, sy := s%subdiv, s/subdiv
			for _, d := range [4][2]int{{-1, 0}, {1, 0}, {0, -1}, {0, 1}} {
				nx, ny := sx+d[0], sy+d[1]
				if nx < 0 || ny < 0 || nx >= subdiv || ny >= subdiv || block[ny*subdiv+nx] != unknown {
					continue
				}
				block[ny*subdiv+nx] = owner
				stack[top] = ny*subdiv + nx
				top++
			}
		}
	}
}

// subCellOwner tests the centre of sub-cell s of cell (ix, iy) against the cell's polygons:
// the one area containing it, noArea, or mixed when areas overlap there or rounding puts the
// centre in another sub-cell.
func (g *grid) subCellOwner(ix, iy, s int, polys []polygonIndex) int16 {
	centre := g.subCellCentre(ix, iy, s)
	if cx, cy, cs := g.subCell(centre); cx != ix || cy != iy || cs != s {
		return mixed
	}
	owner := int16(noArea)
	for _, pi := range g.cellAt(ix, iy) {
		pg := &polys[pi]
		if int16(pg.area) == owner || !pg.bound.Contains(centre) || !pg.contains(centre) {
			continue
		}
		if owner != noArea {
			return mixed
		}
		owner = int16(pg.area)
	}
	return owner
}

// subCellCentre returns the centre of sub-cell s of cell (ix, iy), up to rounding: callers
// check with subCell that it lies in the sub-cell.
func (g *grid) subCellCentre(ix, iy, s int) orb.Point {
	return orb.Point{
		g.bound.Min[0] + (float64(ix)+(float64(s%subdiv)+0.5)/subdiv)/g.sx,
		g.bound.Min[1] + (float64(iy)+(float64(s/subdiv)+0.5)/subdiv)/g.sy,
	}
}

// subCell returns the cell holding p (as cell does) and the sub-cell of it; sub-cells are
// monotonic like cells, so an edge is found from every sub-cell its bound meets.
func (g *grid) subCell(p orb.Point) (ix, iy, s int) {
	fx, fy := (p[0]-g.bound.Min[0])*g.sx, (p[1]-g.bound.Min[1])*g.sy
	ix, iy = clampIndex(fx, g.nx), clampIndex(fy, g.ny)
	return ix, iy, clampIndex((fy-float64(iy))*subdiv, subdiv)*subdiv + clampIndex((fx-float64(ix))*subdiv, subdiv)
}

// lookup is the answer of the owner tables for p in cell (ix, iy): an area, noArea, mixed,
// or hinted−i when hint i decides.
func (g *grid) lookup(p orb.Point, ix, iy int) int32 {
	o := g.owner[iy*g.nx+ix]
	if o > refined {
		return o
	}
	fx, fy := (p[0]-g.bound.Min[0])*g.sx, (p[1]-g.bound.Min[1])*g.sy
	s := clampIndex((fy-float64(iy))*subdiv, subdiv)*subdiv + clampIndex((fx-float64(ix))*subdiv, subdiv)
	b := int(refined - o)
	so := g.sub[b*subdiv*subdiv+s]
	if so <= hinted {
		return hinted - g.hintIndex(b, so)
	}
	return int32(so)
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
