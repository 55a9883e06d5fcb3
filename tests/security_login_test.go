package tests

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The sign-in limits: password lockouts counted atomically per username and address (an IPv6
// client by its /64) and per username from everywhere, the same for unknown usernames; codes
// that survive someone else's request; a daily cap of codes per phone; password changes.

// behindProxy makes the test's connections a trusted proxy, so X-Forwarded-For names the client.
const behindProxy = "TRUSTED_PROXIES=127.0.0.1/32"

func from(addr string) string { return "X-Forwarded-For: " + addr }

// auditRecords lists the audit records of action, read by an administrator.
func auditRecords(t *testing.T, s *server, adminToken, action string) []auditRecord {
	t.Helper()
	var page struct{ Records []auditRecord }
	s.request(t, "GET", "/v1/admin/audit?action="+action, adminToken, nil).expect(t, http.StatusOK).json(t, &page)
	return page.Records
}

type auditRecord struct {
	ActorID   string `json:"actor_id"`
	Action    string `json:"action"`
	SubjectID string `json:"subject_id"`
	Detail    string `json:"detail"`
}

func login(username, password string) map[string]string {
	return map[string]string{"username": username, "password": password}
}

// TestLoginParallelFailuresLock: 30 wrong passwords sent at once are counted one by one, so the
// account ends up locked (no more than five of them were even checked) and the lockout is
// audited once.
func TestLoginParallelFailuresLock(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		admin := s.createOfficial("admin", "auditor", "")
		officer := s.createOfficial("officer", "canbo.race", "longxuyen-2023.30280.cong_an")
		statuses := make([]int, 30)
		var wg sync.WaitGroup
		for i := range statuses {
			wg.Go(func() {
				r, err := s.do("POST", "/v1/auth/login", "", login("canbo.race", fmt.Sprintf("wrong password %d", i)))
				if err != nil {
					t.Error(err)
					return
				}
				statuses[i] = r.status
			})
		}
		wg.Wait()
		checked := 0
		for i, status := range statuses {
			switch status {
			case http.StatusUnauthorized:
				checked++
			case http.StatusTooManyRequests:
			default:
				t.Errorf("guess %d: status %d", i, status)
			}
		}
		if checked > 5 {
			t.Errorf("%d of 30 parallel guesses were checked, want at most 5", checked)
		}
		tooMany(t, "right password after 30 parallel guesses", s.request(t, "POST", "/v1/auth/login", "", login("canbo.race", "correct horse battery")), 15*60)
		recs := auditRecords(t, s, admin.AccessToken, "login_locked")
		if len(recs) != 1 || recs[0].SubjectID != officer.User.ID || !strings.Contains(recs[0].Detail, "127.0.0.1") {
			t.Errorf("login_locked audit = %+v, want one record for %s naming the address", recs, officer.User.ID)
		}
	})
}

