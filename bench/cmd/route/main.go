// Command route benchmarks point → area routing on a boundary file (-file; the national set,
// which is not in the repository and is named with -file or bench/run.sh's NATIONAL_FILE)
// against the benchmark targets and two baselines, printing one JSON object:
//
//   - the geo index: parse and build time, index memory against the raw coordinates, lookups
//     per second on one goroutine, allocations per lookup, and agreement with geo's exact
//     index-free Reference on -points points (uniform, on edges, on and near vertices);
//
//   - (a) naive: every area's bound, then orb/planar containment;
//
//   - (b) PostGIS: the same polygons in a table with a GiST index, ST_Contains one query per
//     point and one bulk join of a points table (skipped when -postgis is empty).
//
//     go run ./bench/cmd/route -file path/to/vietnam-2025.geojson.gz -points 1000000
package main

import (
	"bytes"
	"compress/gzip"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/lib/pq"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"phananh/geo"
)

// Result is what run.sh reads.
type Result struct {
	File            string  `json:"file"`
	Areas           int     `json:"areas"`
	Vertices        int     `json:"vertices"`
	ParseS          float64 `json:"parse_s"` // decode + build
	BuildS          float64 `json:"build_s"`
	CoordinateMB    float64 `json:"coordinate_mb"`
	IndexMB         float64 `json:"index_mb"`
	IndexRatio      float64 `json:"index_ratio"`
	LookupsPerS     float64 `json:"lookups_per_s"`
	NsPerLookup     float64 `json:"ns_per_lookup"`
	InsideNs        float64 `json:"inside_ns_per_lookup"`
	AdversarialNs   float64 `json:"edge_vertex_ns_per_lookup"`
	AllocsPerLookup float64 `json:"allocs_per_lookup"`
	AgreementPoints int     `json:"agreement_points"`
	Disagreements   int     `json:"disagreements"`
	FirstMismatch   string  `json:"first_mismatch,omitempty"`
	NaivePoints     int     `json:"naive_points"`
	NaivePerS       float64 `json:"naive_lookups_per_s"`
	NaiveAgreement  float64 `json:"naive_agreement"`
	PostGIS         string  `json:"postgis"` // "ok" or why it was skipped
	PGLoadS         float64 `json:"pg_load_s,omitempty"`
	PGPoints        int     `json:"pg_points,omitempty"`
	PGPerPointPerS  float64 `json:"pg_per_point_per_s,omitempty"`
	PGBulkPoints    int     `json:"pg_bulk_points,omitempty"`
	PGBulkPerS      float64 `json:"pg_bulk_per_s,omitempty"`
	PGAgreement     float64 `json:"pg_agreement,omitempty"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "route:", err)
		os.Exit(1)
	}
}

func run() error {
	file := flag.String("file", "../shared/data/boundaries/vietnam-2025.geojson.gz", "GeoJSON FeatureCollection, gzipped or not")
	points := flag.Int("points", 1_000_000, "points checked against the exact reference (and timed)")
	naivePoints := flag.Int("naive-points", 20_000, "points for the naive baseline")
	pgDSN := flag.String("postgis", "", "PostgreSQL DSN with the postgis extension available; empty skips PostGIS")
	pgPoints := flag.Int("pg-points", 5_000, "points queried one by one in PostGIS")
	pgBulk := flag.Int("pg-bulk", 200_000, "points in the PostGIS bulk join")
	flag.Parse()
	res := Result{File: *file, PostGIS: "skipped: no -postgis DSN"}

	s, err := parseSet(&res, *file)
	if err != nil {
		return err
	}

	rng := rand.New(rand.NewPCG(2026, 7))
	pts := s.AgreementPoints(*points, rng.Float64)
	b := s.Bound()
	uniform := make([]orb.Point, min(*points, 1_000_000))
	for j := range uniform {
		uniform[j] = orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
	}

	measureSpeed(&res, s, pts, uniform)
	measureAgreement(&res, s, pts)
	areas := s.Areas()
	measureNaive(&res, s, areas, uniform[:min(*naivePoints, len(uniform))])

	if *pgDSN != "" {
		if err := postgis(&res, *pgDSN, areas, s, uniform, *pgPoints, *pgBulk); err != nil {
			res.PostGIS = "failed: " + err.Error()
			log("postgis: %v", err)
		}
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// parseSet reads and parses the boundary file, recording the parse time and the index's size.
func parseSet(res *Result, file string) (*geo.BoundarySet, error) {
	data, err := readMaybeGzip(file)
	if err != nil {
		return nil, err
	}
	runtime.GC()
	t0 := time.Now()
	s, err := geo.Parse("bench", data)
	if err != nil {
		return nil, err
	}
	res.ParseS = time.Since(t0).Seconds()
	st := s.IndexStats()
	res.Areas, res.Vertices, res.BuildS = st.Areas, st.Vertices, st.Build.Seconds()
	res.CoordinateMB, res.IndexMB = float64(st.CoordinateBytes)/1e6, float64(st.IndexBytes)/1e6
	res.IndexRatio = float64(st.IndexBytes) / float64(st.CoordinateBytes)
	log("parsed %d areas, %d vertices in %.1fs (index build %.2fs, %.0f MB = %.2f× the %.0f MB of coordinates)",
		st.Areas, st.Vertices, res.ParseS, res.BuildS, res.IndexMB, res.IndexRatio, res.CoordinateMB)
	return s, nil
}

// measureSpeed times Locate on one goroutine, every point once, twice (the first pass warms the
// caches), on uniform points of the bound (with the 200 m nearest fallback for the misses, as
// the app calls it) and on those of them inside an area (where reports come from); allocations
// on the adversarial agreement points pts too.
func measureSpeed(res *Result, s *geo.BoundarySet, pts, uniform []orb.Point) {
	var sink int
	lookup := func(ps []orb.Point) time.Duration {
		start := time.Now()
		for _, p := range ps {
			if m := s.Locate(p[1], p[0], 200); m.Area != nil {
				sink++
			}
		}
		return time.Since(start)
	}
	lookup(uniform)
	d := lookup(uniform)
	res.NsPerLookup = float64(d.Nanoseconds()) / float64(len(uniform))
	res.LookupsPerS = float64(len(uniform)) / d.Seconds()
	res.AdversarialNs = float64(lookup(pts).Nanoseconds()) / float64(len(pts))
	var inside []orb.Point
	for _, p := range uniform {
		if m := s.Locate(p[1], p[0], -1); m.Area != nil && len(inside) < 200_000 {
			inside = append(inside, orb.Point{p[0], p[1]})
		}
	}
	lookup(inside)
	res.InsideNs = float64(lookup(inside).Nanoseconds()) / float64(max(1, len(inside)))
	i := 0
	res.AllocsPerLookup = testing.AllocsPerRun(10_000, func() {
		p := pts[i%len(pts)]
		s.Locate(p[1], p[0], 200)
		p = uniform[i%len(uniform)]
		s.Locate(p[1], p[0], 200)
		i++
	}) / 2
	log("Locate: %.0f ns/lookup (%.0f/s) uniform, inside %.0f ns, on/near edges and vertices %.0f ns, %.2f allocs",
		res.NsPerLookup, res.LookupsPerS, res.InsideNs, res.AdversarialNs, res.AllocsPerLookup)
	_ = sink
}

// measureAgreement compares Locate with the exact reference on every point of pts, on all cores.
func measureAgreement(res *Result, s *geo.BoundarySet, pts []orb.Point) {
	t0 := time.Now()
	res.AgreementPoints = len(pts)
	var mu sync.Mutex
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := w; j < len(pts); j += workers {
				p := pts[j]
				want, got := s.Reference(p[1], p[0]), s.Locate(p[1], p[0], -1)
				if want != got {
					mu.Lock()
					res.Disagreements++
					if res.FirstMismatch == "" {
						res.FirstMismatch = fmt.Sprintf("%v: Locate %s, reference %s", p, describe(got), describe(want))
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	log("agreement: %d of %d points differ (%.0fs)", res.Disagreements, len(pts), time.Since(t0).Seconds())
}

// measureNaive times baseline (a): bound, then orb planar containment, first area wins; on the
// same uniform points as the speed figure (and PostGIS), so the rates compare like with like.
func measureNaive(res *Result, s *geo.BoundarySet, areas []geo.Area, naive []orb.Point) {
	res.NaivePoints = len(naive)
	agree := 0
	t0 := time.Now()
	codes := make([]string, len(naive))
	for j, p := range naive {
		for k := range areas {
			if areas[k].Bound.Contains(p) && planar.MultiPolygonContains(areas[k].Geometry, p) {
				codes[j] = areas[k].Code
				break
			}
		}
	}
	res.NaivePerS = float64(len(naive)) / time.Since(t0).Seconds()
	for j, p := range naive {
		if code(s.Locate(p[1], p[0], -1)) == codes[j] {
			agree++
		}
	}
	res.NaiveAgreement = float64(agree) / float64(len(naive))
	log("naive: %.0f lookups/s, agrees on %.4f%%", res.NaivePerS, 100*res.NaiveAgreement)
}

// postgis measures baseline (b): the areas in a PostGIS table with a GiST index, queried one
// point at a time and in one bulk join.
func postgis(res *Result, dsn string, areas []geo.Area, s *geo.BoundarySet, pts []orb.Point, nPoint, nBulk int) error {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := pgLoad(res, db, areas); err != nil {
		return err
	}
	if err := pgPerPoint(res, db, s, pts[:min(nPoint, len(pts))]); err != nil {
		return err
	}
	return pgBulkJoin(res, db, pts[:min(nBulk, len(pts))])
}

// pgLoad creates the tables and loads and indexes the areas.
func pgLoad(res *Result, db *sql.DB, areas []geo.Area) error {
	for _, q := range []string{`CREATE EXTENSION IF NOT EXISTS postgis`, `DROP TABLE IF EXISTS bench_areas`,
		`DROP TABLE IF EXISTS bench_points`,
		`CREATE TABLE bench_areas (code text PRIMARY KEY, geom geometry(MultiPolygon, 4326) NOT NULL)`,
		`CREATE TABLE bench_points (id int PRIMARY KEY, geom geometry(Point, 4326) NOT NULL)`} {
		if _, err := db.Exec(q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	t0 := time.Now()
	for _, a := range areas {
		if _, err := db.Exec(`INSERT INTO bench_areas VALUES ($1, ST_Multi(ST_GeomFromText($2, 4326)))`, a.Code, wkt(a.Geometry)); err != nil {
			return fmt.Errorf("insert %s: %w", a.Code, err)
		}
	}
	for _, q := range []string{`CREATE INDEX bench_areas_geom ON bench_areas USING gist (geom)`, `ANALYZE bench_areas`} {
		if _, err := db.Exec(q); err != nil {
			return err
		}
	}
	res.PGLoadS = time.Since(t0).Seconds()
	log("postgis: loaded %d areas in %.0fs", len(areas), res.PGLoadS)
	return nil
}

// pgPerPoint runs one query per point of sample, as a server routing each report would do.
func pgPerPoint(res *Result, db *sql.DB, s *geo.BoundarySet, sample []orb.Point) error {
	stmt, err := db.Prepare(`SELECT code FROM bench_areas WHERE ST_Contains(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) ORDER BY code LIMIT 1`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	agree := 0
	t0 := time.Now()
	got := make([]string, len(sample))
	for j, p := range sample {
		var c string
		if err := stmt.QueryRow(p[0], p[1]).Scan(&c); err != nil && err != sql.ErrNoRows {
			return err
		}
		got[j] = c
	}
	res.PGPoints = len(sample)
	res.PGPerPointPerS = float64(len(sample)) / time.Since(t0).Seconds()
	for j, p := range sample {
		if code(s.Locate(p[1], p[0], -1)) == got[j] {
			agree++
		}
	}
	res.PGAgreement = float64(agree) / float64(len(sample))
	log("postgis per point: %.0f/s, agrees on %.2f%% (ST_Contains excludes boundaries)", res.PGPerPointPerS, 100*res.PGAgreement)
	return nil
}

// pgBulkJoin loads bulk into a points table and times one join of it with the areas.
func pgBulkJoin(res *Result, db *sql.DB, bulk []orb.Point) error {
	var sb strings.Builder
	for j := 0; j < len(bulk); j += 5000 {
		sb.Reset()
		sb.WriteString(`INSERT INTO bench_points VALUES `)
		for k := j; k < min(j+5000, len(bulk)); k++ {
			if k > j {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "(%d, ST_SetSRID(ST_MakePoint(%s, %s), 4326))", k, f64(bulk[k][0]), f64(bulk[k][1]))
		}
		if _, err := db.Exec(sb.String()); err != nil {
			return err
		}
	}
	if _, err := db.Exec(`ANALYZE bench_points`); err != nil {
		return err
	}
	t0 := time.Now()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM bench_points p JOIN bench_areas a ON ST_Contains(a.geom, p.geom)`).Scan(&n); err != nil {
		return err
	}
	res.PGBulkPoints = len(bulk)
	res.PGBulkPerS = float64(len(bulk)) / time.Since(t0).Seconds()
	res.PostGIS = "ok"
	log("postgis bulk join: %d points in %.1fs (%.0f/s), %d matches", len(bulk), float64(len(bulk))/res.PGBulkPerS, res.PGBulkPerS, n)
	return nil
}

func wkt(mp orb.MultiPolygon) string {
	var b bytes.Buffer
	b.WriteString("MULTIPOLYGON(")
	for i, poly := range mp {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for j, r := range poly {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('(')
			for k, p := range r {
				if k > 0 {
					b.WriteByte(',')
				}
				b.WriteString(f64(p[0]))
				b.WriteByte(' ')
				b.WriteString(f64(p[1]))
			}
			b.WriteByte(')')
		}
		b.WriteByte(')')
	}
	b.WriteByte(')')
	return b.String()
}

// f64 prints a float so that it parses back to the same value.
func f64(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func code(m geo.Match) string {
	if m.Area == nil {
		return ""
	}
	return m.Area.Code
}

func describe(m geo.Match) string {
	if m.Area == nil {
		return "no area"
	}
	return fmt.Sprintf("%s (ambiguous %v)", m.Area.Code, m.Ambiguous)
}

func log(format string, args ...any) { fmt.Fprintf(os.Stderr, "route: "+format+"\n", args...) }

func readMaybeGzip(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, err
		}
		r = zr
	}
	return io.ReadAll(r)
}
