package geo

import (
	"slices"

	"github.com/paulmach/orb"
)

// Most sub-cells that a boundary crosses are crossed by one shared boundary only: the same
// segments, stored by the two polygons on either side of it. There, containment in one of the
// polygons decides containment in the other and in every other polygon of the cell, so one
// polygon test answers the lookup instead of a test of every candidate. Such a sub-cell gets
// a hint: the polygon to test and the answer for either outcome.
//
// Why one test is exact: the parity of crossings of a polygon's edges (closed rings) is the same
// at all points of a region that none of its edges reaches. For two polygons, the sum modulo 2
// of their crossings is the parity of the edges only one of them has (shared segments cross a
// ray both or neither), and those edges form closed chains too. So when the two polygons' edges
// reaching a sub-cell are the same segments, containment in one equals containment in the other
// XOR a constant over the whole sub-cell, and a polygon with no edge in the sub-cell is a
// constant there. The constants are taken from the sub-cell's centre at build time.

// hint answers a lookup in one sub-cell with a single polygon test.
type hint struct {
	poly uint32 // index in BoundarySet.polys of the polygon to test
	// in and out are the answers when the point is inside poly and when it is not: an area
	// index, noArea, or an ambiguous answer (see ambiguousAnswer).
	in, out int32
}

const (
	// hinted marks a sub-cell with a hint: sub-cell owner hinted−j is the block's j-th hint;
	// grid.lookup returns hinted−i for hint i of the grid.
	hinted = -3
	// maxHintEdges bounds the quadratic comparison of edge lists; a sub-cell reached by more
	// edges keeps the full polygon tests.
	maxHintEdges = 32
)

// ambiguousAnswer encodes "area a, but another area contains the point too" as a hint answer.
func ambiguousAnswer(a int) int32 { return mixed - int32(a) }

// edgeRef names edge v (from verts[v] to verts[v+1]) of polygon poly.
type edgeRef struct{ poly, v uint32 }

// addHints gives a hint to each mixed sub-cell where one polygon test decides the answer.
// first and refs list the edges reaching each sub-cell (see subCellEdges).
func (g *grid) addHints(first []uint32, refs []edgeRef, polys []polygonIndex) {
	if g.sub == nil {
		return
	}
	g.hintBase = make([]uint32, len(g.sub)/(subdiv*subdiv))
	for c, o := range g.owner {
		if o <= refined {
			b := int(refined - o)
			g.hintBase[b] = uint32(len(g.hints))
			g.hintBlock(c, b, first, refs, polys)
		}
	}
}

// hintBlock adds the hints of the sub-cells of cell c (block b). The answers are found at the
// centre of one sub-cell and shared with its 4-neighbours that the same polygons' edges reach:
// over two such sub-cells together, the polygons without edges there are still constant and
// the others still differ from the hint's polygon by a constant, so a boundary's run of
// sub-cells through the cell costs one containment test per polygon, not one per sub-cell.
func (g *grid) hintBlock(c, b int, first []uint32, refs []edgeRef, polys []polygonIndex) {
	const n = subdiv * subdiv
	ix, iy, base := c%g.nx, c/g.nx, b*n
	var edges [n][]edgeRef // the edges of each sub-cell that can take a hint
	for s := range n {
		if r := refs[first[base+s]:first[base+s+1]]; g.sub[base+s] == mixed && hintable(polys, r) {
			edges[s] = r
		}
	}
	var answers [n][2]int32
	var done [n]bool
	var stack [n]int
	for start := range n {
		if edges[start] == nil || done[start] {
			continue
		}
		centre := g.subCellCentre(ix, iy, start)
		if cx, cy, cs := g.subCell(centre); cx != ix || cy != iy || cs != start {
			continue // rounding put the centre elsewhere; a neighbour may still answer for it
		}
		in, out := g.hintAnswers(ix, iy, centre, edges[start], polys)
		done[start], stack[0] = true, start
		for top := 1; top > 0; {
			top--
			s := stack[top]
			answers[s] = [2]int32{in, out}
			for _, t := range subCellNeighbours(s) {
				if t >= 0 && !done[t] && edges[t] != nil && samePolygons(edges[s], edges[t]) {
					done[t], stack[top] = true, t
					top++
				}
			}
		}
	}
	j := 0
	for s := range n {
		if done[s] {
			g.sub[base+s] = int16(hinted - j)
			g.hints = append(g.hints, hint{poly: edges[s][0].poly, in: answers[s][0], out: answers[s][1]})
			j++
		}
	}
}

