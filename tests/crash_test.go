package tests

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"phananh/push/fcmtest"
)

// longTests reports whether the long variants of the reliability tests run
// (PHANANH_LONG_TESTS=1, documented in the README).
func longTests() bool { return os.Getenv("PHANANH_LONG_TESTS") == "1" }

// ackedStep is one write the server acknowledged with a 2xx: the ticket reached version by
// action.
type ackedStep struct {
	version int
	action  string
}

// ackLog records every acknowledged write of a load, by ticket.
type ackLog struct {
	mu    sync.Mutex
	steps map[string][]ackedStep
	order []string // ticket ids in the order their filing was acknowledged
	cut   int      // requests that got no answer: the server died under them
}

// writes counts the acknowledged writes so far.
func (l *ackLog) writes() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, steps := range l.steps {
		n += len(steps)
	}
	return n
}

func (l *ackLog) lost() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cut++
}

func (l *ackLog) ack(id string, version int, action string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.steps == nil {
		l.steps = map[string][]ackedStep{}
	}
	if _, ok := l.steps[id]; !ok {
		l.order = append(l.order, id)
	}
	l.steps[id] = append(l.steps[id], ackedStep{version, action})
}

// snapshot returns the ids of the tickets in filing order, the acknowledged steps of each, their
// number, and the number of requests cut by a kill.
func (l *ackLog) snapshot() (ids []string, acks map[string][]ackedStep, nAcks, cut int) {
	l.mu.Lock()
	ids = slices.Clone(l.order)
	acks, cut = l.steps, l.cut
	l.mu.Unlock()
	for _, a := range acks {
		nAcks += len(a)
	}
	return ids, acks, nAcks, cut
}

// crashCaller is a signed-in account whose tokens are renewed after every restart.
type crashCaller struct {
	access, refresh string
}

func (c *crashCaller) renew(t *testing.T, s *server) {
	t.Helper()
	var tk tokens
	s.request(t, "POST", "/v1/auth/refresh", "", map[string]string{"refresh_token": c.refresh}).expect(t, http.StatusOK).json(t, &tk)
	c.access, c.refresh = tk.AccessToken, tk.RefreshToken
}

// crashWriter files reports and moves them through the workflow. A report whose answer was
// lost (the server died) stays pending and is sent again, with the same Idempotency-Key, as
// soon as a server is back — as the app on a phone does — so every ticket that exists is known.
type crashWriter struct {
	id          int
	seq         int
	pendingKey  string
	pendingBody map[string]any
}

// crashPlans are the workflows the writers follow, in turn: a mix of open, resolved, rated,
// rejected tickets.
var crashPlans = [][]struct {
	action string
	f      fields
	byRep  bool
}{
	{{"accept", nil, false}, {"start", nil, false}, {"resolve", fields{"outcome": "fixed", "note": "Đã xử lý."}, false}, {"rate", fields{"rating": 5}, true}},
	{{"reject", fields{"reason": "not_a_real_problem"}, false}},
	{{"accept", nil, false}, {"resolve", fields{"outcome": "partially_fixed", "note": "Xử lý một phần."}, false}, {"rate", fields{"rating": 2}, true}},
	{{"accept", nil, false}, {"start", nil, false}},
	{},
}

// round runs the writer against s until stop is closed or a request fails in transport (the
// server was killed). Unexpected answers are test errors.
func (w *crashWriter) round(t *testing.T, s *server, rep, officer *crashCaller, x wardPoint, log *ackLog, stop <-chan struct{}) {
	for {
		if w.pendingKey == "" {
			select {
			case <-stop:
				return
			default:
			}
			w.seq++
			w.pendingKey = fmt.Sprintf("crash-%d-%d", w.id, w.seq)
			w.pendingBody = wfReport("TTDT", x, fmt.Sprintf("Lấn chiếm vỉa hè, người %d, số %d", w.id, w.seq), false)
		}
		r, err := s.do("POST", "/v1/tickets", rep.access, w.pendingBody, "Idempotency-Key: "+w.pendingKey)
		if err != nil {
			log.lost()
			return
		}
		if r.status != http.StatusCreated && r.status != http.StatusOK {
			t.Errorf("file report %s: status %d %s", w.pendingKey, r.status, r.body)
			return
		}
		var tk wfTicket
		if err := json.Unmarshal(r.body, &tk); err != nil || tk.ID == "" {
			t.Errorf("file report %s: %v %s", w.pendingKey, err, r.body)
			return
		}
		w.pendingKey = ""
		log.ack(tk.ID, 1, "submit")
		if tk.Version != 1 {
			continue // a retry answered with a ticket that moved on meanwhile: leave it
		}
		for _, st := range crashPlans[w.seq%len(crashPlans)] {
			select {
			case <-stop:
				return
			default:
			}
			who := officer
			if st.byRep {
				who = rep
			}
			r, err := s.do("POST", "/v1/tickets/"+tk.ID+"/actions", who.access, actBody(st.action, tk.Version, st.f))
			if err != nil {
				log.lost()
				return // the outcome is unknown: the ticket is left as it is and read at the end
			}
			var next wfTicket
			if r.status != http.StatusOK || json.Unmarshal(r.body, &next) != nil || next.Version != tk.Version+1 {
				t.Errorf("%s %s at version %d: status %d %s", st.action, tk.ID, tk.Version, r.status, r.body)
				return
			}
			log.ack(tk.ID, next.Version, st.action)
			tk = next
		}
	}
}

