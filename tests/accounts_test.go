package tests

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// accountBody is an account as /v1/admin/users shows it.
type accountBody struct {
	Password               string `json:"password"` // create and reset-password only
	ID                     string `json:"id"`
	Username               string `json:"username"`
	Role                   string `json:"role"`
	UnitID                 string `json:"unit_id"`
	DisplayName            string `json:"display_name"`
	Disabled               bool   `json:"disabled"`
	DisabledReason         string `json:"disabled_reason"`
	PasswordChangeRequired bool   `json:"password_change_required"`
}

// accountsFixture is a server with an administrator, an IOC viewer and two ward units with a
// ticket each.
type accountsFixture struct {
	s              *server
	admin, adminID string
	viewer         string
	unitX, unitY   string
	tX, tY         wfTicket
}

// TestAccountsAdministration disables, enables, moves, resets, lists and refuses bad input
// through the admin API and the command line, on both stores.
func TestAccountsAdministration(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 3), ward(set, 4)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		adm := s.createOfficial("admin", "acc.admin", "")
		fx := &accountsFixture{s: s, admin: adm.AccessToken, adminID: adm.User.ID,
			viewer: s.createOfficial("ioc_viewer", "acc.viewer", "").AccessToken,
			unitX:  unitOf(x.code, "ubnd"), unitY: unitOf(y.code, "ubnd")}
		resident := s.signInResident("0913000001")
		fx.tX = fileTicket(t, s, resident.AccessToken, wfReport("TTDT", x, "Lấn chiếm vỉa hè X", false))
		fx.tY = fileTicket(t, s, resident.AccessToken, wfReport("TTDT", y, "Lấn chiếm vỉa hè Y", false))
		t.Run("disable and enable", fx.disableEnable)
		t.Run("move", fx.move)
		t.Run("reset password", fx.resetPassword)
		t.Run("list and search", fx.list)
		t.Run("bad input changes nothing", fx.badInput)
		t.Run("blocked resident", fx.blockedResident)
		t.Run("command line", fx.commandLine)
	})
}

// login signs username in with password and returns the answer.
func (fx *accountsFixture) login(t *testing.T, username, password string) response {
	t.Helper()
	return fx.s.request(t, "POST", "/v1/auth/login", "", map[string]string{"username": username, "password": password})
}

// disableEnable: a disabled officer's next request is refused within 5 s, as is his refresh
// token and his sign-in; enabled again, he signs in anew.
func (fx *accountsFixture) disableEnable(t *testing.T) {
	s := fx.s
	off := s.createOfficial("officer", "acc.disabled", fx.unitX)
	s.request(t, "GET", "/v1/me", off.AccessToken, nil).expect(t, http.StatusOK)
	var a accountBody
	s.request(t, "POST", "/v1/admin/users/"+off.User.ID+"/disable", fx.admin, map[string]string{"reason": "left the office"}).
		expect(t, http.StatusOK).json(t, &a)
	if !a.Disabled || a.DisabledReason != "left the office" {
		t.Errorf("disabled account %+v", a)
	}
	waitFor(t, "the disabled officer's token to be refused", 5*time.Second, func() bool {
		return s.request(t, "GET", "/v1/me", off.AccessToken, nil).status == http.StatusUnauthorized
	})
	e := refused(t, s.request(t, "GET", "/v1/queue", off.AccessToken, nil), http.StatusUnauthorized, "unauthorized", "")
	if !strings.Contains(e.Error.Message, "vô hiệu hóa") {
		t.Errorf("refusal of a disabled account: %q", e.Error.Message)
	}
	refused(t, s.request(t, "POST", "/v1/auth/refresh", "", map[string]string{"refresh_token": off.RefreshToken}),
		http.StatusUnauthorized, "unauthorized", "")
	e = refused(t, fx.login(t, "acc.disabled", "correct horse battery"), http.StatusUnauthorized, "unauthorized", "")
	if !strings.Contains(e.Error.Message, "vô hiệu hóa") {
		t.Errorf("sign-in of a disabled account: %q", e.Error.Message)
	}
	refused(t, fx.login(t, "acc.disabled", "wrong password!"), http.StatusUnauthorized, "unauthorized", "")
	a = accountBody{}
	s.request(t, "POST", "/v1/admin/users/"+off.User.ID+"/enable", fx.admin, nil).expect(t, http.StatusOK).json(t, &a)
	if a.Disabled || a.DisabledReason != "" {
		t.Errorf("enabled account %+v", a)
	}
	var again tokens
	fx.login(t, "acc.disabled", "correct horse battery").expect(t, http.StatusOK).json(t, &again)
	s.request(t, "GET", "/v1/queue", again.AccessToken, nil).expect(t, http.StatusOK)
	refused(t, s.request(t, "GET", "/v1/me", off.AccessToken, nil), http.StatusUnauthorized, "unauthorized", "")
	if p := fx.audited(t, "user_disable"); !slices.ContainsFunc(p, func(r auditRecord) bool {
		return r.SubjectID == off.User.ID && r.Detail == "enabled→disabled: left the office"
	}) {
		t.Errorf("the disabling is not audited: %+v", p)
	}
}

