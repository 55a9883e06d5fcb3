package tests

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Triage corrections: the IOC and the unit's leader correct a wrong
// category — its routing, privacy, deadlines and statistics follow — and the IOC decides
// whether the public sees a report.

// triageTicket is what these tests read of a ticket beyond wfTicket: privacy, earlier units and
// the categories a recategorize names.
type triageTicket struct {
	wfTicket
	Private         bool     `json:"private"`
	TransferredFrom []string `json:"transferred_from"`
	History         []struct {
		Action       string `json:"action"`
		Reason       string `json:"reason"`
		Visibility   string `json:"visibility"`
		Category     string `json:"category"`
		PrevCategory string `json:"prev_category"`
		UnitID       string `json:"unit_id"`
	} `json:"history"`
}

// readTriage reads a ticket as token (who must see it).
func readTriage(t *testing.T, s *server, token, id string) triageTicket {
	t.Helper()
	var tk triageTicket
	s.request(t, "GET", "/v1/tickets/"+id, token, nil).expect(t, http.StatusOK).json(t, &tk)
	return tk
}

// publicSees reports which public routes show the ticket to a resident who is neither its
// reporter nor a follower: "nearby" (of category) and the Open311 request.
func publicSees(t *testing.T, s *server, token string, p wardPoint, category, id string) map[string]bool {
	t.Helper()
	var near struct{ Tickets []wfTicket }
	s.request(t, "GET", fmt.Sprintf("/v1/tickets/nearby?lat=%v&lng=%v&category=%s", p.lat, p.lng, category), token, nil).
		expect(t, http.StatusOK).json(t, &near)
	o := s.request(t, "GET", "/open311/v2/requests/"+id+".json", "", nil)
	if o.status != http.StatusOK && o.status != http.StatusNotFound {
		t.Fatalf("Open311 request: status %d, body %s", o.status, o.body)
	}
	return map[string]bool{"nearby": slices.Contains(ids(near.Tickets), id), "open311": o.status == http.StatusOK}
}

// receivedIn is the number of tickets received in category, by the statistics summary.
func receivedIn(t *testing.T, s *server, token, category string) int {
	t.Helper()
	var body struct {
		Figures statsFigures `json:"figures"`
	}
	s.request(t, "GET", "/v1/stats/summary?category="+category, token, nil).expect(t, http.StatusOK).json(t, &body)
	return body.Figures.Received
}