// pushEvents are the changes the reporter's phones hear about in the crash load (the rating is
// the reporter's own action and not pushed back to them).
var pushEvents = []string{"submit", "accept", "start", "resolve", "reject"}

// TestCrashSafety SIGKILLs the server at random moments under mixed load — intake with
// Idempotency-Keys, workflow actions, pushes dispatched to the fake FCM server, the sweeper at
// work — restarts it on the same store, and repeats (4 times; 20 with PHANANH_LONG_TESTS=1).
// Then: every acknowledged write is present; the derived effects converge (statistics equal a
// recount of the tickets, the change feed holds every version exactly once, every push reached
// every phone at least once); and `phananh admin stats rebuild` changes no figure.
func TestCrashSafety(t *testing.T) {
	t.Parallel()
	skipUnderRace(t)
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 6)
	kills := 4
	if longTests() {
		kills = 20
	}
	eachStore(t, func(t *testing.T, st storeKind) {
		seed := uint64(time.Now().UnixNano())
		rng := rand.New(rand.NewPCG(seed, 0))
		t.Logf("seed %d, %d kills", seed, kills)
		fake := fcmtest.New()
		defer fake.Close()
		env := append(pushEnv(fake), "SLA_INTERVAL=200ms", "PUSH_BATCH=20", "PUSH_LEASE=2s")
		s := startServer(t, st, env...)
		env = append(env, sameStore(s)...)
		repTk := s.signInResident("0912400001")
		registerDevice(t, s, repTk.AccessToken, "crash-a", "android", "vi-VN")
		registerDevice(t, s, repTk.AccessToken, "crash-b", "ios", "en-US")
		offTk := s.createOfficial("officer", "officer.crash", unitOf(x.code, "ubnd"))
		viewTk := s.createOfficial("ioc_viewer", "ioc.crash", "")
		rep := &crashCaller{repTk.AccessToken, repTk.RefreshToken}
		officer := &crashCaller{offTk.AccessToken, offTk.RefreshToken}
		viewer := &crashCaller{viewTk.AccessToken, viewTk.RefreshToken}
		feedKey := s.apiKey(t, "feed")

		log := &ackLog{}
		load := crashLoad{writers: []*crashWriter{{id: 1}, {id: 2}, {id: 3}}, rep: rep, officer: officer, x: x, log: log, rng: rng}
		start := time.Now()
		for i := range kills {
			load.round(t, s, true)
			if t.Failed() {
				return
			}
			s = startServer(t, storeKind{name: st.name}, env...)
			for _, c := range []*crashCaller{rep, officer, viewer} {
				c.renew(t, s)
			}
			if i == kills-1 {
				load.round(t, s, false) // a last stretch without a kill: every pending report is filed
			}
		}
		ids, acks, nAcks, cut := log.snapshot()
		t.Logf("%d kills in %s; %d tickets, %d acknowledged writes, %d requests cut by a kill", kills, time.Since(start).Round(time.Millisecond), len(ids), nAcks, cut)

		// 1. Every acknowledged write is there: the ticket, at least the version acknowledged,
		// and that version made by that action.
		final := checkAcknowledged(t, s, viewer.access, ids, acks)

		// 2. The statistics converge to a recount of the tickets.
		want := recountFinal(len(ids), final)
		summary := func() (statsFigures, map[string]any) { return summaryFigures(t, s, viewer.access) }
		converging := time.Now()
		var got statsFigures
		waitFor(t, "the statistics to equal the recount", 120*time.Second, func() bool { got, _ = summary(); return matchesRecount(got, want) })

		// 3. The change feed holds every version of every ticket exactly once, in order.
		waitFor(t, "the change feed to hold every version", 120*time.Second, func() bool {
			return checkFeed(t, s, feedKey, final, false)
		})
		checkFeed(t, s, feedKey, final, true)

		// 4. Every push reached both phones at least once.
		var missing []string
		waitFor(t, "every push", 180*time.Second, func() bool {
			missing = missingPushes(fake, final, []string{"crash-a", "crash-b"})
			return len(missing) == 0
		})
		unique, total := uniqueDeliveries(t, fake)
		t.Logf("converged %s after the last restart's load; pushes: %d distinct, %d sends (%d repeats after kills)",
			time.Since(converging).Round(time.Millisecond), unique, total, total-unique)

		// 5. Rebuilding the statistics from the tickets changes nothing.
		checkRebuildChangesNothing(t, s, viewer.access, len(ids))
	})
}

