package tests

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSource reads axe-core's axe.min.js: PHANANH_AXE (the file, or an npm prefix holding
// node_modules/axe-core), as .ci/run installs it. Without it the test skips with a message.
func axeSource(t *testing.T) string {
	t.Helper()
	p := os.Getenv("PHANANH_AXE")
	if p == "" {
		t.Skip("PHANANH_AXE is not set (npm install --prefix DIR axe-core, then PHANANH_AXE=DIR): accessibility test skipped")
	}
	if fi, err := os.Stat(p); err == nil && fi.IsDir() {
		p = filepath.Join(p, "node_modules", "axe-core", "axe.min.js")
	}
	src, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("PHANANH_AXE: %v", err)
	}
	return string(src)
}

// axeViolation is one serious or critical rule axe-core found broken on a page.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// axeCheck runs axe-core on the page the tab shows and returns its serious and critical
// violations.
func axeCheck(t *testing.T, ctx context.Context, axe, page string) []axeViolation {
	t.Helper()
	const run = `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
		.filter(v => v.impact === 'serious' || v.impact === 'critical')
		.map(v => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(' '))})))`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axe+";true")); err != nil {
		t.Fatalf("inject axe-core on %s: %v", page, err)
	}
	return fromBrowser(t, ctx, "axe on "+page, chromedp.Evaluate[[]axeViolation](run, chromedp.EvalAwaitPromise))
}

// TestConsoleAccessibility runs axe-core on every console page — as an officer (the queue and a
// ticket with its action forms), an IOC operator (the dashboard) and an administrator (the
// administration pages) — at a desktop width and at a phone's 390 px, and fails on any serious
// or critical violation. The officer also rejects a ticket: the browser asks first.
func TestConsoleAccessibility(t *testing.T) {
	t.Parallel()
	axe := axeSource(t)
	set := loadSet(t, "longxuyen-2023")
	x := areaNamed(set, "Mỹ Bình")
	s := startServer(t, storeKind{name: "sqlite"})
	unit := unitOf(x.code, "cong_an")
	officer := s.createOfficial("officer", "canbo.axe", unit)
	s.createOfficial("ioc_operator", "ioc.axe", "")
	s.createOfficial("admin", "quantri.axe", "")
	res := s.signInResident("0912345601")
	tk := fileTicket(t, s, res.AccessToken, wfReport("ANTT.01", x, "Tụ tập gây ồn ào sau 22 giờ.", false))
	step(t, s, officer.AccessToken, tk, "accept", nil, "assigned")
	leader := s.createOfficial("leader", "lanhdao.axe", unit)
	s.request(t, "POST", "/v1/replies", leader.AccessToken, map[string]any{"title": "Đã xử lý", "text": "Phản ánh {code} đã được xử lý."}).
		expect(t, http.StatusCreated)

	visits := []struct {
		user  string
		pages []string
	}{
		{"", []string{"/console/login"}},
		{"canbo.axe", []string{"/console/queue", "/console/queue?state=assigned", "/console/tickets/" + tk.ID, "/console/password", "/console/2fa"}},
		{"ioc.axe", []string{"/console/dashboard", "/console/tickets/" + tk.ID, "/console/replies?unit=" + unit, "/console/intake"}},
		{"lanhdao.axe", []string{"/console/replies", "/console/tickets/" + tk.ID}}, // the ticket's forms offer the reply
		{"quantri.axe", []string{"/console/admin/users", "/console/admin/categories", "/console/admin/calendar",
			"/console/admin/keys", "/console/admin/audit"}},
	}
	for _, v := range visits {
		ctx := browser(t)
		if v.user != "" {
			inBrowser(t, ctx, "sign in as "+v.user,
				chromedp.Navigate(s.base+"/console/login"),
				chromedp.WaitVisible(chromedp.CSS(`#username`)),
				chromedp.SendKeys(chromedp.CSS(`#username`), v.user),
				chromedp.SendKeys(chromedp.CSS(`#password`), consolePassword),
				chromedp.Click(chromedp.CSS(`#login-submit`)),
				chromedp.WaitVisible(chromedp.CSS(`#logout`)))
		}
		var found []string
		for _, width := range []int64{1366, 390} {
			for _, page := range v.pages {
				inBrowser(t, ctx, "open "+page, chromedp.EmulateViewport(width, 900), chromedp.Navigate(s.base+page),
					chromedp.WaitReady(chromedp.CSS(`main`)))
				for _, bad := range axeCheck(t, ctx, axe, page) {
					found = append(found, fmt.Sprintf("%s at %d px: %s (%s) %s: %s", page, width, bad.ID, bad.Impact, bad.Help,
						strings.Join(bad.Targets, ", ")))
				}
			}
		}
		if len(found) > 0 {
			t.Errorf("axe-core, signed in as %q:\n%s", v.user, strings.Join(found, "\n"))
		}
		if v.user == "canbo.axe" {
			rejectAsksFirst(t, ctx, s, officer.AccessToken, tk.ID)
		}
	}
}

// rejectAsksFirst clicks the reject button on the ticket page: the browser asks for a
// confirmation in Vietnamese, and when the official cancels, nothing is sent; when they confirm,
// the ticket is rejected.
func rejectAsksFirst(t *testing.T, ctx context.Context, s *server, token, id string) {
	t.Helper()
	inBrowser(t, ctx, "cancel a rejection", chromedp.EmulateViewport(1366, 900), chromedp.Navigate(s.base+"/console/tickets/"+id),
		chromedp.WaitVisible(chromedp.CSS(`#act-reject`)),
		chromedp.Evaluate[chromedp.Void](`window.confirm = m => { window.asked = m; return false; }`),
		chromedp.Click(chromedp.CSS(`#act-reject`)))
	asked := fromBrowser(t, ctx, "read the question", chromedp.Evaluate[string](`window.asked || ""`))
	if !strings.HasPrefix(asked, "Từ chối phản ánh này?") {
		t.Errorf("reject asked %q, want the Vietnamese confirmation", asked)
	}
	if st := getTicket(t, s, token, id).State; st != "assigned" {
		t.Fatalf("a cancelled rejection left the ticket %s", st)
	}
	inBrowser(t, ctx, "confirm a rejection",
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(chromedp.CSS(`#act-reject`)),
		chromedp.WaitVisible(chromedp.CSS(`#ticket-state[data-state="rejected"]`)))
}
