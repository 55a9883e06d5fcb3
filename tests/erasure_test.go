package tests

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Erasure, legal holds and retention (app/erasure.go, app/retention.go).

// erasureView is what these tests read of a ticket beyond wfTicket: the erased flag of the
// reporter, the legal hold, the description and each event's actor.
type erasureView struct {
	Description string `json:"description"`
	Reporter    *struct {
		Phone  string `json:"phone"`
		Erased bool   `json:"erased"`
	} `json:"reporter"`
	LegalHold *struct {
		Reason string `json:"reason"`
	} `json:"legal_hold"`
	FollowersCount int `json:"followers_count"`
	History        []struct {
		Action string `json:"action"`
		Actor  string `json:"actor"`
		Reason string `json:"reason"`
		Note   string `json:"note"`
	} `json:"history"`
}

// erasedView reads a ticket as token sees it.
func erasedView(t *testing.T, s *server, token, id string) erasureView {
	t.Helper()
	var v erasureView
	s.request(t, "GET", "/v1/tickets/"+id, token, nil).expect(t, http.StatusOK).json(t, &v)
	return v
}

// erasureAnswer is the body of DELETE /v1/me.
type erasureAnswer struct {
	Erased       []string `json:"erased"`
	Deidentified []string `json:"deidentified_tickets"`
	Unfollowed   int      `json:"unfollowed_tickets"`
	LegalHold    []struct {
		ID   string `json:"id"`
		Code string `json:"code"`
	} `json:"legal_hold"`
	Message string `json:"message"`
}

// eraseAccount asks a fresh code for phone (national form) and erases the account with it.
func eraseAccount(t *testing.T, s *server, token, phone string) erasureAnswer {
	t.Helper()
	s.request(t, "POST", "/v1/auth/otp", "", map[string]string{"phone": phone}).expect(t, http.StatusAccepted)
	code := s.sms.code("+84" + strings.TrimPrefix(phone, "0"))
	var a erasureAnswer
	s.request(t, "DELETE", "/v1/me", token, map[string]string{"code": code}).expect(t, http.StatusOK).json(t, &a)
	return a
}

// phoneDigitsStored reports where the digits appear in the store: the SQLite database file and
// its write-ahead log, or every document of every MongoDB collection.
func phoneDigitsStored(t *testing.T, s *server, st storeKind, digits string) []string {
	t.Helper()
	var where []string
	if st.mongo == nil {
		for _, name := range []string{"phananh.db", "phananh.db-wal"} {
			b, err := os.ReadFile(filepath.Join(s.dataDir, name))
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if bytes.Contains(b, []byte(digits)) {
				where = append(where, name)
			}
		}
		return where
	}
	ctx := context.Background()
	client, err := mongo.Connect(options.Client().ApplyURI(envValue(s.env, "MONGODB_URI")))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(ctx)
	db := client.Database(envValue(s.env, "MONGODB_DATABASE"))
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		cur, err := db.Collection(name).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		for cur.Next(ctx) {
			if bytes.Contains(cur.Current, []byte(digits)) {
				where = append(where, name)
				break
			}
		}
		cur.Close(ctx)
	}
	return where
}