// move: a moved officer's old token ends at once; signed in again he reads the new unit's
// ticket and not the old unit's.
func (fx *accountsFixture) move(t *testing.T) {
	s := fx.s
	off := s.createOfficial("officer", "acc.moved", fx.unitX)
	getTicket(t, s, off.AccessToken, fx.tX.ID)
	var a accountBody
	s.request(t, "PATCH", "/v1/admin/users/"+off.User.ID, fx.admin, map[string]string{"unit_id": fx.unitY, "role": "leader"}).
		expect(t, http.StatusOK).json(t, &a)
	if a.UnitID != fx.unitY || a.Role != "leader" {
		t.Errorf("moved account %+v", a)
	}
	e := refused(t, s.request(t, "GET", "/v1/tickets/"+fx.tX.ID, off.AccessToken, nil), http.StatusUnauthorized, "unauthorized", "")
	if !strings.Contains(e.Error.Message, "đăng nhập lại") {
		t.Errorf("refusal of a moved account's old token: %q", e.Error.Message)
	}
	var again tokens
	fx.login(t, "acc.moved", "correct horse battery").expect(t, http.StatusOK).json(t, &again)
	if again.User.UnitID != fx.unitY || again.User.Role != "leader" {
		t.Errorf("signed in as %+v", again.User)
	}
	getTicket(t, s, again.AccessToken, fx.tY.ID)
	refused(t, s.request(t, "GET", "/v1/tickets/"+fx.tX.ID, again.AccessToken, nil), http.StatusNotFound, "not_found", "")
	p := fx.audited(t, "user_update")
	if !slices.ContainsFunc(p, func(r auditRecord) bool {
		return r.SubjectID == off.User.ID && strings.Contains(r.Detail, fx.unitX) && strings.Contains(r.Detail, fx.unitY)
	}) {
		t.Errorf("the move is not audited with the units before and after: %+v", p)
	}
}

// resetPassword: the old password is refused, the one-time one signs in with a password change
// required, and the sessions of before end.
func (fx *accountsFixture) resetPassword(t *testing.T) {
	s := fx.s
	off := s.createOfficial("officer", "acc.reset", fx.unitX)
	var a accountBody
	s.request(t, "POST", "/v1/admin/users/"+off.User.ID+"/reset-password", fx.admin, nil).expect(t, http.StatusOK).json(t, &a)
	if len(a.Password) < 10 || !a.PasswordChangeRequired {
		t.Fatalf("reset answer %+v", a)
	}
	refused(t, fx.login(t, "acc.reset", "correct horse battery"), http.StatusUnauthorized, "unauthorized", "")
	refused(t, s.request(t, "GET", "/v1/me", off.AccessToken, nil), http.StatusUnauthorized, "unauthorized", "")
	refused(t, s.request(t, "POST", "/v1/auth/refresh", "", map[string]string{"refresh_token": off.RefreshToken}),
		http.StatusUnauthorized, "unauthorized", "")
	var tk tokens
	fx.login(t, "acc.reset", a.Password).expect(t, http.StatusOK).json(t, &tk)
	if !tk.User.PasswordChangeRequired {
		t.Errorf("signed in with the one-time password without a change required: %+v", tk.User)
	}
	refused(t, s.request(t, "GET", "/v1/queue", tk.AccessToken, nil), http.StatusForbidden, "password_change_required", "")
	if len(fx.audited(t, "password_reset")) == 0 {
		t.Error("the reset is not audited")
	}
}

