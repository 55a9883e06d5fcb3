package tests

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"phananh/geo"
)

// wfEvent is one history event as the API shows it.
type wfEvent struct {
	At         string `json:"at"`
	Action     string `json:"action"`
	From       string `json:"from"`
	To         string `json:"to"`
	ActorRole  string `json:"actor_role"`
	Note       string `json:"note"`
	Visibility string `json:"visibility"`
}

// wfTicket is the ticket shape of the workflow API (the intake shape plus workflow fields).
type wfTicket struct {
	ID              string `json:"id"`
	Code            string `json:"code"`
	State           string `json:"state"`
	Version         int    `json:"version"`
	Category        string `json:"category"`
	Area            struct{ Code, Name string }
	Unit            struct{ ID, Name, Kind string }
	CreatedAt       string    `json:"created_at"`
	TriageDueAt     string    `json:"triage_due_at"`
	ResolveDueAt    string    `json:"resolve_due_at"`
	DueAt           string    `json:"due_at"`
	Overdue         bool      `json:"overdue"`
	Outcome         string    `json:"outcome"`
	ResultNote      string    `json:"result_note"`
	Rating          int       `json:"rating"`
	RejectReason    string    `json:"reject_reason"`
	DuplicateOf     string    `json:"duplicate_of"`
	OnTimeClass     string    `json:"on_time_class"`
	ReopenCount     int       `json:"reopen_count"`
	FollowersCount  int       `json:"followers_count"`
	PolicyVersion   int       `json:"policy_version"`
	Channel         string    `json:"channel"`
	AllowedActions  []string  `json:"allowed_actions"`
	AssignedTo      string    `json:"assigned_to"`
	EscalationLevel int       `json:"escalation_level"`
	DistanceM       *float64  `json:"distance_m"`
	History         []wfEvent `json:"history"`
	Extension       *struct {
		DueAt  string `json:"due_at"`
		Reason string `json:"reason"`
	} `json:"extension"`
	Reporter *struct {
		Pseudonym string `json:"pseudonym"`
		Name      string `json:"name"`
		Phone     string `json:"phone"`
	} `json:"reporter"`
}

// actions lists the history's actions in order.
func (tk wfTicket) actions() []string {
	out := make([]string, 0, len(tk.History))
	for _, e := range tk.History {
		out = append(out, e.Action)
	}
	return out
}

// last is the newest history event.
func (tk wfTicket) last(t *testing.T) wfEvent {
	t.Helper()
	if len(tk.History) == 0 {
		t.Fatalf("ticket %s has no history", tk.ID)
	}
	return tk.History[len(tk.History)-1]
}

// fields are the action fields besides "action" and "expected_version".
type fields = map[string]any

// wardPoint is a point strictly inside the i-th area of the set.
type wardPoint struct {
	code     string
	lat, lng float64
}

func ward(set *geo.BoundarySet, i int) wardPoint {
	a := set.Areas()[i]
	p := a.InteriorPoint()
	return wardPoint{code: a.Code, lat: p.Lat(), lng: p.Lon()}
}

// unitOf is the id of the ward unit of a kind (ubnd, cong_an, vhxh) in an area.
func unitOf(area, kind string) string { return "longxuyen-2023." + area + "." + kind }

// wfReport is a report body with its own description and contact choice.
func wfReport(category string, p wardPoint, description string, allowContact bool) map[string]any {
	m := report(category, p.lat, p.lng)
	if description != "" {
		m["description"] = description
	}
	m["allow_contact"] = allowContact
	return m
}

// fileTicket files a report that must be created.
func fileTicket(t *testing.T, s *server, token string, body map[string]any) wfTicket {
	t.Helper()
	var tk wfTicket
	s.request(t, "POST", "/v1/tickets", token, body).expect(t, http.StatusCreated).json(t, &tk)
	if tk.State != "received" || tk.Version != 1 {
		t.Fatalf("filed ticket state %q version %d, want received 1", tk.State, tk.Version)
	}
	return tk
}

// getTicket reads a ticket that the caller must be able to see.
func getTicket(t *testing.T, s *server, token, id string) wfTicket {
	t.Helper()
	var tk wfTicket
	s.request(t, "GET", "/v1/tickets/"+id, token, nil).expect(t, http.StatusOK).json(t, &tk)
	return tk
}

// actBody builds an action request body.
func actBody(action string, version int, f fields) map[string]any {
	body := map[string]any{"action": action, "expected_version": version}
	for k, v := range f {
		body[k] = v
	}
	return body
}

// act posts an action with expected_version and returns whatever the server answers.
func act(t *testing.T, s *server, token, id string, version int, action string, f fields) response {
	t.Helper()
	return s.request(t, "POST", "/v1/tickets/"+id+"/actions", token, actBody(action, version, f))
}

// step performs an action that must succeed: 200, the version bumped by exactly one, the new
// event last in the history, and the expected state afterwards.
func step(t *testing.T, s *server, token string, prev wfTicket, action string, f fields, wantState string) wfTicket {
	t.Helper()
	var got wfTicket
	act(t, s, token, prev.ID, prev.Version, action, f).expect(t, http.StatusOK).json(t, &got)
	if got.Version != prev.Version+1 {
		t.Errorf("%s: version %d → %d, want +1", action, prev.Version, got.Version)
	}
	if got.State != wantState {
		t.Errorf("%s: state %q → %q, want %q", action, prev.State, got.State, wantState)
	}
	if e := got.last(t); e.Action != action || e.To != wantState {
		t.Errorf("%s: last event %+v, want action %s to %s", action, e, action, wantState)
	}
	return got
}

// refused checks an error answer: its status and error code, and, when field is not empty, the
// field it names.
func refused(t *testing.T, r response, status int, code, field string) apiError {
	t.Helper()
	e := r.expect(t, status).apiError(t)
	if e.Error.Code != code || (field != "" && e.Error.Field != field) {
		t.Errorf("error %+v, want code %s field %q", e.Error, code, field)
	}
	return e
}

// invalid checks a refusal of bad input: 400 (invalid) or 422 (unprocessable), naming field.
func invalid(t *testing.T, r response, field string) {
	t.Helper()
	if r.status != http.StatusBadRequest && r.status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 400 or 422; body: %s", r.status, r.body)
	}
	e := r.apiError(t)
	if field != "" && e.Error.Field != field {
		t.Errorf("error %+v, want field %q", e.Error, field)
	}
}

// parseTime parses an RFC 3339 time of the API.
func parseTime(t *testing.T, s string) time.Time {
	t.Helper()
	p, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return p
}

// rfc formats a time the way clients send it (Vietnam time).
func rfc(tm time.Time) string {
	return tm.In(time.FixedZone("ICT", 7*3600)).Format(time.RFC3339)
}

// allowedIn checks the caller's allowed_actions for actions that must and must not be there.
func allowedIn(t *testing.T, who string, tk wfTicket, must, mustNot []string) {
	t.Helper()
	for _, a := range must {
		if !slices.Contains(tk.AllowedActions, a) {
			t.Errorf("%s in %s: allowed_actions %v lacks %s", who, tk.State, tk.AllowedActions, a)
		}
	}
	for _, a := range mustNot {
		if slices.Contains(tk.AllowedActions, a) {
			t.Errorf("%s in %s: allowed_actions %v has %s", who, tk.State, tk.AllowedActions, a)
		}
	}
}

// onlyPublic checks that a resident's view carries no internal event and no official-only data.
func onlyPublic(t *testing.T, who string, tk wfTicket) {
	t.Helper()
	for _, e := range tk.History {
		if e.Visibility != "public" {
			t.Errorf("%s sees a %s event %+v", who, e.Visibility, e)
		}
	}
	if tk.Reporter != nil || tk.Extension != nil || tk.AssignedTo != "" || tk.EscalationLevel != 0 {
		t.Errorf("%s sees official-only fields: reporter %+v extension %+v assigned_to %q escalation %d",
			who, tk.Reporter, tk.Extension, tk.AssignedTo, tk.EscalationLevel)
	}
}

