package tests

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestConsoleAdministrationInBrowser is an administrator's day in the console, in a real
// browser: create an officer (his one-time password is shown once and works), disable him (he
// can no longer sign in), add a day off on the day an open report is due (its deadline moves),
// lengthen a category's deadline (new reports only), create a machine key and revoke it (it is
// refused at once), find the disabling in the audit log, and turn on the second factor with the
// QR code. Every effect is checked through
// the API, not the page.
func TestConsoleAdministrationInBrowser(t *testing.T) {
	t.Parallel()
	ctx := browser(t)
	shots := screenshotDir(t)
	set := loadSet(t, "longxuyen-2023")
	x := areaNamed(set, "Mỹ Bình")
	s := startServer(t, storeKind{name: "sqlite"})
	admin := s.createOfficial("admin", "quantri.thanhpho", "")
	resident := s.signInResident("0912345600")
	tk := fileTicket(t, s, resident.AccessToken, wfReport("TTDT", x, "Xe ba gác chiếm lòng đường trước chợ Mỹ Bình.", false))

	inBrowser(t, ctx, "sign in as the administrator",
		chromedp.Navigate(s.base+"/console/"),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), "quantri.thanhpho"),
		chromedp.SendKeys(chromedp.CSS(`#password`), consolePassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#nav-admin`)),
		chromedp.Click(chromedp.CSS(`#nav-admin`)),
		chromedp.WaitVisible(chromedp.CSS(`#create-user`)),
	)
	adminCreatesAndDisablesAnOfficer(t, ctx, s, shots, unitOf(x.code, "cong_an"))
	adminAddsADayOff(t, ctx, s, shots, admin.AccessToken, resident.AccessToken, tk)
	adminEditsACategoryDeadline(t, ctx, s, shots, resident.AccessToken, getTicket(t, s, resident.AccessToken, tk.ID), x)
	adminRevokesAKey(t, ctx, s, shots)
	adminSearchesTheAudit(t, ctx, s, shots)
	adminTurnsOnTwoFactor(t, ctx, s, shots)
}

// adminSearchesTheAudit finds the officer's disabling in the audit page by action and date.
func adminSearchesTheAudit(t *testing.T, ctx context.Context, s *server, shots string) {
	t.Helper()
	today := time.Now().In(vnZone).Format(time.DateOnly)
	inBrowser(t, ctx, "search the audit log",
		chromedp.Navigate(s.base+"/console/admin/audit"),
		chromedp.WaitVisible(chromedp.CSS(`#audit-filters`)),
		chromedp.SetValue(chromedp.CSS(`#f-action`), "user_disable"),
		chromedp.SetValue(chromedp.CSS(`#f-from`), today),
		chromedp.SetValue(chromedp.CSS(`#f-to`), today),
		chromedp.Click(chromedp.CSS(`#audit-search`)),
	)
	// The unfiltered page may list the disabling too: wait for the answer to the search first.
	browserUntil(t, ctx, "the search's answer", `location.search.includes('action=user_disable') && document.readyState === 'complete'`)
	inBrowser(t, ctx, "read the search's answer", chromedp.WaitVisible(chromedp.CSS(`#audit tr[data-action="user_disable"]`)))
	rows := fromBrowser(t, ctx, "count the rows", chromedp.Evaluate[int](`document.querySelectorAll('#audit tbody tr[data-action]').length`))
	detail := fromBrowser(t, ctx, "read the record", chromedp.Text(chromedp.CSS(`#audit tr[data-action="user_disable"] td.desc`)))
	if rows != 1 || !strings.Contains(detail, "chuyển công tác") {
		t.Errorf("the audit search shows %d records (%q), want the one disabling with its reason", rows, detail)
	}
	screenshot(t, ctx, shots, "admin-audit.png")
}

