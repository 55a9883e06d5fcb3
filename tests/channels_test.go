package tests

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// channelTicket is what the channel tests read of a ticket.
type channelTicket struct {
	ID       string         `json:"id"`
	Code     string         `json:"code"`
	State    string         `json:"state"`
	Channel  string         `json:"channel"`
	FiledBy  string         `json:"filed_by"`
	E2EDueAt string         `json:"e2e_due_at"`
	History  []channelEvent `json:"history"`
	Reporter *struct {
		Pseudonym, Phone, Name string
	} `json:"reporter"`
}

// channelEvent is what the channel tests read of a history event.
type channelEvent struct {
	Action     string `json:"action"`
	ActorRole  string `json:"actor_role"`
	Actor      string `json:"actor"`
	Visibility string `json:"visibility"`
	Reason     string `json:"reason"`
}

// channelSummary is GET /v1/stats/summary as the channel tests read it.
type channelSummary struct {
	Figures struct {
		Received int `json:"received"`
	} `json:"figures"`
	ByChannel []struct {
		Channel  string `json:"channel"`
		Received int    `json:"received"`
	} `json:"by_channel"`
}

// onBehalfReport is a report of ward p filed through channel (none when ""), with extra fields.
func onBehalfReport(category string, p wardPoint, channel string, extra map[string]any) map[string]any {
	body := wfReport(category, p, "Rác thải chất đống trước cổng chợ, bốc mùi", false)
	if channel != "" {
		body["channel"] = channel
	}
	for k, v := range extra {
		body[k] = v
	}
	return body
}

// summary reads the statistics summary with query (the IOC viewer's).
func summary(t *testing.T, s *server, token, query string) channelSummary {
	t.Helper()
	var out channelSummary
	s.request(t, "GET", "/v1/stats/summary?"+query, token, nil).expect(t, http.StatusOK).json(t, &out)
	return out
}

// receivedBy maps the summary's channels to their received counts, leaving out zeros.
func (c channelSummary) receivedBy() map[string]int {
	out := map[string]int{}
	for _, ch := range c.ByChannel {
		if ch.Received > 0 {
			out[ch.Channel] = ch.Received
		}
	}
	return out
}