func TestWorkflowHappyPath(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 0)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		res := s.signInResident("0912100001")
		officer := s.createOfficial("officer", "officer.x", unitOf(x.code, "cong_an"))

		tk := fileTicket(t, s, res.AccessToken, wfReport("ANTT.01", x, "", false))
		if tk.Unit.ID != unitOf(x.code, "cong_an") || tk.DueAt == "" || tk.Overdue {
			t.Errorf("filed: unit %+v due_at %q overdue %v", tk.Unit, tk.DueAt, tk.Overdue)
		}
		if due, triage := parseTime(t, tk.DueAt), parseTime(t, tk.TriageDueAt); !due.Equal(triage) {
			t.Errorf("received ticket due_at %s, want the triage deadline %s", tk.DueAt, tk.TriageDueAt)
		}
		allowedIn(t, "reporter", tk, []string{"withdraw"}, []string{"accept", "note", "rate", "follow"})
		allowedIn(t, "officer", getTicket(t, s, officer.AccessToken, tk.ID),
			[]string{"accept", "reject", "transfer", "note"}, []string{"start", "resolve", "rate", "withdraw"})

		tk = step(t, s, officer.AccessToken, tk, "accept", nil, "assigned")
		if due, resolve := parseTime(t, tk.DueAt), parseTime(t, tk.ResolveDueAt); !due.Equal(resolve) {
			t.Errorf("assigned ticket due_at %s, want the resolve deadline %s", tk.DueAt, tk.ResolveDueAt)
		}
		tk = step(t, s, officer.AccessToken, tk, "start", nil, "in_progress")
		const internal = "Đã liên hệ tổ trưởng tổ dân phố, chưa báo cho người dân"
		tk = step(t, s, officer.AccessToken, tk, "note", fields{"note": internal}, "in_progress")
		if e := tk.last(t); e.Visibility != "internal" || e.Note != internal || e.ActorRole != "officer" {
			t.Errorf("note event %+v, want an internal note by an officer (visibility defaults to internal)", e)
		}
		const result = "Công an phường đã giải tán nhóm thanh niên, lập biên bản nhắc nhở."
		tk = step(t, s, officer.AccessToken, tk, "resolve", fields{"outcome": "fixed", "note": result}, "resolved")
		if tk.Outcome != "fixed" || tk.ResultNote != result || tk.OnTimeClass != "on_time" {
			t.Errorf("resolved: outcome %q result_note %q on_time_class %q", tk.Outcome, tk.ResultNote, tk.OnTimeClass)
		}

		mine := reporterSeesResult(t, s, res.AccessToken, tk, result)
		mine = step(t, s, res.AccessToken, mine, "rate", fields{"rating": 5, "comment": "Xử lý nhanh, cảm ơn."}, "closed")
		if mine.Rating != 5 {
			t.Errorf("rated ticket rating %d", mine.Rating)
		}
		refused(t, act(t, s, res.AccessToken, tk.ID, mine.Version, "rate", fields{"rating": 4}), http.StatusConflict, "conflict", "")

		checkHappyPathEnd(t, getTicket(t, s, officer.AccessToken, tk.ID))
	})
}

// reporterSeesResult checks the reporter's view of the resolved ticket tk (the officer's view):
// the result but not the internal note, in the ticket and in the resident's list. It returns
// the reporter's view.
func reporterSeesResult(t *testing.T, s *server, token string, tk wfTicket, result string) wfTicket {
	t.Helper()
	// The reporter sees the result but not the internal note.
	mine := getTicket(t, s, token, tk.ID)
	onlyPublic(t, "reporter", mine)
	if slices.Contains(mine.actions(), "note") || len(mine.History) >= len(tk.History) {
		t.Errorf("reporter history %v, officer history %v: the internal note must be hidden", mine.actions(), tk.actions())
	}
	if mine.Version != tk.Version || mine.ResultNote != result || mine.Outcome != "fixed" {
		t.Errorf("reporter view: version %d result %q outcome %q", mine.Version, mine.ResultNote, mine.Outcome)
	}
	allowedIn(t, "reporter", mine, []string{"rate", "reopen"}, []string{"resolve", "withdraw"})
	// The resident's list shows the same public view.
	var list struct{ Tickets []wfTicket }
	s.request(t, "GET", "/v1/tickets?mine=true", token, nil).expect(t, http.StatusOK).json(t, &list)
	if len(list.Tickets) != 1 || list.Tickets[0].State != "resolved" || list.Tickets[0].DueAt == "" ||
		len(list.Tickets[0].History) != len(mine.History) || list.Tickets[0].Outcome != "fixed" {
		t.Errorf("mine list %+v, want the resolved ticket with its outcome and public history", list.Tickets)
	} else {
		onlyPublic(t, "reporter's list", list.Tickets[0])
	}
	return mine
}

// checkHappyPathEnd checks the officer's view of the closed ticket: its history, each event's
// states, the final fields and who submitted and rated.
func checkHappyPathEnd(t *testing.T, final wfTicket) {
	t.Helper()
	wantActions := []string{"submit", "accept", "start", "note", "resolve", "rate"}
	if !slices.Equal(final.actions(), wantActions) || final.Version != 6 {
		t.Fatalf("history %v version %d, want %v and version 6", final.actions(), final.Version, wantActions)
	}
	wantTo := []string{"received", "assigned", "in_progress", "in_progress", "resolved", "closed"}
	for i, e := range final.History {
		if e.Action != "note" && e.To != wantTo[i] {
			t.Errorf("event %d %s: to %q, want %q", i, e.Action, e.To, wantTo[i])
		}
		if i > 0 && e.From != "" && e.From != wantTo[i-1] {
			t.Errorf("event %d %s: from %q, want %q", i, e.Action, e.From, wantTo[i-1])
		}
	}
	if final.State != "closed" || final.Rating != 5 || final.OnTimeClass != "on_time" || final.Overdue {
		t.Errorf("final: state %s rating %d class %s overdue %v", final.State, final.Rating, final.OnTimeClass, final.Overdue)
	}
	if roles := []string{final.History[0].ActorRole, final.History[5].ActorRole}; !slices.Equal(roles, []string{"resident", "resident"}) {
		t.Errorf("submit/rate actor roles %v, want resident", roles)
	}
}

func TestWorkflowRejectAndWithdraw(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 1)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		res := s.signInResident("0912100002")
		ioc := s.createOfficial("ioc_operator", "ioc.op", "")
		tk := fileTicket(t, s, res.AccessToken, wfReport("ANTT.03", x, "", false))

		for _, c := range []struct {
			name string
			f    fields
		}{
			{"no reason", fields{"note": "Không đủ thông tin"}},
			{"unknown reason", fields{"reason": "lazy"}},
			{"reason of another vocabulary", fields{"reason": "fixed"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				invalid(t, act(t, s, ioc.AccessToken, tk.ID, tk.Version, "reject", c.f), "reason")
			})
		}
		const why = "Nội dung không phản ánh sự việc cụ thể."
		tk = step(t, s, ioc.AccessToken, tk, "reject", fields{"reason": "not_a_real_problem", "note": why}, "rejected")
		if tk.Version != 2 || tk.RejectReason != "not_a_real_problem" || tk.OnTimeClass != "on_time" {
			t.Errorf("rejected: version %d reason %q class %q", tk.Version, tk.RejectReason, tk.OnTimeClass)
		}
		if e := tk.last(t); e.ActorRole != "ioc_operator" || e.From != "received" {
			t.Errorf("reject event %+v", e)
		}
		mine := getTicket(t, s, res.AccessToken, tk.ID)
		if mine.State != "rejected" || mine.RejectReason != "not_a_real_problem" || mine.last(t).Action != "reject" {
			t.Errorf("reporter sees state %s reason %q history %v", mine.State, mine.RejectReason, mine.actions())
		}
		onlyPublic(t, "reporter", mine)
		// Nothing but notes may happen to a rejected ticket; the refusal lists what is allowed.
		e := refused(t, act(t, s, ioc.AccessToken, tk.ID, tk.Version, "accept", nil), http.StatusConflict, "conflict", "")
		if !strings.Contains(e.Error.Message, "note") {
			t.Errorf("409 message %q does not list the allowed actions (note)", e.Error.Message)
		}
		refused(t, act(t, s, res.AccessToken, tk.ID, tk.Version, "withdraw", nil), http.StatusConflict, "conflict", "")

		// Withdrawal: the reporter, before work starts; not another resident, not after start.
		w := fileTicket(t, s, res.AccessToken, wfReport("ANTT.03", x, "", false))
		w = step(t, s, res.AccessToken, w, "withdraw", fields{"note": "Sự việc đã tự kết thúc."}, "withdrawn")
		officer := s.createOfficial("officer", "officer.x", unitOf(x.code, "cong_an"))
		started := fileTicket(t, s, res.AccessToken, wfReport("ANTT.03", x, "", false))
		started = step(t, s, officer.AccessToken, started, "accept", nil, "assigned")
		started = step(t, s, officer.AccessToken, started, "start", nil, "in_progress")
		refused(t, act(t, s, res.AccessToken, started.ID, started.Version, "withdraw", nil), http.StatusConflict, "conflict", "")
		refused(t, act(t, s, officer.AccessToken, w.ID, w.Version, "accept", nil), http.StatusConflict, "conflict", "")
	})
}

