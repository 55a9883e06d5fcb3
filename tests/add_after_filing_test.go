package tests

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"phananh/push/fcmtest"
)

// addTicket is what these tests read of a ticket: the fields an addition must not change, the
// media lists and the history with the parts an addition sets.
type addTicket struct {
	ID           string     `json:"id"`
	State        string     `json:"state"`
	Version      int        `json:"version"`
	Media        []string   `json:"media"`
	CreatedAt    string     `json:"created_at"`
	OccurredAt   string     `json:"occurred_at"`
	TriageDueAt  string     `json:"triage_due_at"`
	ResolveDueAt string     `json:"resolve_due_at"`
	DueAt        string     `json:"due_at"`
	History      []addEvent `json:"history"`
}

type addEvent struct {
	Action       string   `json:"action"`
	From         string   `json:"from"`
	To           string   `json:"to"`
	Note         string   `json:"note"`
	Visibility   string   `json:"visibility"`
	NoteInternal bool     `json:"note_internal"`
	Media        []string `json:"media"`
}

// additions are the history's add_comment events.
func (tk addTicket) additions() []addEvent {
	var out []addEvent
	for _, e := range tk.History {
		if e.Action == "add_comment" {
			out = append(out, e)
		}
	}
	return out
}

// readAdd reads a ticket as token, which must see it (a fresh value per read).
func readAdd(t *testing.T, s *server, token, id string) addTicket {
	t.Helper()
	var tk addTicket
	s.request(t, "GET", "/v1/tickets/"+id, token, nil).expect(t, http.StatusOK).json(t, &tk)
	return tk
}

// addCast are the people of TestAddToReportAfterFiling: the reporter, a resident who follows the
// report (the public view), a stranger, and an officer and a leader of the responsible unit.
type addCast struct {
	reporter, follower, stranger, officer, leader tokens
}

// uploads stores n distinct photos of the reporter and returns their ids.
func (c addCast) uploads(t *testing.T, s *server, n int, shade uint8) []string {
	t.Helper()
	var ids []string
	for i := range n {
		ids = append(ids, s.uploadOK(t, c.reporter.AccessToken, jpegBytes(t, redBlue(64, 48, shade+uint8(i)))).ID)
	}
	return ids
}

// TestAddToReportAfterFiling: the reporter adds a comment or photos to their report with
// add_comment until it is closed. The state and the deadlines stay, each addition is one
// version, the unit's officials are pushed (not with the text), and the public view shows a
// public addition's note scrubbed and nothing of an internal one: no event, no photo, no media
// read. Everyone else, bad input, the media limit and finished reports are refused with
// nothing changed.
func TestAddToReportAfterFiling(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 7)
	eachStore(t, func(t *testing.T, st storeKind) {
		fake := fcmtest.New()
		defer fake.Close()
		s := startServer(t, st, pushEnv(fake)...)
		c := addCast{reporter: s.signInResident("0913400001"), follower: s.signInResident("0913400002"),
			stranger: s.signInResident("0913400003")}
		body := wfReport("TTDT", x, "Lấn chiếm vỉa hè trước chợ.", false)
		body["media"] = c.uploads(t, s, 2, 10)
		tk := fileTicket(t, s, c.reporter.AccessToken, body)
		c.officer = s.createOfficial("officer", "officer.add", tk.Unit.ID)
		c.leader = s.createOfficial("leader", "leader.add", tk.Unit.ID)
		registerDevice(t, s, c.officer.AccessToken, "add-off", "android", "vi-VN")
		registerDevice(t, s, c.leader.AccessToken, "add-lead", "android", "en-US")
		registerDevice(t, s, c.follower.AccessToken, "add-fol", "android", "vi-VN")
		step(t, s, c.follower.AccessToken, tk, "follow", nil, "received")

		checkAddRefusals(t, s, c, tk.ID)
		private := c.uploads(t, s, 5, 40)
		checkAddMediaLimit(t, s, c, tk.ID, private)
		checkAddViews(t, s, c, tk.ID, private[:4])
		waitFor(t, "the unit's add_comment pushes", 20*time.Second, func() bool {
			return hasAll(deliveries(fake), []string{"add-off/add_comment", "add-lead/add_comment"})
		})
		time.Sleep(300 * time.Millisecond) // let a stray push to the follower arrive
		for _, r := range fake.Delivered() {
			m := r.Message
			if m.Data["event"] == "add_comment" && (m.Token == "add-fol" || m.Notification == nil ||
				strings.Contains(m.Notification.Body, "canary") || !strings.Contains(m.Notification.Title, tk.Code)) {
				t.Errorf("add_comment push to %s: %+v", m.Token, m.Notification)
			}
		}
		checkAddUntilClosed(t, s, c, x)
	})
}

