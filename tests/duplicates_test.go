package tests

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// dupCandidate is one entry of GET /v1/tickets/{id}/duplicates.
type dupCandidate struct {
	ID          string  `json:"id"`
	Code        string  `json:"code"`
	State       string  `json:"state"`
	Description string  `json:"description"`
	Private     bool    `json:"private"`
	CreatedAt   string  `json:"created_at"`
	DistanceM   float64 `json:"distance_m"`
}

// candidates reads the duplicate candidates of ticket id, which must answer 200.
func candidates(t *testing.T, s *server, token, id, query string) []dupCandidate {
	t.Helper()
	var out struct{ Candidates []dupCandidate }
	s.request(t, "GET", "/v1/tickets/"+id+"/duplicates"+query, token, nil).expect(t, http.StatusOK).json(t, &out)
	return out.Candidates
}

func candidateIDs(cs []dupCandidate) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// dupFixture is a neighbourhood of reports around one point of ward x: the kept ticket k at the
// point, the duplicate d 80 m north, a private report of the same unit 40 m east, and reports that
// are no candidates — 1 km away, another category, rejected.
type dupFixture struct {
	s                          *server
	x                          wardPoint
	resA, resB, resC           tokens
	ioc, officer, otherOfficer string
	k, d, private              wfTicket
	far, other, closed         wfTicket
}

func newDupFixture(t *testing.T, s *server, x, y wardPoint, far wardPoint) *dupFixture {
	t.Helper()
	f := &dupFixture{s: s, x: x}
	f.resA, f.resB, f.resC = s.signInResident("0912401001"), s.signInResident("0912401002"), s.signInResident("0912401003")
	f.ioc = s.createOfficial("ioc_operator", "dup.ioc", "").AccessToken
	f.officer = s.createOfficial("officer", "dup.officer", unitOf(x.code, "ubnd")).AccessToken
	f.otherOfficer = s.createOfficial("officer", "dup.other", unitOf(y.code, "ubnd")).AccessToken
	f.k = fileTicket(t, s, f.resA.AccessToken, wfReport("MT", x, "Rác thải đổ trộm ở góc đường", true))
	f.d = fileTicket(t, s, f.resB.AccessToken, wfReport("MT", offsetNorth(x, 80), "Rác đổ trộm, bốc mùi", true))
	priv := fileTicket(t, s, f.resC.AccessToken, wfReport("MT", offsetEast(x, 40), "Rác đổ trộm, có biển số xe trong ảnh", false))
	f.private = step(t, s, f.ioc, priv, "set_private", fields{"reason": "Biển số xe"}, "received")
	f.far = fileTicket(t, s, f.resA.AccessToken, wfReport("MT", far, "Rác ở xa", false))
	f.other = fileTicket(t, s, f.resA.AccessToken, wfReport("TTDT", x, "Lấn chiếm vỉa hè", false))
	closed := fileTicket(t, s, f.resB.AccessToken, wfReport("MT", offsetEast(x, -50), "Rác đã dọn", false))
	f.closed = step(t, s, f.ioc, closed, "reject", fields{"reason": "not_a_real_problem"}, "rejected")
	for _, tk := range []wfTicket{f.k, f.d, f.private, f.closed} {
		if tk.Unit.ID != unitOf(x.code, "ubnd") {
			t.Fatalf("ticket %s went to %s, want the unit of ward %s", tk.Code, tk.Unit.ID, x.code)
		}
	}
	return f
}