func TestWorkflowTransferToAnotherWard(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y, z := ward(set, 2), ward(set, 3), ward(set, 4)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		res := s.signInResident("0912100003")
		ox := s.createOfficial("officer", "officer.x", unitOf(x.code, "cong_an"))
		oy := s.createOfficial("officer", "officer.y", unitOf(y.code, "cong_an"))
		tk := fileTicket(t, s, res.AccessToken, wfReport("ANTT.01", x, "", false))
		tk = step(t, s, ox.AccessToken, tk, "accept", nil, "assigned")
		s.request(t, "GET", "/v1/tickets/"+tk.ID, oy.AccessToken, nil).expect(t, http.StatusNotFound)

		for _, c := range []struct {
			name, field string
			f           fields
		}{
			{"no reason", "reason", fields{"area": y.code}},
			{"no target", "", fields{"reason": "Sai địa bàn"}},
			{"same ward", "", fields{"reason": "Sai địa bàn", "area": x.code}},
			{"same unit", "", fields{"reason": "Sai địa bàn", "unit": unitOf(x.code, "cong_an")}},
			{"unknown area", "area", fields{"reason": "Sai địa bàn", "area": "99999"}},
			{"unknown unit", "unit", fields{"reason": "Sai địa bàn", "unit": "longxuyen-2023.99999.cong_an"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				invalid(t, act(t, s, ox.AccessToken, tk.ID, tk.Version, "transfer", c.f), c.field)
			})
		}

		before := time.Now()
		tk = step(t, s, ox.AccessToken, tk, "transfer", fields{"reason": "Địa điểm thuộc phường bên cạnh", "area": y.code}, "received")
		if tk.Unit.ID != unitOf(y.code, "cong_an") || tk.Unit.Kind != "cong_an" {
			t.Errorf("transferred to unit %+v, want %s", tk.Unit, unitOf(y.code, "cong_an"))
		}
		// Fresh deadlines at the new unit: ANTT.01 is triaged within one clock hour of the transfer.
		if due := parseTime(t, tk.TriageDueAt); due.Before(before.Add(time.Hour - 2*time.Second)) {
			t.Errorf("triage_due_at %s after a transfer at %s is not fresh", tk.TriageDueAt, rfc(before))
		}
		if !parseTime(t, tk.DueAt).Equal(parseTime(t, tk.TriageDueAt)) {
			t.Errorf("due_at %s, want the new triage deadline %s", tk.DueAt, tk.TriageDueAt)
		}

		// The old unit keeps read-only access.
		old := getTicket(t, s, ox.AccessToken, tk.ID)
		if old.Version != tk.Version || old.Unit.ID != unitOf(y.code, "cong_an") {
			t.Errorf("old unit reads version %d unit %+v", old.Version, old.Unit)
		}
		for _, a := range []struct {
			action string
			f      fields
		}{{"note", fields{"note": "Vẫn theo dõi"}}, {"accept", nil}, {"reject", fields{"reason": "other"}}} {
			refused(t, act(t, s, ox.AccessToken, tk.ID, tk.Version, a.action, a.f), http.StatusForbidden, "forbidden", "")
		}
		if len(old.AllowedActions) != 0 {
			t.Errorf("old unit's allowed_actions %v, want none", old.AllowedActions)
		}
		// The new unit triages it again, then passes it on by unit id; both earlier units read it.
		tk = step(t, s, oy.AccessToken, tk, "accept", nil, "assigned")
		tk = step(t, s, oy.AccessToken, tk, "transfer", fields{"reason": "Chuyển theo chỉ đạo", "unit": unitOf(z.code, "cong_an")}, "received")
		if tk.Unit.ID != unitOf(z.code, "cong_an") {
			t.Errorf("transferred by unit id to %+v", tk.Unit)
		}
		for _, o := range []tokens{ox, oy} {
			getTicket(t, s, o.AccessToken, tk.ID)
			refused(t, act(t, s, o.AccessToken, tk.ID, tk.Version, "note", fields{"note": "x"}), http.StatusForbidden, "forbidden", "")
		}
		mine := getTicket(t, s, res.AccessToken, tk.ID)
		if mine.Unit.ID != unitOf(z.code, "cong_an") || mine.State != "received" {
			t.Errorf("reporter sees unit %+v state %s", mine.Unit, mine.State)
		}
	})
}

func TestWorkflowRequestInfo(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 5)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		res := s.signInResident("0912100004")
		officer := s.createOfficial("officer", "officer.x", unitOf(x.code, "cong_an"))
		tk := fileTicket(t, s, res.AccessToken, wfReport("ANTT.01", x, "", false))
		tk = step(t, s, officer.AccessToken, tk, "accept", nil, "assigned")
		tk = step(t, s, officer.AccessToken, tk, "start", nil, "in_progress")
		dueBefore := parseTime(t, tk.ResolveDueAt)

		invalid(t, act(t, s, officer.AccessToken, tk.ID, tk.Version, "request_info", nil), "note")
		const question = "Xin cho biết số nhà cụ thể nơi xảy ra sự việc?"
		tk = step(t, s, officer.AccessToken, tk, "request_info", fields{"note": question}, "awaiting_info")
		if e := tk.last(t); e.Visibility != "public" || e.Note != question {
			t.Errorf("the question must reach the resident: %+v", e)
		}
		if tk.Overdue {
			t.Error("awaiting_info ticket is overdue")
		}
		mine := getTicket(t, s, res.AccessToken, tk.ID)
		allowedIn(t, "reporter", mine, []string{"provide_info"}, []string{"rate", "withdraw"})
		if mine.last(t).Note != question {
			t.Errorf("reporter does not see the question: %+v", mine.last(t))
		}
		allowedIn(t, "officer", getTicket(t, s, officer.AccessToken, tk.ID), []string{"note"}, []string{"resolve", "start", "provide_info"})
		refused(t, act(t, s, officer.AccessToken, tk.ID, tk.Version, "resolve", fields{"outcome": "fixed", "note": "x"}), http.StatusConflict, "conflict", "")
		refused(t, act(t, s, officer.AccessToken, tk.ID, tk.Version, "provide_info", fields{"note": "x"}), http.StatusForbidden, "forbidden", "")
		invalid(t, act(t, s, res.AccessToken, tk.ID, tk.Version, "provide_info", nil), "note")
		stranger := s.signInResident("0912100005")
		s.request(t, "POST", "/v1/tickets/"+tk.ID+"/actions", stranger.AccessToken, actBody("provide_info", tk.Version, fields{"note": "x"})).expect(t, http.StatusNotFound)

		// The clock stands still while the resident is asked: wait so the pause is measurable.
		const pause = 1500 * time.Millisecond
		time.Sleep(pause)
		step(t, s, res.AccessToken, mine, "provide_info", fields{"note": "Số nhà 12, hẻm 3, đường Trần Hưng Đạo."}, "in_progress")
		after := parseTime(t, getTicket(t, s, officer.AccessToken, tk.ID).ResolveDueAt)
		if after.Sub(dueBefore) < pause-500*time.Millisecond {
			t.Errorf("resolve_due_at moved %s → %s after a %s pause; it must move later by the paused time",
				rfc(dueBefore), rfc(after), pause)
		}
	})
}

