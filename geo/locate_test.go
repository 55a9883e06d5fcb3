package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// appToleranceM is the nearest-area tolerance the app uses.
const appToleranceM = 200

// metresPerDegreeLat converts test offsets in metres to degrees (same radius as the package).
const metresPerDegreeLat = 6371008.8 * math.Pi / 180

func TestLocateCityCentre(t *testing.T) {
	s := loadSet(t, "longxuyen-2023")
	m := s.Locate(10.386, 105.435, appToleranceM)
	if m.Area == nil || m.Area.Code != "30280" || m.Area.Name != "Mỹ Bình" || m.Nearest || m.Ambiguous {
		t.Errorf("Locate(city centre) = %s, want 30280 Mỹ Bình inside", describe(m))
	}
}

func TestInteriorPointLocatesBack(t *testing.T) {
	for _, name := range []string{"longxuyen-2023", "angiang-2025"} {
		t.Run(name, func(t *testing.T) {
			s := loadSet(t, name)
			for _, a := range s.Areas() {
				p := a.InteriorPoint()
				if !planar.MultiPolygonContains(a.Geometry, p) {
					t.Errorf("%s %s: InteriorPoint %v is outside the area by orb's test", a.Code, a.Name, p)
				}
				if d := bruteDistances([]Area{a}, p)[a.Code]; d == 0 {
					t.Errorf("%s %s: InteriorPoint %v lies on the boundary", a.Code, a.Name, p)
				}
				m := s.Locate(p[1], p[0], appToleranceM)
				if m.Area == nil || m.Area.Code != a.Code || m.Nearest || m.Ambiguous {
					t.Errorf("%s %s: Locate(InteriorPoint %v) = %s, want it inside, unambiguously", a.Code, a.Name, p, describe(m))
				}
			}
		})
	}
}

