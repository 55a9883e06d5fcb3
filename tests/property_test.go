package tests

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"pgregory.net/rapid"

	"phananh/models"
)

// The workflow as a state machine, driven at random through the real HTTP API: rapid draws
// sequences of (ticket, caller, action, stale version?) steps on a few fresh tickets; a model
// predicts every answer from models.Transitions (models.Next) and the access policy, and after
// every step the ticket as the IOC sees it must match the model. Invariants checked each step:
//
//   - only transitions of the table happen: a 200 moves the state to models.Next(from, action, role)
//     and anything the table (or the policy) does not allow is refused with the predicted status
//     and changes nothing;
//   - history length = version, and history is append-only (earlier events never change);
//   - final tickets (closed, rejected, duplicate, withdrawn) are immutable but for notes,
//     unfollow and the reporter's reopen;
//   - deadlines never move except on an approved extension (to exactly the approved time), on the
//     resident's answer (later, by the paused time) and on the restarts (transfer, reopen);
//   - ward scoping: an officer whose unit never held the ticket gets 404 for reading and acting;
//   - residents see only public history; another resident sees the ticket only while following.
//
// Default: 20 sequences on SQLite and 8 on MongoDB (12 and 4 under -race), each of 15–30 steps
// on two fresh tickets; PHANANH_LONG_TESTS=1 runs 300 (SQLite) and 30 (MongoDB) sequences of
// 30–60 steps (about 8 minutes: give go test -timeout 30m). -rapid.checks (or RAPID_CHECKS) given
// on the command line wins; -rapid.seed replays a run.

// pmActor is one caller of the property test.
type pmActor struct {
	name  string
	role  models.Role
	unit  string // officers and leaders
	token string
	id    string
}

// pmTicket is the model of one ticket.
type pmTicket struct {
	id          string
	state       models.State
	version     int
	unit        string
	prevUnits   []string
	bFollows    bool // the other resident follows
	extPending  bool
	extBy       string // who asked for the pending extension
	extDue      time.Time
	reopens     int
	triageDue   string
	resolveDue  string
	history     []wfEvent // internal history as the IOC sees it
	frozenShape string    // the fields of a final ticket that must never change
}

var finalStates = []models.State{models.StateClosed, models.StateRejected, models.StateDuplicate, models.StateWithdrawn}

// frozen renders the fields of a ticket that only transitions and restarts may change.
func frozen(tk wfTicket) string {
	return fmt.Sprintf("%s|%s|%s|%s|%s|%s|%d|%s|%s|%s|%s", tk.State, tk.Unit.ID, tk.Area.Code, tk.TriageDueAt, tk.ResolveDueAt,
		tk.Outcome, tk.Rating, tk.ResultNote, tk.RejectReason, tk.DuplicateOf, tk.OnTimeClass)
}

// pmWorld is the server and callers shared by all sequences of one store.
type pmWorld struct {
	s          *server
	actors     []pmActor
	viewer     pmActor  // ioc_viewer: reads everything, acts never
	names      []string // of actors, which rapid draws (tokens stay out of its logs)
	x, y       wardPoint
	unitX      string
	unitY      string
	reopenMax  int
	maxSteps   int
	stepsTotal int
	okTotal    int
	accepted   map[models.Action]int // accepted steps per action, logged as coverage
}

// pmUnmodelled are the actions the model leaves out: the IOC's triage corrections change the
// category, the unit, the deadlines, who may see the ticket (privacy hides it from its
// followers) and what the public reads, which the model does not track; TestTriage* (triage_test.go) and the app's
// triage tests cover them. A merge changes a second ticket's media and followers, which the
// model does not track either; TestMerge* (duplicates_test.go) cover it.
var pmUnmodelled = []models.Action{models.ActRecategorize, models.ActSetPrivate, models.ActSetPublic, models.ActHideFromPublic, models.ActMerge}

// pmActions are the actions rapid draws: those the model knows, and two it must see refused.
var pmActions = append(slices.DeleteFunc(slices.Clone(models.Actions), func(a models.Action) bool {
	return slices.Contains(pmUnmodelled, a)
}), models.ActSubmit, "explode")

