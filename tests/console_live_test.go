package tests

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsoleQueueLive keeps an officer's queue page open while a resident files a report in
// the officer's ward: the report appears in the queue without a reload, and the officer, who
// allowed desktop notifications, is shown one with its code.
func TestConsoleQueueLive(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 4)
	s := startServer(t, storeKind{name: "sqlite"})
	resident := s.signInResident("0912600030")
	s.createOfficial("officer", "canbo.truc", unitOf(x.code, "ubnd"))

	inBrowser(t, ctx, "sign in and open the queue",
		chromedp.Navigate(s.base+"/console/"),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), "canbo.truc"),
		chromedp.SendKeys(chromedp.CSS(`#password`), consolePassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#queue-empty`)),
		chromedp.WaitReady(chromedp.CSS(`#live[data-state=open]`)),
	)
	// A marker that a reload would lose, and a stand-in for the browser's notifications as if
	// the officer had allowed them.
	fromBrowser(t, ctx, "mark the page and allow notifications", chromedp.Evaluate[bool](`
		window.notMe = true; window.shown = [];
		window.Notification = function (title, o) { window.shown.push(title + ': ' + o.body); };
		window.Notification.permission = 'granted'; true`))

	tk := fileTicket(t, s, resident.AccessToken, wfReport("TTDT", x, "Cây đổ chắn ngang đường", false))
	inBrowser(t, ctx, "wait for the new report in the queue",
		chromedp.WaitVisible(chromedp.CSS(`#queue tbody tr[data-id="`+tk.ID+`"]`)))
	if !fromBrowser(t, ctx, "check the page was not reloaded", chromedp.Evaluate[bool](`window.notMe === true`)) {
		t.Error("the queue page reloaded instead of updating in place")
	}
	shown := fromBrowser(t, ctx, "read the notifications", chromedp.Evaluate[[]string](`window.shown`))
	if len(shown) != 1 || shown[0] != "Phản ánh mới: "+tk.Code {
		t.Errorf("desktop notifications %q, want one for %s", shown, tk.Code)
	}

	// A second report arrives while the first is ticked: the tick survives the redraw, and one
	// click accepts both.
	inBrowser(t, ctx, "tick the first report", chromedp.Click(chromedp.CSS(`#queue tr[data-id="`+tk.ID+`"] input[type=checkbox]`)))
	tk2 := fileTicket(t, s, resident.AccessToken, wfReport("TTDT", x, "Đèn đường hỏng", false))
	inBrowser(t, ctx, "tick the second report and accept both",
		chromedp.WaitVisible(chromedp.CSS(`#queue tr[data-id="`+tk2.ID+`"] input[type=checkbox]`)),
		chromedp.Click(chromedp.CSS(`#queue tr[data-id="`+tk2.ID+`"] input[type=checkbox]`)),
		chromedp.Click(chromedp.CSS(`#bulk-accept`)),
		chromedp.WaitVisible(chromedp.CSS(`#flash`)))
	if flash := fromBrowser(t, ctx, "read the message", chromedp.Text(chromedp.CSS(`#flash`))); flash != "Đã thực hiện cho 2 phiếu." {
		t.Errorf("after the bulk accept the queue says %q", flash)
	}
	for _, id := range []string{tk.ID, tk2.ID} {
		if got := getTicket(t, s, resident.AccessToken, id); got.State != "assigned" {
			t.Errorf("ticket %s is %s after the bulk accept, want assigned", id, got.State)
		}
	}

	// The officer saves the view of accepted reports and comes back to it by its name.
	inBrowser(t, ctx, "save a filter",
		chromedp.Navigate(s.base+"/console/queue?state=assigned"),
		chromedp.WaitVisible(chromedp.CSS(`#save-filter`)),
		chromedp.SendKeys(chromedp.CSS(`#filter-name`), "Đã tiếp nhận"),
		chromedp.Click(chromedp.CSS(`#save-filter-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#saved-filters a`)),
		chromedp.Navigate(s.base+"/console/queue"),
		chromedp.WaitVisible(chromedp.CSS(`#saved-filters a`)),
		chromedp.Click(chromedp.CSS(`#saved-filters a`)),
		chromedp.WaitVisible(chromedp.CSS(`#f-state`)))
	browserUntil(t, ctx, "the saved view", `location.search === '?state=assigned' && document.querySelectorAll('#queue tbody tr').length === 2`)
}