func TestLocateSynthetic(t *testing.T) {
	holed := feature("holed", geometry("Polygon", []orb.Ring{
		rect(105.00, 10.00, 105.10, 10.10),
		rect(105.04, 10.04, 105.06, 10.06), // the hole
	}))
	island := feature("island", geometry("Polygon", []orb.Ring{rect(105.04, 10.04, 105.06, 10.06)}))
	twoParts := feature("two-parts", geometry("MultiPolygon", []orb.Polygon{
		{rect(105.20, 10.00, 105.30, 10.10)},
		{rect(105.40, 10.00, 105.50, 10.10)},
	}))
	// Three squares meeting along x = 105.1 and y = 10.1, sharing identical vertices.
	w := feature("w", geometry("Polygon", []orb.Ring{rect(105.0, 10.0, 105.1, 10.1)}))
	e := feature("e", geometry("Polygon", []orb.Ring{rect(105.1, 10.0, 105.2, 10.1)}))
	n := feature("n", geometry("Polygon", []orb.Ring{{{105.0, 10.1}, {105.0, 10.2}, {105.1, 10.2}, {105.1, 10.1}, {105.0, 10.1}}})) // clockwise
	// Two overlapping squares: codes "a" < "b".
	a := feature("a", geometry("Polygon", []orb.Ring{rect(105.0, 10.0, 105.1, 10.1)}))
	b := feature("b", geometry("Polygon", []orb.Ring{rect(105.05, 10.0, 105.15, 10.1)}))

	lngM := metresPerDegreeLat * math.Cos(10.05*math.Pi/180) // metres per degree of longitude at 10.05°N
	tests := []struct {
		name       string
		set        []string
		lat, lng   float64
		tolM       float64
		want       string // "" for no match
		nearest    bool
		ambiguous  bool
		distanceM  float64
		distanceTo float64 // allowed error of distanceM
	}{
		{name: "in ring outside hole", set: []string{holed}, lat: 10.02, lng: 105.02, tolM: 200, want: "holed"},
		{name: "in hole, far from its edge", set: []string{holed}, lat: 10.05, lng: 105.05, tolM: 200},
		{name: "in hole, within tolerance", set: []string{holed}, lat: 10.05, lng: 105.045, tolM: 1000, want: "holed", nearest: true, distanceM: 0.005 * lngM, distanceTo: 0.01},
		{name: "island filling the hole", set: []string{holed, island}, lat: 10.05, lng: 105.05, tolM: 200, want: "island"},
		{name: "ring around the island", set: []string{holed, island}, lat: 10.03, lng: 105.05, tolM: 200, want: "holed"},
		{name: "first part of multipolygon", set: []string{twoParts}, lat: 10.05, lng: 105.25, tolM: 200, want: "two-parts"},
		{name: "second part of multipolygon", set: []string{twoParts}, lat: 10.05, lng: 105.45, tolM: 200, want: "two-parts"},
		{name: "between parts of multipolygon", set: []string{twoParts}, lat: 10.05, lng: 105.35, tolM: 200},
		{name: "on shared north-south edge goes east", set: []string{w, e, n}, lat: 10.05, lng: 105.1, tolM: 200, want: "e"},
		{name: "on shared east-west edge goes north", set: []string{w, e, n}, lat: 10.1, lng: 105.05, tolM: 200, want: "n"},
		{name: "on shared vertex goes north-east", set: []string{w, e, n}, lat: 10.0, lng: 105.1, tolM: 200, want: "e"},
		{name: "on west outline is inside", set: []string{w, e, n}, lat: 10.05, lng: 105.0, tolM: 200, want: "w"},
		{name: "on east outline is nearest at 0 m", set: []string{w, e, n}, lat: 10.05, lng: 105.2, tolM: 200, want: "e", nearest: true},
		{name: "overlap is ambiguous, lowest code wins", set: []string{b, a}, lat: 10.05, lng: 105.07, tolM: 200, want: "a", ambiguous: true},
		{name: "only in the higher code", set: []string{b, a}, lat: 10.05, lng: 105.12, tolM: 200, want: "b"},
		{name: "tolerance 0 disables proximity", set: []string{w}, lat: 10.05, lng: 105.1001, tolM: 0},
		{name: "negative tolerance disables fallback", set: []string{w}, lat: 10.05, lng: 105.1001, tolM: -1},
		{name: "NaN tolerance disables fallback", set: []string{w}, lat: 10.05, lng: 105.1001, tolM: math.NaN()},
		{name: "NaN latitude", set: []string{w}, lat: math.NaN(), lng: 105.05, tolM: 200},
		{name: "NaN longitude", set: []string{w}, lat: 10.05, lng: math.NaN(), tolM: 200},
		{name: "latitude out of range", set: []string{w}, lat: 91, lng: 105.05, tolM: 1e9},
		{name: "infinite longitude", set: []string{w}, lat: 10.05, lng: math.Inf(1), tolM: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("synthetic", featureCollection(tt.set...))
			if err != nil {
				t.Fatal(err)
			}
			m := s.Locate(tt.lat, tt.lng, tt.tolM)
			got := ""
			if m.Area != nil {
				got = m.Area.Code
			}
			if got != tt.want || m.Nearest != tt.nearest || m.Ambiguous != tt.ambiguous ||
				math.Abs(m.DistanceM-tt.distanceM) > tt.distanceTo {
				t.Errorf("Locate(%v, %v, %v) = %s, want area %q nearest=%v ambiguous=%v distance %.3f m",
					tt.lat, tt.lng, tt.tolM, describe(m), tt.want, tt.nearest, tt.ambiguous, tt.distanceM)
			}
		})
	}
}

// Points on edges shared by two areas of the real gap-free set must go to exactly one area.
// Which one is not checked here: the data has zero-width spikes along some shared edges, where
// the owner of a point exactly on the edge is an artefact of the spike.
func TestLocateSharedEdgesOfRealData(t *testing.T) {
	s := loadSet(t, "longxuyen-2023")
	type edge struct{ a, b orb.Point }
	owner := map[edge]string{}
	for _, a := range s.Areas() {
		for _, poly := range a.Geometry {
			for _, r := range poly {
				for i := 0; i+1 < len(r); i++ {
					owner[edge{r[i], r[i+1]}] = a.Code
				}
			}
		}
	}
	shared := 0
	for e, code := range owner {
		other, ok := owner[edge{e.b, e.a}]
		if !ok || other == code || code > other { // visit each shared edge once
			continue
		}
		shared++
		mid := orb.Point{(e.a[0] + e.b[0]) / 2, (e.a[1] + e.b[1]) / 2}
		for _, p := range []orb.Point{e.a, mid} {
			// A point in a sliver gap of the data is routed by proximity, hence 1 m.
			if m := s.Locate(p[1], p[0], 1); m.Area == nil || m.Ambiguous {
				t.Errorf("point %v on the edge between %s and %s: Locate = %s, want one area", p, code, other, describe(m))
			}
		}
	}
	if shared < 100 {
		t.Fatalf("found only %d shared edges; the test data should be a tiling", shared)
	}
}