func TestWorkflowStateMachineProperty(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 3), ward(set, 4)
	long := os.Getenv("PHANANH_LONG_TESTS") == "1"
	eachStore(t, func(t *testing.T, st storeKind) {
		checks, steps := 20, 30
		if st.mongo != nil {
			checks = 8
		}
		if raceBuild { // the race detector makes both processes 2–3 times slower
			checks = checks * 3 / 5
		}
		if long {
			checks, steps = 300, 60
			if st.mongo != nil {
				checks = 30
			}
		}
		checks = setRapidChecks(t, checks)
		s := startServer(t, st)
		w := &pmWorld{s: s, x: x, y: y, unitX: unitOf(x.code, "ubnd"), unitY: unitOf(y.code, "ubnd"), reopenMax: 1, maxSteps: steps,
			accepted: map[models.Action]int{}}
		user := func(name string, role models.Role, unit string, tk tokens) pmActor {
			return pmActor{name: name, role: role, unit: unit, token: tk.AccessToken, id: tk.User.ID}
		}
		w.actors = []pmActor{
			user("reporter", models.RoleResident, "", s.signInResident("0912300001")),
			user("other_resident", models.RoleResident, "", s.signInResident("0912300002")),
			user("officer_x", models.RoleOfficer, w.unitX, s.createOfficial("officer", "pm.officer.x", w.unitX)),
			user("officer_y", models.RoleOfficer, w.unitY, s.createOfficial("officer", "pm.officer.y", w.unitY)),
			user("leader_x", models.RoleLeader, w.unitX, s.createOfficial("leader", "pm.leader.x", w.unitX)),
			user("ioc_operator", models.RoleIOCOperator, "", s.createOfficial("ioc_operator", "pm.ioc.op", "")),
			user("admin", models.RoleAdmin, "", s.createOfficial("admin", "pm.admin", "")),
		}
		w.viewer = user("ioc_viewer", models.RoleIOCViewer, "", s.createOfficial("ioc_viewer", "pm.ioc.viewer", ""))
		w.actors = append(w.actors, w.viewer)
		for _, a := range w.actors {
			w.names = append(w.names, a.name)
		}
		start := time.Now()
		rapid.Check(t, w.sequence)
		t.Logf("%s: %d steps (%d accepted) in %v; accepted per action: %v", st.name, w.stepsTotal, w.okTotal,
			time.Since(start).Round(time.Millisecond), w.accepted)
		// With 20 sequences or more each of these is accepted several times; none at all means
		// the generator no longer reaches the workflow's depth.
		for _, a := range []models.Action{models.ActAccept, models.ActRequestInfo, models.ActRequestExt, models.ActResolve, models.ActTransfer} {
			if checks >= 20 && !testing.Short() && w.accepted[a] == 0 {
				t.Errorf("no %s was ever accepted: the generator does not explore the workflow", a)
			}
		}
	})
}

// setRapidChecks sets rapid's number of sequences for this test unless -rapid.checks (or
// RAPID_CHECKS) was given, and returns the number in force.
func setRapidChecks(t *testing.T, n int) int {
	f := flag.Lookup("rapid.checks")
	given := false
	flag.Visit(func(fl *flag.Flag) { given = given || fl.Name == "rapid.checks" })
	if _, env := os.LookupEnv("RAPID_CHECKS"); given || env {
		n, _ = strconv.Atoi(f.Value.String())
		return n
	}
	old := f.Value.String()
	if err := f.Value.Set(strconv.Itoa(n)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Value.Set(old) })
	return n
}

// get reads a ticket as a caller: the status and, on 200, the ticket.
func (w *pmWorld) get(rt *rapid.T, a pmActor, id string) (int, wfTicket, []byte) {
	r, err := w.s.do("GET", "/v1/tickets/"+id, a.token, nil)
	if err != nil {
		rt.Fatalf("GET %s as %s: %v", id, a.name, err)
	}
	var tk wfTicket
	if r.status == http.StatusOK {
		if err := json.Unmarshal(r.body, &tk); err != nil {
			rt.Fatalf("decode %s: %v", r.body, err)
		}
	}
	return r.status, tk, r.body
}