// checkAddRefusals: strangers, followers, officials, empty, oversized and malformed additions
// and a stale version are refused, and the ticket stays at its version.
func checkAddRefusals(t *testing.T, s *server, c addCast, id string) {
	t.Helper()
	before := readAdd(t, s, c.reporter.AccessToken, id)
	v := before.Version
	cases := []struct {
		name    string
		token   string
		version int
		f       fields
		status  int
		code    string
		field   string
	}{
		{"another resident", c.stranger.AccessToken, v, fields{"note": "x"}, http.StatusNotFound, "not_found", ""},
		{"a follower", c.follower.AccessToken, v, fields{"note": "x"}, http.StatusForbidden, "forbidden", ""},
		{"an officer of the unit", c.officer.AccessToken, v, fields{"note": "x"}, http.StatusForbidden, "forbidden", ""},
		{"nothing added", c.reporter.AccessToken, v, nil, http.StatusBadRequest, "invalid", "note"},
		{"a blank comment", c.reporter.AccessToken, v, fields{"note": " \n\t "}, http.StatusBadRequest, "invalid", "note"},
		{"an oversized comment", c.reporter.AccessToken, v, fields{"note": strings.Repeat("ả", 4001)}, http.StatusBadRequest, "invalid", "note"},
		{"an unknown visibility", c.reporter.AccessToken, v, fields{"note": "x", "visibility": "everyone"}, http.StatusBadRequest, "invalid", "visibility"},
		{"an unknown photo", c.reporter.AccessToken, v, fields{"media": []string{"no-such-media"}}, http.StatusUnprocessableEntity, "unprocessable", "media"},
		{"a photo filed already", c.reporter.AccessToken, v, fields{"media": before.Media[:1]}, http.StatusUnprocessableEntity, "unprocessable", "media"},
		{"a stale version", c.reporter.AccessToken, v - 1, fields{"note": "x"}, http.StatusConflict, "conflict", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			refused(t, act(t, s, tc.token, id, tc.version, "add_comment", tc.f), tc.status, tc.code, tc.field)
		})
	}
	s.request(t, "POST", "/v1/tickets/"+id+"/actions", "", actBody("add_comment", v, fields{"note": "x"})).expect(t, http.StatusUnauthorized)
	if after := readAdd(t, s, c.reporter.AccessToken, id); after.Version != v || len(after.additions()) != 0 || len(after.Media) != 2 {
		t.Errorf("after the refusals: version %d (want %d), additions %v, media %v", after.Version, v, after.additions(), after.Media)
	}
}

// checkAddMediaLimit: the photos filed and added count together against the 6 a report holds.
func checkAddMediaLimit(t *testing.T, s *server, c addCast, id string, five []string) {
	t.Helper()
	before := readAdd(t, s, c.reporter.AccessToken, id)
	refused(t, act(t, s, c.reporter.AccessToken, id, before.Version, "add_comment", fields{"media": five}), http.StatusBadRequest, "invalid", "media")
	if after := readAdd(t, s, c.reporter.AccessToken, id); after.Version != before.Version || len(after.Media) != 2 {
		t.Errorf("over the limit: version %d → %d, media %v", before.Version, after.Version, after.Media)
	}
}

