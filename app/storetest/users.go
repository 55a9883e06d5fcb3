package storetest

import (
	"fmt"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

var userTests = []storeTest{
	{"RoundTrip", testUserRoundTrip},
	{"NotFound", testUserNotFound},
	{"Conflicts", testUserConflicts},
	{"EmptyPhoneAndUsernameDoNotConflict", testUserEmptyKeys},
	{"Update", testUserUpdate},
	{"CountByRole", testCountUsers},
	{"ListOfficials", testListOfficials},
}

func resident(id, phone string) *models.User {
	return &models.User{ID: id, Role: models.RoleResident, Phone: phone, DisplayName: "Nguyễn Văn " + id, CreatedAt: at(0)}
}

func official(id, username string, role models.Role, unit string) *models.User {
	return &models.User{
		ID: id, Role: role, Username: username, PasswordHash: "$argon2id$v=19$" + id,
		UnitID: unit, DisplayName: "Trần Thị " + id, Title: "Cán bộ địa chính", CreatedAt: at(time.Minute),
	}
}

func testUserRoundTrip(t *testing.T, s app.Store) {
	users := []*models.User{
		resident("u-res", "+84901234567"),
		{
			ID: "u-off", Role: models.RoleOfficer, Username: "canbo.myhoa", PasswordHash: "$argon2id$hash",
			UnitID: "longxuyen-2023.my_hoa.cong_an", DisplayName: "Lê Minh Tuấn", CreatedAt: at(2 * time.Hour),
			Disabled: true,
		},
		{ID: "u-both", Role: models.RoleAdmin, Phone: "+84907654321", Username: "admin", PasswordHash: "h", CreatedAt: at(-time.Hour),
			PasswordChangeRequired: true},
	}
	for _, u := range users {
		must(t, s.CreateUser(ctx(t), u), "CreateUser "+u.ID)
	}
	for _, want := range users {
		got, err := s.UserByID(ctx(t), want.ID)
		must(t, err, "UserByID "+want.ID)
		wantEqual(t, "UserByID "+want.ID, want, got)
		if want.Phone != "" {
			got, err := s.UserByPhone(ctx(t), want.Phone)
			must(t, err, "UserByPhone "+want.Phone)
			wantEqual(t, "UserByPhone "+want.Phone, want, got)
		}
		if want.Username != "" {
			got, err := s.UserByUsername(ctx(t), want.Username)
			must(t, err, "UserByUsername "+want.Username)
			wantEqual(t, "UserByUsername "+want.Username, want, got)
		}
	}
}

func testUserNotFound(t *testing.T, s app.Store) {
	// Users with an empty phone and an empty username exist: the empty key must still match nobody.
	must(t, s.CreateUser(ctx(t), resident("u-res", "+84901234567")), "CreateUser")
	must(t, s.CreateUser(ctx(t), official("u-off", "canbo", models.RoleOfficer, "unit-1")), "CreateUser")

	_, err := s.UserByID(ctx(t), "missing")
	wantCode(t, err, models.ENotFound, "UserByID missing")
	_, err = s.UserByPhone(ctx(t), "+84900000000")
	wantCode(t, err, models.ENotFound, "UserByPhone missing")
	_, err = s.UserByUsername(ctx(t), "nobody")
	wantCode(t, err, models.ENotFound, "UserByUsername missing")
	_, err = s.UserByPhone(ctx(t), "")
	wantCode(t, err, models.ENotFound, `UserByPhone ""`)
	_, err = s.UserByUsername(ctx(t), "")
	wantCode(t, err, models.ENotFound, `UserByUsername ""`)
	err = s.UpdateUser(ctx(t), official("missing", "missing", models.RoleOfficer, "unit-1"))
	wantCode(t, err, models.ENotFound, "UpdateUser missing")
}

func testUserConflicts(t *testing.T, s app.Store) {
	res := resident("u-res", "+84901234567")
	off := official("u-off", "canbo", models.RoleOfficer, "unit-1")
	must(t, s.CreateUser(ctx(t), res), "CreateUser resident")
	must(t, s.CreateUser(ctx(t), off), "CreateUser official")

	cases := []struct {
		name string
		user *models.User
	}{
		{"same id", &models.User{ID: "u-res", Role: models.RoleResident, Phone: "+84900000001", CreatedAt: at(0)}},
		{"same id as official", &models.User{ID: "u-off", Role: models.RoleOfficer, Username: "other", CreatedAt: at(0)}},
		{"same phone", resident("u-new-1", "+84901234567")},
		{"same username", official("u-new-2", "canbo", models.RoleLeader, "unit-2")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, s.CreateUser(ctx(t), tc.user), models.EConflict, "CreateUser")
			if tc.user.ID != res.ID && tc.user.ID != off.ID {
				_, err := s.UserByID(ctx(t), tc.user.ID)
				wantCode(t, err, models.ENotFound, "UserByID after conflict")
			}
		})
	}
	for _, want := range []*models.User{res, off} {
		got, err := s.UserByID(ctx(t), want.ID)
		must(t, err, "UserByID "+want.ID)
		wantEqual(t, "user after conflicts", want, got)
	}
	n, err := s.CountUsers(ctx(t), models.RoleResident)
	must(t, err, "CountUsers")
	if n != 1 {
		t.Errorf("CountUsers(resident) = %d after conflicts, want 1", n)
	}
}