// TestFileOnBehalf: an IOC operator takes a hotline call and files the report for the caller's
// phone; the caller gets a text message with the code, signs in with that phone and finds the
// report among theirs; the statistics count it under hotline and the channel filter gives
// exactly it. A ward officer files a walk-in without a phone: a report with no reporter. Every
// bad request is refused naming its fields, and creates nothing: no ticket, no message.
func TestFileOnBehalf(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 7)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		ioc := s.createOfficial("ioc_operator", "ioc.tongdai", "")
		viewer := s.createOfficial("ioc_viewer", "ioc.theodoi", "")
		officer := s.createOfficial("officer", "canbo.tiepdan", unitOf(x.code, "ubnd"))
		other := s.signInResident("0912700009")
		const phone, e164 = "0912700001", "+84912700001"

		refusedOnBehalf(t, s, ioc, officer, viewer, other, x, e164)

		var tk channelTicket
		s.request(t, "POST", "/v1/tickets/on-behalf", ioc.AccessToken, onBehalfReport("MT", x, "hotline",
			map[string]any{"on_behalf": map[string]any{"phone": "0912 700 001", "name": "Nguyễn Thị Hoa"}, "allow_contact": true})).
			expect(t, http.StatusCreated).json(t, &tk)
		checkFiledOnBehalf(t, tk, "hotline", ioc.User.ID)
		if msg := s.sms.message(e164); !strings.Contains(msg, tk.Code) {
			t.Errorf("the text message to %s is %q, want it to give the code %s", e164, msg, tk.Code)
		}
		var internal channelTicket
		s.request(t, "GET", "/v1/tickets/"+tk.ID, ioc.AccessToken, nil).expect(t, http.StatusOK).json(t, &internal)
		if internal.Reporter == nil || internal.Reporter.Phone != e164 || internal.Reporter.Name != "Nguyễn Thị Hoa" {
			t.Errorf("the IOC reads the reporter %+v, want %s, Nguyễn Thị Hoa", internal.Reporter, e164)
		}

		// The resident signs in with the phone and finds the report among theirs, in the
		// reporter's view: the channel, not who filed it.
		res := s.signInResident(phone)
		var mine struct {
			Tickets []channelTicket `json:"tickets"`
		}
		s.request(t, "GET", "/v1/tickets?mine=true", res.AccessToken, nil).expect(t, http.StatusOK).json(t, &mine)
		if len(mine.Tickets) != 1 || mine.Tickets[0].ID != tk.ID || mine.Tickets[0].Channel != "hotline" {
			t.Fatalf("the resident's reports: %+v, want the hotline report %s", mine.Tickets, tk.ID)
		}
		if got := mine.Tickets[0]; got.FiledBy != "" || slices.ContainsFunc(got.History, func(e channelEvent) bool {
			return e.Action == "file_on_behalf" || e.Actor != ""
		}) {
			t.Errorf("the reporter reads who filed the report: %+v", got)
		}

		// A walk-in at the ward office, without a phone: nobody is the reporter.
		var walk channelTicket
		s.request(t, "POST", "/v1/tickets/on-behalf", officer.AccessToken, onBehalfReport("TTDT", x, "walk_in", nil)).
			expect(t, http.StatusCreated).json(t, &walk)
		checkFiledOnBehalf(t, walk, "walk_in", officer.User.ID)
		if walk.Reporter == nil || walk.Reporter.Pseudonym != "" || walk.Reporter.Phone != "" {
			t.Errorf("the walk-in's reporter is %+v, want nobody", walk.Reporter)
		}

		// The resident's own report through the app.
		app := fileTicket(t, s, other.AccessToken, wfReport("MT", x, "Cống thoát nước bị tắc", false))

		waitFor(t, "the three reports in the statistics", 10*time.Second, func() bool {
			return summary(t, s, viewer.AccessToken, "").Figures.Received == 3
		})
		if diff := cmp.Diff(map[string]int{"app": 1, "hotline": 1, "walk_in": 1}, summary(t, s, viewer.AccessToken, "").receivedBy()); diff != "" {
			t.Errorf("received by channel (-want +got):\n%s", diff)
		}
		for ch, want := range map[string]int{"hotline": 1, "walk_in": 1, "app": 1, "zalo": 0} {
			got := summary(t, s, viewer.AccessToken, "channel="+ch)
			if got.Figures.Received != want || len(got.ByChannel) != 1 || got.ByChannel[0].Received != want {
				t.Errorf("channel=%s: %+v, want %d received", ch, got, want)
			}
		}
		refused(t, s.request(t, "GET", "/v1/stats/summary?channel=fax", viewer.AccessToken, nil), http.StatusBadRequest, "invalid", "channel")
		checkChannelExport(t, s, viewer.AccessToken, map[string][2]string{tk.Code: {"Đường dây nóng", "Người dân #"},
			walk.Code: {"Trực tiếp", ""}, app.Code: {"Ứng dụng", "Người dân #"}})
		for q, want := range map[string][]string{"channel=hotline": {tk.ID}, "channel=walk_in": {walk.ID}, "channel=app": {app.ID}} {
			if got := queueIDs(t, s, ioc.AccessToken, q); !cmp.Equal(got, want) {
				t.Errorf("the IOC's queue ?%s = %v, want %v", q, got, want)
			}
		}
	})
}

// checkChannelExport checks the IOC's Vietnamese CSV: each code's channel by name, and its
// reporter's pseudonym (want names its prefix; "" for a report without a reporter account).
func checkChannelExport(t *testing.T, s *server, token string, want map[string][2]string) {
	t.Helper()
	for _, row := range csvRows(readCSV(t, s.request(t, "GET", "/v1/export/tickets.csv?lang=vi", token, nil))) {
		w, ok := want[row["Mã phản ánh"]]
		if !ok {
			continue
		}
		delete(want, row["Mã phản ánh"])
		reporter := row["Người phản ánh (bí danh)"]
		if row["Kênh tiếp nhận"] != w[0] || (w[1] == "") != (reporter == "") || !strings.HasPrefix(reporter, w[1]) {
			t.Errorf("export row %s: channel %q, reporter %q; want %q and %q…", row["Mã phản ánh"], row["Kênh tiếp nhận"], reporter, w[0], w[1])
		}
	}
	if len(want) != 0 {
		t.Errorf("the export lacks %v", want)
	}
}