// matchesRecount reports whether the summary figures got equal the recount want, with nothing
// overdue.
func matchesRecount(got, want statsFigures) bool {
	return got.Received == want.Received && got.Backlog == want.Backlog && got.Resolved == want.Resolved &&
		got.Rejected == want.Rejected && got.Overdue == 0 && eqRate(got.SatisfactionRate, want.SatisfactionRate) &&
		eqRate(got.RatingRate, want.RatingRate)
}

// checkRebuildChangesNothing rebuilds the statistics of the n tickets with the CLI and checks the
// summary (as the caller of token) is the same before and after.
func checkRebuildChangesNothing(t *testing.T, s *server, token string, n int) {
	t.Helper()
	_, before := summaryFigures(t, s, token)
	if out, err := s.admin("", "stats", "rebuild"); err != nil || !strings.Contains(out, fmt.Sprintf("%d tickets", n)) {
		t.Fatalf("admin stats rebuild: %q %v", out, err)
	}
	_, after := summaryFigures(t, s, token)
	if d := cmp.Diff(before["figures"], after["figures"]); d != "" {
		t.Errorf("stats rebuild changed the summary (-before +after):\n%s", d)
	}
}

// crashLoad is the mixed load of TestCrashSafety: its writers, the resident and officer they
// act as in ward x, the log of acknowledged writes and the random source of the kills.
type crashLoad struct {
	writers      []*crashWriter
	rep, officer *crashCaller
	x            wardPoint
	log          *ackLog
	rng          *rand.Rand
}

// round runs the writers against s until, with kill, the server is SIGKILLed: after a random
// number of acknowledged writes (so that every life carries load however slow the machine or
// the store is) plus a random fraction of a second, which lands it anywhere in a request or
// between two. Without kill the writers run one round and stop.
func (l crashLoad) round(t *testing.T, s *server, kill bool) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, w := range l.writers {
		wg.Go(func() { w.round(t, s, l.rep, l.officer, l.x, l.log, stop) })
	}
	if kill {
		target := l.log.writes() + 2 + l.rng.IntN(12)
		waitFor(t, "load on the server", 120*time.Second, func() bool { return l.log.writes() >= target || t.Failed() })
		time.Sleep(time.Duration(l.rng.IntN(300)) * time.Millisecond)
		if err := s.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}

// checkAcknowledged reads every ticket (as the viewer of token) and checks each acknowledged
// write is there: the ticket, at least the version acknowledged, and that version made by that
// action; and one history event per version. It returns the tickets.
func checkAcknowledged(t *testing.T, s *server, token string, ids []string, acks map[string][]ackedStep) map[string]wfTicket {
	t.Helper()
	final := map[string]wfTicket{}
	for _, id := range ids {
		tk := getTicket(t, s, token, id)
		final[id] = tk
		for _, a := range acks[id] {
			if tk.Version < a.version || len(tk.History) < a.version || tk.History[a.version-1].Action != a.action {
				t.Errorf("ticket %s: acknowledged %s as version %d, now version %d history %v", id, a.action, a.version, tk.Version, tk.actions())
			}
		}
		if len(tk.History) != tk.Version {
			t.Errorf("ticket %s: version %d with %d history events", id, tk.Version, len(tk.History))
		}
	}
	return final
}