func testUserEmptyKeys(t *testing.T, s app.Store) {
	// Officials have no phone and residents have no username: many of each must coexist.
	for i := range 4 {
		must(t, s.CreateUser(ctx(t), official(fmt.Sprintf("off-%d", i), fmt.Sprintf("canbo%d", i), models.RoleOfficer, "unit-1")), "CreateUser official")
		must(t, s.CreateUser(ctx(t), resident(fmt.Sprintf("res-%d", i), fmt.Sprintf("+8490100000%d", i))), "CreateUser resident")
	}
	for i := range 4 {
		got, err := s.UserByPhone(ctx(t), fmt.Sprintf("+8490100000%d", i))
		must(t, err, "UserByPhone")
		if got.ID != fmt.Sprintf("res-%d", i) {
			t.Errorf("UserByPhone #%d = %s", i, got.ID)
		}
		got, err = s.UserByUsername(ctx(t), fmt.Sprintf("canbo%d", i))
		must(t, err, "UserByUsername")
		if got.ID != fmt.Sprintf("off-%d", i) {
			t.Errorf("UserByUsername #%d = %s", i, got.ID)
		}
	}
}

func testUserUpdate(t *testing.T, s app.Store) {
	orig := official("u-off", "canbo", models.RoleOfficer, "unit-1")
	must(t, s.CreateUser(ctx(t), orig), "CreateUser")
	other := official("u-other", "khac", models.RoleOfficer, "unit-1")
	must(t, s.CreateUser(ctx(t), other), "CreateUser other")

	// Every mutable field changes; phone, username and creation time are identities and stay.
	upd := *orig
	upd.Role = models.RoleLeader
	upd.UnitID = "unit-2"
	upd.PasswordHash = "$argon2id$new"
	upd.DisplayName = "Phạm Văn Đổi"
	upd.Title = "Phó Trưởng Công an phường"
	upd.Disabled = true
	upd.PasswordChangeRequired = true
	upd.DisabledReason = "left the ward office"
	upd.TokenGeneration = 3
	upd.TOTPSecret, upd.TOTPPending = "sealed-secret", "sealed-pending"
	upd.RecoveryCodes = []string{"hash-1", "hash-2"}
	upd.Phone = "+84909999999"
	upd.Username = "renamed"
	upd.CreatedAt = at(time.Hour)
	must(t, s.UpdateUser(ctx(t), &upd), "UpdateUser")

	want := upd
	want.Phone, want.Username, want.CreatedAt = orig.Phone, orig.Username, orig.CreatedAt
	got, err := s.UserByID(ctx(t), orig.ID)
	must(t, err, "UserByID")
	wantEqual(t, "user after update", &want, got)
	got, err = s.UserByUsername(ctx(t), "canbo")
	must(t, err, "UserByUsername original")
	wantEqual(t, "UserByUsername after update", &want, got)
	_, err = s.UserByUsername(ctx(t), "renamed")
	wantCode(t, err, models.ENotFound, "UserByUsername of an ignored rename")

	// Back to zero values: an account enabled again, with a password of its own.
	want.Disabled, want.PasswordChangeRequired, want.DisabledReason = false, false, ""
	want.TOTPSecret, want.TOTPPending, want.RecoveryCodes = "", "", nil
	must(t, s.UpdateUser(ctx(t), &want), "UpdateUser reset")
	got, err = s.UserByID(ctx(t), orig.ID)
	must(t, err, "UserByID")
	wantEqual(t, "user after reset", &want, got)

	got, err = s.UserByID(ctx(t), other.ID)
	must(t, err, "UserByID other")
	wantEqual(t, "untouched user", other, got)
}