// TestLoginLockoutPerAddress: the answers for an unknown username and an existing one are the
// same, lockout included; a lockout from one address (or IPv6 /64) leaves the owner free to sign
// in from another; and failures from many addresses lock the username for all of them at
// LOGIN_USER_MAX_FAILURES.
func TestLoginLockoutPerAddress(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st, behindProxy, "LOGIN_USER_MAX_FAILURES=8")
		admin := s.createOfficial("admin", "quantri", "")

		// Seven wrong passwords for an account and for no account, from one address each.
		answers := func(username, addr string) []string {
			var out []string
			for i := range 7 {
				r := s.request(t, "POST", "/v1/auth/login", "", login(username, fmt.Sprintf("guess number %d", i)), from(addr))
				out = append(out, fmt.Sprintf("%d %s", r.status, r.bodyWithoutRequestID()))
			}
			return out
		}
		existing, ghost := answers("quantri", "203.0.113.7"), answers("khong.co.ai", "203.0.113.8")
		for i := range existing {
			if existing[i] != ghost[i] {
				t.Errorf("attempt %d: existing username answered %q, unknown one %q", i+1, existing[i], ghost[i])
			}
		}
		if !strings.HasPrefix(existing[4], "401 ") || !strings.HasPrefix(existing[5], "429 ") {
			t.Errorf("answers %q, want 401 ×5 then 429", existing)
		}

		// The attacker's address is locked out of quantri; the administrator's is not.
		tooMany(t, "attacker's address", s.request(t, "POST", "/v1/auth/login", "", login("quantri", "correct horse battery"), from("203.0.113.7")), 15*60)
		s.request(t, "POST", "/v1/auth/login", "", login("quantri", "correct horse battery"), from("198.51.100.20")).expect(t, http.StatusOK)

		// An IPv6 attacker is one client for its whole /64.
		s.createOfficial("ioc_viewer", "giamsat", "")
		for i := range 5 {
			addr := fmt.Sprintf("2001:db8:1:2::%x", i+1)
			s.request(t, "POST", "/v1/auth/login", "", login("giamsat", "not it at all"), from(addr)).expect(t, http.StatusUnauthorized)
		}
		tooMany(t, "same /64", s.request(t, "POST", "/v1/auth/login", "", login("giamsat", "correct horse battery"), from("2001:db8:1:2:ffff::9")), 15*60)
		s.request(t, "POST", "/v1/auth/login", "", login("giamsat", "correct horse battery"), from("2001:db8:1:3::1")).expect(t, http.StatusOK)

		// quantri has 5 failures (the attacker's address) of the 8 allowed from everywhere; three
		// more from another address lock it for every address, the administrator's too.
		for i := range 3 {
			s.request(t, "POST", "/v1/auth/login", "", login("quantri", fmt.Sprintf("another guess %d", i)), from("192.0.2.1")).expect(t, http.StatusUnauthorized)
		}
		tooMany(t, "every address after 8 failures", s.request(t, "POST", "/v1/auth/login", "", login("quantri", "correct horse battery"), from("198.51.100.20")), 15*60)

		recs := auditRecords(t, s, admin.AccessToken, "login_locked")
		var perAddress, everywhere int
		for _, r := range recs {
			if r.SubjectID != admin.User.ID {
				continue
			}
			switch {
			case strings.Contains(r.Detail, "from 203.0.113.7; locked for that address"):
				perAddress++
			case strings.Contains(r.Detail, "locked for every address"):
				everywhere++
			}
		}
		if perAddress != 1 || everywhere != 1 {
			t.Errorf("quantri's login_locked records %+v, want one for the attacker's address and one for every address", recs)
		}
	})
}

// TestLoginUserMaxFailuresSetting: a per-username limit below the per-address one would let one
// address lock an account for everyone, so the server refuses to start with it.
func TestLoginUserMaxFailuresSetting(t *testing.T) {
	t.Parallel()
	s := &server{t: t, env: []string{"DATA_DIR=" + t.TempDir(), "LOGIN_USER_MAX_FAILURES=3"}}
	if out, err := s.admin("", "stats", "rebuild"); err == nil || !strings.Contains(err.Error(), "LOGIN_USER_MAX_FAILURES") {
		t.Errorf("LOGIN_USER_MAX_FAILURES=3 was accepted: %v %s", err, out)
	}
}

// TestOTPSurvivesStrangers: someone else asking for a code for a phone neither breaks the code
// its owner already has nor, from another address, uses up the owner's requests; the phone gets
// at most OTP_PER_PHONE_DAY codes a day from all addresses together.
func TestOTPSurvivesStrangers(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st, behindProxy, "OTP_PER_PHONE_DAY=5")
		const phone, e164 = "0977111222", "+84977111222"
		const owner, stranger = "198.51.100.1", "203.0.113.50"
		otp := map[string]string{"phone": phone}
		s.request(t, "POST", "/v1/auth/otp", "", otp, from(owner)).expect(t, http.StatusAccepted)

		// The stranger asks three times: that spends the limit of their address, not the owner's.
		for range 3 {
			s.request(t, "POST", "/v1/auth/otp", "", otp, from(stranger)).expect(t, http.StatusAccepted)
		}
		tooMany(t, "stranger's 4th request", s.request(t, "POST", "/v1/auth/otp", "", otp, from(stranger)), 15*60)
		s.request(t, "POST", "/v1/auth/otp", "", otp, from(owner)).expect(t, http.StatusAccepted)
		var tk tokens
		s.request(t, "POST", "/v1/auth/otp/verify", "", map[string]string{"phone": phone, "code": s.sms.code(e164)}, from(owner)).
			expect(t, http.StatusOK).json(t, &tk)
		if tk.User.Phone != e164 {
			t.Errorf("signed in as %+v", tk.User)
		}

		// Five codes went out today (1 + 3 + 1): the sixth is refused from any address.
		if n := s.sms.sent(e164); n != 5 {
			t.Errorf("%d codes sent, want 5", n)
		}
		tooMany(t, "6th code of the day", s.request(t, "POST", "/v1/auth/otp", "", otp, from("192.0.2.77")), 24*3600)
		if n := s.sms.sent(e164); n != 5 {
			t.Errorf("%d codes sent after the daily cap, want 5", n)
		}
		// Another phone is not affected.
		s.request(t, "POST", "/v1/auth/otp", "", map[string]string{"phone": "0977111333"}, from("192.0.2.77")).expect(t, http.StatusAccepted)
	})
}