// Points on slanted edges shared by neighbouring triangles, stored in opposite directions,
// must go to exactly one of the two triangles: never both, never neither.
func TestLocateSlantedSharedEdges(t *testing.T) {
	centre := orb.Point{105.0312345, 10.0198765}
	rim := []orb.Point{{105.1, 10.0123}, {105.0701, 10.0897}, {104.9876, 10.0778}, {104.9432, 10.0011}, {104.9954, 9.9456}, {105.0789, 9.9567}}
	var features []string
	for i := range rim {
		ring := orb.Ring{centre, rim[i], rim[(i+1)%len(rim)], centre}
		features = append(features, feature(fmt.Sprint(i), geometry("Polygon", []orb.Ring{ring})))
	}
	s, err := Parse("fan", featureCollection(features...))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for i, v := range rim {
		for range 2000 {
			f := rng.Float64()
			p := orb.Point{centre[0] + f*(v[0]-centre[0]), centre[1] + f*(v[1]-centre[1])}
			m := s.Locate(p[1], p[0], 0)
			left, right := fmt.Sprint((i+len(rim)-1)%len(rim)), fmt.Sprint(i)
			if m.Area == nil || m.Nearest || m.Ambiguous || (m.Area.Code != left && m.Area.Code != right) {
				t.Fatalf("point %v on the edge between triangles %s and %s: Locate = %s", p, left, right, describe(m))
			}
		}
	}
}

// A point just outside the outline is routed to the area it is closest to.
func TestLocateOutsideOutline(t *testing.T) {
	for _, name := range []string{"longxuyen-2023", "angiang-2025"} {
		s := loadSet(t, name)
		areas := s.Areas()
		for _, dir := range []struct {
			name   string
			dx, dy float64 // outward unit direction
		}{{"west", -1, 0}, {"east", 1, 0}, {"south", 0, -1}, {"north", 0, 1}} {
			v := extremeVertex(areas, dir.dx, dir.dy)
			lngM := metresPerDegreeLat * math.Cos(v[1]*math.Pi/180)
			at := func(m float64) orb.Point { return orb.Point{v[0] + dir.dx*m/lngM, v[1] + dir.dy*m/metresPerDegreeLat} }
			for _, tt := range []struct {
				offsetM, tolM float64
				match         bool
			}{
				{100, appToleranceM, true},
				{300, appToleranceM, false},
				{5000, appToleranceM, false},
				{5000, 10000, true},
			} {
				t.Run(fmt.Sprintf("%s/%s/%.0fm/tolerance %.0fm", name, dir.name, tt.offsetM, tt.tolM), func(t *testing.T) {
					p := at(tt.offsetM)
					m := s.Locate(p[1], p[0], tt.tolM)
					if !tt.match {
						if m.Area != nil {
							t.Errorf("Locate(%v) = %s, want no area", p, describe(m))
						}
						return
					}
					wantCode, wantD, _ := bruteNearest(areas, p)
					if m.Area == nil || m.Area.Code != wantCode || !m.Nearest || m.Ambiguous ||
						math.Abs(m.DistanceM-tt.offsetM) > 1e-6*tt.offsetM || math.Abs(m.DistanceM-wantD) > 1e-6 {
						t.Errorf("Locate(%v) = %s, want %s nearest at %.3f m", p, describe(m), wantCode, wantD)
					}
				})
			}
		}
	}
}

// extremeVertex returns the vertex farthest in direction (dx, dy), an axis direction.
func extremeVertex(areas []Area, dx, dy float64) orb.Point {
	var best orb.Point
	bestV := math.Inf(-1)
	for _, a := range areas {
		for _, poly := range a.Geometry {
			for _, p := range poly[0] {
				if v := p[0]*dx + p[1]*dy; v > bestV {
					best, bestV = p, v
				}
			}
		}
	}
	return best
}

// The coarse raw data has overlapping polygons; a point in two of them must be flagged.
func TestLocateAmbiguousCoarse(t *testing.T) {
	s := loadSet(t, "longxuyen-2023-coarse-raw")
	areas, b := s.Areas(), s.Bound()
	const steps = 200
	found := 0
	for i := range steps {
		for j := range steps {
			p := orb.Point{
				b.Min[0] + (b.Max[0]-b.Min[0])*(float64(i)+0.5)/steps,
				b.Min[1] + (b.Max[1]-b.Min[1])*(float64(j)+0.5)/steps,
			}
			codes := bruteContains(areas, p)
			if len(codes) < 2 {
				continue
			}
			found++
			m := s.Locate(p[1], p[0], appToleranceM)
			if m.Area == nil || m.Area.Code != codes[0] || !m.Ambiguous || m.Nearest {
				t.Errorf("Locate(%v) = %s, want %s (lowest of %v), ambiguous", p, describe(m), codes[0], codes)
			}
		}
	}
	if found == 0 {
		t.Fatal("no point of the sample grid lies in two polygons; the overlap test tested nothing")
	}
	t.Logf("%d of %d grid points lie in two or more polygons", found, steps*steps)
}

