package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// statsFigures is the statsFigures object of the statistics API.
type statsFigures struct {
	Received              int      `json:"received"`
	Backlog               int      `json:"backlog"`
	Resolved              int      `json:"resolved"`
	Rejected              int      `json:"rejected"`
	Overdue               int      `json:"overdue"`
	OnTimeRate            *float64 `json:"on_time_rate"`
	LateWithExtensionRate *float64 `json:"late_with_extension_rate"`
	MedianResolveHours    *float64 `json:"median_resolve_hours"`
	P90ResolveHours       *float64 `json:"p90_resolve_hours"`
	SatisfactionRate      *float64 `json:"satisfaction_rate"`
	RatingRate            *float64 `json:"rating_rate"`
	ReopenRate            *float64 `json:"reopen_rate"`
}

// apiKey creates a machine key with the CLI and returns it.
func (s *server) apiKey(t *testing.T, scope string) string {
	t.Helper()
	out, err := s.admin("", "apikey", "create", "--name", "ioc-"+scope, "--scope", scope)
	if err != nil {
		t.Fatalf("admin apikey create: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func fptr(v float64) *float64 { return &v }

func eqRate(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// TestStatisticsAPI drives a few tickets through the workflow over HTTP and reads every
// statistics route as the IOC, with machine keys and as callers who may not.
func TestStatisticsAPI(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 3), ward(set, 4)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		res := s.signInResident("0912300001")
		officer := s.createOfficial("officer", "officer.stats", unitOf(x.code, "ubnd"))
		viewer := s.createOfficial("ioc_viewer", "ioc.stats", "")
		statsKey, feedKey := s.apiKey(t, "stats"), s.apiKey(t, "feed")

		t1 := fileTicket(t, s, res.AccessToken, wfReport("TTDT", x, "Lấn chiếm vỉa hè 1", false))
		t2 := fileTicket(t, s, res.AccessToken, wfReport("TTDT", x, "Lấn chiếm vỉa hè 2", false))
		fileTicket(t, s, res.AccessToken, wfReport("TTDT", y, "Lấn chiếm vỉa hè 3", false))
		t1 = step(t, s, officer.AccessToken, t1, "accept", nil, "assigned")
		t1 = step(t, s, officer.AccessToken, t1, "resolve", fields{"outcome": "fixed", "note": "Đã xử lý."}, "resolved")
		step(t, s, res.AccessToken, t1, "rate", fields{"rating": 5}, "closed")
		step(t, s, officer.AccessToken, t2, "reject", fields{"reason": "not_a_real_problem"}, "rejected")

		today := time.Now().In(time.FixedZone("ICT", 7*3600)).Format(time.DateOnly)
		checkStatsSummary(t, s, viewer.AccessToken, statsKey, today, y.code)

		// Who may not.
		refused(t, s.request(t, "GET", "/v1/stats/summary", "", nil), http.StatusUnauthorized, "unauthorized", "")
		refused(t, s.request(t, "GET", "/v1/stats/summary", res.AccessToken, nil), http.StatusForbidden, "forbidden", "")
		refused(t, s.request(t, "GET", "/v1/stats/summary", officer.AccessToken, nil), http.StatusForbidden, "forbidden", "")
		refused(t, s.request(t, "GET", "/v1/stats/summary", "", nil, "X-API-Key: "+feedKey), http.StatusForbidden, "forbidden", "")
		refused(t, s.request(t, "GET", "/v1/stats/summary", "", nil, "X-API-Key: pk_not-a-key"), http.StatusUnauthorized, "unauthorized", "")
		refused(t, s.request(t, "GET", "/v1/feed/changes", "", nil, "X-API-Key: "+statsKey), http.StatusForbidden, "forbidden", "")
		refused(t, s.request(t, "GET", "/v1/stats/summary?from=27/11/2026", viewer.AccessToken, nil), http.StatusBadRequest, "invalid", "from")
		refused(t, s.request(t, "GET", "/v1/stats/timeseries?interval=year", viewer.AccessToken, nil), http.StatusBadRequest, "invalid", "interval")
		refused(t, s.request(t, "GET", "/v1/stats/timeseries?metric=happiness", viewer.AccessToken, nil), http.StatusBadRequest, "invalid", "metric")

		for _, interval := range []string{"day", "week", "month"} {
			var ts struct {
				Points []struct {
					Period string   `json:"period"`
					Value  *float64 `json:"value"`
				} `json:"points"`
			}
			s.request(t, "GET", "/v1/stats/timeseries?interval="+interval+"&metric=received", "", nil, "X-API-Key: "+statsKey).expect(t, http.StatusOK).json(t, &ts)
			if len(ts.Points) != 1 || ts.Points[0].Value == nil || *ts.Points[0].Value != 3 || ts.Points[0].Period > today {
				t.Errorf("timeseries by %s: %+v", interval, ts.Points)
			}
		}

		checkStatsUnits(t, s, viewer.AccessToken, unitOf(x.code, "ubnd"))
		checkStatsAreas(t, s, viewer.AccessToken, len(set.Areas()), x.code, y.code)

		// The reconcile command recomputes the same statsFigures.
		out, err := s.admin("", "stats", "rebuild")
		if err != nil || !strings.Contains(out, "3 tickets") {
			t.Fatalf("admin stats rebuild: %q %v", out, err)
		}
		var again struct {
			Figures statsFigures `json:"figures"`
		}
		s.request(t, "GET", "/v1/stats/summary", viewer.AccessToken, nil).expect(t, http.StatusOK).json(t, &again)
		if again.Figures.Received != 3 || again.Figures.Resolved != 1 || again.Figures.Rejected != 1 {
			t.Errorf("after rebuild: %+v", again.Figures)
		}
	})
}

// checkStatsSummary checks today's summary, as the IOC viewer and with the stats key: three
// tickets, one open, one resolved on time and rated 5, one rejected; and the summary of area y,
// where the third ticket waits.
func checkStatsSummary(t *testing.T, s *server, viewer, statsKey, today, y string) {
	t.Helper()
	want := statsFigures{Received: 3, Backlog: 1, Resolved: 1, Rejected: 1, OnTimeRate: fptr(1), LateWithExtensionRate: fptr(0),
		SatisfactionRate: fptr(1), RatingRate: fptr(1), ReopenRate: fptr(0)}
	for _, caller := range []struct {
		name, token string
		headers     []string
	}{{"ioc viewer", viewer, nil}, {"stats key", "", []string{"X-API-Key: " + statsKey}}} {
		var body struct {
			Figures statsFigures `json:"figures"`
		}
		s.request(t, "GET", "/v1/stats/summary?from="+today+"&to="+today, caller.token, nil, caller.headers...).expect(t, http.StatusOK).json(t, &body)
		got := body.Figures
		if got.Received != want.Received || got.Backlog != want.Backlog || got.Resolved != want.Resolved || got.Rejected != want.Rejected ||
			!eqRate(got.OnTimeRate, want.OnTimeRate) || !eqRate(got.SatisfactionRate, want.SatisfactionRate) ||
			!eqRate(got.RatingRate, want.RatingRate) || !eqRate(got.ReopenRate, want.ReopenRate) || got.MedianResolveHours == nil {
			t.Errorf("%s: summary %+v, want %+v", caller.name, got, want)
		}
	}
	var byArea struct {
		Figures statsFigures `json:"figures"`
	}
	s.request(t, "GET", "/v1/stats/summary?area="+y, viewer, nil).expect(t, http.StatusOK).json(t, &byArea)
	if byArea.Figures.Received != 1 || byArea.Figures.Backlog != 1 || byArea.Figures.OnTimeRate != nil {
		t.Errorf("summary of area %s: %+v", y, byArea.Figures)
	}
}

// checkStatsUnits checks the units league: every unit listed, only the unit (with its one
// resolved ticket) ranked, first, with a minimum sample of 1, and none ranked with the default.
func checkStatsUnits(t *testing.T, s *server, viewer, unit string) {
	t.Helper()
	var units struct {
		MinSample int `json:"min_sample"`
		Units     []struct {
			ID      string       `json:"id"`
			Ranked  bool         `json:"ranked"`
			Rank    *int         `json:"rank"`
			Figures statsFigures `json:"figures"`
		} `json:"units"`
	}
	s.request(t, "GET", "/v1/stats/units?min_sample=1", viewer, nil).expect(t, http.StatusOK).json(t, &units)
	ranked := 0
	for _, u := range units.Units {
		if u.Ranked {
			ranked++
			if u.ID != unit || u.Rank == nil || *u.Rank != 1 {
				t.Errorf("ranked unit %+v", u)
			}
		} else if u.Rank != nil {
			t.Errorf("unranked unit %s has rank %d", u.ID, *u.Rank)
		}
	}
	if ranked != 1 || len(units.Units) < 10 {
		t.Errorf("%d units, %d ranked; want every unit listed and one ranked", len(units.Units), ranked)
	}
	s.request(t, "GET", "/v1/stats/units", viewer, nil).expect(t, http.StatusOK).json(t, &units)
	for _, u := range units.Units {
		if u.Ranked {
			t.Errorf("with the default minimum sample, %s (1 resolved) is ranked", u.ID)
		}
	}
}

// checkStatsAreas checks the areas league and its GeoJSON: every one of the set's areas, with
// two tickets received in area x and one in area y.
func checkStatsAreas(t *testing.T, s *server, viewer string, setAreas int, x, y string) {
	t.Helper()
	var areas struct {
		Areas []struct {
			Code    string       `json:"code"`
			Name    string       `json:"name"`
			Figures statsFigures `json:"figures"`
		} `json:"areas"`
	}
	s.request(t, "GET", "/v1/stats/areas", viewer, nil).expect(t, http.StatusOK).json(t, &areas)
	if len(areas.Areas) != setAreas {
		t.Errorf("%d areas, the set has %d", len(areas.Areas), setAreas)
	}
	for _, a := range areas.Areas {
		wantN := map[string]int{x: 2, y: 1}[a.Code]
		if a.Figures.Received != wantN || a.Name == "" {
			t.Errorf("area %s %q: received %d, want %d", a.Code, a.Name, a.Figures.Received, wantN)
		}
	}

	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Type       string         `json:"type"`
			ID         string         `json:"id"`
			Geometry   map[string]any `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	r := s.request(t, "GET", "/v1/stats/areas.geojson", viewer, nil).expect(t, http.StatusOK)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/geo+json") {
		t.Errorf("areas.geojson content type %q", ct)
	}
	r.json(t, &fc)
	if fc.Type != "FeatureCollection" || len(fc.Features) != setAreas {
		t.Fatalf("areas.geojson: %s with %d features", fc.Type, len(fc.Features))
	}
	for _, f := range fc.Features {
		gt, _ := f.Geometry["type"].(string)
		if f.Type != "Feature" || (gt != "Polygon" && gt != "MultiPolygon") || f.Properties["code"] != f.ID {
			t.Errorf("feature %s: type %s geometry %s properties %v", f.ID, f.Type, gt, f.Properties)
		}
		if f.ID == x && f.Properties["received"] != float64(2) {
			t.Errorf("feature %s: received %v, want 2", f.ID, f.Properties["received"])
		}
	}
}

// feedChangeBody is one entry of the change feed.
type feedChangeBody struct {
	Position int64  `json:"position"`
	TicketID string `json:"ticket_id"`
	Version  int    `json:"version"`
	Action   string `json:"action"`
	To       string `json:"to"`
}

type feedPageBody struct {
	Changes    []feedChangeBody `json:"changes"`
	NextCursor string           `json:"next_cursor"`
	HasMore    bool             `json:"has_more"`
}

// feedReader pages through the feed with a cursor, against whichever server is current.
type feedReader struct {
	mu     sync.Mutex
	cursor string
	seen   []feedChangeBody
}

func (r *feedReader) poll(s *server, key string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		resp, err := s.do("GET", "/v1/feed/changes?limit=7&cursor="+r.cursor, "", nil, "X-API-Key: "+key)
		if err != nil {
			return err
		}
		if resp.status != http.StatusOK {
			return fmt.Errorf("feed: status %d %s", resp.status, resp.body)
		}
		var p feedPageBody
		if err := json.Unmarshal(resp.body, &p); err != nil {
			return err
		}
		if p.NextCursor == "" {
			return fmt.Errorf("feed page without next_cursor")
		}
		r.seen = append(r.seen, p.Changes...)
		r.cursor = p.NextCursor
		if !p.HasMore {
			return nil
		}
	}
}

// TestChangeFeed: several writers on two server instances sharing one store, a reader paging
// the feed with its cursor all along, and one instance restarted in between. The reader must see
// every ticket change exactly once, in version order per ticket, at increasing positions.
func TestChangeFeed(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 5)
	eachStore(t, func(t *testing.T, st storeKind) {
		a := startServer(t, st, "SLA_INTERVAL=200ms")
		// A second instance on the same store (and signing key): same data directory, same
		// MongoDB database.
		shared := sameDataDir(a)
		b := startServer(t, st, append(shared, "SLA_INTERVAL=200ms")...)
		key := a.apiKey(t, "feed")
		res := a.signInResident("0912300002")
		officer := a.createOfficial("officer", "officer.feed", unitOf(x.code, "ubnd"))

		w := feedWriters{resident: res.AccessToken, officer: officer.AccessToken, x: x, writers: 4, perWriter: 4}
		if st.mongo != nil {
			w.writers, w.perWriter = 3, 3
		}
		reader := &feedReader{}
		poller := pollFeed(reader, b, key)
		ids := w.write(t, []*server{a, b}, 1)

		// Restart: stop instance A gracefully, start C on the same store; the reader keeps its
		// cursor and now reads from C while writers use B and C.
		a.stop()
		c := startServer(t, st, append(shared, "SLA_INTERVAL=200ms")...)
		poller.switchTo(c)
		ids = append(ids, w.write(t, []*server{b, c}, 2)...)

		// Every ticket's versions, as the IOC reads them.
		viewer := c.createOfficial("ioc_viewer", "ioc.feed", "")
		versions := map[string]int{}
		total := 0
		for _, id := range ids {
			v := getTicket(t, c, viewer.AccessToken, id).Version
			versions[id] = v
			total += v
		}
		poller.stopAfter(t, total, 30*time.Second)
		if err := reader.poll(c, key); err != nil { // nothing may arrive late
			t.Fatal(err)
		}
		checkFeedOnce(t, reader.seen, versions, total)
		t.Logf("%d tickets, %d changes read across a restart", len(ids), len(reader.seen))
	})
}

// sameDataDir is the environment that points a second server at the first one's data directory
// and, on MongoDB, its database.
func sameDataDir(s *server) []string {
	shared := []string{"DATA_DIR=" + s.dataDir}
	for _, e := range s.env {
		if strings.HasPrefix(e, "MONGODB_") {
			shared = append(shared, e)
		}
	}
	return shared
}

// feedPoller polls the feed with a reader every 30 ms against the current server, until stopped.
type feedPoller struct {
	reader  *feedReader
	mu      sync.Mutex
	current *server
	err     error // the first poll error
	stop    chan struct{}
	done    sync.WaitGroup
}

func pollFeed(reader *feedReader, s *server, key string) *feedPoller {
	p := &feedPoller{reader: reader, current: s, stop: make(chan struct{})}
	p.done.Go(func() {
		for {
			p.mu.Lock()
			s := p.current
			p.mu.Unlock()
			if err := reader.poll(s, key); err != nil && p.err == nil {
				p.err = err
			}
			select {
			case <-p.stop:
				return
			case <-time.After(30 * time.Millisecond):
			}
		}
	})
	return p
}

// switchTo has the following polls read from s.
func (p *feedPoller) switchTo(s *server) {
	p.mu.Lock()
	p.current = s
	p.mu.Unlock()
}

// stopAfter waits until the reader has seen total changes (or timeout passed), stops polling
// and fails on a poll error.
func (p *feedPoller) stopAfter(t *testing.T, total int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		p.reader.mu.Lock()
		n := len(p.reader.seen)
		p.reader.mu.Unlock()
		if n >= total || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	close(p.stop)
	p.done.Wait()
	if p.err != nil {
		t.Fatalf("reader: %v", p.err)
	}
}

// feedWriters file tickets in ward x and move them along, several at once.
type feedWriters struct {
	resident, officer  string
	x                  wardPoint
	writers, perWriter int
}

// write has each writer file perWriter tickets, alternating between the servers: each accepted,
// every other one started and resolved. It returns the tickets' ids.
func (fw feedWriters) write(t *testing.T, servers []*server, round int) []string {
	var mu sync.Mutex
	var ids []string
	var wg sync.WaitGroup
	for w := range fw.writers {
		wg.Go(func() {
			for i := range fw.perWriter {
				s := servers[(w+i)%len(servers)]
				tk := fileTicket(t, s, fw.resident, wfReport("TTDT", fw.x, fmt.Sprintf("vòng %d, người %d, số %d", round, w, i), false))
				mu.Lock()
				ids = append(ids, tk.ID)
				mu.Unlock()
				tk = step(t, s, fw.officer, tk, "accept", nil, "assigned")
				if i%2 == 0 {
					tk = step(t, servers[(w+i+1)%len(servers)], fw.officer, tk, "start", nil, "in_progress")
					step(t, s, fw.officer, tk, "resolve", fields{"outcome": "fixed", "note": "Xong."}, "resolved")
				}
			}
		})
	}
	wg.Wait()
	return ids
}

// checkFeedOnce checks the changes the reader saw: at increasing positions, of known tickets,
// each ticket's versions once and in order, all total of them.
func checkFeedOnce(t *testing.T, seen []feedChangeBody, versions map[string]int, total int) {
	t.Helper()
	next := map[string]int{}
	var last int64
	for _, ch := range seen {
		if ch.Position <= last {
			t.Fatalf("position %d after %d", ch.Position, last)
		}
		last = ch.Position
		if _, ok := versions[ch.TicketID]; !ok {
			t.Fatalf("change of an unknown ticket %+v", ch)
		}
		next[ch.TicketID]++
		if ch.Version != next[ch.TicketID] {
			t.Fatalf("ticket %s: version %d seen where %d was due (repeat, gap or disorder)", ch.TicketID, ch.Version, next[ch.TicketID])
		}
	}
	for id, v := range versions {
		if next[id] != v {
			t.Errorf("ticket %s: saw %d changes, it has %d versions", id, next[id], v)
		}
	}
	if len(seen) != total {
		t.Errorf("reader saw %d changes, want %d", len(seen), total)
	}
}
