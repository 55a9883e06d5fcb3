package geo

import (
	"fmt"
	"os"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary documents to the boundary-set importer (administrators upload
// GeoJSON files): Parse either refuses them with an error or returns a set whose index answers
// lookups anywhere in and around its bound, without a panic.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"A","name":"A"},"geometry":{"type":"Polygon","coordinates":[[[105,10],[105.1,10],[105.1,10.1],[105,10.1],[105,10]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"A"},"geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]],[[0.2,0.2],[0.4,0.2],[0.4,0.4],[0.2,0.2]]],[[[2,2],[3,2],[3,3]]]]}},{"type":"Feature","properties":{"code":"B"},"geometry":{"type":"Polygon","coordinates":[[[0.5,0.5],[2.5,0.5],[2.5,2.5],[0.5,0.5]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"A"},"geometry":{"type":"Polygon","coordinates":[[[-180,-90],[180,-90],[180,90],[-180,90],[-180,-90]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"A"},"geometry":{"type":"Polygon","coordinates":[[[1,1],[1,1],[1,1],[1,1]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":7},"geometry":{"type":"Point","coordinates":[1,1]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"A"},"geometry":{"type":"Polygon","coordinates":[[[1e308,1],[2,1e-308],[3,3],[1e308,1]]]}}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"A"},"geometry":null}]}`,
		`{"type":"Feature"}`, `[]`, `{"features":null}`, ``,
	} {
		f.Add([]byte(s))
	}
	if data, err := os.ReadFile("testdata/longxuyen-2023-coarse-raw.geojson"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		watchdog := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("Parse hangs on %q", data)) })
		defer watchdog.Stop()
		set, err := Parse("fuzz", data)
		if err != nil {
			return
		}
		b := set.Bound()
		c := b.Center()
		for _, p := range [][2]float64{{c.Lat(), c.Lon()}, {b.Min.Lat(), b.Min.Lon()}, {b.Max.Lat(), b.Max.Lon()},
			{b.Min.Lat() - 0.001, b.Max.Lon() + 0.001}, {10.386, 105.435}, {0, 0}, {-90, -180}, {90, 180}} {
			m := set.Locate(p[0], p[1], 200)
			if m.Area != nil {
				if _, ok := set.Area(m.Area.Code); !ok {
					t.Fatalf("Locate(%v) found area %q that the set does not list", p, m.Area.Code)
				}
			}
		}
	})
}