// Locate must agree with orb's brute-force point-in-polygon over all areas, and its nearest
// fallback with a brute-force scan of all edges.
func TestLocateMatchesBruteForce(t *testing.T) {
	for _, tt := range []struct {
		name      string
		maxMisses int // misses checked against the (slow) brute-force nearest scan
	}{
		{"longxuyen-2023", 2000},
		{"longxuyen-2023-coarse-raw", 2000},
		{"angiang-2025", 300},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := loadSet(t, tt.name)
			areas, b := s.Areas(), s.Bound()
			rng := rand.New(rand.NewPCG(1, 2))
			var inside, ambiguous, nearest, none, misses int
			for range 100_000 {
				p := orb.Point{
					b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]),
					b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1]),
				}
				m := s.Locate(p[1], p[0], appToleranceM)
				if codes := bruteContains(areas, p); len(codes) > 0 {
					inside++
					if len(codes) > 1 {
						ambiguous++
					}
					if m.Area == nil || m.Area.Code != codes[0] || m.Nearest || m.Ambiguous != (len(codes) > 1) {
						t.Errorf("Locate(%v) = %s, want %s (in %v)", p, describe(m), codes[0], codes)
					}
					continue
				}
				if m.Area != nil && !m.Nearest {
					t.Errorf("Locate(%v) = %s, but the point is in no polygon", p, describe(m))
				}
				if misses++; misses > tt.maxMisses {
					continue
				}
				wantCode, wantD, dist := bruteNearest(areas, p)
				switch {
				case math.Abs(wantD-appToleranceM) < 1e-6:
					// Too close to the tolerance to call either way.
				case wantD > appToleranceM:
					none++
					if m.Area != nil {
						t.Errorf("Locate(%v) = %s, want no area (nearest %s at %.3f m)", p, describe(m), wantCode, wantD)
					}
				default:
					nearest++
					// Near-ties may break differently between the two distance formulas.
					if m.Area == nil || !m.Nearest || math.Abs(dist[m.Area.Code]-wantD) > 1e-6 || math.Abs(m.DistanceM-wantD) > 1e-6 {
						t.Errorf("Locate(%v) = %s, want %s nearest at %.6f m", p, describe(m), wantCode, wantD)
					}
				}
			}
			t.Logf("100000 points: %d inside (%d ambiguous), %d outside; of %d checked outside: %d nearest, %d beyond tolerance",
				inside, ambiguous, 100_000-inside, min(misses, tt.maxMisses), nearest, none)
		})
	}
}

func TestLocateDoesNotAllocate(t *testing.T) {
	s := loadSet(t, "angiang-2025")
	var inside []orb.Point
	for _, a := range s.Areas() {
		inside = append(inside, a.InteriorPoint())
	}
	outside := orb.Point{s.Bound().Min[0] - 0.001, s.Bound().Min[1] - 0.001}
	for _, tt := range []struct {
		name   string
		points []orb.Point
	}{
		{"inside", inside},
		{"nearest fallback", []orb.Point{outside}},
	} {
		allocs := testing.AllocsPerRun(100, func() {
			for _, p := range tt.points {
				s.Locate(p[1], p[0], 1000)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: Locate allocates %v times per run, want 0", tt.name, allocs)
		}
	}
}

// Concurrent lookups on one set must be safe (run with -race) and agree with serial ones.
func TestLocateConcurrent(t *testing.T) {
	s := loadSet(t, "longxuyen-2023")
	b := s.Bound()
	rng := rand.New(rand.NewPCG(3, 4))
	points := make([]orb.Point, 2000)
	want := make([]Match, len(points))
	for i := range points {
		points[i] = orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		want[i] = s.Locate(points[i][1], points[i][0], appToleranceM)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i, p := range points {
				if got := s.Locate(p[1], p[0], appToleranceM); got != want[i] {
					t.Errorf("concurrent Locate(%v) = %s, serial %s", p, describe(got), describe(want[i]))
				}
			}
		})
	}
	wg.Wait()
}

func describe(m Match) string {
	if m.Area == nil {
		return "no area"
	}
	return fmt.Sprintf("%s %s (nearest=%v ambiguous=%v distance=%.6f m)", m.Area.Code, m.Area.Name, m.Nearest, m.Ambiguous, m.DistanceM)
}
