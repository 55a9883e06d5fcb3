package geo

import "github.com/paulmach/orb"

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
	const n = subdiv * subdiv
	g.hintBase = make([]uint32, len(g.sub)/n)
	for c, o := range g.owner {
		if o > refined {
			continue
		}
		b := int(refined - o)
		g.hintBase[b] = uint32(len(g.hints))
		ix, iy := c%g.nx, c/g.nx
		j := 0
		for s := range n {
			gs := b*n + s
			if g.sub[gs] != mixed {
				continue
			}
			if h, ok := g.hintFor(ix, iy, s, refs[first[gs]:first[gs+1]], polys); ok {
				g.sub[gs] = int16(hinted - j)
				g.hints = append(g.hints, h)
				j++
			}
		}
	}
}

// subCellEdges marks mixed every sub-cell that an edge's bound reaches and lists those edges
// per sub-cell, grouped by polygon in polygon order (CSR layout: sub-cell s has
// refs[first[s]:first[s+1]]), for addHints.
func (g *grid) subCellEdges(areas []Area) (first []uint32, refs []edgeRef) {
	first = make([]uint32, len(g.sub)+1)
	forEachEdgeBound(areas, func(_, _ uint32, b orb.Bound) {
		g.forEachSubCell(b, func(s int) {
			g.sub[s] = mixed
			first[s+1]++
		})
	})
	for s := 1; s < len(first); s++ {
		first[s] += first[s-1]
	}
	refs = make([]edgeRef, first[len(first)-1])
	next := make([]uint32, len(g.sub))
	copy(next, first)
	forEachEdgeBound(areas, func(pi, v uint32, b orb.Bound) {
		g.forEachSubCell(b, func(s int) {
			refs[next[s]] = edgeRef{pi, v}
			next[s]++
		})
	})
	return first, refs
}

// forEachEdgeBound calls fn with every edge of every polygon, in the order of
// BoundarySet.polys: the polygon's index, the edge's first vertex in the polygon's verts, and
// the edge's bound.
func forEachEdgeBound(areas []Area, fn func(pi, v uint32, b orb.Bound)) {
	pi := uint32(0)
	for _, a := range areas {
		for _, poly := range a.Geometry {
			start := 0
			for _, r := range poly {
				for i := 0; i+1 < len(r); i++ {
					fn(pi, uint32(start+i), orb.Bound{Min: r[i], Max: r[i]}.Extend(r[i+1]))
				}
				start += len(r)
			}
			pi++
		}
	}
}

// hintFor returns the hint of sub-cell s of cell (ix, iy), reached by the edges refs, or false
// when the polygons with edges there do not all share the same segments.
func (g *grid) hintFor(ix, iy, s int, refs []edgeRef, polys []polygonIndex) (hint, bool) {
	if len(refs) == 0 || len(refs) > maxHintEdges {
		return hint{}, false
	}
	centre := g.subCellCentre(ix, iy, s)
	if cx, cy, cs := g.subCell(centre); cx != ix || cy != iy || cs != s {
		return hint{}, false
	}
	t := refs[0].poly
	n := 1
	for n < len(refs) && refs[n].poly == t {
		n++
	}
	if !distinctSegments(polys, refs[:n]) {
		return hint{}, false
	}
	for i := n; i < len(refs); {
		j := i + 1
		for j < len(refs) && refs[j].poly == refs[i].poly {
			j++
		}
		if !sameSegments(polys, refs[:n], refs[i:j]) {
			return hint{}, false
		}
		i = j
	}
	in, out := g.hintAnswers(ix, iy, centre, refs, polys)
	return hint{poly: t, in: in, out: out}, true
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

// segment returns the end points of edge r.
func segment(polys []polygonIndex, r edgeRef) (orb.Point, orb.Point) {
	v := polys[r.poly].verts
	return v[r.v], v[r.v+1]
}

// sameSegment reports whether edges r and q join the same two points, in either direction.
func sameSegment(polys []polygonIndex, r, q edgeRef) bool {
	a, b := segment(polys, r)
	c, d := segment(polys, q)
	return (a == c && b == d) || (a == d && b == c)
}

// distinctSegments reports whether no two of refs are the same segment.
func distinctSegments(polys []polygonIndex, refs []edgeRef) bool {
	for i := range refs {
		for j := range i {
			if sameSegment(polys, refs[i], refs[j]) {
				return false
			}
		}
	}
	return true
}

// sameSegments reports whether a and b list the same segments, given that a's are distinct:
// equal lengths and each list's segments all in the other make the lists equal as sets.
func sameSegments(polys []polygonIndex, a, b []edgeRef) bool {
	if len(a) != len(b) {
		return false
	}
	in := func(r edgeRef, list []edgeRef) bool {
		for _, q := range list {
			if sameSegment(polys, r, q) {
				return true
			}
		}
		return false
	}
	for i := range a {
		if !in(a[i], b) || !in(b[i], a) {
			return false
		}
	}
	return true
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