func TestWorkflowExtensionAndAssign(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 6), ward(set, 7)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		res := s.signInResident("0912100006")
		unit := unitOf(x.code, "cong_an")
		officer := s.createOfficial("officer", "officer.x", unit)
		leader := s.createOfficial("leader", "leader.x", unit)
		foreign := s.createOfficial("officer", "officer.y", unitOf(y.code, "cong_an"))
		ioc := s.createOfficial("ioc_operator", "ioc.op", "")
		tk := fileTicket(t, s, res.AccessToken, wfReport("ANTT.01", x, "", false))
		tk = step(t, s, officer.AccessToken, tk, "accept", nil, "assigned")

		// Assignment is the leader's, to an official of the same unit.
		refused(t, act(t, s, officer.AccessToken, tk.ID, tk.Version, "assign", fields{"officer": officer.User.ID}), http.StatusForbidden, "forbidden", "")
		invalid(t, act(t, s, leader.AccessToken, tk.ID, tk.Version, "assign", fields{"officer": foreign.User.ID}), "officer")
		invalid(t, act(t, s, leader.AccessToken, tk.ID, tk.Version, "assign", fields{"officer": res.User.ID}), "officer")
		tk = step(t, s, leader.AccessToken, tk, "assign", fields{"officer": officer.User.ID}, "assigned")
		if tk.AssignedTo != officer.User.ID {
			t.Errorf("assigned_to %q, want %s", tk.AssignedTo, officer.User.ID)
		}
		tk = step(t, s, officer.AccessToken, tk, "start", nil, "in_progress")

		due := parseTime(t, tk.ResolveDueAt)
		requested := due.Add(26 * time.Hour)
		for _, c := range []struct {
			name, field string
			f           fields
		}{
			{"no date", "due_at", fields{"reason": "Cần phối hợp"}},
			{"earlier date", "due_at", fields{"reason": "Cần phối hợp", "due_at": rfc(due.Add(-time.Hour))}},
			{"same date", "due_at", fields{"reason": "Cần phối hợp", "due_at": rfc(due)}},
			{"not a date", "due_at", fields{"reason": "Cần phối hợp", "due_at": "next week"}},
			{"no reason", "reason", fields{"due_at": rfc(requested)}},
		} {
			t.Run(c.name, func(t *testing.T) {
				invalid(t, act(t, s, officer.AccessToken, tk.ID, tk.Version, "request_extension", c.f), c.field)
			})
		}
		// Nothing pending yet.
		if r := act(t, s, leader.AccessToken, tk.ID, tk.Version, "approve_extension", nil); r.status != http.StatusConflict && r.status != http.StatusUnprocessableEntity {
			t.Errorf("approve without a request: status %d, want 409 or 422; body %s", r.status, r.body)
		}

		tk = step(t, s, officer.AccessToken, tk, "request_extension", fields{"due_at": rfc(requested), "reason": "Cần phối hợp với Công an thành phố"}, "in_progress")
		if tk.Extension == nil || !parseTime(t, tk.Extension.DueAt).Equal(requested) || tk.Extension.Reason == "" {
			t.Errorf("pending extension %+v, want due_at %s", tk.Extension, rfc(requested))
		}
		if !parseTime(t, tk.ResolveDueAt).Equal(due) {
			t.Errorf("a request alone moved resolve_due_at to %s", tk.ResolveDueAt)
		}
		onlyPublic(t, "reporter", getTicket(t, s, res.AccessToken, tk.ID))
		refused(t, act(t, s, officer.AccessToken, tk.ID, tk.Version, "approve_extension", nil), http.StatusForbidden, "forbidden", "")
		tk = step(t, s, leader.AccessToken, tk, "approve_extension", nil, "in_progress")
		if !parseTime(t, tk.ResolveDueAt).Equal(requested) || tk.Extension != nil {
			t.Errorf("approved: resolve_due_at %s (want %s), extension %+v", tk.ResolveDueAt, rfc(requested), tk.Extension)
		}
		if !parseTime(t, tk.DueAt).Equal(requested) {
			t.Errorf("approved: due_at %s, want %s", tk.DueAt, rfc(requested))
		}
		if r := act(t, s, leader.AccessToken, tk.ID, tk.Version, "deny_extension", nil); r.status != http.StatusConflict && r.status != http.StatusUnprocessableEntity {
			t.Errorf("deny with nothing pending: status %d, want 409 or 422; body %s", r.status, r.body)
		}

		// A second request, denied by the IOC, leaves the deadline where it is.
		tk = step(t, s, officer.AccessToken, tk, "request_extension", fields{"due_at": rfc(requested.Add(48 * time.Hour)), "reason": "Chờ kết quả giám định"}, "in_progress")
		tk = step(t, s, ioc.AccessToken, tk, "deny_extension", fields{"note": "Không đủ căn cứ gia hạn"}, "in_progress")
		if !parseTime(t, tk.ResolveDueAt).Equal(requested) || tk.Extension != nil {
			t.Errorf("denied: resolve_due_at %s (want %s), extension %+v", tk.ResolveDueAt, rfc(requested), tk.Extension)
		}
		// Resolved before the extended deadline: on time.
		tk = step(t, s, officer.AccessToken, tk, "resolve", fields{"outcome": "partially_fixed", "note": "Đã xử lý một phần."}, "resolved")
		if tk.OnTimeClass != "on_time" || tk.Outcome != "partially_fixed" {
			t.Errorf("resolved: class %q outcome %q", tk.OnTimeClass, tk.Outcome)
		}
	})
}

func TestWorkflowReopenWindow(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 8)
	const window = 3 * time.Second
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st, "REOPEN_WINDOW=3s")
		res := s.signInResident("0912100007")
		officer := s.createOfficial("officer", "officer.x", unitOf(x.code, "cong_an"))
		resolve := func(tk wfTicket) wfTicket {
			t.Helper()
			if tk.State == "assigned" {
				tk = step(t, s, officer.AccessToken, tk, "start", nil, "in_progress")
			}
			return step(t, s, officer.AccessToken, tk, "resolve", fields{"outcome": "fixed", "note": "Đã xử lý."}, "resolved")
		}
		late := fileTicket(t, s, res.AccessToken, wfReport("ANTT.01", x, "", false))
		late = step(t, s, officer.AccessToken, late, "accept", nil, "assigned")
		late = resolve(late)
		lateResolved := time.Now()

		tk := fileTicket(t, s, res.AccessToken, wfReport("ANTT.01", x, "", false))
		tk = step(t, s, officer.AccessToken, tk, "accept", nil, "assigned")
		tk = resolve(tk)
		invalid(t, act(t, s, res.AccessToken, tk.ID, tk.Version, "reopen", nil), "reason")
		refused(t, act(t, s, officer.AccessToken, tk.ID, tk.Version, "reopen", fields{"reason": "x"}), http.StatusForbidden, "forbidden", "")
		before := time.Now()
		tk = step(t, s, res.AccessToken, tk, "reopen", fields{"reason": "Nhóm thanh niên vẫn tụ tập mỗi tối."}, "in_progress")
		if tk.ReopenCount != 1 {
			t.Errorf("reopen_count %d, want 1", tk.ReopenCount)
		}
		if due := parseTime(t, tk.ResolveDueAt); due.Before(before.Add(3*time.Hour - 2*time.Second)) {
			t.Errorf("resolve_due_at %s after reopening at %s is not a fresh 3-hour deadline", tk.ResolveDueAt, rfc(before))
		}
		tk = resolve(getTicket(t, s, officer.AccessToken, tk.ID))
		// REOPEN_MAX defaults to 1: within the window, a second reopen is refused.
		refused(t, act(t, s, res.AccessToken, tk.ID, tk.Version, "reopen", fields{"reason": "Vẫn còn"}), http.StatusConflict, "conflict", "")

		// After the window, reopening is refused (whether or not the ticket closed itself).
		time.Sleep(time.Until(lateResolved.Add(window + 500*time.Millisecond)))
		cur := getTicket(t, s, res.AccessToken, late.ID)
		r := act(t, s, res.AccessToken, late.ID, cur.Version, "reopen", fields{"reason": "Vẫn còn tụ tập"})
		refused(t, r, http.StatusConflict, "conflict", "")
		if got := getTicket(t, s, res.AccessToken, late.ID); got.ReopenCount != 0 || got.State == "in_progress" {
			t.Errorf("after a refused reopen: state %s reopen_count %d", got.State, got.ReopenCount)
		}
	})
}

func TestWorkflowReopenMax(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 8)
	s := startServer(t, storeKind{name: "sqlite"}, "REOPEN_MAX=2")
	res := s.signInResident("0912100008")
	officer := s.createOfficial("officer", "officer.x", unitOf(x.code, "cong_an"))
	tk := fileTicket(t, s, res.AccessToken, wfReport("ANTT.01", x, "", false))
	tk = step(t, s, officer.AccessToken, tk, "accept", nil, "assigned")
	tk = step(t, s, officer.AccessToken, tk, "start", nil, "in_progress")
	for i := 1; i <= 2; i++ {
		tk = step(t, s, officer.AccessToken, tk, "resolve", fields{"outcome": "fixed", "note": "Đã xử lý."}, "resolved")
		tk = step(t, s, res.AccessToken, tk, "reopen", fields{"reason": "Vẫn còn"}, "in_progress")
		if tk.ReopenCount != i {
			t.Errorf("reopen %d: reopen_count %d", i, tk.ReopenCount)
		}
		tk = getTicket(t, s, officer.AccessToken, tk.ID)
	}
	tk = step(t, s, officer.AccessToken, tk, "resolve", fields{"outcome": "not_fixable", "note": "Không thể xử lý."}, "resolved")
	refused(t, act(t, s, res.AccessToken, tk.ID, tk.Version, "reopen", fields{"reason": "Vẫn còn"}), http.StatusConflict, "conflict", "")
}

