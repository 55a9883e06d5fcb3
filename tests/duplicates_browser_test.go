package tests

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestMergeInBrowser: the unit's officer picks the ticket kept among the candidates on the
// duplicate's page; the browser asks in Vietnamese first, a cancel sends nothing, a confirmation
// merges.
func TestMergeInBrowser(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 5), ward(set, 6)
	s := startServer(t, storeKind{name: "sqlite"})
	f := newDupFixture(t, s, x, y, kilometreAway(t, set, x))
	inBrowser(t, ctx, "sign in",
		chromedp.Navigate(s.base+"/console/"),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), "dup.officer"),
		chromedp.SendKeys(chromedp.CSS(`#password`), consolePassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#queue`)))
	inBrowser(t, ctx, "cancel a merge", chromedp.EmulateViewport(1366, 900), chromedp.Navigate(s.base+"/console/tickets/"+f.d.ID),
		chromedp.WaitVisible(chromedp.CSS(`#duplicate-candidates`)),
		chromedp.SetValue(chromedp.CSS(`#form-merge select[name=duplicate_of]`), f.k.ID),
		chromedp.Evaluate[chromedp.Void](`window.confirm = m => { window.asked = m; return false; }`),
		chromedp.Click(chromedp.CSS(`#act-merge`)))
	asked := fromBrowser(t, ctx, "read the question", chromedp.Evaluate[string](`window.asked || ""`))
	if !strings.HasPrefix(asked, "Gộp phiếu này vào phiếu đã chọn?") {
		t.Errorf("merge asked %q, want the Vietnamese confirmation", asked)
	}
	if st := getTicket(t, s, f.officer, f.d.ID).State; st != "received" {
		t.Fatalf("a cancelled merge left the ticket %s", st)
	}
	inBrowser(t, ctx, "confirm the merge",
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(chromedp.CSS(`#act-merge`)),
		chromedp.WaitVisible(chromedp.CSS(`#ticket-state[data-state="duplicate"]`)))
	if k := readMerge(t, s, f.officer, f.k.ID); len(k.eventsOf("merged_from")) != 1 {
		t.Errorf("the ticket kept has no merged_from after the merge in the browser")
	}
}
