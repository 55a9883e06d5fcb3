package geo

import (
	"bytes"
	"compress/gzip"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// nationalPath is the national boundary file in the workspace's shared data. It is too big to
// commit, so everything that needs it skips when it is absent.
const nationalPath = "../../shared/data/boundaries/vietnam-2025.geojson.gz"

// national loads the national set once per test binary: it takes seconds and about a
// gigabyte at peak, which benchmarks and tests should not pay twice.
var national struct {
	once sync.Once
	set  *BoundarySet
	err  error
}

func skipWithoutNational(tb testing.TB) {
	tb.Helper()
	if _, err := os.Stat(nationalPath); err != nil {
		tb.Skipf("national boundary file not available (%v); it lives in shared/data/boundaries, outside the repository", err)
	}
}

func loadNational(tb testing.TB) *BoundarySet {
	tb.Helper()
	skipWithoutNational(tb)
	national.once.Do(func() {
		start := time.Now()
		data, err := gunzipFile(nationalPath)
		if err != nil {
			national.err = err
			return
		}
		gunzipped := time.Now()
		// Parse, in its two phases so that the index build time can be reported.
		areas, err := decodeAreas(data)
		if err != nil {
			national.err = err
			return
		}
		decoded := time.Now()
		national.set = newBoundarySet("vietnam-2025", areas)
		tb.Logf("national set: %d areas, %d polygons; gunzip %v, decode %v, index build %v",
			len(areas), len(national.set.polys), gunzipped.Sub(start), decoded.Sub(gunzipped), time.Since(decoded))
	})
	if national.err != nil {
		tb.Fatal(national.err)
	}
	return national.set
}

// raceEnabled reports whether the test binary was built with -race.
func raceEnabled() bool {
	info, ok := debug.ReadBuildInfo()
	return ok && slices.Contains(info.Settings, debug.BuildSetting{Key: "-race", Value: "true"})
}

func gunzipFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(170 << 20) // the national file unzips to 163 MB
	_, err = buf.ReadFrom(zr)
	return buf.Bytes(), err
}

// TestNational checks the national set end to end; it is optional because the file is not in
// the repository.
func TestNational(t *testing.T) {
	if testing.Short() {
		t.Skip("loading the national boundary file takes seconds")
	}
	if raceEnabled() {
		t.Skip("the race detector makes loading the national file take minutes; it checks nothing here")
	}
	s := loadNational(t)
	if got := len(s.areas); got != 3321 {
		t.Errorf("national set has %d areas, want 3321", got)
	}
	for i := range s.areas {
		a := &s.areas[i]
		p := a.InteriorPoint()
		if m := s.Locate(p[1], p[0], appToleranceM); m.Area != a || m.Nearest || m.Ambiguous {
			t.Errorf("%s %s: Locate(InteriorPoint %v) = %s", a.Code, a.FullName, p, describe(m))
		}
	}
	// Containment against brute force (most random points of the bound are at sea).
	rng := rand.New(rand.NewPCG(7, 8))
	for _, p := range randomInBound(s, rng, 20_000) {
		codes := bruteContains(s.areas, p)
		m := s.Locate(p[1], p[0], -1)
		if (m.Area == nil) != (len(codes) == 0) || (m.Area != nil && (m.Area.Code != codes[0] || m.Ambiguous != (len(codes) > 1))) {
			t.Errorf("Locate(%v) = %s, brute force %v", p, describe(m), codes)
		}
	}
}

// BenchmarkLocate measures lookups of precomputed random points: "bound" draws them from the
// set's bound (so it includes misses, which take the nearest fallback), "inside" only from
// points that some area contains, the common case in production.
func BenchmarkLocate(b *testing.B) {
	for _, set := range []struct {
		name string
		load func(testing.TB) *BoundarySet
	}{
		{"longxuyen-2023", func(tb testing.TB) *BoundarySet { return loadSet(tb, "longxuyen-2023") }},
		{"angiang-2025", func(tb testing.TB) *BoundarySet { return loadSet(tb, "angiang-2025") }},
		{"vietnam-2025", loadNational},
	} {
		for _, kind := range []struct {
			name   string
			points func(*BoundarySet, *rand.Rand, int) []orb.Point
		}{
			{"bound", randomInBound},
			{"inside", randomInside},
		} {
			b.Run(set.name+"/"+kind.name, func(b *testing.B) {
				s := set.load(b)
				benchmarkLocate(b, s, kind.points(s, rand.New(rand.NewPCG(1, 2)), 1<<14))
			})
		}
	}
}