// TestOTPCodeKeptAfterAnotherRequest: the code the owner received stays valid after someone
// else requests another one for the same phone, and the new code works as well.
func TestOTPCodeKeptAfterAnotherRequest(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st, behindProxy)
		for _, c := range []struct {
			name, phone string
			useFirst    bool
		}{{"the earlier code", "0977222001", true}, {"the later code", "0977222002", false}} {
			e164 := "+84" + strings.TrimPrefix(c.phone, "0")
			s.request(t, "POST", "/v1/auth/otp", "", map[string]string{"phone": c.phone}, from("198.51.100.2")).expect(t, http.StatusAccepted)
			first := s.sms.code(e164)
			s.request(t, "POST", "/v1/auth/otp", "", map[string]string{"phone": c.phone}, from("203.0.113.60")).expect(t, http.StatusAccepted)
			second := s.sms.code(e164)
			code := second
			if c.useFirst {
				code = first
			}
			if first == second {
				t.Skipf("%s: the two codes are equal by chance", c.name)
			}
			s.request(t, "POST", "/v1/auth/otp/verify", "", map[string]string{"phone": c.phone, "code": code}).expect(t, http.StatusOK)
			// Spent: neither code works again.
			s.request(t, "POST", "/v1/auth/otp/verify", "", map[string]string{"phone": c.phone, "code": first}).expect(t, http.StatusUnauthorized)
			s.request(t, "POST", "/v1/auth/otp/verify", "", map[string]string{"phone": c.phone, "code": second}).expect(t, http.StatusUnauthorized)
		}
	})
}

// TestOTPOwnersCodeOutlivesStrangerCodes: a stranger asking for three codes for a phone from
// another address within the owner's code lifetime does not break the code the owner received
// first; the right code spends every code of the phone. Wrong guesses are counted across all the
// codes of a phone, so more codes give the stranger no more guesses: after the fifth
// (OTPMaxAttempts) even the owner's code is refused.
func TestOTPOwnersCodeOutlivesStrangerCodes(t *testing.T) {
	t.Parallel()
	const maxAttempts = 5 // app's OTPMaxAttempts
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st, behindProxy)
		const owner, stranger = "198.51.100.3", "203.0.113.70"
		// codes has the owner ask for a code for phone, then the stranger three: all four codes.
		codes := func(phone string) (string, []string) {
			e164 := "+84" + strings.TrimPrefix(phone, "0")
			s.request(t, "POST", "/v1/auth/otp", "", map[string]string{"phone": phone}, from(owner)).expect(t, http.StatusAccepted)
			first := s.sms.code(e164)
			var strangers []string
			for range 3 {
				s.request(t, "POST", "/v1/auth/otp", "", map[string]string{"phone": phone}, from(stranger)).expect(t, http.StatusAccepted)
				strangers = append(strangers, s.sms.code(e164))
			}
			if slices.Contains(strangers, first) {
				t.Skipf("a stranger's code equals the owner's by chance")
			}
			return first, strangers
		}
		verify := func(phone, code, addr string) response {
			return s.request(t, "POST", "/v1/auth/otp/verify", "", map[string]string{"phone": phone, "code": code}, from(addr))
		}

		const phone = "0977333001"
		first, strangers := codes(phone)
		var tk tokens
		verify(phone, first, owner).expect(t, http.StatusOK).json(t, &tk)
		if tk.User.Phone != "+84977333001" {
			t.Errorf("signed in as %+v", tk.User)
		}
		for _, code := range append(strangers, first) {
			verify(phone, code, stranger).expect(t, http.StatusUnauthorized) // spent
		}

		const guessed = "0977333002"
		first, strangers = codes(guessed)
		wrong := "000000"
		for n := 1; slices.Contains(append(strangers, first), wrong); n++ {
			wrong = fmt.Sprintf("%06d", n)
		}
		for range maxAttempts {
			verify(guessed, wrong, stranger).expect(t, http.StatusUnauthorized)
		}
		verify(guessed, first, owner).expect(t, http.StatusTooManyRequests)
		verify(guessed, first, owner).expect(t, http.StatusUnauthorized)
	})
}