func TestTriageRecategorize(t *testing.T) {
	t.Parallel()
	x := ward(loadSet(t, "longxuyen-2023"), 5)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		reporter := s.signInResident("0912301001")
		other := s.signInResident("0912301002").AccessToken
		ioc := s.createOfficial("ioc_operator", "triage.ioc", "").AccessToken
		leader := s.createOfficial("leader", "triage.leader", unitOf(x.code, "ubnd")).AccessToken
		officer := s.createOfficial("officer", "triage.officer", unitOf(x.code, "ubnd")).AccessToken

		filed := fileTicket(t, s, reporter.AccessToken, wfReport("TTDT", x, "Lấn chiếm vỉa hè, sẽ được phân loại lại", true))
		// A report filed under the final category right after: the deadlines the corrected one must get.
		ref := fileTicket(t, s, reporter.AccessToken, wfReport("ANTT.05", x, "Nghi có tụ điểm cờ bạc", false))
		before := readTriage(t, s, ioc, filed.ID)
		if got := publicSees(t, s, other, x, "TTDT", filed.ID); !got["nearby"] || !got["open311"] {
			t.Fatalf("before: public routes %v, want both showing the report", got)
		}
		if n, m := receivedIn(t, s, ioc, "TTDT"), receivedIn(t, s, ioc, "ANTT.05"); n != 1 || m != 1 {
			t.Fatalf("before: received TTDT %d, ANTT.05 %d; want 1 and 1", n, m)
		}

		// Refused, and nothing changes.
		refusals := []struct {
			name, token        string
			f                  fields
			status             int
			code, field, probl string
		}{
			{"the reporter", reporter.AccessToken, fields{"category": "MT", "reason": "Sai"}, http.StatusForbidden, "forbidden", "", ""},
			{"an officer", officer, fields{"category": "MT", "reason": "Sai"}, http.StatusForbidden, "forbidden", "", ""},
			{"no reason", ioc, fields{"category": "MT"}, http.StatusBadRequest, "invalid", "reason", ""},
			{"no category", ioc, fields{"reason": "Sai"}, http.StatusBadRequest, "invalid", "category", "required"},
			{"unknown category", ioc, fields{"category": "KHONG.CO", "reason": "Sai"}, http.StatusBadRequest, "invalid", "category", "bad_enum"},
		}
		for _, r := range refusals {
			e := refused(t, act(t, s, r.token, filed.ID, before.Version, "recategorize", r.f), r.status, r.code, r.field)
			if r.probl != "" && (len(e.Error.Errors) != 1 || e.Error.Errors[0].Code != r.probl) {
				t.Errorf("%s: problems %+v, want one %s", r.name, e.Error.Errors, r.probl)
			}
		}
		if now := readTriage(t, s, ioc, filed.ID); now.Version != before.Version || now.Category != "TTDT" || now.ResolveDueAt != before.ResolveDueAt {
			t.Fatalf("after refusals: version %d category %s due %s; want %d TTDT %s", now.Version, now.Category, now.ResolveDueAt,
				before.Version, before.ResolveDueAt)
		}

		// The unit's leader corrects it within the unit's own categories, then the IOC to a
		// category of the ward police, private by policy.
		step(t, s, leader, before.wfTicket, "recategorize", fields{"category": "MT", "reason": "Là rác thải, không phải lấn chiếm"}, "received")
		mid := readTriage(t, s, ioc, filed.ID)
		if mid.Unit.ID != unitOf(x.code, "ubnd") || mid.Private {
			t.Errorf("MT: unit %s private %v; want the ward's ubnd and public", mid.Unit.ID, mid.Private)
		}
		step(t, s, ioc, mid.wfTicket, "recategorize", fields{"category": "ANTT.05", "reason": "Thực chất là tụ điểm cờ bạc"}, "received")
		after := readTriage(t, s, ioc, filed.ID)
		checkRecategorized(t, after, ref, x)

		if got := publicSees(t, s, other, x, "ANTT.05", filed.ID); got["nearby"] || got["open311"] {
			t.Errorf("after: public routes %v, want none showing a report of a private category", got)
		}
		readTriage(t, s, reporter.AccessToken, filed.ID) // its reporter still follows it
		for cat, want := range map[string]int{"TTDT": 0, "MT": 0, "ANTT.05": 2} {
			if n := receivedIn(t, s, ioc, cat); n != want {
				t.Errorf("after: received in %s %d, want %d (statistics follow the category)", cat, n, want)
			}
		}
	})
}

// checkRecategorized checks a report moved to ANTT.05: the deadlines of a report filed under it
// at (nearly) the same moment, the ward police's unit, private, and the history.
func checkRecategorized(t *testing.T, got triageTicket, ref wfTicket, x wardPoint) {
	t.Helper()
	filed, refFiled := parseTime(t, got.CreatedAt), parseTime(t, ref.CreatedAt)
	slack := refFiled.Sub(filed) + time.Second
	for name, pair := range map[string][2]string{"triage": {got.TriageDueAt, ref.TriageDueAt}, "resolve": {got.ResolveDueAt, ref.ResolveDueAt}} {
		if d := parseTime(t, pair[1]).Sub(parseTime(t, pair[0])); d < 0 || d > slack {
			t.Errorf("%s due %s, want that of ANTT.05 from filing (%s, filed %v later)", name, pair[0], pair[1], refFiled.Sub(filed))
		}
	}
	if got.Category != "ANTT.05" || got.Unit.ID != unitOf(x.code, "cong_an") || !got.Private {
		t.Errorf("category %s unit %s private %v; want ANTT.05, %s, private", got.Category, got.Unit.ID, got.Private, unitOf(x.code, "cong_an"))
	}
	if !slices.Contains(got.TransferredFrom, unitOf(x.code, "ubnd")) {
		t.Errorf("transferred_from %v: the ward's ubnd keeps no read access", got.TransferredFrom)
	}
	last := got.History[len(got.History)-1]
	if last.Action != "recategorize" || last.PrevCategory != "MT" || last.Category != "ANTT.05" || last.UnitID != unitOf(x.code, "cong_an") || last.Reason == "" {
		t.Errorf("last event %+v, want recategorize MT → ANTT.05 to the ward police with its reason", last)
	}
}

