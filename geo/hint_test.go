package geo

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// TestHintsAgreeWithReference checks the sub-cells answered by one polygon test where they are
// hardest: at every vertex and on every edge inside a hinted sub-cell, at the sub-cell's
// corners and at a random point in it, on a gap-free tiling and on coarse data with overlaps
// (where hints answer "ambiguous").
func TestHintsAgreeWithReference(t *testing.T) {
	for _, tt := range []struct {
		name          string
		wantAmbiguous bool
	}{
		{"longxuyen-2023", false},
		{"longxuyen-2023-coarse-raw", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := loadSet(t, tt.name)
			g := &s.grid
			if len(g.hints) == 0 {
				t.Fatal("no hints: every boundary sub-cell takes the full polygon tests")
			}
			ambiguous := 0
			for _, h := range g.hints {
				if h.in < noArea || h.out < noArea {
					ambiguous++
				}
			}
			if tt.wantAmbiguous && ambiguous == 0 {
				t.Error("no hint answers ambiguous on data with overlaps")
			}
			rng := rand.New(rand.NewPCG(3, 4))
			checked := 0
			check := func(p orb.Point) {
				ix, iy := g.cell(p)
				if !s.bound.Contains(p) || g.lookup(p, ix, iy) > hinted {
					return
				}
				checked++
				if want, got := s.Reference(p[1], p[0]), s.Locate(p[1], p[0], -1); want != got {
					t.Fatalf("Locate(%v) = %s, reference %s", p, describe(got), describe(want))
				}
			}
			step := 1 // every edge; a sample under -short and -race, where Reference is slow
			if testing.Short() || raceEnabled() {
				step = 16
			}
			for _, pg := range s.polys {
				for i := 0; i+1 < len(pg.verts); i += step {
					a, b := pg.verts[i], pg.verts[i+1]
					u := rng.Float64()
					check(a)
					check(orb.Point{a[0] + u*(b[0]-a[0]), a[1] + u*(b[1]-a[1])})
				}
			}
			checkSubCellCorners(g, rng, step, check)
			t.Logf("%d hints (%d with an ambiguous answer), %d points checked in hinted sub-cells", len(g.hints), ambiguous, checked)
		})
	}
}

// checkSubCellCorners calls check with the corners of every sub-cell of every step-th refined
// cell and with a random point inside it.
func checkSubCellCorners(g *grid, rng *rand.Rand, step int, check func(orb.Point)) {
	for c, o := range g.owner {
		if o > refined || int(refined-o)%step != 0 {
			continue
		}
		ix, iy := c%g.nx, c/g.nx
		for s := range subdiv * subdiv {
			x0 := g.bound.Min[0] + (float64(ix)+float64(s%subdiv)/subdiv)/g.sx
			y0 := g.bound.Min[1] + (float64(iy)+float64(s/subdiv)/subdiv)/g.sy
			w, h := 1/(subdiv*g.sx), 1/(subdiv*g.sy)
			for _, p := range []orb.Point{{x0, y0}, {x0 + w, y0}, {x0, y0 + h}, {x0 + w, y0 + h}} {
				check(p)
			}
			check(orb.Point{x0 + rng.Float64()*w, y0 + rng.Float64()*h})
		}
	}
}