// TestErasure erases a resident who filed two reports, follows another's and has a device and
// a subscription: the phone is nowhere in the store afterwards, the reports stay with a
// tombstone, statistics do not move, and the phone signs up again as a stranger to them.
// Bad requests change nothing.
func TestErasure(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st storeKind) {
		t.Parallel()
		f := newErasureFixture(t, st)
		s := f.s
		before, _ := summaryFigures(t, s, f.ioc)
		f.checkRefusals(t)

		got := eraseAccount(t, s, f.a.AccessToken, erasePhone)
		if !slices.Equal(sorted(got.Deidentified), sorted([]string{f.t1.Code, f.t2.Code})) || got.Unfollowed != 1 || len(got.LegalHold) != 0 {
			t.Errorf("erasure answer %+v", got)
		}
		for _, kind := range []string{"phone", "name", "devices", "subscriptions", "pending_pushes", "follows", "sign_in_codes", "refresh_tokens"} {
			if !slices.Contains(got.Erased, kind) {
				t.Errorf("the answer does not say %s were erased: %v", kind, got.Erased)
			}
		}
		s.request(t, "GET", "/v1/me", f.a.AccessToken, nil).expect(t, http.StatusUnauthorized)
		s.request(t, "POST", "/v1/auth/refresh", "", map[string]string{"refresh_token": f.a.RefreshToken}).expect(t, http.StatusUnauthorized)
		if where := phoneDigitsStored(t, s, st, eraseDigits); len(where) > 0 {
			t.Errorf("the erased phone's digits are still in %v", where)
		}
		after, _ := summaryFigures(t, s, f.ioc)
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("statistics changed by the erasure (-before +after):\n%s", diff)
		}
		f.checkTombstones(t)

		// The same phone signs up again: a new account, a stranger to the old reports.
		again := s.signInResident(erasePhone)
		if again.User.ID == f.a.User.ID {
			t.Fatalf("the erased account came back (%s)", again.User.ID)
		}
		var mine ticketListBody
		s.request(t, "GET", "/v1/tickets?mine=true", again.AccessToken, nil).expect(t, http.StatusOK).json(t, &mine)
		if len(mine.Tickets) != 0 {
			t.Errorf("the new account lists %d old reports", len(mine.Tickets))
		}
		s.request(t, "GET", "/v1/tickets/"+f.t1.ID, again.AccessToken, nil).expect(t, http.StatusNotFound)
	})
}

// The phone TestErasure erases, and the digits that must not survive it.
const erasePhone, eraseDigits = "0912345671", "912345671"

// erasureFixture is resident a, who filed t1 (open, with a photo, contact allowed) and t2
// (withdrawn, with a photo), follows b's tb and has a device and a subscription.
type erasureFixture struct {
	s                     *server
	a                     tokens
	ioc, officer          string
	t1, t2, tb            wfTicket
	photoOpen, photoClose string
}

func newErasureFixture(t *testing.T, st storeKind) *erasureFixture {
	t.Helper()
	x := ward(loadSet(t, "longxuyen-2023"), 3)
	s := startServer(t, st)
	f := &erasureFixture{s: s, a: s.signInResident(erasePhone)}
	b := s.signInResident("0912345672")
	f.ioc = s.createOfficial("ioc_operator", "erase.ioc", "").AccessToken
	f.officer = s.createOfficial("officer", "erase.officer", unitOf(x.code, "ubnd")).AccessToken
	registerDevice(t, s, f.a.AccessToken, "device-of-a", "android", "vi")
	s.request(t, "POST", "/v1/subscriptions", f.a.AccessToken, map[string]string{"area_code": x.code}).expect(t, http.StatusCreated)
	f.photoOpen = s.uploadOK(t, f.a.AccessToken, jpegBytes(t, redBlue(64, 48, 10))).ID
	f.photoClose = s.uploadOK(t, f.a.AccessToken, jpegBytes(t, redBlue(64, 48, 200))).ID
	r1 := wfReport("TTDT", x, "Lấn chiếm vỉa hè, gọi tôi 0912345671 hoặc +84912345671", true)
	r1["media"] = []string{f.photoOpen}
	f.t1 = fileTicket(t, s, f.a.AccessToken, r1)
	r2 := wfReport("MT", x, "Rác thải, số tôi là0912345671", false)
	r2["media"] = []string{f.photoClose}
	f.t2 = fileTicket(t, s, f.a.AccessToken, r2)
	step(t, s, f.a.AccessToken, f.t2, "withdraw", fields{"note": "nhầm, gọi 0912345671"}, "withdrawn")
	f.tb = fileTicket(t, s, b.AccessToken, wfReport("TTDT", x, "Lấn chiếm lòng đường", false))
	step(t, s, f.a.AccessToken, f.tb, "follow", nil, f.tb.State)
	return f
}

