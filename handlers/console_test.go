package handlers

import (
	"os"
	"strings"
	"testing"

	"phananh/app"
	"phananh/geo"
	"phananh/models"
)

func TestConsoleTileURL(t *testing.T) {
	for _, bad := range []string{"ftp://tiles.example.org/{z}/{x}/{y}.png", "tiles/{z}/{x}/{y}.png", "https:///{z}"} {
		if _, err := newConsole(Config{ConsoleTileURL: bad}); err == nil {
			t.Errorf("tile URL %q accepted", bad)
		}
	}
	offline, err := newConsole(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(offline.csp, "img-src 'self' data:;") {
		t.Errorf("offline CSP %q allows other image hosts", offline.csp)
	}
	con, err := newConsole(Config{ConsoleTileURL: "https://tiles.example.org/base/{z}/{x}/{y}.png"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(con.csp, "img-src 'self' data: https://tiles.example.org;") {
		t.Errorf("CSP %q does not admit the tile host", con.csp)
	}

	data, err := os.ReadFile("../seed/data/boundaries/longxuyen-2023.geojson")
	if err != nil {
		t.Fatal(err)
	}
	set, err := geo.Parse("longxuyen-2023", data)
	if err != nil {
		t.Fatal(err)
	}
	if m := offline.wardMap(set, nil, "backlog"); len(m.Tiles) != 0 || len(m.Areas) != len(set.Areas()) {
		t.Errorf("offline map: %d tiles, %d areas", len(m.Tiles), len(m.Areas))
	}
	backlog := 4
	rows := []app.LeagueRow{{Key: set.Areas()[0].Code, Figures: models.StatsFigures{Backlog: backlog}}}
	m := con.wardMap(set, rows, "backlog")
	if len(m.Tiles) == 0 || len(m.Tiles) > 100 {
		t.Fatalf("%d tiles", len(m.Tiles))
	}
	// The tiles cover the whole drawing, at a zoom where one tile is about 256 SVG units.
	minX, minY, maxX, maxY := m.Tiles[0].X, m.Tiles[0].Y, 0.0, 0.0
	for _, tl := range m.Tiles {
		if !strings.HasPrefix(tl.Href, "https://tiles.example.org/base/") || strings.ContainsAny(tl.Href, "{}") {
			t.Errorf("tile href %q", tl.Href)
		}
		if tl.W < 128 || tl.W > 513 {
			t.Errorf("tile %s is %v units wide", tl.Href, tl.W)
		}
		minX, minY = min(minX, tl.X), min(minY, tl.Y)
		maxX, maxY = max(maxX, tl.X+tl.W), max(maxY, tl.Y+tl.H)
	}
	if minX > 0 || minY > 0 || maxX < m.Width || maxY < m.Height {
		t.Errorf("tiles cover [%v,%v]–[%v,%v], the map is %v×%v", minX, minY, maxX, maxY, m.Width, m.Height)
	}
	// Colours: the largest backlog is the darkest, an empty area the lightest.
	for _, a := range m.Areas {
		want := "#fff7ec"
		if a.Code == rows[0].Key {
			want = "#b30000"
		}
		if a.Fill != want {
			t.Errorf("area %s (%s) fill %s, want %s", a.Code, a.Value, a.Fill, want)
		}
		if a.LabelX < 0 || a.LabelX > m.Width || a.LabelY < 0 || a.LabelY > m.Height || !strings.HasPrefix(a.D, "M") {
			t.Errorf("area %s drawn outside the map: label (%v,%v), path %.20s", a.Code, a.LabelX, a.LabelY, a.D)
		}
	}
	if rate := con.wardMap(set, nil, "on_time_rate"); rate.Areas[0].Fill != "#d9d9d9" || rate.Areas[0].Value != "" {
		t.Errorf("an area without resolved tickets: fill %s value %q, want grey and none", rate.Areas[0].Fill, rate.Areas[0].Value)
	}
}

func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/console/tickets/abc?x=1": "/console/tickets/abc?x=1",
		"":                         "/console/",
		"//evil.example/console/":  "/console/",
		"https://evil.example/":    "/console/",
		"/console/../v1/me":        "/console/",
		"/console/login?next=x":    "/console/",
		"/console/\\evil":          "/console/",
		"/consolex":                "/console/",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}