func TestDuplicateCandidates(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 5), ward(set, 6)
	far := kilometreAway(t, set, x)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		f := newDupFixture(t, s, x, y, far)

		// The unit's officer: the kept ticket (80 m) and the private one (~89 m), nearest first,
		// in the officials' view; not the ticket itself, the far one, another category, a closed one.
		got := candidates(t, s, f.officer, f.d.ID, "")
		if want := []string{f.k.ID, f.private.ID}; !slices.Equal(candidateIDs(got), want) {
			t.Fatalf("officer's candidates %v, want %v (k, private)", candidateIDs(got), want)
		}
		if c := got[0]; c.Code != f.k.Code || c.State != "received" || c.Description != "Rác thải đổ trộm ở góc đường" ||
			c.CreatedAt == "" || c.DistanceM < 75 || c.DistanceM > 85 || c.Private {
			t.Errorf("candidate k: %+v, want its code, state, description, created_at, ~80 m", c)
		}
		if c := got[1]; !c.Private || c.Description != "Rác đổ trộm, có biển số xe trong ảnh" || c.DistanceM < 84 || c.DistanceM > 95 {
			t.Errorf("private candidate: %+v, want private, its own text, ~89 m", c)
		}
		// The IOC sees the same; a small radius keeps only the nearest.
		if ioc := candidates(t, s, f.ioc, f.d.ID, ""); !slices.Equal(candidateIDs(ioc), candidateIDs(got)) {
			t.Errorf("IOC candidates %v, want %v", candidateIDs(ioc), candidateIDs(got))
		}
		if near := candidates(t, s, f.officer, f.d.ID, "?radius=85"); !slices.Equal(candidateIDs(near), []string{f.k.ID}) {
			t.Errorf("radius 85 m: %v, want only k", candidateIDs(near))
		}
		// The cap is 1 km; more is refused.
		candidates(t, s, f.officer, f.d.ID, "?radius=1000")
		refused(t, s.request(t, "GET", "/v1/tickets/"+f.d.ID+"/duplicates?radius=5000", f.officer, nil), http.StatusBadRequest, "invalid", "radius")

		// A resident's nearby never offers the private report; another unit's officer, a resident
		// and nobody are refused the route.
		var near struct{ Tickets []wfTicket }
		s.request(t, "GET", fmt.Sprintf("/v1/tickets/nearby?lat=%v&lng=%v&category=MT", x.lat, x.lng), f.resB.AccessToken, nil).
			expect(t, http.StatusOK).json(t, &near)
		if slices.Contains(ids(near.Tickets), f.private.ID) || !slices.Contains(ids(near.Tickets), f.k.ID) {
			t.Errorf("resident's nearby %v: want k and never the private report %s", ids(near.Tickets), f.private.ID)
		}
		refused(t, s.request(t, "GET", "/v1/tickets/"+f.d.ID+"/duplicates", f.otherOfficer, nil), http.StatusNotFound, "not_found", "")
		refused(t, s.request(t, "GET", "/v1/tickets/"+f.d.ID+"/duplicates", f.resB.AccessToken, nil), http.StatusForbidden, "forbidden", "")
		refused(t, s.request(t, "GET", "/v1/tickets/"+f.d.ID+"/duplicates", "", nil), http.StatusUnauthorized, "unauthorized", "")
	})
}

// mergeEvent and mergeTicket are what the merge tests read of a ticket.
type mergeEvent struct {
	Action      string `json:"action"`
	Visibility  string `json:"visibility"`
	DuplicateOf string `json:"duplicate_of"`
	MergedFrom  string `json:"merged_from"`
	Note        string `json:"note"`
}

type mergeTicket struct {
	ID             string       `json:"id"`
	Code           string       `json:"code"`
	State          string       `json:"state"`
	Version        int          `json:"version"`
	Media          []string     `json:"media"`
	DuplicateOf    string       `json:"duplicate_of"`
	FollowersCount int          `json:"followers_count"`
	History        []mergeEvent `json:"history"`
}

func readMerge(t *testing.T, s *server, token, id string) mergeTicket {
	t.Helper()
	var tk mergeTicket
	s.request(t, "GET", "/v1/tickets/"+id, token, nil).expect(t, http.StatusOK).json(t, &tk)
	return tk
}