// file creates one ticket in ward x and its model.
func (w *pmWorld) file(rt *rapid.T, n int) *pmTicket {
	r, err := w.s.do("POST", "/v1/tickets", w.actors[0].token, wfReport("TTDT", w.x, fmt.Sprintf("Lấn chiếm vỉa hè, kiểm thử thuộc tính %d", n), true))
	if err != nil || r.status != http.StatusCreated {
		rt.Fatalf("file: %v %d %s", err, r.status, r.body)
	}
	var tk wfTicket
	if err := json.Unmarshal(r.body, &tk); err != nil {
		rt.Fatalf("decode %s: %v", r.body, err)
	}
	_, full, _ := w.get(rt, w.viewer, tk.ID)
	return &pmTicket{id: tk.ID, state: models.StateReceived, version: 1, unit: w.unitX, triageDue: full.TriageDueAt,
		resolveDue: full.ResolveDueAt, history: full.History}
}

func (w *pmWorld) actor(name string) pmActor { return w.actors[slices.Index(w.names, name)] }

// access is the model of models.Principal.TicketAccess.
func (w *pmWorld) access(a pmActor, m *pmTicket) models.Access {
	switch {
	case a.name == "reporter":
		return models.AccessReporter
	case a.role == models.RoleResident && m.bFollows:
		return models.AccessFollower
	case a.role == models.RoleResident:
		return models.AccessNone
	case a.role.SeesAllTickets():
		return models.AccessIOC
	case a.unit == m.unit:
		return models.AccessUnit
	case slices.Contains(m.prevUnits, a.unit):
		return models.AccessPrevUnit
	}
	return models.AccessNone
}

func roleMay(r models.Role, a models.Action) bool {
	for _, t := range models.Transitions() {
		if t.Action == a && slices.Contains(t.Roles, r) {
			return true
		}
	}
	return false
}

// expect predicts the status of action by a on m (other is the other ticket of the sequence,
// officer the user an assign names).
func (w *pmWorld) expect(a pmActor, m, other *pmTicket, action models.Action, stale bool, officer pmActor) (int, string) {
	acc := w.access(a, m)
	follow := action == models.ActFollow || action == models.ActUnfollow
	switch {
	case action == models.ActSubmit || !slices.Contains(models.Actions, action):
		return http.StatusBadRequest, "unknown action"
	case slices.Contains([]models.Action{models.ActAutoClose, models.ActRemind, models.ActEscalate, models.ActMoveDeadline, models.ActReroute,
		models.ActRemindInfo, models.ActCloseNoResponse, models.ActReturnToUnit}, action):
		return http.StatusForbidden, "system action"
	case acc == models.AccessNone && !(a.role == models.RoleResident && follow):
		return http.StatusNotFound, "invisible"
	case !roleMay(a.role, action):
		return http.StatusForbidden, "role never may"
	case a.role == models.RoleResident && slices.Contains([]models.Action{models.ActProvideInfo, models.ActWithdraw, models.ActRate, models.ActReopen, models.ActAddComment}, action) && acc != models.AccessReporter:
		return http.StatusForbidden, "reporter only"
	case a.role == models.RoleResident && follow && acc == models.AccessReporter:
		return http.StatusForbidden, "reporter follows"
	case a.role.NeedsUnit() && acc != models.AccessUnit:
		return http.StatusForbidden, "not the unit"
	case stale:
		return http.StatusConflict, "stale version"
	case follow && (action == models.ActFollow) == m.bFollows:
		return http.StatusOK, "no-op"
	}
	if _, ok := models.Next(m.state, action, a.role); !ok {
		return http.StatusConflict, "not in the table"
	}
	switch action {
	case models.ActMarkDuplicate:
		if !other.state.Open() {
			return http.StatusUnprocessableEntity, "original closed"
		}
		if w.access(a, other) == models.AccessNone {
			return http.StatusUnprocessableEntity, "original invisible to the caller"
		}
	case models.ActAssign:
		if officer.unit != m.unit {
			return http.StatusUnprocessableEntity, "officer of another unit"
		}
	case models.ActRequestExt:
		if m.extPending {
			return http.StatusConflict, "extension pending"
		}
	case models.ActApproveExt, models.ActDenyExt:
		if !m.extPending {
			return http.StatusConflict, "no extension pending"
		}
		if action == models.ActApproveExt && a.id == m.extBy {
			return http.StatusForbidden, "approver asked"
		}
	case models.ActReopen:
		if m.reopens >= w.reopenMax {
			return http.StatusConflict, "reopened enough"
		}
	}
	return http.StatusOK, "allowed"
}