// checkRefusals sends bad erasure requests: each is refused and nothing changes.
func (f *erasureFixture) checkRefusals(t *testing.T) {
	t.Helper()
	s, tok := f.s, f.a.AccessToken
	refused(t, s.request(t, "DELETE", "/v1/me", tok, map[string]string{}), http.StatusBadRequest, "invalid", "code")
	refused(t, s.request(t, "DELETE", "/v1/me", tok, map[string]any{"code": "123456", "everything": true}), http.StatusBadRequest, "invalid", "")
	s.request(t, "POST", "/v1/auth/otp", "", map[string]string{"phone": erasePhone}).expect(t, http.StatusAccepted)
	wrong := "000000"
	if s.sms.code("+84"+eraseDigits) == wrong {
		wrong = "000001"
	}
	refused(t, s.request(t, "DELETE", "/v1/me", tok, map[string]string{"code": wrong}), http.StatusUnauthorized, "unauthorized", "")
	refused(t, s.request(t, "DELETE", "/v1/me", f.officer, map[string]string{"code": "123456"}), http.StatusForbidden, "forbidden", "")
	s.request(t, "GET", "/v1/me", tok, nil).expect(t, http.StatusOK)
	if v := erasedView(t, s, f.ioc, f.t1.ID); v.Reporter == nil || v.Reporter.Erased || v.Reporter.Phone != "+84"+eraseDigits {
		t.Fatalf("before the erasure the IOC sees the reporter as %+v", v.Reporter)
	}
	s.request(t, "GET", "/v1/media/"+f.photoClose, f.ioc, nil).expect(t, http.StatusOK)
}

// checkTombstones checks the tickets after the erasure: tombstones, no phone, one erase
// event each, the states kept, the closed report's photo gone and the follow undone.
func (f *erasureFixture) checkTombstones(t *testing.T) {
	t.Helper()
	s := f.s
	for _, tok := range []string{f.ioc, f.officer} {
		v := erasedView(t, s, tok, f.t1.ID)
		if v.Reporter == nil || !v.Reporter.Erased || v.Reporter.Phone != "" || strings.Contains(v.Description, eraseDigits) {
			t.Errorf("after the erasure an official sees reporter %+v, description %q", v.Reporter, v.Description)
		}
		if n := countActions(v, "erase"); n != 1 {
			t.Errorf("ticket history has %d erase events, want 1", n)
		}
	}
	if v := erasedView(t, s, f.officer, f.t2.ID); v.Reporter == nil || !v.Reporter.Erased {
		t.Errorf("the unit is not told the reporter of a report without contact erased their data: %+v", v.Reporter)
	}
	for _, e := range erasedView(t, s, f.ioc, f.t2.ID).History {
		if strings.Contains(e.Reason, eraseDigits) || strings.Contains(e.Note, eraseDigits) {
			t.Errorf("history still holds the phone: %+v", e)
		}
	}
	if got := getTicket(t, s, f.ioc, f.t2.ID); got.State != "withdrawn" {
		t.Errorf("the withdrawn ticket is %s now", got.State)
	}
	// Media stay where the case needs them: the open report's photo, not the withdrawn one's.
	s.request(t, "GET", "/v1/media/"+f.photoOpen, f.ioc, nil).expect(t, http.StatusOK)
	s.request(t, "GET", "/v1/media/"+f.photoClose, f.ioc, nil).expect(t, http.StatusNotFound)
	if v := erasedView(t, s, f.ioc, f.tb.ID); v.FollowersCount != 0 {
		t.Errorf("the erased account still follows B's ticket (%d followers)", v.FollowersCount)
	}
}

// ticketListBody is a page of GET /v1/tickets?mine=true.
type ticketListBody struct {
	Tickets []wfTicket `json:"tickets"`
}

// sorted returns a sorted copy.
func sorted(ss []string) []string { return slices.Sorted(slices.Values(ss)) }

// countActions counts the events of action in a ticket's history.
func countActions(v erasureView, action string) int {
	n := 0
	for _, e := range v.History {
		if e.Action == action {
			n++
		}
	}
	return n
}