func TestWorkflowAutoClose(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 9)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st, "SLA_INTERVAL=200ms", "REOPEN_WINDOW=1s")
		res := s.signInResident("0912100009")
		officer := s.createOfficial("officer", "officer.x", unitOf(x.code, "cong_an"))
		tk := fileTicket(t, s, res.AccessToken, wfReport("ANTT.01", x, "", false))
		tk = step(t, s, officer.AccessToken, tk, "accept", nil, "assigned")
		tk = step(t, s, officer.AccessToken, tk, "resolve", fields{"outcome": "not_responsible", "note": "Không thuộc thẩm quyền."}, "resolved")

		deadline := time.Now().Add(20 * time.Second)
		var cur wfTicket
		for {
			cur = getTicket(t, s, officer.AccessToken, tk.ID)
			if cur.State != "resolved" || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if cur.State != "closed" {
			t.Fatalf("state %s 20 s after resolving with REOPEN_WINDOW=1s; history %v", cur.State, cur.actions())
		}
		e := cur.last(t)
		if e.Action != "auto_close" || e.ActorRole != "system" || e.From != "resolved" || e.To != "closed" || cur.Version != tk.Version+1 {
			t.Errorf("auto-close: event %+v version %d (want %d)", e, cur.Version, tk.Version+1)
		}
		if n := strings.Count(strings.Join(cur.actions(), ","), "auto_close"); n != 1 {
			t.Errorf("%d auto_close events", n)
		}
		if cur.Outcome != "not_responsible" || cur.Rating != 0 {
			t.Errorf("auto-closed: outcome %q rating %d", cur.Outcome, cur.Rating)
		}
		mine := getTicket(t, s, res.AccessToken, tk.ID)
		if mine.State != "closed" {
			t.Errorf("reporter sees state %s", mine.State)
		}
		refused(t, act(t, s, res.AccessToken, tk.ID, mine.Version, "reopen", fields{"reason": "Vẫn còn"}), http.StatusConflict, "conflict", "")
	})
}

func TestWorkflowDuplicate(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 10)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		first := s.signInResident("0912100010")
		second := s.signInResident("0912100011")
		ioc := s.createOfficial("ioc_operator", "ioc.op", "")
		const internal = "Đội trật tự đô thị đã nắm thông tin."
		orig := fileTicket(t, s, first.AccessToken, wfReport("TTDT", x, "Quán cà phê lấn chiếm toàn bộ vỉa hè.", false))
		orig = step(t, s, ioc.AccessToken, orig, "note", fields{"note": internal, "visibility": "internal"}, "received")
		dup := fileTicket(t, s, second.AccessToken, wfReport("TTDT", x, "Vỉa hè bị quán cà phê chiếm hết.", false))
		gone := fileTicket(t, s, first.AccessToken, wfReport("TTDT", x, "Đã tự dọn.", false))
		gone = step(t, s, ioc.AccessToken, gone, "reject", fields{"reason": "other"}, "rejected")

		for _, c := range []struct{ name, of string }{
			{"missing", ""}, {"itself", dup.ID}, {"unknown ticket", "does-not-exist"}, {"ticket not open", gone.ID},
		} {
			t.Run(c.name, func(t *testing.T) {
				f := fields{}
				if c.of != "" {
					f["duplicate_of"] = c.of
				}
				r := act(t, s, ioc.AccessToken, dup.ID, dup.Version, "mark_duplicate", f)
				if c.name == "unknown ticket" && r.status == http.StatusNotFound {
					return
				}
				invalid(t, r, "duplicate_of")
			})
		}
		s.request(t, "GET", "/v1/tickets/"+orig.ID, second.AccessToken, nil).expect(t, http.StatusNotFound)

		dup = step(t, s, ioc.AccessToken, dup, "mark_duplicate", fields{"duplicate_of": orig.ID}, "duplicate")
		if dup.DuplicateOf != orig.ID {
			t.Errorf("duplicate_of %q, want %s", dup.DuplicateOf, orig.ID)
		}
		if got := getTicket(t, s, ioc.AccessToken, orig.ID); got.FollowersCount != 1 || got.State != "received" {
			t.Errorf("original: followers_count %d state %s, want 1 follower and no state change", got.FollowersCount, got.State)
		}
		mineDup := getTicket(t, s, second.AccessToken, dup.ID)
		if mineDup.State != "duplicate" || mineDup.DuplicateOf != orig.ID {
			t.Errorf("second reporter sees state %s duplicate_of %q", mineDup.State, mineDup.DuplicateOf)
		}
		// The duplicate's reporter now follows the original: public view only.
		view := getTicket(t, s, second.AccessToken, orig.ID)
		onlyPublic(t, "follower", view)
		for _, e := range view.History {
			if e.Note == internal {
				t.Errorf("follower sees the internal note %+v", e)
			}
		}
		if view.FollowersCount != 1 || view.State != "received" {
			t.Errorf("follower view: followers_count %d state %s", view.FollowersCount, view.State)
		}
		allowedIn(t, "follower", view, []string{"unfollow"}, []string{"withdraw", "rate", "accept"})
		refused(t, act(t, s, second.AccessToken, orig.ID, view.Version, "withdraw", nil), http.StatusForbidden, "forbidden", "")
		// A duplicate is final.
		refused(t, act(t, s, ioc.AccessToken, dup.ID, dup.Version, "accept", nil), http.StatusConflict, "conflict", "")
	})
}

func TestWorkflowConcurrentOfficers(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 11)
	const n = 20
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		res := s.signInResident("0912100012")
		unit := unitOf(x.code, "cong_an")
		officers := make([]tokens, n)
		for i := range officers {
			officers[i] = s.createOfficial("officer", fmt.Sprintf("officer%02d", i), unit)
		}
		tk := fileTicket(t, s, res.AccessToken, wfReport("ANTT.01", x, "", false))

		successes := 0
		for round := 0; round < 2; round++ {
			version := tk.Version
			results := make([]response, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range officers {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					<-start
					results[i], errs[i] = s.do("POST", "/v1/tickets/"+tk.ID+"/actions", officers[i].AccessToken,
						actBody("note", version, fields{"note": fmt.Sprintf("Ghi chú của cán bộ %d", i)}))
				}(i)
			}
			close(start)
			wg.Wait()
			won, lost, unnamed := 0, 0, ""
			for i, r := range results {
				if errs[i] != nil {
					t.Fatalf("officer %d: %v", i, errs[i])
				}
				switch r.status {
				case http.StatusOK:
					won++
				case http.StatusConflict:
					lost++
					if e := r.apiError(t); e.Error.Code != "conflict" {
						t.Errorf("stale version error %+v, want code conflict", e.Error)
					} else if !strings.Contains(e.Error.Message, strconv.Itoa(version+1)) {
						unnamed = e.Error.Message
					}
				default:
					t.Errorf("officer %d: status %d body %s", i, r.status, r.body)
				}
			}
			if unnamed != "" {
				t.Errorf("round %d: stale version message %q does not name the current version %d", round, unnamed, version+1)
			}
			if won != 1 || lost != n-1 {
				t.Errorf("round %d at version %d: %d won, %d got 409; want 1 and %d", round, version, won, lost, n-1)
			}
			successes += won
			tk = getTicket(t, s, officers[0].AccessToken, tk.ID)
		}
		if len(tk.History) != 1+successes || tk.Version != 1+successes {
			t.Errorf("history %v (len %d) version %d; want %d events and version %d", tk.actions(), len(tk.History), tk.Version, 1+successes, 1+successes)
		}
	})
}

