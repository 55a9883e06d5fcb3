package tests

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsoleIntakeInBrowser: an IOC operator takes a hotline call and files the report through
// the console's "Tiếp nhận hộ" form — channel, category, ward, description, the caller's phone —
// and lands on the new ticket's page, which shows the channel; the caller got the code by text
// message, and the queue's channel filter finds the ticket.
func TestConsoleIntakeInBrowser(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	x := ward(loadSet(t, "longxuyen-2023"), 6)
	s := startServer(t, storeKind{name: "sqlite"})
	s.createOfficial("ioc_operator", "ioc.tongdai.web", "")
	inBrowser(t, ctx, "sign in and open the form",
		chromedp.Navigate(s.base+"/console/login"),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), "ioc.tongdai.web"),
		chromedp.SendKeys(chromedp.CSS(`#password`), consolePassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#logout`)),
		chromedp.Click(chromedp.CSS(`#nav-intake`)),
		chromedp.WaitVisible(chromedp.CSS(`#intake-form`)))
	inBrowser(t, ctx, "fill in and send the form",
		chromedp.SetValue(chromedp.CSS(`#intake-channel`), "hotline"),
		chromedp.SetValue(chromedp.CSS(`#intake-category`), "MT"),
		chromedp.SetValue(chromedp.CSS(`#intake-area`), x.code),
		chromedp.SendKeys(chromedp.CSS(`#intake-address`), "Hẻm 12 đường Trần Hưng Đạo"),
		chromedp.SendKeys(chromedp.CSS(`#intake-description`), "Người dân gọi đường dây nóng: rác thải chất đống hai ngày chưa thu gom."),
		chromedp.SendKeys(chromedp.CSS(`#intake-phone`), "0912 720 001"),
		chromedp.SendKeys(chromedp.CSS(`#intake-name`), "Lê Văn Tâm"),
		chromedp.Click(chromedp.CSS(`#intake-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#ticket-channel`)))
	channel := fromBrowser(t, ctx, "read the channel", chromedp.Text(chromedp.CSS(`#ticket-channel`)))
	code := fromBrowser(t, ctx, "read the code", chromedp.Text(chromedp.CSS(`#ticket-code`)))
	flash := fromBrowser(t, ctx, "read the message", chromedp.Text(chromedp.CSS(`#flash`)))
	if channel != "Đường dây nóng" || !strings.Contains(flash, "Tiếp nhận hộ") {
		t.Errorf("the new ticket's page shows channel %q and message %q", channel, flash)
	}
	code = strings.Fields(code)[0]
	if msg := s.sms.message("+84912720001"); !strings.Contains(msg, code) {
		t.Errorf("the caller's text message %q does not give the code %s", msg, code)
	}
	inBrowser(t, ctx, "filter the queue by channel",
		chromedp.Navigate(s.base+"/console/queue"),
		chromedp.WaitVisible(chromedp.CSS(`#f-channel`)),
		chromedp.SetValue(chromedp.CSS(`#f-channel`), "hotline"),
		chromedp.Submit(chromedp.CSS(`#f-channel`)),
		chromedp.WaitVisible(chromedp.CSS(`#queue`)))
	rows := fromBrowser(t, ctx, "read the queue", chromedp.Text(chromedp.CSS(`#queue tbody`)))
	if !strings.Contains(rows, code) {
		t.Errorf("the queue filtered by the hotline lacks %s: %q", code, rows)
	}
	inBrowser(t, ctx, "open the dashboard",
		chromedp.Navigate(s.base+"/console/dashboard"),
		chromedp.WaitVisible(chromedp.CSS(`#channels tr[data-channel="hotline"]`)))
	if row := fromBrowser(t, ctx, "read the row of the hotline", chromedp.Text(chromedp.CSS(`#channels tr[data-channel="hotline"]`))); !strings.HasPrefix(strings.TrimSpace(row), "Đường dây nóng") || !strings.Contains(row, "1") {
		t.Errorf("the dashboard's hotline row is %q, want Đường dây nóng with 1 report", row)
	}
}