// recountFinal counts the summary figures of the tickets that TestCrashSafety compares: received
// (the number filed), backlog, resolved, rejected, and the satisfaction and rating rates.
func recountFinal(received int, final map[string]wfTicket) statsFigures {
	want := statsFigures{Received: received}
	rated, satisfied := 0, 0
	for _, tk := range final {
		switch tk.State {
		case "received", "assigned", "in_progress", "awaiting_info":
			want.Backlog++
		case "resolved", "closed":
			want.Resolved++
		case "rejected":
			want.Rejected++
		}
		if tk.Rating > 0 {
			rated++
			if tk.Rating >= 4 {
				satisfied++
			}
		}
	}
	if rated > 0 {
		want.SatisfactionRate = fptr(float64(satisfied) / float64(rated))
	}
	if want.Resolved > 0 {
		want.RatingRate = fptr(float64(rated) / float64(want.Resolved))
	}
	return want
}

// summaryFigures reads the statistics summary as the caller of token: its figures, and the
// whole answer as JSON values.
func summaryFigures(t *testing.T, s *server, token string) (statsFigures, map[string]any) {
	t.Helper()
	r := s.request(t, "GET", "/v1/stats/summary", token, nil).expect(t, http.StatusOK)
	var typed struct {
		Figures statsFigures `json:"figures"`
	}
	var raw map[string]any
	r.json(t, &typed)
	r.json(t, &raw)
	return typed.Figures, raw
}

// checkFeed reads the whole change feed and compares it with the tickets: every version exactly
// once, in version order per ticket, at increasing positions. With report false it only says
// whether the feed is complete (it may still be catching up).
func checkFeed(t *testing.T, s *server, key string, tickets map[string]wfTicket, report bool) bool {
	t.Helper()
	seen := map[string]int{}
	cursor, last, n := "", int64(0), 0
	for {
		var p feedPageBody
		s.request(t, "GET", "/v1/feed/changes?limit=1000&cursor="+cursor, "", nil, "X-API-Key: "+key).expect(t, http.StatusOK).json(t, &p)
		for _, ch := range p.Changes {
			n++
			tk, known := tickets[ch.TicketID]
			switch {
			case ch.Position <= last:
				t.Fatalf("feed position %d after %d", ch.Position, last)
			case !known:
				t.Fatalf("feed entry of a ticket nobody filed: %+v", ch)
			case ch.Version != seen[ch.TicketID]+1:
				t.Fatalf("ticket %s: feed has version %d where %d was due (repeat, gap or disorder)", ch.TicketID, ch.Version, seen[ch.TicketID]+1)
			case ch.Version > tk.Version || ch.Action != tk.History[ch.Version-1].Action:
				t.Fatalf("ticket %s: feed entry %+v does not match its history %v", ch.TicketID, ch, tk.actions())
			}
			last = ch.Position
			seen[ch.TicketID] = ch.Version
		}
		cursor = p.NextCursor
		if !p.HasMore {
			break
		}
	}
	complete := true
	for id, tk := range tickets {
		if seen[id] != tk.Version {
			complete = false
			if report {
				t.Errorf("ticket %s: feed has %d of its %d versions", id, seen[id], tk.Version)
			}
		}
	}
	return complete
}

// missingPushes lists the (ticket, version, device) pushes that were owed to the reporter's
// devices and have not been delivered.
func missingPushes(fake *fcmtest.Server, tickets map[string]wfTicket, devices []string) []string {
	got := map[string]bool{}
	for _, r := range fake.Delivered() {
		d := r.Message.Data
		if r.Message.Topic != "" {
			continue
		}
		// message_id is ticket-version-hash(token)
		version, _, _ := strings.Cut(strings.TrimPrefix(d["message_id"], d["ticket_id"]+"-"), "-")
		got[d["ticket_id"]+"/"+version+"-"+r.Message.Token] = true
	}
	var missing []string
	for id, tk := range tickets {
		for v, e := range tk.History {
			if !slices.Contains(pushEvents, e.Action) {
				continue
			}
			for _, dev := range devices {
				if k := fmt.Sprintf("%s/%d-%s", id, v+1, dev); !got[k] {
					missing = append(missing, k)
				}
			}
		}
	}
	return missing
}
