package geo

import (
	"time"
	"unsafe"
)

// IndexStats describes a boundary set's index, so benchmarks can check it against the raw data:
// memory as a multiple of the coordinates it indexes, and the time the build took.
type IndexStats struct {
	Areas, Polygons, Rings, Vertices int
	// CoordinateBytes is the size of the raw coordinates (16 bytes per stored vertex, ring
	// closing vertices included), the geometry every Area keeps anyway.
	CoordinateBytes int
	// IndexBytes is what the index adds on top: per polygon the strip offsets and the edge
	// lists (the polygon's vertex array is the Area's geometry itself, counted above), and the
	// grid's cell lists, owners and hints.
	IndexBytes int
	// EdgeCopies is the number of edges stored in strips; an edge spanning several strips is
	// stored once per strip.
	EdgeCopies int
	GridCells  int
	// Hints is the number of boundary sub-cells answered with one polygon test.
	Hints int
	// Build is the time the index took after parsing.
	Build time.Duration
}

// IndexStats measures the index by the lengths of its slices (the Go headers and the Area
// strings are left out; they are small next to the coordinate arrays).
func (s *BoundarySet) IndexStats() IndexStats {
	st := IndexStats{Areas: len(s.areas), Polygons: len(s.polys), Build: s.buildTime, GridCells: len(s.grid.owner)}
	for _, a := range s.areas {
		for _, poly := range a.Geometry {
			st.Rings += len(poly)
			for _, r := range poly {
				st.Vertices += len(r)
			}
		}
	}
	st.CoordinateBytes = st.Vertices * 16
	const u32 = 4
	for i := range s.polys {
		pg := &s.polys[i]
		st.EdgeCopies += len(pg.edges)
		st.IndexBytes += int(unsafe.Sizeof(*pg)) + (len(pg.first)+len(pg.edges))*u32
	}
	g := &s.grid
	st.IndexBytes += (len(g.first)+len(g.polys)+len(g.owner)+len(g.hintBase))*u32 + len(g.sub)*2 +
		len(g.hints)*int(unsafe.Sizeof(hint{}))
	st.Hints = len(g.hints)
	return st
}
