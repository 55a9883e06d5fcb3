package geo

import (
	"math/rand/v2"
	"testing"
)

func TestDiag(t *testing.T) {
	for _, name := range []string{"longxuyen-2023", "angiang-2025", "national"} {
		var s *BoundarySet
		if name == "national" {
			s = loadNational(t)
		} else {
			s = loadSet(t, name)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		pts := randomInside(s, rng, 1<<14)
		var cands, boundOK, edges, fast int
		for _, p := range pts {
			ix, iy := s.grid.cell(p)
			if s.grid.owner[iy*s.grid.nx+ix] >= 0 {
				fast++
				continue
			}
			for _, pi := range s.grid.cellAt(ix, iy) {
				cands++
				pg := &s.polys[pi]
				if pg.bound.Contains(p) {
					boundOK++
					edges += len(pg.stripEdges(pg.strip(p[1])))
				}
			}
		}
		n := float64(len(pts))
		totalEdges := 0
		for _, pg := range s.polys {
			totalEdges += len(pg.segs)
		}
		t.Logf("%s: grid %dx%d entries %d; fast %.2f; slow per point: cands %.1f boundOK %.1f edges %.1f; strip entries %d", name, s.grid.nx, s.grid.ny, len(s.grid.polys), float64(fast)/n, float64(cands)/(n-float64(fast)), float64(boundOK)/(n-float64(fast)), float64(edges)/(n-float64(fast)), totalEdges)
	}
}