// sequence is one rapid check: two fresh tickets, then random steps.
func (w *pmWorld) sequence(rt *rapid.T) {
	tickets := []*pmTicket{w.file(rt, 0), w.file(rt, 1)}
	n := rapid.IntRange(w.maxSteps/2, w.maxSteps).Draw(rt, "steps")
	for i := 0; i < n; i++ {
		w.step(rt, i, tickets)
	}
}

func (w *pmWorld) step(rt *rapid.T, i int, tickets []*pmTicket) {
	ti := rapid.IntRange(0, len(tickets)-1).Draw(rt, "ticket")
	m, other := tickets[ti], tickets[1-ti]
	officer := w.actor(rapid.SampledFrom(w.names[2:5]).Draw(rt, "officer"))
	a, action := w.pickMove(rt, m, other, officer)
	stale := rapid.IntRange(0, 9).Draw(rt, "stale") == 0
	version := m.version
	if stale {
		version = m.version - 1
		if version < 1 {
			version = m.version + 1
		}
	}

	body, extDue := w.actionBody(rt, i, m, other, action, version, officer)
	wantStatus, why := w.expect(a, m, other, action, stale, officer)
	rt.Logf("step %d: %s %s on ticket %d (%s, version %d, stale %v): want %d (%s)", i, a.name, action, ti, m.state, m.version, stale, wantStatus, why)
	before := time.Now()
	r, err := w.s.do("POST", "/v1/tickets/"+m.id+"/actions", a.token, body)
	if err != nil {
		rt.Fatalf("step %d: %v", i, err)
	}
	w.stepsTotal++
	if r.status != wantStatus {
		rt.Fatalf("step %d: %s %s on %s ticket (version %d, unit %s, stale %v): status %d, want %d (%s); body %s",
			i, a.name, action, m.state, m.version, m.unit, stale, r.status, wantStatus, why, r.body)
	}
	prev := *m
	changed := r.status == http.StatusOK && why != "no-op"
	if changed {
		w.apply(m, a, action, extDue)
	}
	w.verify(rt, i, m, &prev, a, action, changed, before)
	if action == models.ActMarkDuplicate && changed {
		// The original gains the duplicate's reporter as follower — here the same resident, so
		// nothing; it must not have changed.
		w.verify(rt, i, other, other, a, "", false, before)
	}
}

// pickMove draws who acts and how. Most steps pick a move the model allows, mostly one that
// moves the ticket forward (not a note, follow or a path to rejected/duplicate/withdrawn), so
// sequences reach resolution, extensions, rating and reopening; the rest pick any caller and
// any action, mostly refused.
func (w *pmWorld) pickMove(rt *rapid.T, m, other *pmTicket, officer pmActor) (pmActor, models.Action) {
	type move struct {
		a      pmActor
		action models.Action
	}
	sideways := []models.Action{models.ActNote, models.ActFollow, models.ActUnfollow, models.ActReject, models.ActMarkDuplicate, models.ActWithdraw}
	var allowed, forward []move
	for _, a := range w.actors {
		for _, action := range pmActions {
			if st, why := w.expect(a, m, other, action, false, officer); st == http.StatusOK && why == "allowed" {
				allowed = append(allowed, move{a, action})
				if !slices.Contains(sideways, action) {
					forward = append(forward, move{a, action})
				}
			}
		}
	}
	var a pmActor
	var action models.Action
	guide := rapid.IntRange(0, 9).Draw(rt, "guide")
	if guide >= 3 && len(forward) > 0 {
		allowed = forward
	}
	if len(allowed) > 0 && guide > 0 {
		mv := allowed[rapid.IntRange(0, len(allowed)-1).Draw(rt, "move")]
		a, action = mv.a, mv.action
	} else {
		a = w.actor(rapid.SampledFrom(w.names).Draw(rt, "actor"))
		action = rapid.SampledFrom(pmActions).Draw(rt, "action")
	}
	return a, action
}

