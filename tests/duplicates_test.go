package tests

import (
	"fmt"
	"net/http"
	"slices"
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
