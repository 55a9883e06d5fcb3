package tests

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// cannedReply is a reply as the API answers it.
type cannedReply struct {
	ID       string `json:"id"`
	UnitID   string `json:"unit_id"`
	Category string `json:"category"`
	Title    string `json:"title"`
	Text     string `json:"text"`
	Filled   string `json:"filled"`
}

// repliesOf lists replies at path as token, which must succeed.
func repliesOf(t *testing.T, s *server, token, path string) []cannedReply {
	t.Helper()
	var out struct{ Replies []cannedReply }
	s.request(t, "GET", path, token, nil).expect(t, http.StatusOK).json(t, &out)
	return out.Replies
}

func replyTitles(rs []cannedReply) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Title)
	}
	return out
}

// TestCannedReplies: a unit's leader and the IOC write replies for the unit, its officers read
// them and get those fitting a ticket filled in with the ticket's code, deadline, unit, category
// and ward; other units neither see nor change them; bad replies are refused whole and change
// nothing.
func TestCannedReplies(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 6), ward(set, 7)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		ux := unitOf(x.code, "ubnd")
		lx, ox := s.createOfficial("leader", "lanhdao.mau.x", ux), s.createOfficial("officer", "canbo.mau.x", ux)
		ly := s.createOfficial("leader", "lanhdao.mau.y", unitOf(y.code, "ubnd"))
		iop, iv := s.createOfficial("ioc_operator", "ioc.mau", ""), s.createOfficial("ioc_viewer", "ioc.mau.xem", "")
		res := s.signInResident("0912600050")

		var accepted, general, env cannedReply
		s.request(t, "POST", "/v1/replies", lx.AccessToken, map[string]any{"category": "TTDT", "title": "Đã tiếp nhận",
			"text": "Phản ánh {code} sẽ được xử lý trước {due}. {unit} cảm ơn ông/bà."}).expect(t, http.StatusCreated).json(t, &accepted)
		s.request(t, "POST", "/v1/replies", lx.AccessToken, map[string]any{"title": "Cảm ơn",
			"text": "Cảm ơn ông/bà đã phản ánh về {category} tại {area}."}).expect(t, http.StatusCreated).json(t, &general)
		s.request(t, "POST", "/v1/replies", iop.AccessToken, map[string]any{"unit_id": ux, "category": "MT", "title": "Môi trường",
			"text": "Đã chuyển đội vệ sinh."}).expect(t, http.StatusCreated).json(t, &env)
		if accepted.UnitID != ux || env.UnitID != ux {
			t.Errorf("replies of units %s and %s, want the leader's unit %s", accepted.UnitID, env.UnitID, ux)
		}
		want := []string{"Cảm ơn", "Môi trường", "Đã tiếp nhận"}
		if got := replyTitles(repliesOf(t, s, ox.AccessToken, "/v1/replies")); !slices.Equal(got, want) {
			t.Errorf("the officer reads %q, want %q", got, want)
		}
		if got := replyTitles(repliesOf(t, s, iv.AccessToken, "/v1/replies?unit="+ux)); !slices.Equal(got, want) {
			t.Errorf("the IOC reads %q, want %q", got, want)
		}

		// Filled in for a ticket: the TTDT reply and the general one, not the MT one.
		tk := fileTicket(t, s, res.AccessToken, wfReport("TTDT", x, "Lấn chiếm lòng đường", false))
		full := getTicket(t, s, ox.AccessToken, tk.ID)
		due := parseTime(t, full.DueAt).In(vnZone).Format("15:04 02/01/2006")
		filled := repliesOf(t, s, ox.AccessToken, "/v1/replies?ticket="+tk.ID)
		if got := replyTitles(filled); !slices.Equal(got, []string{"Cảm ơn", "Đã tiếp nhận"}) {
			t.Fatalf("replies for a TTDT ticket %q", got)
		}
		if w := "Phản ánh " + tk.Code + " sẽ được xử lý trước " + due + ". " + full.Unit.Name + " cảm ơn ông/bà."; filled[1].Filled != w {
			t.Errorf("filled %q, want %q", filled[1].Filled, w)
		}
		if strings.Contains(filled[0].Filled, "{") || !strings.Contains(filled[0].Filled, full.Area.Name) {
			t.Errorf("filled %q, want the category and the ward %s", filled[0].Filled, full.Area.Name)
		}

		// Other units and roles.
		refused(t, s.request(t, "GET", "/v1/replies?unit="+ux, ly.AccessToken, nil), http.StatusForbidden, "forbidden", "unit")
		refused(t, s.request(t, "GET", "/v1/replies?ticket="+tk.ID, ly.AccessToken, nil), http.StatusNotFound, "not_found", "")
		refused(t, s.request(t, "PUT", "/v1/replies/"+accepted.ID, ly.AccessToken, map[string]any{"title": "x", "text": "y"}), http.StatusNotFound, "not_found", "")
		refused(t, s.request(t, "DELETE", "/v1/replies/"+accepted.ID, ly.AccessToken, nil), http.StatusNotFound, "not_found", "")
		refused(t, s.request(t, "POST", "/v1/replies", ox.AccessToken, map[string]any{"title": "x", "text": "y"}), http.StatusForbidden, "forbidden", "")
		refused(t, s.request(t, "POST", "/v1/replies", iv.AccessToken, map[string]any{"unit_id": ux, "title": "x", "text": "y"}), http.StatusForbidden, "forbidden", "")
		refused(t, s.request(t, "POST", "/v1/replies", ly.AccessToken, map[string]any{"unit_id": ux, "title": "x", "text": "y"}), http.StatusForbidden, "forbidden", "")
		refused(t, s.request(t, "GET", "/v1/replies", iop.AccessToken, nil), http.StatusBadRequest, "invalid", "unit")

		badReplies(t, s, lx.AccessToken, accepted.ID, unitOf(y.code, "ubnd"))
		if got := replyTitles(repliesOf(t, s, ox.AccessToken, "/v1/replies")); !slices.Equal(got, want) {
			t.Errorf("after the refusals the unit has %q, want %q", got, want)
		}

		// The leader edits and deletes.
		var edited cannedReply
		s.request(t, "PUT", "/v1/replies/"+general.ID, lx.AccessToken, map[string]any{"category": "TTDT", "title": "Cảm ơn (TTDT)",
			"text": "Cảm ơn ông/bà."}).expect(t, http.StatusOK).json(t, &edited)
		if edited.Category != "TTDT" || edited.Title != "Cảm ơn (TTDT)" || edited.UnitID != ux {
			t.Errorf("edited reply %+v", edited)
		}
		s.request(t, "DELETE", "/v1/replies/"+env.ID, iop.AccessToken, nil).expect(t, http.StatusNoContent)
		refused(t, s.request(t, "DELETE", "/v1/replies/"+env.ID, iop.AccessToken, nil), http.StatusNotFound, "not_found", "")
		if got := replyTitles(repliesOf(t, s, ox.AccessToken, "/v1/replies")); !slices.Equal(got, []string{"Cảm ơn (TTDT)", "Đã tiếp nhận"}) {
			t.Errorf("after the edit and the delete: %q", got)
		}
	})
}