// adminTurnsOnTwoFactor enrols the administrator's second factor in the console: the QR code and
// the key are shown, the app's code confirms it, and the recovery codes appear once.
func adminTurnsOnTwoFactor(t *testing.T, ctx context.Context, s *server, shots string) {
	t.Helper()
	inBrowser(t, ctx, "start the enrolment",
		chromedp.Click(chromedp.CSS(`#nav-2fa`)),
		chromedp.WaitVisible(chromedp.CSS(`#twofactor-state[data-on="false"]`)),
		chromedp.Click(chromedp.CSS(`#enroll-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#qr`)),
	)
	loaded := fromBrowser(t, ctx, "the QR code", chromedp.Evaluate[bool](`new Promise(done => {
		const img = document.getElementById('qr');
		const check = () => img.complete ? done(img.naturalWidth > 0) : setTimeout(check, 50);
		check();
	})`, chromedp.EvalAwaitPromise))
	secret := fromBrowser(t, ctx, "read the key", chromedp.Text(chromedp.CSS(`#totp-secret`)))
	if !loaded {
		t.Error("the QR code image did not load (CSP img-src must allow data:)")
	}
	screenshot(t, ctx, shots, "twofactor.png")
	inBrowser(t, ctx, "confirm with the app's code",
		chromedp.SendKeys(chromedp.CSS(`#confirm-code`), newAuthenticator(t, secret).code(0)),
		chromedp.Click(chromedp.CSS(`#confirm-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#recovery-codes`)),
	)
	if n := fromBrowser(t, ctx, "count recovery codes", chromedp.Evaluate[int](`document.querySelectorAll('#recovery-codes code').length`)); n != 10 {
		t.Errorf("%d recovery codes shown, want 10", n)
	}
	s.request(t, "POST", "/v1/auth/login", "", login("quantri.thanhpho", consolePassword)).expect(t, http.StatusUnauthorized)
}

// adminEditsACategoryDeadline lengthens TTDT's resolution deadline from 7 to 30 working days in
// the console: the category
// gets policy version 2, the open ticket keeps version 1 and its deadline, and a report filed
// afterwards is due later under version 2.
func adminEditsACategoryDeadline(t *testing.T, ctx context.Context, s *server, shots, resident string, old wfTicket, x wardPoint) {
	t.Helper()
	inBrowser(t, ctx, "edit the deadline of TTDT",
		chromedp.Navigate(s.base+"/console/admin/categories"),
		chromedp.WaitVisible(chromedp.CSS(`#categories`)),
		chromedp.Click(chromedp.CSS(`tr[data-code="TTDT"] a.edit`)),
		chromedp.WaitVisible(chromedp.CSS(`#category-form`)),
	)
	if days := fromBrowser(t, ctx, "read the deadline", chromedp.Value(chromedp.CSS(`#cat-resolve-value`))); days != "7" {
		t.Fatalf("the form shows TTDT's resolution deadline as %q, want the shipped 7 (working days)", days)
	}
	inBrowser(t, ctx, "save a longer deadline",
		chromedp.SetValue(chromedp.CSS(`#cat-resolve-value`), "30"),
		chromedp.SetValue(chromedp.CSS(`#cat-resolve-unit`), "working_days"),
		chromedp.Click(chromedp.CSS(`#cat-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-code="TTDT"][data-policy="2"]`)),
	)
	screenshot(t, ctx, shots, "admin-categories.png")
	if got := getTicket(t, s, resident, old.ID); got.PolicyVersion != 1 || got.ResolveDueAt != old.ResolveDueAt {
		t.Errorf("the open ticket has policy %d due %s, want 1 and %s as before", got.PolicyVersion, got.ResolveDueAt, old.ResolveDueAt)
	}
	fresh := fileTicket(t, s, resident, wfReport("TTDT", x, "Lấn chiếm vỉa hè sau khi đổi hạn.", false))
	if fresh.PolicyVersion != 2 || vnTime(t, fresh.ResolveDueAt).Sub(vnTime(t, old.ResolveDueAt)) < 20*24*time.Hour {
		t.Errorf("a new ticket has policy %d due %s; want 2 and about 30 working days out (the old one: %s)", fresh.PolicyVersion, fresh.ResolveDueAt, old.ResolveDueAt)
	}
}

