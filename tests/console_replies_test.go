package tests

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsoleCannedReplies: a unit's leader writes a canned reply on the console's replies
// page; the unit's officer, resolving a report, picks it in the resolve form, which fills the
// note with the report's code, and the resolution carries that text.
func TestConsoleCannedReplies(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 8)
	s := startServer(t, storeKind{name: "sqlite"})
	unit := unitOf(x.code, "ubnd")
	s.createOfficial("leader", "lanhdao.mau", unit)
	officer := s.createOfficial("officer", "canbo.mau", unit)
	res := s.signInResident("0912600060")
	tk := fileTicket(t, s, res.AccessToken, wfReport("TTDT", x, "Bảng quảng cáo lấn chiếm vỉa hè", false))
	tk = step(t, s, officer.AccessToken, tk, "accept", nil, "assigned")
	tk = step(t, s, officer.AccessToken, tk, "start", nil, "in_progress")

	signIn := func(user string) []chromedp.Action[chromedp.Void] {
		return []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(s.base + "/console/login"),
			chromedp.WaitVisible(chromedp.CSS(`#username`)),
			chromedp.SendKeys(chromedp.CSS(`#username`), user),
			chromedp.SendKeys(chromedp.CSS(`#password`), consolePassword),
			chromedp.Click(chromedp.CSS(`#login-submit`)),
			chromedp.WaitVisible(chromedp.CSS(`#logout`)),
		}
	}
	leaderTab := browser(t)
	inBrowser(t, leaderTab, "the leader writes a reply", append(signIn("lanhdao.mau"),
		chromedp.Click(chromedp.CSS(`#nav-replies`)),
		chromedp.WaitVisible(chromedp.CSS(`#replies-empty`)),
		chromedp.SendKeys(chromedp.CSS(`#reply-title`), "Đã tháo dỡ"),
		chromedp.SetValue(chromedp.CSS(`#reply-category`), "TTDT"),
		chromedp.SendKeys(chromedp.CSS(`#reply-text`), "Phản ánh {code}: đội trật tự đã tháo dỡ bảng quảng cáo."),
		chromedp.Click(chromedp.CSS(`#reply-create`)),
		chromedp.WaitVisible(chromedp.CSS(`#replies tbody tr`)))...)

	officerTab := browser(t)
	want := "Phản ánh " + tk.Code + ": đội trật tự đã tháo dỡ bảng quảng cáo."
	inBrowser(t, officerTab, "the officer picks it", append(signIn("canbo.mau"),
		chromedp.Navigate(s.base+"/console/tickets/"+tk.ID),
		chromedp.WaitVisible(chromedp.CSS(`#form-resolve select.reply-pick`)),
		chromedp.SetValue(chromedp.CSS(`#form-resolve select.reply-pick`), want),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#form-resolve select.reply-pick').dispatchEvent(new Event('change', {bubbles: true}))`))...)
	note := fromBrowser(t, officerTab, "read the note", chromedp.Value(chromedp.CSS(`#note-resolve`)))
	if note != want {
		t.Fatalf("the resolve form's note is %q after picking the reply, want %q", note, want)
	}
	inBrowser(t, officerTab, "resolve", chromedp.Click(chromedp.CSS(`#act-resolve`)), chromedp.WaitVisible(chromedp.CSS(`#ticket-state[data-state="resolved"]`)))
	got := getTicket(t, s, res.AccessToken, tk.ID)
	if got.State != "resolved" || !strings.Contains(got.ResultNote, tk.Code) {
		t.Errorf("after resolving with the reply: %s, result %q", got.State, got.ResultNote)
	}
	// A reply offered in another unit's forms: none (the other unit's officer has no replies).
	other := s.createOfficial("officer", "canbo.khac", unitOf(ward(set, 9).code, "ubnd"))
	var rs struct{ Replies []cannedReply }
	s.request(t, "GET", "/v1/replies", other.AccessToken, nil).expect(t, http.StatusOK).json(t, &rs)
	if len(rs.Replies) != 0 {
		t.Errorf("another unit's officer lists %d replies", len(rs.Replies))
	}
}