// actionBody is the request body of action on ticket m at step i, with the fields the action
// takes; extDue is the deadline a requested extension asks for.
func (w *pmWorld) actionBody(rt *rapid.T, i int, m, other *pmTicket, action models.Action, version int, officer pmActor) (body map[string]any, extDue time.Time) {
	body = map[string]any{"action": string(action), "expected_version": version}
	switch action {
	case models.ActReject:
		body["reason"] = "insufficient_info"
	case models.ActTransfer:
		body["reason"] = "Sai địa bàn"
		body["area"] = w.x.code
		if m.unit == w.unitX {
			body["area"] = w.y.code
		}
	case models.ActMarkDuplicate:
		body["duplicate_of"] = other.id
	case models.ActRequestInfo, models.ActProvideInfo:
		body["note"] = "Xin cho biết số nhà cụ thể."
	case models.ActResolve:
		body["outcome"], body["note"] = "fixed", "Đã dọn dẹp vỉa hè."
	case models.ActNote, models.ActAddComment:
		body["note"] = fmt.Sprintf("Ghi chú %d", i)
		body["visibility"] = rapid.SampledFrom([]string{"internal", "public"}).Draw(rt, "visibility")
	case models.ActAssign:
		body["officer"] = officer.id
	case models.ActRequestExt:
		extDue = parseRFC(rt, m.resolveDue).Add(72 * time.Hour).Truncate(time.Second)
		body["reason"], body["due_at"] = "Cần phối hợp liên ngành", rfc(extDue)
	case models.ActRate:
		body["rating"] = rapid.IntRange(1, 5).Draw(rt, "rating")
	case models.ActReopen:
		body["reason"] = "Vẫn còn lấn chiếm"
	}
	return body, extDue
}

// apply moves the model of ticket m on by a's accepted action.
func (w *pmWorld) apply(m *pmTicket, a pmActor, action models.Action, extDue time.Time) {
	w.okTotal++
	w.accepted[action]++
	next, _ := models.Next(m.state, action, a.role)
	m.state, m.version = next, m.version+1
	switch action {
	case models.ActTransfer:
		m.prevUnits = append(m.prevUnits, m.unit)
		m.unit = map[string]string{w.unitX: w.unitY, w.unitY: w.unitX}[m.unit]
		m.extPending = false
	case models.ActRequestExt:
		m.extPending, m.extBy, m.extDue = true, a.id, extDue
	case models.ActApproveExt, models.ActDenyExt, models.ActResolve:
		m.extPending = false
	case models.ActReopen:
		m.reopens++
	case models.ActFollow:
		m.bFollows = true
	case models.ActUnfollow:
		m.bFollows = false
	}
}

func parseRFC(rt *rapid.T, s string) time.Time {
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		rt.Fatalf("time %q: %v", s, err)
	}
	return tm
}

// verify compares the ticket as the IOC, the reporter, the other resident and an outside
// officer see it with the model after one step.
func (w *pmWorld) verify(rt *rapid.T, i int, m, prev *pmTicket, a pmActor, action models.Action, changed bool, before time.Time) {
	status, tk, raw := w.get(rt, w.viewer, m.id)
	if status != http.StatusOK {
		rt.Fatalf("step %d: the IOC viewer reads %d: %s", i, status, raw)
	}
	fail := func(format string, args ...any) {
		rt.Fatalf("step %d (%s %s, %s → %s): %s\nticket %s", i, a.name, action, prev.state, m.state, fmt.Sprintf(format, args...), raw)
	}
	if models.State(tk.State) != m.state || tk.Version != m.version || tk.Unit.ID != m.unit {
		fail("state %s version %d unit %s, model %s %d %s", tk.State, tk.Version, tk.Unit.ID, m.state, m.version, m.unit)
	}
	if len(tk.History) != tk.Version {
		fail("history has %d events at version %d", len(tk.History), tk.Version)
	}
	if len(prev.history) > len(tk.History) || !slices.Equal(tk.History[:len(prev.history)], prev.history) {
		fail("history is not append-only:\nbefore %+v\nafter  %+v", prev.history, tk.History)
	}
	if changed {
		if e := tk.History[len(tk.History)-1]; e.Action != string(action) || models.State(e.To) != m.state ||
			models.State(e.From) != prev.state || models.Role(e.ActorRole) != a.role {
			fail("last event %+v", e)
		}
	}
	if (tk.Extension != nil) != m.extPending {
		fail("extension %+v, model pending %v", tk.Extension, m.extPending)
	}
	if want := map[bool]int{true: 1}[m.bFollows]; tk.FollowersCount != want {
		fail("followers_count %d, want %d", tk.FollowersCount, want)
	}

	checkDeadlines(rt, fail, tk, prev, action, changed, before)

	// Final tickets are immutable but for notes, unfollow and reopen.
	if slices.Contains(finalStates, prev.state) && changed {
		if !slices.Contains([]models.Action{models.ActNote, models.ActUnfollow, models.ActReopen}, action) {
			fail("a %s ticket accepted %s", prev.state, action)
		}
		if action != models.ActReopen && frozen(tk) != prev.frozenShape {
			fail("a %s ticket changed: %s → %s", prev.state, prev.frozenShape, frozen(tk))
		}
	}
	m.triageDue, m.resolveDue, m.history, m.frozenShape = tk.TriageDueAt, tk.ResolveDueAt, tk.History, frozen(tk)
	w.checkOtherViews(rt, fail, m, tk)
}

