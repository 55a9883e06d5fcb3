package geo

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// orient must give the exact sign of the determinant, which big.Rat computes here, on points
// chosen to defeat floating point: on and within a few ulps of a line, and on its ends.
func TestOrientExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	ratSign := func(a, b, c orb.Point) int {
		r := func(v float64) *big.Rat { return new(big.Rat).SetFloat64(v) }
		sub := func(x, y float64) *big.Rat { return new(big.Rat).Sub(r(x), r(y)) }
		left := new(big.Rat).Mul(sub(a[0], c[0]), sub(b[1], c[1]))
		right := new(big.Rat).Mul(sub(a[1], c[1]), sub(b[0], c[0]))
		return left.Cmp(right)
	}
	signs := map[int]int{}
	for i := range 200_000 {
		a := orb.Point{100 + 10*rng.Float64(), 8 + 15*rng.Float64()}
		b := orb.Point{a[0] + (rng.Float64()-0.5)*math.Pow(10, -6*rng.Float64()), a[1] + (rng.Float64()-0.5)*math.Pow(10, -6*rng.Float64())}
		var c orb.Point
		switch i % 4 {
		case 0: // on the segment, up to rounding
			f := rng.Float64()
			c = orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])}
		case 1: // a few ulps off it
			f := rng.Float64()
			c = orb.Point{a[0] + f*(b[0]-a[0]), a[1] + f*(b[1]-a[1])}
			for range rng.IntN(4) {
				c[0] = math.Nextafter(c[0], math.Inf(1))
			}
		case 2: // an end
			c = b
		default: // anywhere near
			c = orb.Point{a[0] + (rng.Float64()-0.5)*1e-6, a[1] + (rng.Float64()-0.5)*1e-6}
		}
		want := ratSign(a, b, c)
		signs[want]++
		if got := orient(a, b, c); got != want {
			t.Fatalf("orient(%v, %v, %v) = %d, exact sign %d", a, b, c, got, want)
		}
		if got := orientExact(a, b, c); got != want {
			t.Fatalf("orientExact(%v, %v, %v) = %d, exact sign %d", a, b, c, got, want)
		}
	}
	if signs[0] == 0 || signs[1] == 0 || signs[-1] == 0 {
		t.Fatalf("signs %v: the test points miss a case", signs)
	}
}