// audited returns the audit records of action.
func (fx *accountsFixture) audited(t *testing.T, action string) []auditRecord {
	t.Helper()
	return auditRecords(t, fx.s, fx.admin, action)
}

// createAccount creates an official through the API and returns it with its one-time password.
func (fx *accountsFixture) createAccount(t *testing.T, body map[string]string) accountBody {
	t.Helper()
	var a accountBody
	fx.s.request(t, "POST", "/v1/admin/users", fx.admin, body).expect(t, http.StatusCreated).json(t, &a)
	if len(a.Password) < 10 || !a.PasswordChangeRequired || a.ID == "" {
		t.Fatalf("created account %+v", a)
	}
	return a
}

// listUsers returns the usernames GET /v1/admin/users?query lists, the next cursor and the body.
func (fx *accountsFixture) listUsers(t *testing.T, query string) ([]string, string, string) {
	t.Helper()
	var page struct {
		Users      []accountBody `json:"users"`
		NextCursor string        `json:"next_cursor"`
	}
	r := fx.s.request(t, "GET", "/v1/admin/users?"+query, fx.admin, nil).expect(t, http.StatusOK)
	r.json(t, &page)
	names := []string{}
	for _, u := range page.Users {
		names = append(names, u.Username)
	}
	return names, page.NextCursor, string(r.body)
}

// list: officials only, filtered by text, role, unit and state, paged; never a password or hash.
func (fx *accountsFixture) list(t *testing.T) {
	alpha := fx.createAccount(t, map[string]string{"username": "list.alpha", "role": "officer", "unit_id": fx.unitX,
		"display_name": "Nguyễn Văn Alpha"})
	fx.createAccount(t, map[string]string{"username": "list.beta", "role": "ioc_viewer"})
	gamma := fx.createAccount(t, map[string]string{"username": "list.gamma", "role": "officer", "unit_id": fx.unitY})
	fx.s.request(t, "POST", "/v1/admin/users/"+gamma.ID+"/disable", fx.admin, map[string]string{"reason": "on leave"}).expect(t, http.StatusOK)
	var tk tokens
	fx.login(t, "list.alpha", alpha.Password).expect(t, http.StatusOK).json(t, &tk)
	if !tk.User.PasswordChangeRequired {
		t.Errorf("a created account signs in without a password change required")
	}
	for _, tc := range []struct{ query, want string }{
		{"q=list.", "[list.alpha list.beta list.gamma]"},
		{"q=LIST.&role=officer", "[list.alpha list.gamma]"},
		{"q=list.&unit=" + fx.unitX, "[list.alpha]"},
		{"q=list.&disabled=true", "[list.gamma]"},
		{"q=list.&disabled=false", "[list.alpha list.beta]"},
		{"q=v%C4%83n%20alpha", "[list.alpha]"},
		{"q=0913000001", "[]"}, // residents are never listed
		{"role=ioc_viewer&q=acc.", "[acc.viewer]"},
	} {
		got, _, body := fx.listUsers(t, tc.query)
		if fmt.Sprint(got) != tc.want {
			t.Errorf("?%s lists %v, want %s", tc.query, got, tc.want)
		}
		if strings.Contains(body, "argon2") || strings.Contains(body, "password\"") || strings.Contains(body, "+84") {
			t.Errorf("?%s shows secrets or phones: %s", tc.query, body)
		}
	}
	first, next, _ := fx.listUsers(t, "q=list.&limit=2")
	if len(first) != 2 || next == "" {
		t.Fatalf("first page %v, next %q", first, next)
	}
	rest, next, _ := fx.listUsers(t, "q=list.&limit=2&cursor="+next)
	if strings.Join(append(first, rest...), " ") != "list.alpha list.beta list.gamma" || next != "" {
		t.Errorf("pages %v then %v (next %q)", first, rest, next)
	}
}