// TestConsoleIntakeForm checks the form without a browser: who sees it, a refused form coming
// back filled in with the problem and nothing filed, an officer's walk-in filed without a
// phone from typed coordinates, and the queue's channel and group filters.
func TestConsoleIntakeForm(t *testing.T) {
	t.Parallel()
	x := ward(loadSet(t, "longxuyen-2023"), 6)
	s := startServer(t, storeKind{name: "sqlite"})
	s.createOfficial("officer", "canbo.tiepdan.web", unitOf(x.code, "ubnd"))
	s.createOfficial("ioc_viewer", "ioc.xem.web", "")
	viewer := newConsoleClient(t, s)
	viewer.signIn("ioc.xem.web")
	viewer.do("GET", "/console/intake", nil).expect(t, http.StatusForbidden)
	mustLack(t, "the viewer's queue", viewer.do("GET", "/console/queue", nil).expect(t, http.StatusOK).body, `id="nav-intake"`)

	ui := newConsoleClient(t, s)
	ui.signIn("canbo.tiepdan.web")
	csrf := ui.cookie("phananh_csrf")
	page := ui.do("GET", "/console/intake", nil).expect(t, http.StatusOK).body
	mustHave(t, "the form", page, "Tiếp nhận phản ánh hộ người dân", `<option value="walk_in">Trực tiếp</option>`, `id="nav-intake"`)
	mustLack(t, "the form", page, `<option value="app">`, `<option value="open311">`)

	form := url.Values{"csrf": {csrf}, "channel": {"walk_in"}, "category": {"TTDT"}, "lat": {"10.38"}, "lng": {"abc"},
		"description": {"Lấn chiếm vỉa hè trước chợ."}, "key": {"console-test-1"}}
	refusedPage := ui.do("POST", "/console/intake", form).expect(t, http.StatusBadRequest).body
	mustHave(t, "the refused form", refusedPage, `id="flash"`, "Giá trị sai định dạng (location)", "Lấn chiếm vỉa hè trước chợ.",
		`value="console-test-1"`)
	form.Del("lat")
	form.Del("lng")
	mustHave(t, "a form without a place", ui.do("POST", "/console/intake", form).expect(t, http.StatusBadRequest).body,
		"Thiếu trường bắt buộc (location)")
	if ids := consoleQueueIDs(t, ui, ""); len(ids) != 0 {
		t.Fatalf("a refused form filed %v", ids)
	}
	form.Set("lat", strconv.FormatFloat(x.lat, 'f', -1, 64))
	form.Set("lng", strconv.FormatFloat(x.lng, 'f', -1, 64))
	r := ui.do("POST", "/console/intake", form).expect(t, http.StatusSeeOther)
	if loc := r.header.Get("Location"); !strings.HasPrefix(loc, "/console/tickets/") {
		t.Fatalf("filed to %q, want the ticket's page", loc)
	}
	ui.do("POST", "/console/intake", form).expect(t, http.StatusSeeOther) // a double submit files once
	ids := consoleQueueIDs(t, ui, "channel=walk_in&group=do_thi")
	if len(ids) != 1 {
		t.Fatalf("the walk-ins of urban order: %v, want the one filed", ids)
	}
	if other := consoleQueueIDs(t, ui, "channel=hotline"); len(other) != 0 {
		t.Errorf("the hotline's tickets: %v, want none", other)
	}
	mustHave(t, "the ticket page", ui.do("GET", "/console/tickets/"+ids[0], nil).expect(t, http.StatusOK).body,
		`id="ticket-channel" data-channel="walk_in">Trực tiếp<`, "Tiếp nhận hộ", `id="ticket-no-reporter"`)
}

// consoleQueueIDs lists the ticket ids of the console's queue page with query.
func consoleQueueIDs(t *testing.T, cc *consoleClient, query string) []string {
	t.Helper()
	body := string(cc.do("GET", "/console/queue?"+query, nil).expect(t, http.StatusOK).body)
	var ids []string
	for _, part := range strings.Split(body, `data-id="`)[1:] {
		ids = append(ids, part[:strings.IndexByte(part, '"')])
	}
	return ids
}