func TestWorkflowActionRequests(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 12)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		res := s.signInResident("0912100013")
		officer := s.createOfficial("officer", "officer.x", unitOf(x.code, "cong_an"))
		tk := fileTicket(t, s, res.AccessToken, wfReport("ANTT.01", x, "", false))
		path := "/v1/tickets/" + tk.ID + "/actions"
		note := map[string]any{"action": "note", "note": "Đã xem."}

		// If-Match instead of expected_version.
		var got wfTicket
		s.request(t, "POST", path, officer.AccessToken, note, `If-Match: "1"`).expect(t, http.StatusOK).json(t, &got)
		if got.Version != 2 || got.last(t).Action != "note" {
			t.Fatalf("If-Match note: version %d history %v", got.Version, got.actions())
		}

		cases := []struct {
			name    string
			body    any
			headers []string
			status  int
			code    string
			field   string
		}{
			{"stale If-Match", note, []string{`If-Match: "1"`}, 409, "conflict", ""},
			{"stale expected_version", actBody("note", 1, fields{"note": "x"}), nil, 409, "conflict", ""},
			{"future expected_version", actBody("note", 7, fields{"note": "x"}), nil, 409, "conflict", ""},
			{"no version", note, nil, 400, "invalid", "expected_version"},
			{"version as string", map[string]any{"action": "note", "note": "x", "expected_version": "2"}, nil, 400, "invalid", "expected_version"},
			{"unknown field", actBody("note", 2, fields{"note": "x", "state": "closed"}), nil, 400, "invalid", "state"},
			{"malformed JSON", `{"action": "note",`, nil, 400, "invalid", ""},
			{"not JSON", "action=note", []string{"Content-Type: text/plain"}, 415, "unsupported_media_type", ""},
			{"not allowed in state", actBody("resolve", 2, fields{"outcome": "fixed", "note": "x"}), nil, 409, "conflict", ""},
			{"role may never", actBody("rate", 2, fields{"rating": 5}), nil, 403, "forbidden", ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e := refused(t, s.request(t, "POST", path, officer.AccessToken, c.body, c.headers...), c.status, c.code, c.field)
				if c.status == 409 && c.name != "not allowed in state" && !strings.Contains(e.Error.Message, "2") {
					t.Errorf("stale version message %q does not mention the current version 2", e.Error.Message)
				}
				if c.name == "not allowed in state" && !strings.Contains(e.Error.Message, "accept") {
					t.Errorf("message %q does not list the allowed actions (accept …)", e.Error.Message)
				}
			})
		}
		for _, c := range []struct{ name, field string }{
			{"unknown action", "action"}, {"no action", "action"}, {"empty note", "note"}, {"bad visibility", "visibility"}, {"bad rating type", "rating"},
		} {
			t.Run(c.name, func(t *testing.T) {
				body := actBody("note", 2, fields{"note": "x"})
				switch c.name {
				case "unknown action":
					body["action"] = "fly"
				case "no action":
					delete(body, "action")
				case "empty note":
					body["note"] = "  "
				case "bad visibility":
					body["visibility"] = "secret"
				case "bad rating type":
					body["rating"] = "five"
				}
				invalid(t, s.request(t, "POST", path, officer.AccessToken, body), c.field)
			})
		}
		s.request(t, "POST", "/v1/tickets/does-not-exist/actions", officer.AccessToken, actBody("note", 1, fields{"note": "x"})).expect(t, http.StatusNotFound)
		s.request(t, "POST", path, "", actBody("note", 2, fields{"note": "x"})).expect(t, http.StatusUnauthorized)
		// Refused requests change nothing.
		if after := getTicket(t, s, officer.AccessToken, tk.ID); after.Version != 2 || len(after.History) != 2 {
			t.Errorf("after refused requests: version %d history %v", after.Version, after.actions())
		}
	})
}

// queuePage is the answer of GET /v1/queue.
type queuePage struct {
	Tickets    []wfTicket     `json:"tickets"`
	NextCursor string         `json:"next_cursor"`
	Counts     map[string]int `json:"counts"`
}

func ids(ts []wfTicket) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.ID)
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestQueue(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 0), ward(set, 1)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		res := s.signInResident("0912100014")
		ox := s.createOfficial("officer", "officer.x", unitOf(x.code, "cong_an"))
		oy := s.createOfficial("officer", "officer.y", unitOf(y.code, "cong_an"))
		ioc := s.createOfficial("ioc_operator", "ioc.op", "")

		a1 := fileTicket(t, s, res.AccessToken, wfReport("ANTT.01", x, "Đánh nhau trước quán nhậu", false))
		a2 := fileTicket(t, s, res.AccessToken, wfReport("ANTT.05", x, "Nghi có điểm đánh bạc", false))
		a3 := fileTicket(t, s, res.AccessToken, wfReport("ANTT.06", x, "Người lạ mặc áo Zebra đi lại nhiều lần", false))
		a4 := fileTicket(t, s, res.AccessToken, wfReport("ANTT.01", x, "Tụ tập gây ồn", false))
		b1 := fileTicket(t, s, res.AccessToken, wfReport("ANTT.01", y, "Đánh nhau ở chợ", false))
		a2 = step(t, s, ox.AccessToken, a2, "accept", nil, "assigned")
		xs := []string{a1.ID, a2.ID, a3.ID, a4.ID}

		queue := func(t *testing.T, token, query string) queuePage { t.Helper(); return queueOf(t, s, token, query) }
		all := checkOfficerQueue(t, queue(t, ox.AccessToken, ""), xs, []string{a1.ID, a4.ID})

		soon := url.QueryEscape(rfc(time.Now().Add(2 * time.Hour)))
		for _, c := range []struct {
			name, query string
			want        []string
		}{
			{"state", "?state=assigned", []string{a2.ID}},
			{"two states", "?state=received,assigned", xs},
			{"final state", "?state=closed", nil},
			{"category", "?category=ANTT.01", []string{a1.ID, a4.ID}},
			{"text", "?q=zebra", []string{a3.ID}},
			{"text by code", "?q=" + url.QueryEscape(a4.Code), []string{a4.ID}},
			{"due before", "?due_before=" + soon, []string{a1.ID, a4.ID}},
			{"overdue", "?overdue=true", nil},
			{"own unit", "?unit=" + unitOf(x.code, "cong_an"), xs},
			{"combined", "?state=received&category=ANTT.01&q=" + url.QueryEscape("ồn"), []string{a4.ID}},
		} {
			t.Run(c.name, func(t *testing.T) {
				if got := queue(t, ox.AccessToken, c.query); !sameSet(ids(got.Tickets), c.want) {
					t.Errorf("queue%s = %v, want %v", c.query, ids(got.Tickets), c.want)
				}
			})
		}
		for _, q := range []string{"?state=bogus", "?due_before=tomorrow", "?limit=abc", "?cursor=!!!", "?overdue=maybe"} {
			s.request(t, "GET", "/v1/queue"+q, ox.AccessToken, nil).expect(t, http.StatusBadRequest)
		}

		checkQueuePages(t, s, ox.AccessToken, ids(all.Tickets))

		// Another ward sees only its own; naming another unit is forbidden; residents have no queue.
		if got := queue(t, oy.AccessToken, ""); !slices.Equal(ids(got.Tickets), []string{b1.ID}) {
			t.Errorf("officer Y queue %v, want [%s]", ids(got.Tickets), b1.ID)
		}
		refused(t, s.request(t, "GET", "/v1/queue?unit="+unitOf(y.code, "cong_an"), ox.AccessToken, nil), http.StatusForbidden, "forbidden", "")
		refused(t, s.request(t, "GET", "/v1/queue", res.AccessToken, nil), http.StatusForbidden, "forbidden", "")

		checkIOCQueue(t, s, ioc.AccessToken, x, y, xs, b1.ID)
	})
}

// queueOf reads GET /v1/queue with query as the caller of token.
func queueOf(t *testing.T, s *server, token, query string) queuePage {
	t.Helper()
	var p queuePage
	s.request(t, "GET", "/v1/queue"+query, token, nil).expect(t, http.StatusOK).json(t, &p)
	return p
}

// checkOfficerQueue checks an officer's whole queue: exactly the unit's tickets xs, by due_at
// with the urgent ones first, and the counts per state. It returns the queue.
func checkOfficerQueue(t *testing.T, all queuePage, xs, urgent []string) queuePage {
	t.Helper()
	if !sameSet(ids(all.Tickets), xs) {
		t.Errorf("officer X queue %v, want %v", ids(all.Tickets), xs)
	}
	for i := 1; i < len(all.Tickets); i++ {
		if parseTime(t, all.Tickets[i].DueAt).Before(parseTime(t, all.Tickets[i-1].DueAt)) {
			t.Errorf("queue not sorted by due_at: %s before %s", all.Tickets[i-1].DueAt, all.Tickets[i].DueAt)
		}
	}
	// The urgent tickets (triage within one clock hour) lead the queue.
	if len(all.Tickets) == 4 && !sameSet(ids(all.Tickets[:2]), urgent) {
		t.Errorf("queue order %v, want the ANTT.01 tickets first", ids(all.Tickets))
	}
	if all.Counts["received"] != 3 || all.Counts["assigned"] != 1 || all.Counts["in_progress"] != 0 {
		t.Errorf("counts %v, want received 3 assigned 1", all.Counts)
	}
	return all
}