// badReplies sends replies with every kind of problem as a leader: each is refused.
func badReplies(t *testing.T, s *server, leader, replyID, otherUnit string) {
	t.Helper()
	// Bad replies: every problem at once, nothing stored.
	e := refused(t, s.request(t, "POST", "/v1/replies", leader, map[string]any{"category": "KHONG", "title": " ",
		"text": "Xin chào {ten}"}), http.StatusBadRequest, "invalid", "")
	var fields []string
	for _, f := range e.Error.Errors {
		fields = append(fields, f.Field+":"+f.Code)
	}
	slices.Sort(fields)
	if w := []string{"category:bad_enum", "text:bad_enum", "title:required"}; !slices.Equal(fields, w) {
		t.Errorf("problems %q, want %q", fields, w)
	}
	for _, body := range []any{
		map[string]any{"title": "Dài", "text": strings.Repeat("a", 2001)},
		map[string]any{"title": "Thừa", "text": "y", "color": "red"},
		map[string]any{"title": 5, "text": "y"},
		"not json",
	} {
		invalid(t, s.request(t, "POST", "/v1/replies", leader, body), "")
	}
	invalid(t, s.request(t, "PUT", "/v1/replies/"+replyID, leader, map[string]any{"unit_id": otherUnit, "title": "x", "text": "y"}), "unit_id")
}