func TestTriageSetPrivateAndPublic(t *testing.T) {
	t.Parallel()
	x := ward(loadSet(t, "longxuyen-2023"), 6)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		reporter := s.signInResident("0912301011").AccessToken
		other := s.signInResident("0912301012").AccessToken
		ioc := s.createOfficial("ioc_operator", "privacy.ioc", "").AccessToken
		leader := s.createOfficial("leader", "privacy.leader", unitOf(x.code, "ubnd")).AccessToken
		tk := fileTicket(t, s, reporter, wfReport("TTDT", x, "Lấn chiếm vỉa hè, ảnh có biển số xe", true))

		refused(t, act(t, s, leader, tk.ID, tk.Version, "set_private", fields{"reason": "Biển số"}), http.StatusForbidden, "forbidden", "")
		refused(t, act(t, s, ioc, tk.ID, tk.Version, "set_private", nil), http.StatusBadRequest, "invalid", "reason")
		refused(t, act(t, s, ioc, tk.ID, tk.Version, "set_public", fields{"reason": "x"}), http.StatusConflict, "conflict", "")

		steps := []struct {
			action      string
			wantPrivate bool
		}{{"set_private", true}, {"set_public", false}}
		cur := tk
		for _, st := range steps {
			cur = step(t, s, ioc, cur, st.action, fields{"reason": "Ảnh có biển số xe"}, "received")
			got := readTriage(t, s, ioc, tk.ID)
			last := got.History[len(got.History)-1]
			if got.Private != st.wantPrivate || last.Visibility != "internal" || last.Reason == "" {
				t.Errorf("%s: private %v, event %+v; want private %v and an internal event with the reason", st.action, got.Private, last, st.wantPrivate)
			}
			seen := publicSees(t, s, other, x, "TTDT", tk.ID)
			if seen["nearby"] == st.wantPrivate || seen["open311"] == st.wantPrivate {
				t.Errorf("%s: public routes %v, want them showing the report: %v", st.action, seen, !st.wantPrivate)
			}
			readTriage(t, s, reporter, tk.ID) // the reporter always reads their report
		}
	})
}

// TestConsoleTriageCorrections: the IOC's ticket page offers the triage corrections with
// Vietnamese labels and confirmations, a unit officer's does not, and the forms work.
func TestConsoleTriageCorrections(t *testing.T) {
	t.Parallel()
	x := ward(loadSet(t, "longxuyen-2023"), 7)
	s := startServer(t, storeKind{name: "sqlite"})
	res := s.signInResident("0912301021")
	s.createOfficial("ioc_operator", "ioc.phanloai", "")
	s.createOfficial("officer", "canbo.phanloai", unitOf(x.code, "ubnd"))
	tk := fileTicket(t, s, res.AccessToken, wfReport("TTDT", x, "Rác thải đổ trên vỉa hè.", true))

	officer := newConsoleClient(t, s)
	officer.signIn("canbo.phanloai")
	page := officer.do("GET", "/console/tickets/"+tk.ID, nil).expect(t, http.StatusOK).body
	mustLack(t, "officer's ticket page", page, `id="form-recategorize"`, `id="form-set_private"`, `id="form-set_public"`)

	ioc := newConsoleClient(t, s)
	ioc.signIn("ioc.phanloai")
	page = ioc.do("GET", "/console/tickets/"+tk.ID, nil).expect(t, http.StatusOK).body
	mustHave(t, "IOC's ticket page", page,
		`id="form-recategorize"`, "Phân loại lại lĩnh vực", `data-confirm="Phân loại lại phiếu này?`,
		`<select name="category" required><option value="" selected disabled>`, `<option value="MT">`,
		`id="form-set_private"`, "Chuyển thành riêng tư", `data-confirm="Ẩn phản ánh này khỏi mọi trang công khai?"`)
	mustLack(t, "IOC's ticket page", page, `<option value="TTDT">`, `id="form-set_public"`)

	ioc.act(tk.ID, tk.Version, "recategorize", url.Values{"category": {"MT"}, "reason": {"Là rác thải"}}).expect(t, http.StatusSeeOther)
	got := readTriage(t, s, res.AccessToken, tk.ID)
	if got.Category != "MT" || got.Version != tk.Version+1 {
		t.Fatalf("after the console's recategorize: category %s version %d", got.Category, got.Version)
	}
	ioc.act(tk.ID, got.Version, "set_private", url.Values{"reason": {"Ảnh có mặt người"}}).expect(t, http.StatusSeeOther)
	page = ioc.do("GET", "/console/tickets/"+tk.ID, nil).expect(t, http.StatusOK).body
	mustHave(t, "IOC's page of a private report", page, `id="form-set_public"`, "Công khai trở lại", "TTDT → MT",
		`id="form-hide_from_public"`, "Ẩn nội dung khỏi công khai", `data-confirm="Thay nội dung người dân xem được`,
		`<textarea name="description" rows="3" maxlength="4000">Rác thải đổ trên vỉa hè.</textarea>`)
	mustLack(t, "IOC's page of a private report", page, `id="form-set_private"`)

	got = readTriage(t, s, res.AccessToken, tk.ID)
	ioc.act(tk.ID, got.Version, "hide_from_public", url.Values{"description": {"Rác thải trên vỉa hè"}, "reason": {"Tên người"}}).expect(t, http.StatusSeeOther)
	page = ioc.do("GET", "/console/tickets/"+tk.ID, nil).expect(t, http.StatusOK).body
	mustHave(t, "IOC's page of a report with a public description", page,
		`id="ticket-public-description">Nội dung công khai đã thay thế: Rác thải trên vỉa hè<`, "“Rác thải trên vỉa hè”")
}