// checkQueuePages checks that keyset pages of one ticket follow the queue's order want, each
// ticket once.
func checkQueuePages(t *testing.T, s *server, token string, want []string) {
	t.Helper()
	var paged []string
	cursor := ""
	for page := 0; page < 10; page++ {
		p := queueOf(t, s, token, "?limit=1&cursor="+url.QueryEscape(cursor))
		if len(p.Tickets) > 1 {
			t.Fatalf("limit=1 page of %d", len(p.Tickets))
		}
		paged = append(paged, ids(p.Tickets)...)
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	if !slices.Equal(paged, want) {
		t.Errorf("paged %v, want %v", paged, want)
	}
}

// checkIOCQueue checks that the IOC sees every unit (ward X's tickets xs and ward Y's y1),
// filtered by area or unit.
func checkIOCQueue(t *testing.T, s *server, token string, x, y wardPoint, xs []string, y1 string) {
	t.Helper()
	if got := queueOf(t, s, token, ""); !sameSet(ids(got.Tickets), append(slices.Clone(xs), y1)) {
		t.Errorf("IOC queue %v", ids(got.Tickets))
	}
	if got := queueOf(t, s, token, "?area="+x.code); !sameSet(ids(got.Tickets), xs) {
		t.Errorf("IOC queue area X %v, want %v", ids(got.Tickets), xs)
	}
	if got := queueOf(t, s, token, "?area="+y.code); !slices.Equal(ids(got.Tickets), []string{y1}) {
		t.Errorf("IOC queue area Y %v", ids(got.Tickets))
	}
	if got := queueOf(t, s, token, "?unit="+unitOf(y.code, "cong_an")); !slices.Equal(ids(got.Tickets), []string{y1}) {
		t.Errorf("IOC queue unit Y %v", ids(got.Tickets))
	}
}

// offsetNorth moves a point north by m metres.
func offsetNorth(p wardPoint, m float64) wardPoint {
	p.lat += m / 111320
	return p
}

// offsetEast moves a point east by m metres.
func offsetEast(p wardPoint, m float64) wardPoint {
	p.lng += m / (111320 * math.Cos(p.lat*math.Pi/180))
	return p
}

func TestNearby(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	p := ward(set, 5)
	near := offsetNorth(p, 100)
	rejected := offsetEast(p, 50)
	far := kilometreAway(t, set, p)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		a := s.signInResident("0912100015")
		b := s.signInResident("0912100016")
		c := s.signInResident("0912100017")
		ioc := s.createOfficial("ioc_operator", "ioc.op", "")
		here := fileTicket(t, s, a.AccessToken, wfReport("MT", p, "Rác thải đổ trộm ở góc đường", true))
		hundred := fileTicket(t, s, b.AccessToken, wfReport("MT", near, "Rác bốc mùi", true))
		fileTicket(t, s, a.AccessToken, wfReport("MT", far, "Rác ở xa", false))
		closed := fileTicket(t, s, b.AccessToken, wfReport("MT", rejected, "Rác đã dọn", false))
		step(t, s, ioc.AccessToken, closed, "reject", fields{"reason": "not_a_real_problem"}, "rejected")
		fileTicket(t, s, a.AccessToken, wfReport("TTDT", p, "Lấn chiếm vỉa hè", false))
		private := fileTicket(t, s, a.AccessToken, wfReport("ANTT.03", p, "Cướp giật điện thoại", false))

		nearby := func(category string) []wfTicket {
			t.Helper()
			var out struct{ Tickets []wfTicket }
			q := fmt.Sprintf("/v1/tickets/nearby?lat=%v&lng=%v&category=%s", p.lat, p.lng, category)
			s.request(t, "GET", q, c.AccessToken, nil).expect(t, http.StatusOK).json(t, &out)
			return out.Tickets
		}
		checkNearbyDistances(t, nearby("MT"), p, here.ID, p, hundred.ID, near)
		if got := nearby("ANTT.03"); len(got) != 0 {
			t.Errorf("nearby lists private tickets: %v (private ticket %s)", ids(got), private.ID)
		}
		s.request(t, "GET", fmt.Sprintf("/v1/tickets/nearby?lat=%v&lng=%v&category=MT", p.lat, p.lng), "", nil).expect(t, http.StatusUnauthorized)
		s.request(t, "GET", fmt.Sprintf("/v1/tickets/nearby?lng=%v&category=MT", p.lng), c.AccessToken, nil).expect(t, http.StatusBadRequest)

		checkMeToo(t, s, a.AccessToken, c.AccessToken, here.ID, private.ID)
	})
}

// TestNearbyShowsTheNearestOpenPublicFive files eight reports within 140 m of a point, makes
// two of them private, and checks that nearby shows the five nearest of the others (by their
// public points, ties by id): the search ranks places before it reads documents, and must
// still skip the private ones it reads and stop at five.
func TestNearbyShowsTheNearestOpenPublicFive(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	p := ward(set, 3)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		a := s.signInResident("0912100031")
		c := s.signInResident("0912100032")
		ioc := s.createOfficial("ioc_operator", "ioc.op", "")
		type filed struct {
			id      string
			d       float64
			private bool
		}
		var all []filed
		for i := range 8 {
			w := offsetNorth(p, float64(20*i))
			tk := fileTicket(t, s, a.AccessToken, wfReport("MT", w, fmt.Sprintf("Rác thải số %d", i), false))
			f := filed{id: tk.ID, d: math.Round(haversine(p.lat, p.lng, math.Round(w.lat*1000)/1000, math.Round(w.lng*1000)/1000))}
			if i%3 == 0 && i < 6 { // two of the nearest
				step(t, s, ioc.AccessToken, tk, "set_private", fields{"reason": "Biển số xe"}, "received")
				f.private = true
			}
			all = append(all, f)
		}
		slices.SortFunc(all, func(x, y filed) int {
			return cmp.Or(cmp.Compare(x.d, y.d), cmp.Compare(x.id, y.id))
		})
		var want []string
		public := 0
		for _, f := range all {
			if f.private || f.d > 250 { // the default radius, to the rounded point
				continue
			}
			if public++; len(want) < 5 {
				want = append(want, f.id)
			}
		}
		if public < 6 {
			t.Fatalf("only %d public reports within 250 m: the test needs more than five (%+v)", public, all)
		}
		var out struct{ Tickets []wfTicket }
		q := fmt.Sprintf("/v1/tickets/nearby?lat=%v&lng=%v&category=MT", p.lat, p.lng)
		s.request(t, "GET", q, c.AccessToken, nil).expect(t, http.StatusOK).json(t, &out)
		if !slices.Equal(ids(out.Tickets), want) {
			t.Errorf("nearby %v, want the five nearest public reports %v (all, nearest first: %+v)", ids(out.Tickets), want, all)
		}
	})
}

// kilometreAway is a point 1 km from p (north, south, east or west) that is still in the city.
func kilometreAway(t *testing.T, set *geo.BoundarySet, p wardPoint) wardPoint {
	t.Helper()
	var far wardPoint
	for _, c := range []wardPoint{offsetNorth(p, 1000), offsetNorth(p, -1000), offsetEast(p, 1000), offsetEast(p, -1000)} {
		if set.Locate(c.lat, c.lng, 0).Area != nil {
			far = c
			break
		}
	}
	if far.lat == 0 {
		t.Fatal("no point 1 km from the test point lies in the city")
	}
	return far
}

// checkNearbyDistances checks the tickets found near p: exactly the ticket filed at a and the one
// filed at b, nearest first, each with its distance to the public, rounded point (~100 m grid),
// each in its public view.
func checkNearbyDistances(t *testing.T, got []wfTicket, p wardPoint, aID string, a wardPoint, bID string, b wardPoint) {
	t.Helper()
	// Distances are to the public, rounded points (~100 m grid), nearest first.
	public := func(w wardPoint) float64 {
		return haversine(p.lat, p.lng, math.Round(w.lat*1000)/1000, math.Round(w.lng*1000)/1000)
	}
	want := []struct {
		id string
		d  float64
	}{{aID, public(a)}, {bID, public(b)}}
	if want[1].d < want[0].d {
		want[0], want[1] = want[1], want[0]
	}
	if !slices.Equal(ids(got), []string{want[0].id, want[1].id}) {
		t.Fatalf("nearby MT %v, want [%s %s] (nearest first; not the one 1 km away, not the rejected one)", ids(got), want[0].id, want[1].id)
	}
	for i, w := range want {
		if d := got[i].DistanceM; d == nil || math.Abs(*d-math.Round(w.d)) > 0.5 {
			t.Errorf("ticket %d distance_m %v, want %v (to the rounded point)", i, d, math.Round(w.d))
		}
		onlyPublic(t, "nearby", got[i])
	}
}