// subCellNeighbours returns the 4-neighbours of sub-cell s within its cell, -1 where there is
// none.
func subCellNeighbours(s int) [4]int {
	x, y := s%subdiv, s/subdiv
	nb := [4]int{-1, -1, -1, -1}
	if x > 0 {
		nb[0] = s - 1
	}
	if x < subdiv-1 {
		nb[1] = s + 1
	}
	if y > 0 {
		nb[2] = s - subdiv
	}
	if y < subdiv-1 {
		nb[3] = s + subdiv
	}
	return nb
}

// samePolygons reports whether the edge lists a and b (grouped by polygon) come from the same
// polygons.
func samePolygons(a, b []edgeRef) bool {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i].poly != b[j].poly {
			return false
		}
		p := a[i].poly
		for i < len(a) && a[i].poly == p {
			i++
		}
		for j < len(b) && b[j].poly == p {
			j++
		}
	}
	return i == len(a) && j == len(b)
}

// subCellEdges marks mixed every sub-cell that an edge's bound reaches and lists those edges
// per sub-cell, grouped by polygon in polygon order (CSR layout: sub-cell s has
// refs[first[s]:first[s+1]]), for addHints.
func (g *grid) subCellEdges(areas []Area) (first []uint32, refs []edgeRef) {
	first = make([]uint32, len(g.sub)+1)
	g.forEachEdgeSubCell(areas, func(_, _ uint32, s int) {
		g.sub[s] = mixed
		first[s+1]++
	})
	for s := 1; s < len(first); s++ {
		first[s] += first[s-1]
	}
	refs = make([]edgeRef, first[len(first)-1])
	next := make([]uint32, len(g.sub))
	copy(next, first)
	g.forEachEdgeSubCell(areas, func(pi, v uint32, s int) {
		refs[next[s]] = edgeRef{pi, v}
		next[s]++
	})
	return first, refs
}

// forEachEdgeSubCell calls fn with every edge of every polygon, in the order of
// BoundarySet.polys (the polygon's index and the edge's first vertex in the polygon's verts),
// and every sub-cell of a refined cell that the edge's bound meets. The sub-cell column and row
// of each vertex are computed once for the two edges that share it.
func (g *grid) forEachEdgeSubCell(areas []Area, fn func(pi, v uint32, s int)) {
	pi := uint32(0)
	for _, a := range areas {
		for _, poly := range a.Geometry {
			start := 0
			for _, r := range poly {
				x0, y0 := g.subColumnRow(r[0])
				for i := 1; i < len(r); i++ {
					x1, y1 := g.subColumnRow(r[i])
					for y := min(y0, y1); y <= max(y0, y1); y++ {
						for x := min(x0, x1); x <= max(x0, x1); x++ {
							if o := g.owner[(y/subdiv)*g.nx+x/subdiv]; o <= refined {
								fn(pi, uint32(start+i-1), int(refined-o)*subdiv*subdiv+(y%subdiv)*subdiv+x%subdiv)
							}
						}
					}
					x0, y0 = x1, y1
				}
				start += len(r)
			}
			pi++
		}
	}
}

// subColumnRow returns the sub-cell column and row of p counted over the whole grid; subCell
// computes the column from p's longitude only and the row from its latitude only, and both
// are monotonic, so an edge's bound meets the columns and rows between its ends'.
func (g *grid) subColumnRow(p orb.Point) (x, y int) {
	ix, iy, s := g.subCell(p)
	return ix*subdiv + s%subdiv, iy*subdiv + s/subdiv
}

