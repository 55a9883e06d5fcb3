package geo

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// loadSet parses testdata/<name>.geojson, a copy of the file in shared/data/boundaries kept
// here so the package tests pass on a clean clone.
func loadSet(tb testing.TB, name string) *BoundarySet {
	tb.Helper()
	s, err := Parse(name, mustReadTestdata(tb, name))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func mustReadTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".geojson"))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// featureCollection, feature and geometry build small GeoJSON documents for synthetic tests.
func featureCollection(features ...string) []byte {
	return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`)
}

func feature(code, geometry string) string {
	return `{"type":"Feature","properties":{"code":"` + code + `","name":"` + code + `"},"geometry":` + geometry + `}`
}

func geometry(typ string, coordinates any) string {
	b, err := json.Marshal(coordinates)
	if err != nil {
		panic(err)
	}
	return `{"type":"` + typ + `","coordinates":` + string(b) + `}`
}

// rect is an anticlockwise closed ring.
func rect(minX, minY, maxX, maxY float64) orb.Ring {
	return orb.Ring{{minX, minY}, {maxX, minY}, {maxX, maxY}, {minX, maxY}, {minX, minY}}
}

// bruteContains returns the codes of all areas containing p according to orb's reference
// implementation, in code order. The bound check only spares orb from computing the bound
// of every ring of every area for every point.
func bruteContains(areas []Area, p orb.Point) []string {
	var codes []string
	for _, a := range areas {
		if a.Bound.Contains(p) && planar.MultiPolygonContains(a.Geometry, p) {
			codes = append(codes, a.Code)
		}
	}
	return codes
}

// bruteDistances returns, per area code, the distance in metres from p to the area's
// boundary, by measuring every edge in a plane tangent at p (orb's planar segment distance on
// coordinates scaled to metres).
func bruteDistances(areas []Area, p orb.Point) map[string]float64 {
	const mPerDeg = 6371008.8 * math.Pi / 180
	kx := mPerDeg * math.Cos(p[1]*math.Pi/180)
	toM := func(q orb.Point) orb.Point { return orb.Point{(q[0] - p[0]) * kx, (q[1] - p[1]) * mPerDeg} }
	dist := make(map[string]float64, len(areas))
	for _, a := range areas {
		d := math.Inf(1)
		for _, poly := range a.Geometry {
			for _, r := range poly {
				for i := 0; i+1 < len(r); i++ {
					d = min(d, planar.DistanceFromSegment(toM(r[i]), toM(r[i+1]), orb.Point{}))
				}
			}
		}
		dist[a.Code] = d
	}
	return dist
}

// bruteNearest returns the lowest code among the areas at the minimum distance, and that
// distance.
func bruteNearest(areas []Area, p orb.Point) (string, float64, map[string]float64) {
	dist := bruteDistances(areas, p)
	best, bestD := "", math.Inf(1)
	for _, a := range areas { // code order, so ties keep the lowest code
		if d := dist[a.Code]; d < bestD {
			best, bestD = a.Code, d
		}
	}
	return best, bestD, dist
}