// TestChangePassword: the first administrator must replace the one-time password printed at
// first start before doing anything else (its tokens, refreshed ones too, serve only the change,
// the account and sign-out); the old password stops working, every session is signed out and
// the change is audited.
// Bad input changes nothing, a wrong current password counts towards the lockout, and residents
// have no password to change.
func TestChangePassword(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		oneTime := s.adminPassword(t)
		var session1, session2 tokens
		s.request(t, "POST", "/v1/auth/login", "", login("admin", oneTime)).expect(t, http.StatusOK).json(t, &session1)
		s.request(t, "POST", "/v1/auth/login", "", login("admin", oneTime)).expect(t, http.StatusOK).json(t, &session2)
		onlyPasswordChange(t, s, session1)

		change := func(tok, current, next string) response {
			return s.request(t, "POST", "/v1/me/password", tok, map[string]string{"current_password": current, "new_password": next})
		}
		const newPass = "a much better password"
		for _, c := range []struct {
			name, current, next string
			status              int
			field               string
		}{
			{"short new password", oneTime, "short", http.StatusBadRequest, "new_password"},
			{"no current password", "", newPass, http.StatusBadRequest, "current_password"},
			{"unchanged", oneTime, oneTime, http.StatusBadRequest, "new_password"},
			{"wrong current password", "not the password", newPass, http.StatusForbidden, "current_password"},
		} {
			r := change(session1.AccessToken, c.current, c.next)
			if r.status != c.status {
				t.Fatalf("%s: status %d, want %d; %s", c.name, r.status, c.status, r.body)
			}
			if e := r.apiError(t); e.Error.Field != c.field {
				t.Errorf("%s: field %q, want %q", c.name, e.Error.Field, c.field)
			}
		}
		s.request(t, "POST", "/v1/me/password", "", map[string]string{"current_password": oneTime, "new_password": newPass}).expect(t, http.StatusUnauthorized)
		// Nothing changed: the one-time password and the sessions still work.
		var again tokens
		s.request(t, "POST", "/v1/auth/login", "", login("admin", oneTime)).expect(t, http.StatusOK).json(t, &again)
		s.request(t, "POST", "/v1/auth/refresh", "", map[string]string{"refresh_token": session2.RefreshToken}).expect(t, http.StatusOK).json(t, &session2)
		s.request(t, "GET", "/v1/queue", session2.AccessToken, nil).expect(t, http.StatusForbidden)

		r := change(session1.AccessToken, oneTime, newPass).expect(t, http.StatusNoContent)
		if len(r.body) != 0 {
			t.Errorf("204 with a body: %s", r.body)
		}
		s.request(t, "POST", "/v1/auth/login", "", login("admin", oneTime)).expect(t, http.StatusUnauthorized)
		var fresh tokens
		s.request(t, "POST", "/v1/auth/login", "", login("admin", newPass)).expect(t, http.StatusOK).json(t, &fresh)
		if fresh.User.PasswordChangeRequired {
			t.Error("after the change the account still must change its password")
		}
		s.request(t, "GET", "/v1/queue", fresh.AccessToken, nil).expect(t, http.StatusOK)
		for _, rt := range []string{session1.RefreshToken, session2.RefreshToken, again.RefreshToken} {
			s.request(t, "POST", "/v1/auth/refresh", "", map[string]string{"refresh_token": rt}).expect(t, http.StatusUnauthorized)
		}
		s.request(t, "POST", "/v1/auth/refresh", "", map[string]string{"refresh_token": fresh.RefreshToken}).expect(t, http.StatusOK)
		recs := auditRecords(t, s, fresh.AccessToken, "password_changed")
		if len(recs) != 1 || recs[0].SubjectID != fresh.User.ID || recs[0].ActorID != fresh.User.ID {
			t.Errorf("password_changed audit = %+v, want one record by and about %s", recs, fresh.User.ID)
		}

		// Residents sign in with codes: nothing to change.
		res := s.signInResident("0977333444")
		e := change(res.AccessToken, "anything at all", newPass).expect(t, http.StatusConflict).apiError(t)
		if !strings.Contains(e.Error.Message, "không có mật khẩu") {
			t.Errorf("resident: %q", e.Error.Message)
		}

		// Wrong current passwords are failed sign-ins: five lock the account at this address.
		officer := s.createOfficial("officer", "canbo.doimk", "longxuyen-2023.30280.cong_an")
		for range 5 {
			change(officer.AccessToken, "a wrong guess", newPass).expect(t, http.StatusForbidden)
		}
		tooMany(t, "change after five wrong current passwords", change(officer.AccessToken, "correct horse battery", newPass), 15*60)
		tooMany(t, "sign-in after five wrong current passwords", s.request(t, "POST", "/v1/auth/login", "", login("canbo.doimk", "correct horse battery")), 15*60)
	})
}