func testCountUsers(t *testing.T, s app.Store) {
	n, err := s.CountUsers(ctx(t), models.RoleAdmin)
	must(t, err, "CountUsers empty")
	if n != 0 {
		t.Fatalf("CountUsers(admin) on an empty store = %d", n)
	}
	for i := range 3 {
		must(t, s.CreateUser(ctx(t), resident(fmt.Sprintf("res-%d", i), fmt.Sprintf("+8490200000%d", i))), "CreateUser")
	}
	must(t, s.CreateUser(ctx(t), official("off-1", "off1", models.RoleOfficer, "unit-1")), "CreateUser")
	must(t, s.CreateUser(ctx(t), official("off-2", "off2", models.RoleOfficer, "unit-1")), "CreateUser")
	must(t, s.CreateUser(ctx(t), official("lead-1", "lead1", models.RoleLeader, "unit-1")), "CreateUser")
	for role, want := range map[models.Role]int{
		models.RoleResident: 3, models.RoleOfficer: 2, models.RoleLeader: 1,
		models.RoleAdmin: 0, models.RoleIOCOperator: 0,
	} {
		n, err := s.CountUsers(ctx(t), role)
		must(t, err, "CountUsers")
		if n != want {
			t.Errorf("CountUsers(%s) = %d, want %d", role, n, want)
		}
	}
	// A role change moves the user between counts.
	u, err := s.UserByID(ctx(t), "off-2")
	must(t, err, "UserByID")
	u.Role = models.RoleAdmin
	must(t, s.UpdateUser(ctx(t), u), "UpdateUser")
	for role, want := range map[models.Role]int{models.RoleOfficer: 1, models.RoleAdmin: 1} {
		n, err := s.CountUsers(ctx(t), role)
		must(t, err, "CountUsers")
		if n != want {
			t.Errorf("CountUsers(%s) after role change = %d, want %d", role, n, want)
		}
	}
}

// testListOfficials: officials only, by username, filtered by substring (username or display
// name, any case), role, unit and disabled, paged after a username.
func testListOfficials(t *testing.T, s app.Store) {
	must(t, s.CreateUser(ctx(t), resident("res-1", "+84902000001")), "CreateUser resident")
	users := []*models.User{
		official("o-b", "bao.tran", models.RoleOfficer, "unit-1"),
		official("o-a", "an.le", models.RoleOfficer, "unit-2"),
		official("o-c", "chi.pham", models.RoleLeader, "unit-1"),
		official("o-d", "dung", models.RoleAdmin, ""),
	}
	users[0].DisplayName = "Trần Bảo"
	users[2].Disabled, users[2].DisabledReason = true, "moved away"
	for _, u := range users {
		must(t, s.CreateUser(ctx(t), u), "CreateUser "+u.ID)
	}
	yes, no := true, false
	for _, tc := range []struct {
		name string
		q    models.UserQuery
		want []string
	}{
		{"all", models.UserQuery{Limit: 10}, []string{"o-a", "o-b", "o-c", "o-d"}},
		{"page", models.UserQuery{Limit: 2, After: "bao.tran"}, []string{"o-c", "o-d"}},
		{"limit", models.UserQuery{Limit: 1}, []string{"o-a"}},
		{"username substring any case", models.UserQuery{Q: "PHAM", Limit: 10}, []string{"o-c"}},
		{"display name substring", models.UserQuery{Q: "Bảo", Limit: 10}, []string{"o-b"}},
		{"regexp characters are literal", models.UserQuery{Q: ".*", Limit: 10}, []string{}},
		{"role", models.UserQuery{Role: models.RoleOfficer, Limit: 10}, []string{"o-a", "o-b"}},
		{"unit", models.UserQuery{UnitID: "unit-1", Limit: 10}, []string{"o-b", "o-c"}},
		{"disabled", models.UserQuery{Disabled: &yes, Limit: 10}, []string{"o-c"}},
		{"enabled", models.UserQuery{Disabled: &no, Role: models.RoleOfficer, Limit: 10}, []string{"o-a", "o-b"}},
		{"residents never", models.UserQuery{Role: models.RoleResident, Limit: 10}, []string{}},
	} {
		got, err := s.ListOfficials(ctx(t), tc.q)
		must(t, err, "ListOfficials "+tc.name)
		ids := []string{}
		for _, u := range got {
			ids = append(ids, u.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint(tc.want) {
			t.Errorf("ListOfficials %s = %v, want %v", tc.name, ids, tc.want)
		}
	}
	got, err := s.ListOfficials(ctx(t), models.UserQuery{Q: "chi", Limit: 10})
	must(t, err, "ListOfficials one")
	if len(got) != 1 {
		t.Fatalf("ListOfficials chi = %d users", len(got))
	}
	wantEqual(t, "listed user", users[2], &got[0])
}