// TestLegalHold holds one of a resident's two reports: their erasure de-identifies the other
// only, the IOC still reveals the held report's reporter, a new account of the same phone does
// not see it, and the release de-identifies it. Only IOC operators and administrators hold, and
// only with a reason.
func TestLegalHold(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st storeKind) {
		t.Parallel()
		set := loadSet(t, "longxuyen-2023")
		x := ward(set, 4)
		s := startServer(t, st)
		const phone, digits = "0912345681", "912345681"
		a := s.signInResident(phone)
		ioc := s.createOfficial("ioc_operator", "hold.ioc", "")
		viewer := s.createOfficial("ioc_viewer", "hold.viewer", "")
		officer := s.createOfficial("officer", "hold.officer", unitOf(x.code, "ubnd"))
		admin := s.createOfficial("admin", "hold.admin", "")
		held := fileTicket(t, s, a.AccessToken, wfReport("TTDT", x, "Buôn bán trái phép, liên hệ 0912345681", false))
		free := fileTicket(t, s, a.AccessToken, wfReport("MT", x, "Rác thải", false))
		path := "/v1/tickets/" + held.ID + "/legal-hold"

		checkHoldRefusals(t, s, path, ioc.AccessToken, map[string]string{"officer": officer.AccessToken, "ioc viewer": viewer.AccessToken, "resident": a.AccessToken})
		refused(t, s.request(t, "DELETE", path, ioc.AccessToken, map[string]string{"reason": "x"}), http.StatusConflict, "conflict", "")
		if v := erasedView(t, s, ioc.AccessToken, held.ID); v.LegalHold != nil {
			t.Fatalf("a refused hold was placed: %+v", v.LegalHold)
		}

		s.request(t, "POST", path, ioc.AccessToken, map[string]string{"reason": "Công an điều tra vụ việc"}).expect(t, http.StatusOK)
		refused(t, s.request(t, "POST", path, admin.AccessToken, map[string]string{"reason": "again"}), http.StatusConflict, "conflict", "")
		if v := erasedView(t, s, officer.AccessToken, held.ID); v.LegalHold == nil || v.LegalHold.Reason != "Công an điều tra vụ việc" {
			t.Errorf("the unit does not see the hold: %+v", v.LegalHold)
		}
		if v := erasedView(t, s, a.AccessToken, held.ID); v.LegalHold != nil {
			t.Errorf("the reporter's view shows the hold")
		}

		got := eraseAccount(t, s, a.AccessToken, phone)
		if len(got.LegalHold) != 1 || got.LegalHold[0].ID != held.ID || !slices.Equal(got.Deidentified, []string{free.Code}) {
			t.Errorf("erasure answer %+v, want %s held and %s de-identified", got, held.Code, free.Code)
		}
		if v := erasedView(t, s, ioc.AccessToken, free.ID); v.Reporter == nil || !v.Reporter.Erased {
			t.Errorf("the report without a hold keeps its reporter: %+v", v.Reporter)
		}
		if v := erasedView(t, s, ioc.AccessToken, held.ID); v.Reporter == nil || v.Reporter.Phone != "+84"+digits || !strings.Contains(v.Description, digits) {
			t.Errorf("the held report lost its identity: %+v %q", v.Reporter, v.Description)
		}
		again := s.signInResident(phone)
		s.request(t, "GET", "/v1/tickets/"+held.ID, again.AccessToken, nil).expect(t, http.StatusNotFound)
		eraseAccount(t, s, again.AccessToken, phone) // the new account goes too: only the hold keeps the phone

		refused(t, s.request(t, "DELETE", path, ioc.AccessToken, map[string]string{}), http.StatusBadRequest, "invalid", "reason")
		var rel struct {
			Deidentified bool `json:"deidentified"`
		}
		s.request(t, "DELETE", path, admin.AccessToken, map[string]string{"reason": "Kết thúc điều tra"}).expect(t, http.StatusOK).json(t, &rel)
		v := erasedView(t, s, ioc.AccessToken, held.ID)
		if !rel.Deidentified || v.Reporter == nil || !v.Reporter.Erased || v.Reporter.Phone != "" || v.LegalHold != nil {
			t.Errorf("after the release: %v, reporter %+v, hold %+v", rel.Deidentified, v.Reporter, v.LegalHold)
		}
		if where := phoneDigitsStored(t, s, st, digits); len(where) > 0 {
			t.Errorf("after the release the phone's digits are still in %v", where)
		}
		var audit struct {
			Records []struct{ Action, Detail string } `json:"records"`
		}
		s.request(t, "GET", "/v1/admin/audit?ticket="+held.ID, admin.AccessToken, nil).expect(t, http.StatusOK).json(t, &audit)
		var actions []string
		for _, r := range audit.Records {
			actions = append(actions, r.Action)
		}
		if !slices.Contains(actions, "legal_hold") || !slices.Contains(actions, "legal_hold_release") {
			t.Errorf("audit of the held ticket: %v", actions)
		}
		if out, err := s.admin("", "audit", "verify"); err != nil {
			t.Errorf("audit verify: %v %s", err, out)
		}
	})
}