// onlyPasswordChange checks that a session signed in with a one-time password says so and serves
// the account, but no other route.
func onlyPasswordChange(t *testing.T, s *server, session tokens) {
	t.Helper()
	if !session.User.PasswordChangeRequired {
		t.Errorf("signed in with the one-time password: %+v, want password_change_required", session.User)
	}
	s.request(t, "GET", "/v1/me", session.AccessToken, nil).expect(t, http.StatusOK)
	for _, path := range []string{"/v1/queue", "/v1/admin/audit", "/v1/stats/summary"} {
		if e := s.request(t, "GET", path, session.AccessToken, nil).expect(t, http.StatusForbidden).apiError(t); e.Error.Code != "password_change_required" {
			t.Errorf("GET %s before the change: %+v", path, e)
		}
	}
}

// TestAdminUserPasswd: the operator sets a new password from the command line (from stdin), with
// the same length rule as account creation; the account's sessions are signed out.
func TestAdminUserPasswd(t *testing.T) {
	t.Parallel()
	s := startServer(t, storeKind{name: "sqlite"})
	officer := s.createOfficial("officer", "canbo.quen", "longxuyen-2023.30280.cong_an")
	if _, err := s.admin("short\n", "user", "passwd", "--username", "canbo.quen"); err == nil || !strings.Contains(err.Error(), "at least") {
		t.Errorf("a short password was accepted: %v", err)
	}
	if _, err := s.admin("a long enough password\n", "user", "passwd", "--username", "khong.co.ai"); err == nil {
		t.Error("an unknown username was accepted")
	}
	s.request(t, "POST", "/v1/auth/login", "", login("canbo.quen", "correct horse battery")).expect(t, http.StatusOK)
	if out, err := s.admin("a long enough password\n", "user", "passwd", "--username", "canbo.quen"); err != nil {
		t.Fatalf("admin user passwd: %v %s", err, out)
	}
	s.request(t, "POST", "/v1/auth/login", "", login("canbo.quen", "correct horse battery")).expect(t, http.StatusUnauthorized)
	s.request(t, "POST", "/v1/auth/login", "", login("canbo.quen", "a long enough password")).expect(t, http.StatusOK)
	s.request(t, "POST", "/v1/auth/refresh", "", map[string]string{"refresh_token": officer.RefreshToken}).expect(t, http.StatusUnauthorized)
}