// TestTriageHideFromPublic: the IOC replaces what the public reads of a report and hides its
// photo; the public routes (the ticket as a follower reads it, nearby, Open311, the photo
// itself) show the replacement and never the original nor the photo, the reporter and the
// officials keep both, and each change is an internal history event with its reason.
func TestTriageHideFromPublic(t *testing.T) {
	t.Parallel()
	x := ward(loadSet(t, "longxuyen-2023"), 8)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		reporter := s.signInResident("0912301031").AccessToken
		follower := s.signInResident("0912301032").AccessToken
		ioc := s.createOfficial("ioc_operator", "hide.ioc", "").AccessToken
		leader := s.createOfficial("leader", "hide.leader", unitOf(x.code, "ubnd")).AccessToken
		const original, replaced = "Xe biển số 67A-123.45 của ông Tư đậu chắn vỉa hè", "Xe ô tô đậu chắn vỉa hè"
		photo := s.uploadOK(t, reporter, phoneJPEG(t, 90)).ID
		body := wfReport("TTDT", x, original, true)
		body["media"] = []string{photo}
		tk := fileTicket(t, s, reporter, body)
		tk = step(t, s, follower, tk, "follow", nil, "received")
		s.request(t, "GET", "/v1/media/"+photo+"?size=thumb", "", nil).expect(t, http.StatusOK) // public until hidden

		refused(t, act(t, s, leader, tk.ID, tk.Version, "hide_from_public", fields{"description": replaced, "reason": "Biển số"}), http.StatusForbidden, "forbidden", "")
		refused(t, act(t, s, ioc, tk.ID, tk.Version, "hide_from_public", fields{"reason": "Biển số"}), http.StatusBadRequest, "invalid", "description")
		refused(t, act(t, s, ioc, tk.ID, tk.Version, "hide_from_public", fields{"description": replaced}), http.StatusBadRequest, "invalid", "reason")
		tk = step(t, s, ioc, tk, "hide_from_public", fields{"description": replaced, "reason": "Có biển số xe và tên người"}, "received")
		refused(t, act(t, s, ioc, tk.ID, tk.Version, "hide_from_public", fields{"media": []string{"khong-co"}, "reason": "Ảnh"}), http.StatusUnprocessableEntity, "unprocessable", "media")
		tk = step(t, s, ioc, tk, "hide_from_public", fields{"media": []string{photo}, "reason": "Ảnh có biển số xe"}, "received")
		for who, token := range map[string]string{"anyone": "", "the follower": follower, "the reporter": reporter, "the IOC": ioc} {
			want := http.StatusNotFound
			if who == "the reporter" || who == "the IOC" {
				want = http.StatusOK
			}
			if r := s.request(t, "GET", "/v1/media/"+photo+"?size=thumb", token, nil); r.status != want {
				t.Errorf("the hidden photo, read by %s: status %d, want %d", who, r.status, want)
			}
		}

		var official struct {
			Description       string `json:"description"`
			PublicDescription string `json:"public_description"`
			History           []struct {
				Action, Visibility, Reason string
				PublicDescription          string   `json:"public_description"`
				Media                      []string `json:"media"`
			} `json:"history"`
		}
		s.request(t, "GET", "/v1/tickets/"+tk.ID, ioc, nil).expect(t, http.StatusOK).json(t, &official)
		if official.Description != original || official.PublicDescription != replaced {
			t.Errorf("the IOC reads description %q, public %q", official.Description, official.PublicDescription)
		}
		n := len(official.History)
		text, photos := official.History[n-2], official.History[n-1]
		if text.Action != "hide_from_public" || text.Visibility != "internal" || text.PublicDescription != replaced || text.Reason == "" {
			t.Errorf("the event of the replaced text: %+v", text)
		}
		if photos.Action != "hide_from_public" || photos.Visibility != "internal" || !slices.Equal(photos.Media, []string{photo}) || photos.Reason == "" {
			t.Errorf("the event of the hidden photo: %+v", photos)
		}
		var own struct{ Description string }
		s.request(t, "GET", "/v1/tickets/"+tk.ID, reporter, nil).expect(t, http.StatusOK).json(t, &own)
		if own.Description != original {
			t.Errorf("the reporter reads %q, want their own words", own.Description)
		}
		public := map[string]response{
			"follower":  s.request(t, "GET", "/v1/tickets/"+tk.ID, follower, nil).expect(t, http.StatusOK),
			"nearby":    s.request(t, "GET", fmt.Sprintf("/v1/tickets/nearby?lat=%v&lng=%v&category=TTDT", x.lat, x.lng), follower, nil).expect(t, http.StatusOK),
			"Open311":   s.request(t, "GET", "/open311/v2/requests/"+tk.ID+".json", "", nil).expect(t, http.StatusOK),
			"Open311 +": s.request(t, "GET", "/open311/v2/requests/"+tk.ID+".json?extensions=true", "", nil).expect(t, http.StatusOK),
		}
		for route, r := range public {
			if !strings.Contains(string(r.body), replaced) || strings.Contains(string(r.body), "67A") || strings.Contains(string(r.body), "ông Tư") ||
				strings.Contains(string(r.body), photo) {
				t.Errorf("%s shows %s; want the replacement and nothing of the original, nor the hidden photo", route, r.body)
			}
		}
	})
}