// checkAddViews adds an internal comment with four photos (the report then holds six, so a
// seventh is refused) and a public one, and checks what the reporter, the officials and the
// public read of them.
func checkAddViews(t *testing.T, s *server, c addCast, id string, photos []string) {
	t.Helper()
	before := readAdd(t, s, c.reporter.AccessToken, id)
	const privateNote, publicNote = "canary-private nhà số 7, gọi 0912 345 678", "Nước vẫn ngập, gọi 0912 345 679"
	var first addTicket
	act(t, s, c.reporter.AccessToken, id, before.Version, "add_comment", fields{"note": privateNote, "media": photos}).
		expect(t, http.StatusOK).json(t, &first)
	extra := c.uploads(t, s, 1, 90)
	refused(t, act(t, s, c.reporter.AccessToken, id, first.Version, "add_comment", fields{"media": extra}), http.StatusBadRequest, "invalid", "media")
	mine := step2(t, s, c.reporter.AccessToken, first, fields{"note": publicNote, "visibility": "public"})
	if first.Version != before.Version+1 || first.State != before.State || first.DueAt != before.DueAt ||
		mine.TriageDueAt != before.TriageDueAt || mine.ResolveDueAt != before.ResolveDueAt || mine.State != before.State {
		t.Errorf("additions changed the state or a deadline: before %+v, after %+v", before, mine)
	}
	if len(mine.Media) != 6 || !slices.Equal(mine.Media[2:], photos) {
		t.Errorf("reporter's media %v, want the 2 filed and %v", mine.Media, photos)
	}
	adds := mine.additions()
	if len(adds) != 2 || adds[0].Note != privateNote || !adds[0].NoteInternal || !slices.Equal(adds[0].Media, photos) ||
		adds[1].Note != publicNote || adds[1].NoteInternal || adds[0].From != before.State || adds[0].To != before.State {
		t.Errorf("reporter's additions %+v", adds)
	}
	official := readAdd(t, s, c.officer.AccessToken, id)
	if oa := official.additions(); len(oa) != 2 || oa[0].Note != privateNote || oa[1].Note != publicNote || len(official.Media) != 6 {
		t.Errorf("officer's additions %+v, media %v", oa, official.Media)
	}
	public := readAdd(t, s, c.follower.AccessToken, id)
	pa := public.additions()
	if len(pa) != 1 || pa[0].NoteInternal || len(pa[0].Media) != 0 || strings.Contains(pa[0].Note, "345 679") ||
		!strings.HasPrefix(pa[0].Note, "Nước vẫn ngập") {
		t.Errorf("public additions %+v, want the public one only, scrubbed", pa)
	}
	for _, m := range public.Media {
		if slices.Contains(photos, m) {
			t.Errorf("the public view lists %s, a photo the reporter kept from the public", m)
		}
	}
	s.request(t, "GET", "/v1/media/"+photos[0]+"?size=thumb", c.follower.AccessToken, nil).expect(t, http.StatusNotFound)
	s.request(t, "GET", "/v1/media/"+photos[0]+"?size=thumb", "", nil).expect(t, http.StatusNotFound)
	s.request(t, "GET", "/v1/media/"+photos[0]+"?size=thumb", c.officer.AccessToken, nil).expect(t, http.StatusOK)
	s.request(t, "GET", "/v1/media/"+photos[0]+"?size=thumb", c.reporter.AccessToken, nil).expect(t, http.StatusOK)
	s.request(t, "GET", "/v1/tickets/"+id, c.stranger.AccessToken, nil).expect(t, http.StatusNotFound)
}

// step2 performs an add_comment that must succeed: one version more, the same state.
func step2(t *testing.T, s *server, token string, prev addTicket, f fields) addTicket {
	t.Helper()
	var got addTicket
	act(t, s, token, prev.ID, prev.Version, "add_comment", f).expect(t, http.StatusOK).json(t, &got)
	if got.Version != prev.Version+1 || got.State != prev.State {
		t.Errorf("add_comment: version %d → %d, state %s → %s", prev.Version, got.Version, prev.State, got.State)
	}
	return got
}

// checkAddUntilClosed: a resolved report still takes additions; a closed or withdrawn one
// refuses them, unchanged.
func checkAddUntilClosed(t *testing.T, s *server, c addCast, x wardPoint) {
	t.Helper()
	tk := fileTicket(t, s, c.reporter.AccessToken, wfReport("TTDT", x, "Rác tồn đọng.", false))
	tk = step(t, s, c.officer.AccessToken, tk, "accept", nil, "assigned")
	tk = step(t, s, c.officer.AccessToken, tk, "resolve", fields{"outcome": "fixed", "note": "Đã thu gom."}, "resolved")
	tk = step(t, s, c.reporter.AccessToken, tk, "add_comment", fields{"note": "Vẫn còn một ít."}, "resolved")
	tk = step(t, s, c.reporter.AccessToken, tk, "rate", fields{"rating": 4}, "closed")
	gone := fileTicket(t, s, c.reporter.AccessToken, wfReport("TTDT", x, "Đèn đường hỏng.", false))
	gone = step(t, s, c.reporter.AccessToken, gone, "withdraw", nil, "withdrawn")
	for _, done := range []wfTicket{tk, gone} {
		refused(t, act(t, s, c.reporter.AccessToken, done.ID, done.Version, "add_comment", fields{"note": "Bổ sung."}), http.StatusConflict, "conflict", "")
		if after := getTicket(t, s, c.reporter.AccessToken, done.ID); after.Version != done.Version {
			t.Errorf("%s ticket: version %d → %d after a refused addition", done.State, done.Version, after.Version)
		}
		allowedIn(t, "reporter", done, nil, []string{"add_comment"})
	}
}