// checkFiledOnBehalf checks the officials' view of a report filed on a resident's behalf: its
// channel, who filed it, the public submit by the official and the internal file_on_behalf.
func checkFiledOnBehalf(t *testing.T, tk channelTicket, channel, official string) {
	t.Helper()
	if tk.State != "received" || tk.Channel != channel || tk.FiledBy != official || tk.E2EDueAt == "" {
		t.Errorf("filed %+v, want received through %s, filed by %s, with its end-to-end deadline", tk, channel, official)
	}
	if len(tk.History) != 2 || tk.History[0].Action != "submit" || tk.History[0].Visibility != "public" ||
		tk.History[1].Action != "file_on_behalf" || tk.History[1].Visibility != "internal" ||
		tk.History[1].Actor != official || tk.History[1].Reason != channel {
		t.Errorf("history %+v, want a public submit and an internal file_on_behalf by %s naming %s", tk.History, official, channel)
	}
}

// refusedOnBehalf sends bad reports on a resident's behalf, a resident's report naming an
// official's channel and filings by callers who may not file for others: each is refused
// naming its fields, and nothing is created — no ticket, no text message.
func refusedOnBehalf(t *testing.T, s *server, ioc, officer, viewer, resident tokens, x wardPoint, e164 string) {
	t.Helper()
	withPhone := func(who map[string]any) map[string]any { return map[string]any{"on_behalf": who} }
	for _, c := range []struct {
		name     string
		body     map[string]any
		problems []string // field/code
	}{
		{"no channel", onBehalfReport("MT", x, "", nil), []string{"channel/required"}},
		{"the app's channel", onBehalfReport("MT", x, "app", nil), []string{"channel/bad_enum"}},
		{"Open311's channel", onBehalfReport("MT", x, "open311", nil), []string{"channel/bad_enum"}},
		{"an unknown channel", onBehalfReport("MT", x, "fax", nil), []string{"channel/bad_enum"}},
		{"a bad phone", onBehalfReport("MT", x, "hotline", withPhone(map[string]any{"phone": "12345"})), []string{"on_behalf.phone/malformed"}},
		{"a name without a phone", onBehalfReport("MT", x, "hotline", withPhone(map[string]any{"name": "Nguyễn Văn B"})), []string{"on_behalf.phone/required"}},
		{"an unknown field", onBehalfReport("MT", x, "hotline", map[string]any{"priority": "high"}), []string{"priority/unknown_field"}},
		{"an unknown field of the resident", onBehalfReport("MT", x, "hotline", withPhone(map[string]any{"phone": e164, "email": "a@b.vn"})),
			[]string{"on_behalf.email/unknown_field"}},
		{"everything at once", onBehalfReport("MT", x, "", map[string]any{"description": "", "on_behalf": map[string]any{"phone": "x"}}),
			[]string{"channel/required", "description/required", "on_behalf.phone/malformed"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := s.request(t, "POST", "/v1/tickets/on-behalf", ioc.AccessToken, c.body).expect(t, http.StatusBadRequest).apiError(t)
			var got []string
			for _, p := range e.Error.Errors {
				got = append(got, p.Field+"/"+p.Code)
			}
			slices.Sort(got)
			if diff := cmp.Diff(c.problems, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
	e := refused(t, s.request(t, "POST", "/v1/tickets", resident.AccessToken, onBehalfReport("MT", x, "hotline", nil)),
		http.StatusBadRequest, "invalid", "channel")
	if len(e.Error.Errors) != 1 || e.Error.Errors[0].Code != "bad_enum" {
		t.Errorf("a resident naming the hotline: %+v, want one bad_enum", e.Error.Errors)
	}
	refused(t, s.request(t, "POST", "/v1/tickets/on-behalf", resident.AccessToken, onBehalfReport("MT", x, "hotline", nil)), http.StatusForbidden, "forbidden", "")
	refused(t, s.request(t, "POST", "/v1/tickets/on-behalf", viewer.AccessToken, onBehalfReport("MT", x, "hotline", nil)), http.StatusForbidden, "forbidden", "")
	if n := s.sms.sent(e164); n != 0 {
		t.Errorf("%d text messages to %s after refused filings", n, e164)
	}
	if got := summary(t, s, viewer.AccessToken, "").Figures.Received; got != 0 {
		t.Errorf("%d reports counted after refused filings", got)
	}
	if got := queueIDs(t, s, ioc.AccessToken, ""); len(got) != 0 {
		t.Errorf("the queue holds %v after refused filings", got)
	}
	if got := queueIDs(t, s, officer.AccessToken, ""); len(got) != 0 {
		t.Errorf("the ward's queue holds %v after refused filings", got)
	}
}

// queueIDs lists the ids of GET /v1/queue?query, sorted.
func queueIDs(t *testing.T, s *server, token, query string) []string {
	t.Helper()
	var page struct {
		Tickets []channelTicket `json:"tickets"`
	}
	s.request(t, "GET", "/v1/queue?"+query, token, nil).expect(t, http.StatusOK).json(t, &page)
	var ids []string
	for _, tk := range page.Tickets {
		ids = append(ids, tk.ID)
	}
	slices.Sort(ids)
	return ids
}

// TestQueueChannelAndGroupFilters checks that the queue's channel and group filters return
// exactly the expected tickets, alone, together and with the unit's own queue; a resident may
// file through the web; a bad channel is refused.
func TestQueueChannelAndGroupFilters(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 8), ward(set, 9)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		ioc := s.createOfficial("ioc_operator", "ioc.loc.kenh", "")
		officer := s.createOfficial("officer", "canbo.loc.kenh", unitOf(x.code, "ubnd"))
		res := s.signInResident("0912710001")

		appMT := fileTicket(t, s, res.AccessToken, wfReport("MT", x, "Rác thải ven kênh", false))
		webReport := wfReport("TTDT", y, "Lấn chiếm vỉa hè", false)
		webReport["channel"] = "web"
		var web channelTicket
		s.request(t, "POST", "/v1/tickets", res.AccessToken, webReport).expect(t, http.StatusCreated).json(t, &web)
		if web.Channel != "web" {
			t.Errorf("a resident's web report has channel %q", web.Channel)
		}
		var hotMT, walkTT, zaloTT channelTicket
		s.request(t, "POST", "/v1/tickets/on-behalf", ioc.AccessToken, onBehalfReport("MT", y, "hotline", nil)).expect(t, http.StatusCreated).json(t, &hotMT)
		s.request(t, "POST", "/v1/tickets/on-behalf", officer.AccessToken, onBehalfReport("TTDT", x, "walk_in", nil)).expect(t, http.StatusCreated).json(t, &walkTT)
		s.request(t, "POST", "/v1/tickets/on-behalf", ioc.AccessToken, onBehalfReport("TTDT", x, "zalo", nil)).expect(t, http.StatusCreated).json(t, &zaloTT)

		sorted := func(ids ...string) []string { slices.Sort(ids); return ids }
		for _, c := range []struct {
			name, token, query string
			want               []string
		}{
			{"hotline", ioc.AccessToken, "channel=hotline", sorted(hotMT.ID)},
			{"the app", ioc.AccessToken, "channel=app", sorted(appMT.ID)},
			{"the web", ioc.AccessToken, "channel=web", sorted(web.ID)},
			{"nobody e-mailed", ioc.AccessToken, "channel=email", nil},
			{"environment", ioc.AccessToken, "group=moi_truong", sorted(appMT.ID, hotMT.ID)},
			{"urban order", ioc.AccessToken, "group=do_thi", sorted(web.ID, walkTT.ID, zaloTT.ID)},
			{"urban order by Zalo", ioc.AccessToken, "group=do_thi&channel=zalo", sorted(zaloTT.ID)},
			{"the ward's walk-ins", officer.AccessToken, "channel=walk_in", sorted(walkTT.ID)},
			{"the ward's environment reports", officer.AccessToken, "group=moi_truong", sorted(appMT.ID)},
			{"the ward has no hotline report", officer.AccessToken, "channel=hotline", nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				if diff := cmp.Diff(c.want, queueIDs(t, s, c.token, c.query)); diff != "" {
					t.Errorf("GET /v1/queue?%s (-want +got):\n%s", c.query, diff)
				}
			})
		}
		e := refused(t, s.request(t, "GET", "/v1/queue?channel="+url.QueryEscape("fax machine"), ioc.AccessToken, nil), http.StatusBadRequest, "invalid", "channel")
		if len(e.Error.Errors) != 1 || e.Error.Errors[0].Code != "bad_enum" {
			t.Errorf("channel=fax machine: problems %+v, want one bad_enum", e.Error.Errors)
		}
	})
}
