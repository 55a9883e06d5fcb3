package geo

import (
	"math"
	"math/big"

	"github.com/paulmach/orb"
)

// Reference answers what Locate(lat, lng, -1) must answer, without the index: it tests every
// edge of every area whose bound contains the point, under the boundary rule of the package
// (even-odd crossings of the ray going east, edges half-open in latitude, a point exactly on an
// edge not west of it), deciding each side test in exact rational arithmetic whenever floating
// point cannot. It is the slow definition that the tests and bench/ check Locate against, a
// few microseconds to milliseconds per point, and shares no code with the index.
func (s *BoundarySet) Reference(lat, lng float64) Match {
	if !(math.Abs(lat) <= 90 && math.Abs(lng) <= 180) {
		return Match{}
	}
	p := orb.Point{lng, lat}
	var m Match
	for i := range s.areas {
		a := &s.areas[i]
		if !a.Bound.Contains(p) || !referenceContains(a.Geometry, p) {
			continue
		}
		if m.Area != nil {
			m.Ambiguous = true
			return m
		}
		m.Area = a
	}
	return m
}

func referenceContains(mp orb.MultiPolygon, p orb.Point) bool {
	for _, poly := range mp {
		in := false
		for _, r := range poly {
			for i := 0; i+1 < len(r); i++ {
				lo, hi := r[i], r[i+1]
				if (lo[1] > p[1]) == (hi[1] > p[1]) {
					continue
				}
				if lo[1] > hi[1] {
					lo, hi = hi, lo
				}
				if referenceWestOf(lo, hi, p) {
					in = !in
				}
			}
		}
		if in {
			return true
		}
	}
	return false
}

// referenceWestOf reports whether p is strictly west of the line through lo and hi (lo below
// hi): the sign of (hi-lo) × (p-lo). A generous floating-point filter decides clear cases; the
// rest are computed exactly.
func referenceWestOf(lo, hi, p orb.Point) bool {
	t1 := (hi[0] - lo[0]) * (p[1] - lo[1])
	t2 := (p[0] - lo[0]) * (hi[1] - lo[1])
	if d := t1 - t2; math.Abs(d) > 1e-12*(math.Abs(t1)+math.Abs(t2)) {
		return d > 0
	}
	r := func(v float64) *big.Rat { return new(big.Rat).SetFloat64(v) }
	dx := new(big.Rat).Sub(r(hi[0]), r(lo[0]))
	py := new(big.Rat).Sub(r(p[1]), r(lo[1]))
	px := new(big.Rat).Sub(r(p[0]), r(lo[0]))
	dy := new(big.Rat).Sub(r(hi[1]), r(lo[1]))
	return new(big.Rat).Mul(dx, py).Cmp(new(big.Rat).Mul(px, dy)) > 0
}

// AgreementPoints draws n test points for checking Locate against Reference, in the places
// where an index goes wrong: a quarter uniformly over the set's bound, a quarter exactly on
// edges (interpolated, so within a rounding error of the line, on either side or on it), a
// quarter exactly on vertices, and a quarter within 1e-12 to 1e-5 degrees of a vertex. next
// returns uniform numbers in [0, 1) (math/rand/v2's Float64).
func (s *BoundarySet) AgreementPoints(n int, next func() float64) []orb.Point {
	var rings []orb.Ring
	for _, a := range s.areas {
		for _, poly := range a.Geometry {
			rings = append(rings, poly...)
		}
	}
	pick := func() (orb.Point, orb.Point) {
		r := rings[int(next()*float64(len(rings)))]
		i := int(next() * float64(len(r)-1))
		return r[i], r[i+1]
	}
	b := s.bound
	points := make([]orb.Point, n)
	for i := range points {
		switch i % 4 {
		case 0:
			points[i] = orb.Point{b.Min[0] + next()*(b.Max[0]-b.Min[0]), b.Min[1] + next()*(b.Max[1]-b.Min[1])}
		case 1:
			a, c := pick()
			t := next()
			points[i] = orb.Point{a[0] + t*(c[0]-a[0]), a[1] + t*(c[1]-a[1])}
		case 2:
			points[i], _ = pick()
		default:
			v, _ := pick()
			d := math.Pow(10, -12+7*next())
			ang := 2 * math.Pi * next()
			points[i] = orb.Point{v[0] + d*math.Cos(ang), v[1] + d*math.Sin(ang)}
		}
	}
	return points
}