// checkDeadlines compares the deadlines of tk after action (changed or not, sent at before) with
// those of the model before it, prev.
func checkDeadlines(rt *rapid.T, fail func(format string, args ...any), tk wfTicket, prev *pmTicket, action models.Action, changed bool, before time.Time) {
	switch {
	case !changed:
		if tk.TriageDueAt != prev.triageDue || tk.ResolveDueAt != prev.resolveDue {
			fail("deadlines moved without a change: %s %s → %s %s", prev.triageDue, prev.resolveDue, tk.TriageDueAt, tk.ResolveDueAt)
		}
	case action == models.ActApproveExt:
		if got := parseRFC(rt, tk.ResolveDueAt); !got.Equal(prev.extDue) || tk.TriageDueAt != prev.triageDue {
			fail("approved extension: resolve_due_at %s, want %s", tk.ResolveDueAt, rfc(prev.extDue))
		}
	case action == models.ActProvideInfo:
		if parseRFC(rt, tk.ResolveDueAt).Before(parseRFC(rt, prev.resolveDue)) || tk.TriageDueAt != prev.triageDue {
			fail("the answer moved the deadline earlier: %s → %s", prev.resolveDue, tk.ResolveDueAt)
		}
	case action == models.ActTransfer || action == models.ActReopen:
		// The clock starts over from the action.
		if !parseRFC(rt, tk.ResolveDueAt).After(before.Add(-time.Second)) {
			fail("restarted deadline %s lies before the action", tk.ResolveDueAt)
		}
		if action == models.ActReopen && tk.TriageDueAt != prev.triageDue {
			fail("reopen moved the triage deadline %s → %s", prev.triageDue, tk.TriageDueAt)
		}
	default:
		if tk.TriageDueAt != prev.triageDue || tk.ResolveDueAt != prev.resolveDue {
			fail("%s moved the deadlines: %s %s → %s %s", action, prev.triageDue, prev.resolveDue, tk.TriageDueAt, tk.ResolveDueAt)
		}
	}
}

// checkOtherViews compares the ticket as the reporter, the other resident and an outside
// officer see it with the model m (tk is the IOC's view).
func (w *pmWorld) checkOtherViews(rt *rapid.T, fail func(format string, args ...any), m *pmTicket, tk wfTicket) {
	// The reporter: public history only, same version.
	_, mine, mineRaw := w.get(rt, w.actors[0], m.id)
	if mine.Version != m.version || mine.Reporter != nil || mine.Extension != nil || mine.AssignedTo != "" {
		fail("reporter view version %d or official fields: %s", mine.Version, mineRaw)
	}
	public := 0
	for _, e := range tk.History {
		if e.Visibility == "public" {
			public++
		}
	}
	for _, e := range mine.History {
		if e.Visibility != "public" {
			fail("the reporter sees a %s event %+v", e.Visibility, e)
		}
	}
	if len(mine.History) != public {
		fail("the reporter sees %d events, %d are public", len(mine.History), public)
	}
	// The other resident: only while following.
	if st, _, body := w.get(rt, w.actors[1], m.id); (st == http.StatusOK) != m.bFollows || (st != http.StatusOK && st != http.StatusNotFound) {
		fail("the other resident (following %v) reads %d: %s", m.bFollows, st, body)
	}
	// Ward scoping: each officer whose unit never held the ticket must not learn it exists.
	for _, o := range w.actors[2:5] {
		if o.unit == m.unit || slices.Contains(m.prevUnits, o.unit) {
			continue
		}
		if st, _, body := w.get(rt, o, m.id); st != http.StatusNotFound {
			fail("%s of another ward reads %d: %s", o.name, st, body)
		}
		break
	}
}