// badInput: each bad request is refused with a clear error and changes nothing.
func (fx *accountsFixture) badInput(t *testing.T) {
	s := fx.s
	target := fx.createAccount(t, map[string]string{"username": "bad.target", "role": "officer", "unit_id": fx.unitX})
	res := s.signInResident("0913000002")
	u := "/v1/admin/users/" + target.ID
	for _, tc := range []struct {
		name, method, path, caller string
		body                       any
		status                     int
		code, field                string
	}{
		{"unknown role", "POST", "/v1/admin/users", fx.admin, map[string]string{"username": "bad.role", "role": "mayor"}, 400, "invalid", "role"},
		{"resident role", "POST", "/v1/admin/users", fx.admin, map[string]string{"username": "bad.res", "role": "resident"}, 400, "invalid", "role"},
		{"unknown unit", "POST", "/v1/admin/users", fx.admin, map[string]string{"username": "bad.unit", "role": "officer", "unit_id": "nope"}, 400, "invalid", "unit_id"},
		{"officer without unit", "POST", "/v1/admin/users", fx.admin, map[string]string{"username": "bad.nounit", "role": "officer"}, 400, "invalid", "unit_id"},
		{"bad username", "POST", "/v1/admin/users", fx.admin, map[string]string{"username": "Bad Name!", "role": "admin"}, 400, "invalid", "username"},
		{"taken username", "POST", "/v1/admin/users", fx.admin, map[string]string{"username": "bad.target", "role": "admin"}, 409, "conflict", "username"},
		{"unknown field", "POST", "/v1/admin/users", fx.admin, map[string]any{"username": "bad.field", "role": "admin", "password": "x"}, 400, "invalid", "password"},
		{"wrong type", "POST", "/v1/admin/users", fx.admin, map[string]any{"username": 7, "role": "admin"}, 400, "invalid", "username"},
		{"non-admin create", "POST", "/v1/admin/users", fx.viewer, map[string]string{"username": "bad.viewer", "role": "admin"}, 403, "forbidden", ""},
		{"move to unknown role", "PATCH", u, fx.admin, map[string]string{"role": "mayor"}, 400, "invalid", "role"},
		{"move to unknown unit", "PATCH", u, fx.admin, map[string]string{"unit_id": "nope"}, 400, "invalid", "unit_id"},
		{"move with a wrong type", "PATCH", u, fx.admin, map[string]any{"unit_id": 5}, 400, "invalid", "unit_id"},
		{"move with an unknown field", "PATCH", u, fx.admin, map[string]any{"username": "renamed"}, 400, "invalid", "username"},
		{"move a resident", "PATCH", "/v1/admin/users/" + res.User.ID, fx.admin, map[string]string{"unit_id": fx.unitX}, 404, "not_found", ""},
		{"move oneself to another role", "PATCH", "/v1/admin/users/" + fx.adminID, fx.admin, map[string]string{"role": "ioc_viewer"}, 409, "conflict", "role"},
		{"non-admin move", "PATCH", u, fx.viewer, map[string]string{"unit_id": fx.unitY}, 403, "forbidden", ""},
		{"disable without a reason", "POST", u + "/disable", fx.admin, map[string]string{"reason": " "}, 400, "invalid", "reason"},
		{"disable with an unknown field", "POST", u + "/disable", fx.admin, map[string]any{"reason": "x", "until": "never"}, 400, "invalid", "until"},
		{"disable oneself", "POST", "/v1/admin/users/" + fx.adminID + "/disable", fx.admin, map[string]string{"reason": "tired"}, 409, "conflict", ""},
		{"non-admin disable", "POST", u + "/disable", fx.viewer, map[string]string{"reason": "x"}, 403, "forbidden", ""},
		{"non-admin reset", "POST", u + "/reset-password", fx.viewer, nil, 403, "forbidden", ""},
		{"non-admin list", "GET", "/v1/admin/users", fx.viewer, nil, 403, "forbidden", ""},
		{"list with a bad role", "GET", "/v1/admin/users?role=resident", fx.admin, nil, 400, "invalid", "role"},
		{"list with a bad state", "GET", "/v1/admin/users?disabled=maybe", fx.admin, nil, 400, "invalid", "disabled"},
		{"unknown id move", "PATCH", "/v1/admin/users/nobody", fx.admin, map[string]string{"unit_id": fx.unitY}, 404, "not_found", ""},
		{"unknown id disable", "POST", "/v1/admin/users/nobody/disable", fx.admin, map[string]string{"reason": "x"}, 404, "not_found", ""},
		{"unknown id enable", "POST", "/v1/admin/users/nobody/enable", fx.admin, nil, 404, "not_found", ""},
		{"unknown id reset", "POST", "/v1/admin/users/nobody/reset-password", fx.admin, nil, 404, "not_found", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := refused(t, s.request(t, tc.method, tc.path, tc.caller, tc.body), tc.status, tc.code, tc.field)
			if len(e.Error.Message) < 10 {
				t.Errorf("unclear message %q", e.Error.Message)
			}
		})
	}
	if got, _, _ := fx.listUsers(t, "q=bad."); fmt.Sprint(got) != "[bad.target]" {
		t.Errorf("refused creations created %v", got)
	}
	var after struct{ Users []accountBody }
	s.request(t, "GET", "/v1/admin/users?q=bad.target", fx.admin, nil).expect(t, http.StatusOK).json(t, &after)
	if len(after.Users) != 1 || after.Users[0].UnitID != fx.unitX || after.Users[0].Role != "officer" || after.Users[0].Disabled {
		t.Errorf("the target changed: %+v", after.Users)
	}
	s.request(t, "GET", "/v1/me", fx.admin, nil).expect(t, http.StatusOK)
}

