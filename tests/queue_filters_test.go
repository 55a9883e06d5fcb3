package tests

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestQueueWorkFilters checks that each of the queue's work filters returns exactly the
// expected tickets: assigned to me, to nobody, an extension to decide, a routing to check, a
// search typed without accents, and the IOC's search by a resident's phone (audited; a unit's
// officer searching a number searches text). Bad filter values are refused.
func TestQueueWorkFilters(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 5)
	lat, lng := westmost(set)
	flat, flng := metresWest(lat, lng, 120)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		unit := unitOf(x.code, "ubnd")
		a := s.createOfficial("officer", "canbo.loc.a", unit)
		b := s.createOfficial("officer", "canbo.loc.b", unit)
		leader := s.createOfficial("leader", "truong.loc", unit)
		ioc := s.createOfficial("ioc_operator", "ioc.loc", "")
		admin := s.createOfficial("admin", "quantri.loc", "")
		r1, r2 := s.signInResident("0912400001"), s.signInResident("0912400002")

		fresh := fileTicket(t, s, r1.AccessToken, wfReport("TTDT", x, "Vỉa hè đường Nguyễn Huệ bị lấn chiếm", false))
		assignTo := func(res string, officer tokens) wfTicket {
			t.Helper()
			tk := fileTicket(t, s, res, wfReport("TTDT", x, "Cống thoát nước bị tắc", false))
			tk = step(t, s, officer.AccessToken, tk, "accept", nil, "assigned")
			return step(t, s, leader.AccessToken, tk, "assign", fields{"officer": officer.User.ID}, "assigned")
		}
		mine, theirs, ext := assignTo(r2.AccessToken, a), assignTo(r2.AccessToken, b), assignTo(r1.AccessToken, a)
		step(t, s, a.AccessToken, ext, "request_extension", fields{"due_at": rfc(parseTime(t, ext.ResolveDueAt).Add(48 * time.Hour)), "reason": "Chờ vật tư"}, "assigned")
		var routed wfTicket
		s.request(t, "POST", "/v1/tickets", r2.AccessToken, report("ANTT.03", flat, flng)).expect(t, http.StatusCreated).json(t, &routed)

		for _, c := range []struct {
			name, token, query string
			want               []string
		}{
			{"assigned to me", a.AccessToken, "assigned=me", []string{mine.ID, ext.ID}},
			{"assigned to the other officer", b.AccessToken, "assigned=me", []string{theirs.ID}},
			{"assigned to nobody, the unit", a.AccessToken, "assigned=none&unit=" + unit, []string{fresh.ID}},
			{"an extension to decide", leader.AccessToken, "extension=pending", []string{ext.ID}},
			{"a routing to check", ioc.AccessToken, "routing=flagged", []string{routed.ID}},
			{"without accents", a.AccessToken, "q=" + url.QueryEscape("DUONG nguyen hue"), []string{fresh.ID}},
			{"the IOC searches a phone", ioc.AccessToken, "q=" + url.QueryEscape("0912 400 001"), []string{fresh.ID, ext.ID}},
			{"a unit searches a number as text", a.AccessToken, "q=0912400001", nil},
			{"the IOC searches an unknown phone", ioc.AccessToken, "q=0912409999", nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				var page struct {
					Tickets []wfTicket `json:"tickets"`
				}
				s.request(t, "GET", "/v1/queue?"+c.query, c.token, nil).expect(t, http.StatusOK).json(t, &page)
				var got []string
				for _, tk := range page.Tickets {
					got = append(got, tk.ID)
				}
				slices.Sort(got)
				want := slices.Sorted(slices.Values(c.want))
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("GET /v1/queue?%s (-want +got):\n%s", c.query, diff)
				}
			})
		}
		for _, bad := range []struct{ query, field string }{{"assigned=her", "assigned"},
			{"extension=yes", "extension"}, {"routing=1", "routing"}} {
			e := refused(t, s.request(t, "GET", "/v1/queue?"+bad.query, a.AccessToken, nil), http.StatusBadRequest, "invalid", bad.field)
			if len(e.Error.Errors) != 1 || e.Error.Errors[0].Code != "bad_enum" {
				t.Errorf("GET /v1/queue?%s: problems %+v, want one bad_enum", bad.query, e.Error.Errors)
			}
		}
		phoneSearchAudited(t, s, admin.AccessToken, r1.User.ID)
	})
}

// phoneSearchAudited checks that the IOC's search by phone left a reveal_reporter record whose
// subject is the resident.
func phoneSearchAudited(t *testing.T, s *server, adminToken, resident string) {
	t.Helper()
	var audit struct {
		Records []struct {
			Action, Detail string
		} `json:"records"`
	}
	s.request(t, "GET", "/v1/admin/audit?action=reveal_reporter&subject="+resident, adminToken, nil).expect(t, http.StatusOK).json(t, &audit)
	for _, r := range audit.Records {
		if r.Detail == "queue search by phone" {
			return
		}
	}
	t.Errorf("no reveal_reporter record of the phone search: %+v", audit.Records)
}