// hintable reports whether the polygons with edges in refs all have the same segments there, so
// that one of them decides the others. Each polygon's segments there must be distinct (a
// segment listed twice would cancel out of its crossings).
func hintable(polys []polygonIndex, refs []edgeRef) bool {
	if len(refs) == 0 || len(refs) > maxHintEdges {
		return false
	}
	var first, other [maxHintEdges]segmentKey
	n := 0
	for n < len(refs) && refs[n].poly == refs[0].poly {
		first[n] = keyOf(polys, refs[n])
		if slices.Contains(first[:n], first[n]) {
			return false
		}
		n++
	}
	for i := n; i < len(refs); {
		m := 0
		for ; i < len(refs) && refs[i].poly == refs[i-m].poly; i++ {
			other[m] = keyOf(polys, refs[i])
			if !slices.Contains(first[:n], other[m]) || slices.Contains(other[:m], other[m]) {
				return false
			}
			m++
		}
		if m != n {
			return false // distinct, all among first's, as many: the same segments
		}
	}
	return true
}

// segmentKey is a segment with its end points in a fixed order, so that a segment compares
// equal to itself stored in the other direction.
type segmentKey [2]orb.Point

// keyOf returns the key of edge r.
func keyOf(polys []polygonIndex, r edgeRef) segmentKey {
	v := polys[r.poly].verts
	a, b := v[r.v], v[r.v+1]
	if b[0] < a[0] || (b[0] == a[0] && b[1] < a[1]) {
		a, b = b, a
	}
	return segmentKey{a, b}
}

// hintAnswers returns what locateInPolygons answers in the sub-cell when the hint's polygon
// (that of refs[0]) contains the point and when it does not: polygons with edges in the
// sub-cell follow the hint's polygon up to their constant difference at the centre, the others
// keep their containment of the centre.
func (g *grid) hintAnswers(ix, iy int, centre orb.Point, refs []edgeRef, polys []polygonIndex) (in, out int32) {
	tCentre := polys[refs[0].poly].holds(centre)
	whenIn, whenOut := answerBuilder{hit: -1}, answerBuilder{hit: -1}
	for _, pi := range g.cellAt(ix, iy) {
		pg := &polys[pi]
		v := pi == refs[0].poly && tCentre || pi != refs[0].poly && pg.holds(centre)
		vIn, vOut := v, v
		for _, r := range refs {
			if r.poly == pi {
				vIn, vOut = v == tCentre, v != tCentre
				break
			}
		}
		whenIn.add(pg.area, vIn)
		whenOut.add(pg.area, vOut)
	}
	return whenIn.answer(), whenOut.answer()
}

// answerBuilder collects the areas containing a point in polygon order, as locateInPolygons
// does: the first area wins, and a second one makes the answer ambiguous.
type answerBuilder struct {
	hit       int
	ambiguous bool
}

func (b *answerBuilder) add(area int, in bool) {
	if !in || b.ambiguous || area == b.hit {
		return
	}
	if b.hit >= 0 {
		b.ambiguous = true
		return
	}
	b.hit = area
}

// answer encodes the result as a hint answer.
func (b *answerBuilder) answer() int32 {
	switch {
	case b.hit < 0:
		return noArea
	case b.ambiguous:
		return ambiguousAnswer(b.hit)
	default:
		return int32(b.hit)
	}
}

// holds reports whether p is inside the polygon, checking the bound first as lookups do.
func (pg *polygonIndex) holds(p orb.Point) bool {
	return pg.bound.Contains(p) && pg.contains(p)
}

// locateByHint answers p with hint i: one polygon test, then the precomputed answer.
func (s *BoundarySet) locateByHint(p orb.Point, i int) (Match, bool) {
	h := &s.grid.hints[i]
	a := h.out
	if s.polys[h.poly].holds(p) {
		a = h.in
	}
	switch {
	case a >= 0:
		return Match{Area: &s.areas[a]}, true
	case a == noArea:
		return Match{}, false
	default:
		return Match{Area: &s.areas[mixed-a], Ambiguous: true}, true
	}
}

// hintIndex returns the index in hints of the sub-cell owner o (≤ hinted) of block b.
func (g *grid) hintIndex(b int, o int16) int32 {
	return int32(g.hintBase[b]) + int32(hinted-o)
}