// eventsOf lists the events of one action.
func (tk mergeTicket) eventsOf(action string) []mergeEvent {
	var out []mergeEvent
	for _, e := range tk.History {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// TestMerge: a duplicate D with a photo and a follower merged into K: D is a duplicate naming K,
// K has D's photo and a merged_from event naming D, D's reporter and follower follow K and hear
// of its next change; refusals change neither ticket; merging again changes nothing on K; the
// IOC merges across units.
func TestMerge(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 5), ward(set, 6)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		f := newDupFixture(t, s, x, y, kilometreAway(t, set, x))
		follower := s.signInResident("0912401004")
		photo := s.uploadOK(t, f.resB.AccessToken, pngBytes(t, redBlue(8, 8, 77)))
		body := wfReport("MT", offsetNorth(x, 60), "Rác đổ trộm, có ảnh", true)
		body["media"] = []string{photo.ID}
		d := fileTicket(t, s, f.resB.AccessToken, body)
		d = step(t, s, follower.AccessToken, d, "follow", nil, "received")
		d = getTicket(t, s, f.officer, d.ID)
		yTicket := fileTicket(t, s, f.resC.AccessToken, wfReport("MT", y, "Rác ở phường bên", false))

		checkMergeRefusals(t, s, f, d, yTicket)

		merged := step(t, s, f.officer, d, "merge", fields{"duplicate_of": f.k.ID, "note": "Cùng điểm rác"}, "duplicate")
		if merged.DuplicateOf != f.k.Code && merged.DuplicateOf != f.k.ID {
			t.Errorf("D's duplicate_of %q, want K (%s)", merged.DuplicateOf, f.k.Code)
		}
		dv := readMerge(t, s, f.officer, d.ID)
		if ev := dv.eventsOf("merge"); len(ev) != 1 || ev[0].DuplicateOf != f.k.Code {
			t.Errorf("D's merge events %+v, want one naming %s", ev, f.k.Code)
		}
		k := readMerge(t, s, f.officer, f.k.ID)
		if !slices.Contains(k.Media, photo.ID) {
			t.Errorf("K's media %v, want D's photo %s", k.Media, photo.ID)
		}
		if ev := k.eventsOf("merged_from"); len(ev) != 1 || ev[0].MergedFrom != d.Code || ev[0].Visibility != "public" || ev[0].Note != "" {
			t.Errorf("K's merged_from events %+v, want one public naming %s without D's text", ev, d.Code)
		}
		if k.FollowersCount != 2 {
			t.Errorf("K has %d followers, want D's reporter and follower", k.FollowersCount)
		}
		// D's follower reads K's public view, photo included, and hears of its next change.
		pub := readMerge(t, s, follower.AccessToken, f.k.ID)
		if !slices.Contains(pub.Media, photo.ID) || len(pub.eventsOf("merged_from")) != 1 {
			t.Errorf("K's public view: media %v, merged_from %+v; want D's photo and the event", pub.Media, pub.eventsOf("merged_from"))
		}
		step(t, s, f.officer, getTicket(t, s, f.officer, f.k.ID), "accept", nil, "assigned")
		for _, who := range []tokens{f.resB, follower} {
			if !slices.ContainsFunc(readInbox(t, s, who.AccessToken, "").Notifications, func(n inboxEntry) bool {
				return n.Code == f.k.Code && n.Event == "accept"
			}) {
				t.Errorf("a resident of D has no notification of K's accept")
			}
		}

		// Merging again (D is a duplicate of K already) completes K's side at most once.
		again := getTicket(t, s, f.officer, d.ID)
		step(t, s, f.officer, again, "merge", fields{"duplicate_of": f.k.ID}, "duplicate")
		if k2 := readMerge(t, s, f.officer, f.k.ID); len(k2.eventsOf("merged_from")) != 1 || len(k2.Media) != len(k.Media) || k2.FollowersCount != 2 {
			t.Errorf("after merging again: merged_from %d, media %v, followers %d; want K unchanged", len(k2.eventsOf("merged_from")), k2.Media, k2.FollowersCount)
		}
		// The IOC merges across units.
		step(t, s, f.ioc, getTicket(t, s, f.ioc, yTicket.ID), "merge", fields{"duplicate_of": f.k.ID}, "duplicate")
	})
}

// checkMergeRefusals: merging into itself, an unknown ticket, a closed one or another unit's (for
// a unit's officer), without duplicate_of or as a resident is refused, and neither ticket changes.
func checkMergeRefusals(t *testing.T, s *server, f *dupFixture, d, yTicket wfTicket) {
	t.Helper()
	kBefore := readMerge(t, s, f.ioc, f.k.ID)
	cases := []struct {
		name, token, of string
		status          int
		code, field     string
	}{
		{"itself", f.officer, d.ID, http.StatusBadRequest, "invalid", "duplicate_of"},
		{"nothing", f.officer, "", http.StatusBadRequest, "invalid", "duplicate_of"},
		{"unknown", f.officer, "khong-co-phieu-nay", http.StatusUnprocessableEntity, "unprocessable", "duplicate_of"},
		{"closed", f.officer, f.closed.ID, http.StatusUnprocessableEntity, "unprocessable", "duplicate_of"},
		{"another unit's", f.officer, yTicket.ID, http.StatusUnprocessableEntity, "unprocessable", "duplicate_of"},
		{"by a resident", f.resB.AccessToken, f.k.ID, http.StatusForbidden, "forbidden", ""},
	}
	for _, c := range cases {
		f := fields{}
		if c.of != "" {
			f["duplicate_of"] = c.of
		}
		t.Run(c.name, func(t *testing.T) {
			refused(t, act(t, s, c.token, d.ID, d.Version, "merge", f), c.status, c.code, c.field)
		})
	}
	if now := readMerge(t, s, f.ioc, d.ID); now.Version != d.Version || now.State != "received" {
		t.Errorf("after refusals D is %s v%d, want received v%d", now.State, now.Version, d.Version)
	}
	if now := readMerge(t, s, f.ioc, f.k.ID); now.Version != kBefore.Version || len(now.Media) != len(kBefore.Media) {
		t.Errorf("after refusals K is v%d with %v, want v%d unchanged", now.Version, now.Media, kBefore.Version)
	}
}