// TestConsoleRecategorizeInBrowser: an IOC operator recategorizes a report from its ticket page
// in a browser; the page asks first in Vietnamese, a cancel sends nothing, and a confirmation
// moves the ticket to the new category.
func TestConsoleRecategorizeInBrowser(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	x := ward(loadSet(t, "longxuyen-2023"), 9)
	s := startServer(t, storeKind{name: "sqlite"})
	res := s.signInResident("0912301041").AccessToken
	s.createOfficial("ioc_operator", "ioc.trinhduyet", "")
	tk := fileTicket(t, s, res, wfReport("TTDT", x, "Rác thải đổ trên vỉa hè, báo nhầm lĩnh vực.", true))
	inBrowser(t, ctx, "sign in and open the ticket",
		chromedp.Navigate(s.base+"/console/login"),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), "ioc.trinhduyet"),
		chromedp.SendKeys(chromedp.CSS(`#password`), consolePassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#logout`)),
		chromedp.Navigate(s.base+"/console/tickets/"+tk.ID),
		chromedp.WaitVisible(chromedp.CSS(`#act-recategorize`)),
		chromedp.SetValue(chromedp.CSS(`#form-recategorize select[name="category"]`), "MT"),
		chromedp.SendKeys(chromedp.CSS(`#form-recategorize input[name="reason"]`), "Là rác thải"),
		chromedp.Evaluate[chromedp.Void](`window.confirm = m => { window.asked = m; return false; }`),
		chromedp.Click(chromedp.CSS(`#act-recategorize`)))
	asked := fromBrowser(t, ctx, "read the question", chromedp.Evaluate[string](`window.asked || ""`))
	if !strings.HasPrefix(asked, "Phân loại lại phiếu này?") {
		t.Errorf("recategorize asked %q, want the Vietnamese confirmation", asked)
	}
	if got := readTriage(t, s, res, tk.ID); got.Category != "TTDT" || got.Version != tk.Version {
		t.Fatalf("a cancelled recategorization left category %s version %d", got.Category, got.Version)
	}
	inBrowser(t, ctx, "confirm the recategorization",
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(chromedp.CSS(`#act-recategorize`)),
		chromedp.WaitVisible(chromedp.CSS(`#flash`)))
	if got := readTriage(t, s, res, tk.ID); got.Category != "MT" {
		t.Errorf("after the confirmed recategorization: category %s, want MT", got.Category)
	}
}
