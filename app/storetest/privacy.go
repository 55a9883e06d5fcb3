package storetest

import (
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
)

var privacyTests = []storeTest{
	{"ConsentsHistory", testConsentsHistory},
	{"SetUserPhone", testSetUserPhone},
	{"FindTicketsByFollower", testFindTicketsByFollower},
}

// testConsentsHistory: records are kept in time order per user, never merged; a taken id is a
// conflict that adds nothing.
func testConsentsHistory(t *testing.T, s app.Store) {
	records := []models.Consent{
		{ID: "c2", UserID: "u1", Purpose: models.PurposeContact, Version: 1, Granted: false, At: at(2 * time.Minute), Detail: "allow_contact cleared on 2 open tickets"},
		{ID: "c1", UserID: "u1", Purpose: models.PurposeAccount, Version: 1, Granted: true, At: at(time.Minute)},
		{ID: "c3", UserID: "u1", Purpose: models.PurposeAccount, Version: 2, Granted: true, At: at(3 * time.Minute)},
		{ID: "c9", UserID: "u2", Purpose: models.PurposeAccount, Version: 1, Granted: true, At: at(0)},
	}
	for i := range records {
		must(t, s.AddConsent(ctx(t), &records[i]), "AddConsent "+records[i].ID)
	}
	dup := records[0]
	dup.UserID = "u2"
	wantCode(t, s.AddConsent(ctx(t), &dup), models.EConflict, "AddConsent with a taken id")
	got, err := s.ConsentsOf(ctx(t), "u1")
	must(t, err, "ConsentsOf")
	wantEqual(t, "ConsentsOf u1", []models.Consent{records[1], records[0], records[2]}, got)
	none, err := s.ConsentsOf(ctx(t), "nobody")
	must(t, err, "ConsentsOf nobody")
	if len(none) != 0 {
		t.Errorf("ConsentsOf nobody = %+v", none)
	}
	wantEqual(t, "ConsentsOf u2", []models.Consent{records[3]}, mustConsents(t, s, "u2"))
}

func mustConsents(t *testing.T, s app.Store, user string) []models.Consent {
	t.Helper()
	got, err := s.ConsentsOf(ctx(t), user)
	must(t, err, "ConsentsOf "+user)
	return got
}

// testSetUserPhone: the account moves to a free number and keeps everything else; a number
// another account holds is a conflict on the field phone and changes nothing.
func testSetUserPhone(t *testing.T, s app.Store) {
	a, b := resident("ua", "+84901000001"), resident("ub", "+84901000002")
	must(t, s.CreateUser(ctx(t), a), "CreateUser a")
	must(t, s.CreateUser(ctx(t), b), "CreateUser b")
	must(t, s.SetUserPhone(ctx(t), "ua", "+84901000009"), "SetUserPhone")
	got, err := s.UserByPhone(ctx(t), "+84901000009")
	must(t, err, "UserByPhone new")
	want := *a
	want.Phone = "+84901000009"
	wantEqual(t, "moved account", &want, got)
	_, err = s.UserByPhone(ctx(t), "+84901000001")
	wantCode(t, err, models.ENotFound, "UserByPhone old")
	wantCode(t, s.SetUserPhone(ctx(t), "nobody", "+84901000008"), models.ENotFound, "SetUserPhone unknown")
	err = s.SetUserPhone(ctx(t), "ub", "+84901000009")
	wantCode(t, err, models.EConflict, "SetUserPhone to a taken number")
	if models.ErrorField(err) != "phone" {
		t.Errorf("SetUserPhone to a taken number: field %q, want phone", models.ErrorField(err))
	}
	got, err = s.UserByID(ctx(t), "ub")
	must(t, err, "UserByID b")
	wantEqual(t, "the refused account", b, got)
}

// testFindTicketsByFollower: the follower filter matches an element of Followers, combined
// with paging like the other filters.
func testFindTicketsByFollower(t *testing.T, s app.Store) {
	var want []string
	for i, followers := range [][]string{{"f1"}, {"f2"}, {"f2", "f1"}, nil, {"f10"}} {
		tk := minimalTicket(string(rune('a'+i))+"-follow", "r1", "u1", at(time.Duration(i)*time.Minute))
		tk.Followers = followers
		must(t, s.CreateTicket(ctx(t), tk), "CreateTicket "+tk.ID)
		for _, f := range followers {
			if f == "f1" {
				want = append([]string{tk.ID}, want...)
			}
		}
	}
	got, err := s.FindTickets(ctx(t), models.TicketFilter{Follower: "f1"})
	must(t, err, "FindTickets follower")
	wantEqual(t, "FindTickets follower f1", want, ids(got))
	page, err := s.FindTickets(ctx(t), models.TicketFilter{Follower: "f1", Limit: 1})
	must(t, err, "FindTickets follower page")
	next, err := s.FindTickets(ctx(t), models.TicketFilter{Follower: "f1", Limit: 1, After: cursorOf(page[0])})
	must(t, err, "FindTickets follower next page")
	wantEqual(t, "FindTickets follower pages", want, append(ids(page), ids(next)...))
}