// TestMergeFromConsole: the ticket page lists the duplicate candidates to the unit's officer,
// with links, and offers the merge form with a Vietnamese confirmation; the form merges.
func TestMergeFromConsole(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 5), ward(set, 6)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		f := newDupFixture(t, s, x, y, kilometreAway(t, set, x))
		ui := newConsoleClient(t, s)
		ui.signIn("dup.officer")
		page := string(ui.do("GET", "/console/tickets/"+f.d.ID, nil).expect(t, http.StatusOK).body)
		for _, want := range []string{`id="duplicate-candidates"`, `href="/console/tickets/` + f.k.ID + `"`, f.private.Code,
			`id="form-merge"`, `data-confirm="Gộp phiếu này vào phiếu đã chọn?`, `<option value="` + f.k.ID + `">`} {
			if !strings.Contains(page, want) {
				t.Errorf("ticket page lacks %s", want)
			}
		}
		if strings.Contains(page, f.far.Code) || strings.Contains(page, f.closed.Code) {
			t.Errorf("ticket page lists a far or closed report as a candidate")
		}
		ui.act(f.d.ID, f.d.Version, "merge", url.Values{"duplicate_of": {f.k.ID}}).expect(t, http.StatusSeeOther)
		if d := readMerge(t, s, f.officer, f.d.ID); d.State != "duplicate" || len(d.eventsOf("merge")) != 1 {
			t.Fatalf("after the console's merge D is %s with %d merge events", d.State, len(d.eventsOf("merge")))
		}
		if k := readMerge(t, s, f.officer, f.k.ID); len(k.eventsOf("merged_from")) != 1 {
			t.Errorf("K's history has no merged_from after the console's merge")
		}
		if page := string(ui.do("GET", "/console/tickets/"+f.d.ID, nil).expect(t, http.StatusOK).body); strings.Contains(page, `id="form-merge"`) {
			t.Errorf("a merged ticket still offers the merge form")
		}
	})
}

// TestMergePrivacy: a private duplicate merged into a public ticket leaves no trace in its public
// view (no merged_from event, none of the duplicate's photos) while its officials read both; a
// public duplicate merged into a private ticket does not name it publicly, and nobody is made a
// follower of a private ticket.
func TestMergePrivacy(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 5), ward(set, 6)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		f := newDupFixture(t, s, x, y, kilometreAway(t, set, x))
		kFollower, dFollower := s.signInResident("0912401005"), s.signInResident("0912401006")
		step(t, s, kFollower.AccessToken, f.k, "follow", nil, "received")

		photo := s.uploadOK(t, f.resC.AccessToken, pngBytes(t, redBlue(8, 8, 99)))
		body := wfReport("MT", offsetNorth(x, 30), "Ảnh có mặt người", false)
		body["media"] = []string{photo.ID}
		privD := step(t, s, f.ioc, fileTicket(t, s, f.resC.AccessToken, body), "set_private", fields{"reason": "Mặt người"}, "received")
		step(t, s, f.officer, privD, "merge", fields{"duplicate_of": f.k.ID}, "duplicate")
		pub := readMerge(t, s, kFollower.AccessToken, f.k.ID)
		if len(pub.eventsOf("merged_from")) != 0 || slices.Contains(pub.Media, photo.ID) {
			t.Errorf("K's public view shows the private duplicate: events %+v, media %v", pub.eventsOf("merged_from"), pub.Media)
		}
		in := readMerge(t, s, f.officer, f.k.ID)
		if ev := in.eventsOf("merged_from"); len(ev) != 1 || ev[0].Visibility != "internal" || ev[0].MergedFrom != privD.Code || !slices.Contains(in.Media, photo.ID) {
			t.Errorf("K's officials' view: merged_from %+v, media %v; want one internal naming %s and the photo", ev, in.Media, privD.Code)
		}

		pubD := fileTicket(t, s, f.resB.AccessToken, wfReport("MT", offsetEast(x, -20), "Rác đổ trộm ven đường", false))
		pubD = step(t, s, dFollower.AccessToken, pubD, "follow", nil, "received")
		step(t, s, f.officer, getTicket(t, s, f.officer, pubD.ID), "merge", fields{"duplicate_of": f.private.ID}, "duplicate")
		seen := readMerge(t, s, dFollower.AccessToken, pubD.ID)
		if seen.DuplicateOf != "" || len(seen.eventsOf("merge")) != 1 || seen.eventsOf("merge")[0].DuplicateOf != "" {
			t.Errorf("the public view of a ticket merged into a private one names it: %+v", seen)
		}
		if k := readMerge(t, s, f.ioc, f.private.ID); k.FollowersCount != 0 || len(k.eventsOf("merged_from")) != 1 {
			t.Errorf("private K: %d followers, merged_from %+v; want none and one event", k.FollowersCount, k.eventsOf("merged_from"))
		}
	})
}