// checkHoldRefusals places holds that must be refused: without a reason, with an unknown field,
// by callers who may not (others), on an unknown ticket.
func checkHoldRefusals(t *testing.T, s *server, path, ioc string, others map[string]string) {
	t.Helper()
	cases := []struct {
		name, token, path string
		body              any
		status            int
		code, field       string
	}{
		{"no reason", ioc, path, map[string]string{}, 400, "invalid", "reason"},
		{"blank reason", ioc, path, map[string]string{"reason": "  "}, 400, "invalid", "reason"},
		{"unknown field", ioc, path, map[string]any{"reason": "x", "until": "2030"}, 400, "invalid", ""},
		{"unknown ticket", ioc, "/v1/tickets/00000000000000000000000000000000/legal-hold", map[string]string{"reason": "x"}, 404, "not_found", ""},
	}
	for name, tok := range others {
		cases = append(cases, struct {
			name, token, path string
			body              any
			status            int
			code, field       string
		}{name, tok, path, map[string]string{"reason": "x"}, 403, "forbidden", ""})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			refused(t, s.request(t, "POST", c.path, c.token, c.body), c.status, c.code, c.field)
		})
	}
}

// countErasures counts the erase events of a ticket's history with reason.
func countErasures(v erasureView, reason string) int {
	n := 0
	for _, e := range v.History {
		if e.Action == "erase" && e.Reason == reason {
			n++
		}
	}
	return n
}

// checkMediaRetention runs retention as of 13 months later: RETENTION_MEDIA (12) has passed,
// RETENTION_IDENTITY (24) has not. The withdrawn report loses its photo and keeps its reporter;
// the open report keeps its photo.
func checkMediaRetention(t *testing.T, s *server, ioc, closedID, photoClosed, photoOpen string) {
	t.Helper()
	s.request(t, "GET", "/v1/media/"+photoClosed, ioc, nil).expect(t, http.StatusOK)
	later := time.Now().AddDate(0, 13, 0).UTC().Format(time.RFC3339)
	if out, err := s.admin("", "retention", "run", "--now", later); err != nil || !strings.Contains(out, "media deleted from 1 tickets") {
		t.Errorf("retention of media: %v %q", err, out)
	}
	s.request(t, "GET", "/v1/media/"+photoClosed, ioc, nil).expect(t, http.StatusNotFound)
	s.request(t, "GET", "/v1/media/"+photoOpen, ioc, nil).expect(t, http.StatusOK)
	if v := erasedView(t, s, ioc, closedID); v.Reporter == nil || v.Reporter.Erased || countErasures(v, "retention_media") != 1 {
		t.Errorf("after media retention the withdrawn report has reporter %+v and %d media erasures", v.Reporter, countErasures(v, "retention_media"))
	}
}

// checkAuditRetention runs retention as of five years and a month later: every audit record but
// the newest is past RETENTION_AUDIT. They go, and the chain verifies from the anchor and keeps
// growing.
func checkAuditRetention(t *testing.T, s *server, ioc, heldID string) {
	t.Helper()
	muchLater := time.Now().AddDate(0, 61, 0).UTC().Format(time.RFC3339)
	if out, err := s.admin("", "retention", "run", "--now", muchLater); err != nil || strings.Contains(out, " 0 audit records removed") {
		t.Errorf("retention of the audit log: %v %q", err, out)
	}
	s.request(t, "DELETE", "/v1/tickets/"+heldID+"/legal-hold", ioc, map[string]string{"reason": "xong"}).expect(t, http.StatusOK)
	out, err := s.admin("", "audit", "verify")
	if err != nil || !strings.Contains(out, "hash chain OK") || !strings.Contains(out, "older ones removed by retention") {
		t.Errorf("audit verify after pruning: %v %q", err, out)
	}
}

