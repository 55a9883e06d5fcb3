package tests

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// locatedArea asks the server which area covers a point.
func locatedArea(t *testing.T, s *server, lat, lng float64) (code, name string) {
	t.Helper()
	var loc struct{ Area struct{ Code, Name string } }
	s.request(t, "GET", fmt.Sprintf("/v1/areas/locate?lat=%v&lng=%v", lat, lng), "", nil).expect(t, http.StatusOK).json(t, &loc)
	return loc.Area.Code, loc.Area.Name
}

// TestBoundarySetCheckAndImport checks the 2025 ward map of Long Xuyên against the 2023 one a
// server runs on, through the command line: the report names the removed codes and the two codes
// the reform reused for other wards; a broken file is refused and changes nothing; the import
// stores the set, and a server started on it routes the city centre to the 2025 ward.
func TestBoundarySetCheckAndImport(t *testing.T) {
	t.Parallel()
	file, err := filepath.Abs("../seed/data/boundaries/longxuyen-2025.geojson")
	if err != nil {
		t.Fatal(err)
	}
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		out, err := s.admin("", "boundaries", "check", "--id", "longxuyen-2025", file)
		if err != nil {
			t.Fatalf("boundaries check: %v\n%s", err, out)
		}
		for _, want := range []string{
			"boundary set longxuyen-2025: 4 areas", "0 overlapping pairs",
			"against the active set longxuyen-2023: 0 unchanged, 2 reshaped, 0 added, 9 removed, 2 reused codes",
			"reshaped: 30301 30313", "reused code 30292: was Bình Khánh, now Bình Đức", "reused code 30307: was Mỹ Hòa, now Long Xuyên",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("the check does not say %q:\n%s", want, out)
			}
		}
		broken := filepath.Join(t.TempDir(), "broken.geojson")
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(broken, []byte(strings.Replace(string(data), `"code"`, `"ma"`, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := s.admin("", "boundaries", "import", "--id", "broken-2025", "--name", "broken", broken); err == nil || !strings.Contains(err.Error(), "code") {
			t.Errorf("a feature without a code imported: %v\n%s", err, out)
		}
		if code, _ := locatedArea(t, s, 10.386, 105.435); code != "30280" {
			t.Errorf("the serving set changed: the city centre is in %s, want Mỹ Bình 30280", code)
		}
		if out, err = s.admin("", "boundaries", "import", "--id", "longxuyen-2025", "--name", "Long Xuyên (2025)", file); err != nil ||
			!strings.Contains(out, "imported boundary set longxuyen-2025 with 4 areas") {
			t.Fatalf("boundaries import: %v\n%s", err, out)
		}
		s.stop()
		next := startServer(t, storeKind{name: st.name}, append(sameStore(s), "BOUNDARY_SET=longxuyen-2025")...)
		if code, name := locatedArea(t, next, 10.386, 105.435); code != "30307" || name != "Long Xuyên" {
			t.Errorf("on the 2025 set the city centre is in %s %s, want 30307 Long Xuyên", code, name)
		}
	})
}

// TestNationalBoundarySetOnFerretDB imports the national set (3,321 communes, 163 MB of
// GeoJSON, ten times a MongoDB document's limit) into FerretDB through the command line and
// serves it. It needs the national file (PHANANH_NATIONAL_GEOJSON, which is not in the
// repository) and PHANANH_LONG_TESTS=1 (it takes about a minute and 2 GB of memory).
func TestNationalBoundarySetOnFerretDB(t *testing.T) {
	t.Parallel()
	file := os.Getenv("PHANANH_NATIONAL_GEOJSON")
	if file == "" {
		file = "../../shared/data/boundaries/vietnam-2025.geojson.gz" // the workspace's copy, outside the repository
	}
	file, err := filepath.Abs(file)
	if err == nil {
		_, err = os.Stat(file)
	}
	switch {
	case err != nil:
		t.Skipf("national boundary file not available (%v); set PHANANH_NATIONAL_GEOJSON to vietnam-2025.geojson.gz", err)
	case !longTests():
		t.Skip("set PHANANH_LONG_TESTS=1 to import the national boundary set (about a minute)")
	}
	s := startServer(t, mongoStore(t))
	out, err := s.admin("", "boundaries", "import", "--id", "vietnam-2025", "--name", "Việt Nam (2025)", file)
	if err != nil || !strings.Contains(out, "imported boundary set vietnam-2025 with 3321 areas") {
		t.Fatalf("national import: %v\n%s", err, out)
	}
	s.stop()
	next := startServer(t, storeKind{name: "mongodb"}, append(sameStore(s), "BOUNDARY_SET=vietnam-2025")...)
	if code, name := locatedArea(t, next, 10.386, 105.435); code != "30307" || name != "Long Xuyên" {
		t.Errorf("on the national set the centre of Long Xuyên is in %s %s, want 30307 Long Xuyên", code, name)
	}
	if code, _ := locatedArea(t, next, 21.0285, 105.8542); code == "" { // Hoàn Kiếm, Hà Nội
		t.Error("the centre of Hà Nội is in no area of the national set")
	}
}