// TestIncidentTimeOnFiling: a report may say when the problem happened (occurred_at, RFC 3339).
// It is kept apart from the filing time, which the deadlines still run from; the reporter and
// the officials read it, the public view does not. A time in the future (beyond 5 minutes of
// clock skew), more than 30 days back or malformed is refused and nothing is filed.
func TestIncidentTimeOnFiling(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 9)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		reporter := s.signInResident("0913500001")
		follower := s.signInResident("0913500002")
		plain := fileTicket(t, s, reporter.AccessToken, wfReport("TTDT", x, "Cây đổ chắn đường.", false))
		officer := s.createOfficial("officer", "officer.incident", plain.Unit.ID)
		now := time.Now()
		cases := []struct {
			name       string
			occurredAt string
			field      string // "" when the report must be filed
		}{
			{"ten days back", rfc(now.Add(-10 * 24 * time.Hour)), ""},
			{"a fast phone clock", rfc(now.Add(2 * time.Minute)), ""},
			{"an hour ahead", rfc(now.Add(time.Hour)), "occurred_at"},
			{"31 days back", rfc(now.Add(-31 * 24 * time.Hour)), "occurred_at"},
			{"not a time", "hôm qua", "occurred_at"},
			{"no zone", now.Format("2006-01-02T15:04:05"), "occurred_at"},
			{"an impossible date", "2026-13-01T08:00:00+07:00", "occurred_at"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				body := wfReport("TTDT", x, "Cây đổ chắn đường: "+tc.name, false)
				body["occurred_at"] = tc.occurredAt
				if tc.field != "" {
					refused(t, s.request(t, "POST", "/v1/tickets", reporter.AccessToken, body), http.StatusBadRequest, "invalid", tc.field)
					return
				}
				filed := fileTicket(t, s, reporter.AccessToken, body)
				checkIncidentTime(t, s, incidentReaders{reporter, officer, follower}, filed.ID, tc.occurredAt, plain)
			})
		}
		var list struct{ Tickets []wfTicket }
		s.request(t, "GET", "/v1/tickets?mine=true", reporter.AccessToken, nil).expect(t, http.StatusOK).json(t, &list)
		if len(list.Tickets) != 3 {
			t.Errorf("the reporter has %d reports, want 3: refused ones must not be filed", len(list.Tickets))
		}
		if got := readAdd(t, s, reporter.AccessToken, plain.ID); got.OccurredAt != "" {
			t.Errorf("a report without occurred_at reads back %q", got.OccurredAt)
		}
	})
}

// incidentReaders read a report of TestIncidentTimeOnFiling: its reporter, an officer of its
// unit, and a follower (who reads the public view).
type incidentReaders struct{ reporter, officer, follower tokens }

// checkIncidentTime: the reporter and an officer read occurred_at as sent; it is not the filing
// time; the deadlines are those of a report filed moments before without it; the public view
// (a follower's) leaves it out.
func checkIncidentTime(t *testing.T, s *server, r incidentReaders, id, sent string, plain wfTicket) {
	t.Helper()
	mine := readAdd(t, s, r.reporter.AccessToken, id)
	if !parseTime(t, mine.OccurredAt).Equal(parseTime(t, sent)) || mine.OccurredAt == mine.CreatedAt {
		t.Errorf("reporter reads occurred_at %q (created_at %q), sent %q", mine.OccurredAt, mine.CreatedAt, sent)
	}
	if d := parseTime(t, mine.TriageDueAt).Sub(parseTime(t, plain.TriageDueAt)); d < 0 || d > 10*time.Minute {
		t.Errorf("triage deadline %s, a report filed just before without occurred_at has %s", mine.TriageDueAt, plain.TriageDueAt)
	}
	if d := parseTime(t, mine.ResolveDueAt).Sub(parseTime(t, plain.ResolveDueAt)); d < 0 || d > 10*time.Minute {
		t.Errorf("resolve deadline %s, a report filed just before without occurred_at has %s", mine.ResolveDueAt, plain.ResolveDueAt)
	}
	if got := readAdd(t, s, r.officer.AccessToken, id); got.OccurredAt != mine.OccurredAt {
		t.Errorf("officer reads occurred_at %q, reporter %q", got.OccurredAt, mine.OccurredAt)
	}
	act(t, s, r.follower.AccessToken, id, mine.Version, "follow", nil).expect(t, http.StatusOK)
	if got := readAdd(t, s, r.follower.AccessToken, id); got.OccurredAt != "" || got.ID != id {
		t.Errorf("the public view shows occurred_at %q", got.OccurredAt)
	}
}