// TestRetention runs the retention worker as of 25 months later in two processes at once: the
// withdrawn report is de-identified exactly once, the open one and the held one are not, and
// statistics stay the same.
func TestRetention(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st storeKind) {
		t.Parallel()
		set := loadSet(t, "longxuyen-2023")
		x := ward(set, 5)
		s := startServer(t, st)
		a := s.signInResident("0912345691")
		ioc := s.createOfficial("ioc_operator", "ret.ioc", "")
		photoClosed := s.uploadOK(t, a.AccessToken, jpegBytes(t, redBlue(64, 48, 30))).ID
		photoOpen := s.uploadOK(t, a.AccessToken, jpegBytes(t, redBlue(64, 48, 90))).ID
		rc := wfReport("TTDT", x, "Lấn chiếm vỉa hè, gọi 0912345691", false)
		rc["media"] = []string{photoClosed}
		closed := fileTicket(t, s, a.AccessToken, rc)
		closed = step(t, s, a.AccessToken, closed, "withdraw", nil, "withdrawn")
		ro := wfReport("MT", x, "Rác thải", false)
		ro["media"] = []string{photoOpen}
		open := fileTicket(t, s, a.AccessToken, ro)
		held := fileTicket(t, s, a.AccessToken, wfReport("MT", x, "Rác thải lần hai", false))
		step(t, s, a.AccessToken, held, "withdraw", nil, "withdrawn")
		s.request(t, "POST", "/v1/tickets/"+held.ID+"/legal-hold", ioc.AccessToken, map[string]string{"reason": "điều tra"}).expect(t, http.StatusOK)
		before, _ := summaryFigures(t, s, ioc.AccessToken)

		checkMediaRetention(t, s, ioc.AccessToken, closed.ID, photoClosed, photoOpen)

		later := time.Now().AddDate(0, 25, 0).UTC().Format(time.RFC3339)
		var wg sync.WaitGroup
		outs := make([]string, 2)
		errs := make([]error, 2)
		for i := range outs {
			wg.Go(func() { outs[i], errs[i] = s.admin("", "retention", "run", "--now", later) })
		}
		wg.Wait()
		for i := range outs {
			if errs[i] != nil {
				t.Fatalf("retention run %d: %v %s", i, errs[i], outs[i])
			}
		}
		if out, err := s.admin("", "retention", "run", "--now", later); err != nil || !strings.Contains(out, "0 tickets de-identified") {
			t.Errorf("a third run: %v %q", err, out)
		}
		v := erasedView(t, s, ioc.AccessToken, closed.ID)
		if v.Reporter == nil || !v.Reporter.Erased || countErasures(v, "retention_identity") != 1 || strings.Contains(v.Description, "912345691") {
			t.Errorf("the closed report after retention: reporter %+v, %d de-identifications, %q (runs: %q)", v.Reporter, countErasures(v, "retention_identity"), v.Description, outs)
		}
		for _, id := range []string{open.ID, held.ID} {
			if v := erasedView(t, s, ioc.AccessToken, id); v.Reporter == nil || v.Reporter.Erased || countActions(v, "erase") != 0 {
				t.Errorf("retention touched %s: %+v", id, v.Reporter)
			}
		}
		after, _ := summaryFigures(t, s, ioc.AccessToken)
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("statistics changed by retention (-before +after):\n%s", diff)
		}
		var mine ticketListBody
		s.request(t, "GET", "/v1/tickets?mine=true", a.AccessToken, nil).expect(t, http.StatusOK).json(t, &mine)
		var ids []string
		for _, tk := range mine.Tickets {
			ids = append(ids, tk.ID)
		}
		if slices.Contains(ids, closed.ID) || !slices.Contains(ids, open.ID) {
			t.Errorf("the resident's reports after retention: %v", ids)
		}
		if out, err := s.admin("", "retention", "run", "--now", "yesterday"); err == nil {
			t.Errorf("a bad --now was accepted: %s", out)
		}
		if out, err := s.admin("", "audit", "verify"); err != nil {
			t.Errorf("audit verify: %v %s", err, out)
		}

		checkAuditRetention(t, s, ioc.AccessToken, held.ID)
	})
}