// checkMeToo has another resident (follower) follow the reporter's ticket here, found nearby,
// idempotently, read it, and unfollow it; the reporter cannot follow their own ticket and
// nobody can follow the private one.
func checkMeToo(t *testing.T, s *server, reporter, follower, here, private string) {
	t.Helper()
	// "Me too": another resident follows a ticket found nearby, idempotently, and then reads it.
	s.request(t, "GET", "/v1/tickets/"+here, follower, nil).expect(t, http.StatusNotFound)
	for i := 0; i < 2; i++ {
		var f wfTicket
		cur := getTicket(t, s, reporter, here)
		act(t, s, follower, here, cur.Version, "follow", nil).expect(t, http.StatusOK).json(t, &f)
		if f.FollowersCount != 1 {
			t.Errorf("follow %d: followers_count %d, want 1", i+1, f.FollowersCount)
		}
	}
	view := getTicket(t, s, follower, here)
	onlyPublic(t, "follower", view)
	cur := getTicket(t, s, reporter, here)
	if r := act(t, s, reporter, here, cur.Version, "follow", nil); r.status == http.StatusOK {
		t.Errorf("the reporter follows their own ticket: %s", r.body)
	}
	curPrivate := getTicket(t, s, reporter, private)
	refused(t, act(t, s, follower, private, curPrivate.Version, "follow", nil), http.StatusNotFound, "not_found", "")
	for i := 0; i < 2; i++ {
		cur = getTicket(t, s, reporter, here)
		var f wfTicket
		act(t, s, follower, here, cur.Version, "unfollow", nil).expect(t, http.StatusOK).json(t, &f)
		if f.FollowersCount != 0 {
			t.Errorf("unfollow %d: followers_count %d", i+1, f.FollowersCount)
		}
	}
	s.request(t, "GET", "/v1/tickets/"+here, follower, nil).expect(t, http.StatusNotFound)
}

// auditPage is the answer of GET /v1/admin/audit.
type auditPage struct {
	Records []struct {
		ID        string `json:"id"`
		At        string `json:"at"`
		ActorID   string `json:"actor_id"`
		ActorRole string `json:"actor_role"`
		Action    string `json:"action"`
		TicketID  string `json:"ticket_id"`
		SubjectID string `json:"subject_id"`
	} `json:"records"`
	NextCursor string `json:"next_cursor"`
}

// namedReader is an official reading tickets, with the name of their role.
type namedReader struct {
	name string
	tk   tokens
}

func TestReporterIdentityAndAudit(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 6)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		res := s.signInResident("0912100018")
		unit := unitOf(x.code, "cong_an")
		officer := s.createOfficial("officer", "officer.x", unit)
		ioc := s.createOfficial("ioc_operator", "ioc.op", "")
		viewer := s.createOfficial("ioc_viewer", "ioc.viewer", "")
		admin := s.createOfficial("admin", "admin2", "")

		contact := fileTicket(t, s, res.AccessToken, wfReport("ANTT.01", x, "", true))
		noContact := fileTicket(t, s, res.AccessToken, wfReport("ANTT.01", x, "", false))
		confidential := fileTicket(t, s, res.AccessToken, wfReport("ANTT.05", x, "", true))

		checkReporterIdentity(t, s, res, []namedReader{{"officer", officer}, {"ioc_operator", ioc}, {"ioc_viewer", viewer}},
			contact, noContact, confidential)
		if mine := getTicket(t, s, res.AccessToken, contact.ID); mine.Reporter != nil && mine.Reporter.Phone != "" && mine.Reporter.Phone != res.User.Phone {
			t.Errorf("reporter's own view carries someone's phone %q", mine.Reporter.Phone)
		}

		audit := func(t *testing.T, query string) auditPage {
			t.Helper()
			var p auditPage
			s.request(t, "GET", "/v1/admin/audit"+query, admin.AccessToken, nil).expect(t, http.StatusOK).json(t, &p)
			return p
		}
		checkRevealAudit(t, audit, res, officer, ioc, contact.ID, noContact.ID, confidential.ID)
		checkAuditPages(t, audit)
		for _, who := range []tokens{officer, ioc, viewer, res} {
			refused(t, s.request(t, "GET", "/v1/admin/audit", who.AccessToken, nil), http.StatusForbidden, "forbidden", "")
		}
		s.request(t, "GET", "/v1/admin/audit", "", nil).expect(t, http.StatusUnauthorized)
	})
}

// checkReporterIdentity checks what each reader (officer, IOC operator, IOC viewer, in that
// order) sees of the reporter res of the three tickets: a stable pseudonym that does not reveal
// the phone, and the phone only where the reader may see it.
func checkReporterIdentity(t *testing.T, s *server, res tokens, readers []namedReader, contact, noContact, confidential wfTicket) {
	t.Helper()
	officerR, iocR, viewerR := readers[0], readers[1], readers[2]
	pseudonyms := map[string]string{}
	for _, c := range []struct {
		ticket    wfTicket
		who       namedReader
		wantPhone bool
	}{
		{contact, officerR, true},
		{noContact, officerR, false},
		{confidential, officerR, false},
		{contact, iocR, true},
		{noContact, iocR, true},
		{confidential, iocR, true},
		{confidential, viewerR, true},
	} {
		name := fmt.Sprintf("%s reads %s allow_contact=%v", c.who.name, c.ticket.Category, c.ticket.ID == contact.ID || c.ticket.ID == confidential.ID)
		t.Run(name, func(t *testing.T) {
			got := getTicket(t, s, c.who.tk.AccessToken, c.ticket.ID)
			if got.Reporter == nil || got.Reporter.Pseudonym == "" {
				t.Fatalf("reporter %+v, want at least a pseudonym", got.Reporter)
			}
			if c.wantPhone != (got.Reporter.Phone == res.User.Phone) || (!c.wantPhone && got.Reporter.Phone != "") {
				t.Errorf("reporter phone %q, want visible=%v (%s)", got.Reporter.Phone, c.wantPhone, res.User.Phone)
			}
			if strings.Contains(got.Reporter.Pseudonym, strings.TrimPrefix(res.User.Phone, "+84")) {
				t.Errorf("pseudonym %q reveals the phone", got.Reporter.Pseudonym)
			}
			if p, ok := pseudonyms[c.ticket.ID]; ok && p != got.Reporter.Pseudonym {
				t.Errorf("pseudonym changes between reads: %q, %q", p, got.Reporter.Pseudonym)
			}
			pseudonyms[c.ticket.ID] = got.Reporter.Pseudonym
		})
	}
}

// checkRevealAudit checks the reveal_reporter records the admin's audit shows: the IOC
// operator's reveal of the reporter res of noContact, the officer's of contact, none for the
// officer's pseudonymous read of confidential, and the from and to filters.
func checkRevealAudit(t *testing.T, audit func(t *testing.T, query string) auditPage, res, officer, ioc tokens, contact, noContact, confidential string) {
	t.Helper()
	got := audit(t, "?action=reveal_reporter&ticket="+noContact)
	found := false
	for _, r := range got.Records {
		if r.Action != "reveal_reporter" || r.TicketID != noContact {
			t.Errorf("filter action+ticket returned %+v", r)
		}
		if r.ActorID == ioc.User.ID && r.ActorRole == "ioc_operator" && r.SubjectID == res.User.ID && r.At != "" && r.ID != "" {
			found = true
		}
	}
	if !found {
		t.Errorf("no reveal_reporter record of the IOC operator reading %s: %+v", noContact, got.Records)
	}
	// Every reveal is audited, the unit's too; a pseudonymous read is not a reveal.
	if got := audit(t, "?action=reveal_reporter&ticket="+contact+"&actor="+officer.User.ID); len(got.Records) == 0 {
		t.Error("the unit's read of an allow_contact report's phone left no audit record")
	}
	if got := audit(t, "?action=reveal_reporter&ticket="+confidential+"&actor="+officer.User.ID); len(got.Records) != 0 {
		t.Errorf("a pseudonymous read was audited as a reveal: %+v", got.Records)
	}
	if got := audit(t, "?action=reveal_reporter&from="+url.QueryEscape(rfc(time.Now().Add(time.Hour)))); len(got.Records) != 0 {
		t.Errorf("from in the future returned %d records", len(got.Records))
	}
	if got := audit(t, "?action=reveal_reporter&to="+url.QueryEscape(rfc(time.Now().Add(-time.Hour)))); len(got.Records) != 0 {
		t.Errorf("to in the past returned %d records", len(got.Records))
	}
}

// checkAuditPages checks that keyset pages of one record cover all reveals once.
func checkAuditPages(t *testing.T, audit func(t *testing.T, query string) auditPage) {
	t.Helper()
	total := len(audit(t, "?action=reveal_reporter&limit=100").Records)
	seen := map[string]bool{}
	cursor := ""
	for i := 0; i <= total; i++ {
		p := audit(t, "?action=reveal_reporter&limit=1&cursor="+url.QueryEscape(cursor))
		for _, r := range p.Records {
			if seen[r.ID] {
				t.Errorf("record %s on two pages", r.ID)
			}
			seen[r.ID] = true
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	if total < 4 || len(seen) != total {
		t.Errorf("paged %d of %d reveal records (want at least the IOC's 4 reveals)", len(seen), total)
	}
}