// blockedResident: a blocked resident's session ends and the phone is refused sign-in codes
// with 403, without the administrator's reason.
func (fx *accountsFixture) blockedResident(t *testing.T) {
	s := fx.s
	res := s.signInResident("0913000003")
	s.request(t, "POST", "/v1/admin/users/"+res.User.ID+"/disable", fx.admin, map[string]string{"reason": "abusive reports"}).
		expect(t, http.StatusOK)
	waitFor(t, "the blocked resident's token to be refused", 5*time.Second, func() bool {
		return s.request(t, "GET", "/v1/me", res.AccessToken, nil).status == http.StatusUnauthorized
	})
	r := s.request(t, "POST", "/v1/auth/otp", "", map[string]string{"phone": "0913000003"})
	e := refused(t, r, http.StatusForbidden, "forbidden", "")
	if !strings.Contains(e.Error.Message, "bị khóa") || strings.Contains(string(r.body), "abusive") {
		t.Errorf("refusal of a blocked phone: %s", r.body)
	}
	s.request(t, "POST", "/v1/admin/users/"+res.User.ID+"/enable", fx.admin, nil).expect(t, http.StatusOK)
	s.signInResident("0913000003")
}

// commandLine: admin user list|disable|enable|move|reset act like the API, audited as "cli".
func (fx *accountsFixture) commandLine(t *testing.T) {
	s := fx.s
	off := s.createOfficial("officer", "acc.cli", fx.unitX)
	run := func(args ...string) string {
		t.Helper()
		out, err := s.admin("", append([]string{"user"}, args...)...)
		if err != nil {
			t.Fatalf("admin user %v: %v %s", args, err, out)
		}
		return out
	}
	if out := run("list", "--q", "acc.cli"); !strings.Contains(out, off.User.ID) || !strings.Contains(out, fx.unitX) {
		t.Errorf("admin user list: %s", out)
	}
	run("disable", "--username", "acc.cli", "--reason", "audit")
	waitFor(t, "the token of an account disabled at the command line to be refused", 5*time.Second, func() bool {
		return s.request(t, "GET", "/v1/me", off.AccessToken, nil).status == http.StatusUnauthorized
	})
	if out := run("list", "--disabled", "true", "--q", "acc.cli"); !strings.Contains(out, "disabled: audit") {
		t.Errorf("admin user list --disabled true: %s", out)
	}
	run("enable", "--username", "acc.cli")
	run("move", "--username", "acc.cli", "--unit", fx.unitY)
	out := run("reset", "--username", "acc.cli")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var tk tokens
	fx.login(t, "acc.cli", lines[len(lines)-1]).expect(t, http.StatusOK).json(t, &tk)
	if tk.User.UnitID != fx.unitY || !tk.User.PasswordChangeRequired {
		t.Errorf("after the command line: %+v", tk.User)
	}
	if _, err := s.admin("", "user", "disable", "--username", "nobody", "--reason", "x"); err == nil {
		t.Error("admin user disable of an unknown account succeeded")
	}
	if p := fx.audited(t, "user_disable"); !slices.ContainsFunc(p, func(r auditRecord) bool {
		return r.SubjectID == off.User.ID && r.ActorID == "cli"
	}) {
		t.Errorf("the command line's disabling is not audited as cli: %+v", p)
	}
}