func adminCreatesAndDisablesAnOfficer(t *testing.T, ctx context.Context, s *server, shots, unit string) {
	t.Helper()
	inBrowser(t, ctx, "create an officer",
		chromedp.SendKeys(chromedp.CSS(`#new-username`), "canbo.moi"),
		chromedp.SendKeys(chromedp.CSS(`#new-display-name`), "Nguyễn Văn Mới"),
		chromedp.SetValue(chromedp.CSS(`#new-role`), "officer"),
		chromedp.SetValue(chromedp.CSS(`#new-unit`), unit),
		chromedp.Click(chromedp.CSS(`#create-user-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#secret`)),
	)
	password := fromBrowser(t, ctx, "read the one-time password", chromedp.Text(chromedp.CSS(`#secret`)))
	var signedIn struct {
		User struct {
			Role                   string `json:"role"`
			UnitID                 string `json:"unit_id"`
			PasswordChangeRequired bool   `json:"password_change_required"`
		} `json:"user"`
	}
	s.request(t, "POST", "/v1/auth/login", "", login("canbo.moi", password)).expect(t, http.StatusOK).json(t, &signedIn)
	if u := signedIn.User; u.Role != "officer" || u.UnitID != unit || !u.PasswordChangeRequired {
		t.Errorf("the new officer signs in as %+v, want an officer of %s who must change his password", u, unit)
	}
	screenshot(t, ctx, shots, "admin-users.png")

	row := `tr[data-username="canbo.moi"]`
	inBrowser(t, ctx, "disable him",
		chromedp.SendKeys(chromedp.CSS(row+` input.reason`), "chuyển công tác"),
		chromedp.Click(chromedp.CSS(row+` button.disable`)),
		chromedp.WaitVisible(chromedp.CSS(row+`[data-disabled="true"]`)),
	)
	s.request(t, "POST", "/v1/auth/login", "", login("canbo.moi", password)).expect(t, http.StatusUnauthorized)
}

func adminAddsADayOff(t *testing.T, ctx context.Context, s *server, shots, admin, resident string, tk wfTicket) {
	t.Helper()
	due := vnTime(t, tk.ResolveDueAt)
	day := due.Format(time.DateOnly)
	year := calendarYears(t, s, admin)[due.Year()]
	days := append(slices.Clone(year.DaysOff), day)
	inBrowser(t, ctx, "add a day off",
		chromedp.Navigate(fmt.Sprintf("%s/console/admin/calendar?year=%d", s.base, due.Year())),
		chromedp.WaitVisible(chromedp.CSS(`#calendar-form`)),
		chromedp.SetValue(chromedp.CSS(`#cal-days-off`), strings.Join(days, "\n")),
		chromedp.Click(chromedp.CSS(`#cal-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#flash.ok`)),
	)
	if flash := fromBrowser(t, ctx, "read the result", chromedp.Text(chromedp.CSS(`#flash`))); !strings.Contains(flash, day) {
		t.Errorf("the page says %q, want the changed day %s", flash, day)
	}
	screenshot(t, ctx, shots, "admin-calendar.png")
	got := getTicket(t, s, resident, tk.ID)
	want := nextWorkingDay(due, days, year.SwappedWorkingDays)
	if moved := vnTime(t, got.ResolveDueAt); !moved.Equal(want) || got.last(t).Action != "move_deadline" {
		t.Errorf("after the day off the ticket is due %s (last event %s), want %s", moved, got.last(t).Action, want)
	}
}

func adminRevokesAKey(t *testing.T, ctx context.Context, s *server, shots string) {
	t.Helper()
	inBrowser(t, ctx, "create a key",
		chromedp.Click(chromedp.CSS(`a[href="/console/admin/keys"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#create-key`)),
		chromedp.SendKeys(chromedp.CSS(`#key-name`), "IOC thống kê"),
		chromedp.SetValue(chromedp.CSS(`#key-scope`), "stats"),
		chromedp.Click(chromedp.CSS(`#create-key-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#secret`)),
	)
	key := fromBrowser(t, ctx, "read the key", chromedp.Text(chromedp.CSS(`#secret`)))
	s.request(t, "GET", "/v1/stats/summary", "", nil, "X-API-Key: "+key).expect(t, http.StatusOK)
	row := `tr[data-name="IOC thống kê"]`
	inBrowser(t, ctx, "revoke it",
		chromedp.Click(chromedp.CSS(row+` button.revoke`)),
		chromedp.WaitVisible(chromedp.CSS(row+`[data-revoked="true"]`)),
	)
	screenshot(t, ctx, shots, "admin-keys.png")
	s.request(t, "GET", "/v1/stats/summary", "", nil, "X-API-Key: "+key).expect(t, http.StatusUnauthorized)
}