func benchmarkLocate(b *testing.B, s *BoundarySet, points []orb.Point) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := points[i%len(points)]
		s.Locate(p[1], p[0], appToleranceM)
		i++
	}
}

// BenchmarkParseNational measures Parse on the national file. It is opt-in (set
// GEO_BENCH_PARSE=1 and use -benchtime 1x) because each iteration takes seconds, which a
// -benchtime of many iterations would multiply into hours.
func BenchmarkParseNational(b *testing.B) {
	if os.Getenv("GEO_BENCH_PARSE") == "" {
		b.Skip("set GEO_BENCH_PARSE=1 (with -benchtime 1x) to parse the national file per iteration")
	}
	skipWithoutNational(b)
	data, err := gunzipFile(nationalPath)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("vietnam-2025", data); err != nil {
			b.Fatal(err)
		}
	}
}

func randomInBound(s *BoundarySet, rng *rand.Rand, n int) []orb.Point {
	b := s.Bound()
	points := make([]orb.Point, n)
	for i := range points {
		points[i] = orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
	}
	return points
}

// randomInside draws random points from the set's bound until n of them lie inside an area.
func randomInside(s *BoundarySet, rng *rand.Rand, n int) []orb.Point {
	var points []orb.Point
	for len(points) < n {
		for _, p := range randomInBound(s, rng, n) {
			if m := s.Locate(p[1], p[0], -1); m.Area != nil && len(points) < n {
				points = append(points, p)
			}
		}
	}
	return points
}

// TestLocateAgreesWithReference checks Locate against the index-free exact Reference on points
// drawn where indexes go wrong (on edges, on and near vertices, and uniformly), on every shipped
// set and on the national set when it is available. GEO_AGREEMENT_POINTS sets the number of
// points per set (default 20,000; bench/run.sh checks 1,000,000 on the national set).
func TestLocateAgreesWithReference(t *testing.T) {
	n := 20_000
	if v, err := strconv.Atoi(os.Getenv("GEO_AGREEMENT_POINTS")); err == nil && v > 0 {
		n = v
	}
	sets := []struct {
		name string
		load func(testing.TB) *BoundarySet
	}{
		{"longxuyen-2023", func(tb testing.TB) *BoundarySet { return loadSet(tb, "longxuyen-2023") }},
		{"longxuyen-2023-coarse-raw", func(tb testing.TB) *BoundarySet { return loadSet(tb, "longxuyen-2023-coarse-raw") }},
		{"angiang-2025", func(tb testing.TB) *BoundarySet { return loadSet(tb, "angiang-2025") }},
		{"vietnam-2025", func(tb testing.TB) *BoundarySet {
			if testing.Short() || raceEnabled() {
				tb.Skip("loading the national boundary file takes seconds (minutes under -race)")
			}
			return loadNational(tb)
		}},
	}
	for _, set := range sets {
		t.Run(set.name, func(t *testing.T) {
			s := set.load(t)
			rng := rand.New(rand.NewPCG(11, 12))
			inside, ambiguous := 0, 0
			for _, p := range s.AgreementPoints(n, rng.Float64) {
				want, got := s.Reference(p[1], p[0]), s.Locate(p[1], p[0], -1)
				if want != got {
					t.Fatalf("Locate(%v) = %s, reference %s", p, describe(got), describe(want))
				}
				if want.Area != nil {
					inside++
				}
				if want.Ambiguous {
					ambiguous++
				}
			}
			t.Logf("%d points agree: %d inside an area (%d in two or more), %d outside", n, inside, ambiguous, n-inside)
		})
	}
}
