package tests

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"phananh/push/fcmtest"
)

// leaseEvent is one "sla lease taken" / "sla lease lost" log line of a server.
type leaseEvent struct {
	at    time.Time
	taken bool
}

// leaseEvents reads a server's lease log lines, oldest first.
func leaseEvents(s *server) []leaseEvent {
	var out []leaseEvent
	sc := bufio.NewScanner(strings.NewReader(s.stderr.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec struct {
			Time time.Time
			Msg  string
		}
		if json.Unmarshal(sc.Bytes(), &rec) != nil || !strings.HasPrefix(rec.Msg, "sla lease ") {
			continue
		}
		out = append(out, leaseEvent{at: rec.Time, taken: rec.Msg == "sla lease taken"})
	}
	return out
}

// leaseHolder is the server that took the SLA lease last and has not said it lost it, or nil.
func leaseHolder(servers []*server) *server {
	var holder *server
	var at time.Time
	for _, s := range servers {
		ev := leaseEvents(s)
		if len(ev) > 0 && ev[len(ev)-1].taken && ev[len(ev)-1].at.After(at) {
			holder, at = s, ev[len(ev)-1].at
		}
	}
	return holder
}

// driveTickets files perWriter reports for each of writers writers and moves them through the
// crash plans, every request going to the next server in turn. It returns the ticket ids.
func driveTickets(t *testing.T, servers []*server, rep, officer string, x wardPoint, writers, perWriter int, tag string) []string {
	t.Helper()
	var mu sync.Mutex
	var ids []string
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			turn := w
			next := func() *server { turn++; return servers[turn%len(servers)] }
			for i := range perWriter {
				body := wfReport("TTDT", x, fmt.Sprintf("%s: người %d, số %d", tag, w, i), false)
				r, err := next().do("POST", "/v1/tickets", rep, body, fmt.Sprintf("Idempotency-Key: %s-%d-%d", tag, w, i))
				var tk wfTicket
				if err != nil || r.status != http.StatusCreated || json.Unmarshal(r.body, &tk) != nil {
					t.Errorf("file %s %d/%d: %v %d %s", tag, w, i, err, r.status, r.body)
					return
				}
				mu.Lock()
				ids = append(ids, tk.ID)
				mu.Unlock()
				for _, st := range crashPlans[(w+i)%len(crashPlans)] {
					who := officer
					if st.byRep {
						who = rep
					}
					r, err := next().do("POST", "/v1/tickets/"+tk.ID+"/actions", who, actBody(st.action, tk.Version, st.f))
					if err != nil || r.status != http.StatusOK || json.Unmarshal(r.body, &tk) != nil {
						t.Errorf("%s on %s: %v %d %s", st.action, tk.ID, err, r.status, r.body)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	return ids
}

// TestSeveralInstances runs three server processes on one MongoDB store (FerretDB) under load:
// reports and actions spread over all three, every instance dispatching pushes and running the
// sweeper. No push is sent twice and the change feed holds every version exactly once. Then the
// holder of the SLA lease is SIGKILLed: another instance takes the lease over once it expires
// (3 × SLA_INTERVAL), and the pushes of the load that goes on meanwhile all arrive — repeats
// bounded by the one batch the killed instance may have had in flight. (Reminders and
// escalations need days to pass: TestInstancesRemindAndEscalateOnce in package push shows them
// happening once with three instances on one store.)
func TestSeveralInstances(t *testing.T) {
	t.Parallel()
	if !longTests() {
		// Three servers and a SIGKILL on one in-process FerretDB: with the rest of the suite
		// running beside it on two cores, FerretDB stalled past the requests' 10-second
		// deadline. .ci/run's long step runs it at full size.
		t.Skip("set PHANANH_LONG_TESTS=1 to run three servers on FerretDB (as .ci/run does)")
	}
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 7)
	const writers, perWriter = 6, 10
	const batch = 20
	fake := fcmtest.New()
	defer fake.Close()
	const slaInterval = time.Second
	env := append(pushEnv(fake), "SLA_INTERVAL="+slaInterval.String(), fmt.Sprintf("PUSH_BATCH=%d", batch), "PUSH_LEASE=10s",
		"PUSH_INTERVAL=250ms") // three pollers on FerretDB, which scans the outbox for each poll
	a := startServer(t, mongoStore(t), env...)
	env = append(env, sameStore(a)...)
	servers := []*server{a, startServer(t, storeKind{name: "mongodb"}, env...), startServer(t, storeKind{name: "mongodb"}, env...)}
	rep := a.signInResident("0912500001")
	registerDevice(t, a, rep.AccessToken, "inst-a", "android", "vi-VN")
	registerDevice(t, a, rep.AccessToken, "inst-b", "ios", "en-US")
	officer := a.createOfficial("officer", "officer.instances", unitOf(x.code, "ubnd"))
	viewer := a.createOfficial("ioc_viewer", "ioc.instances", "")
	feedKey := a.apiKey(t, "feed")
	devices := []string{"inst-a", "inst-b"}

	// 1. Load on three instances: no push twice, every feed entry once.
	start := time.Now()
	ids := driveTickets(t, servers, rep.AccessToken, officer.AccessToken, x, writers, perWriter, "vòng 1")
	if t.Failed() {
		t.FailNow()
	}
	tickets := ticketsAsRead(t, a, viewer.AccessToken, ids)
	unique, total := allPushesArrive(t, fake, tickets, devices, "every push")
	t.Logf("%d tickets through 3 instances in %s: %d pushes, %d sends", len(ids), time.Since(start).Round(time.Millisecond), unique, total)
	if total != unique {
		t.Errorf("%d sends of %d distinct pushes: %d duplicates with three dispatchers", total, unique, total-unique)
	}
	feedHoldsEveryVersion(t, a, feedKey, tickets, "the change feed")

	// 2. Kill the lease holder while the load goes on; another instance takes over.
	var more []string
	survivors := killLeaseHolderUnderLoad(t, servers, 3*slaInterval, func(survivors []*server) {
		more = driveTickets(t, survivors, rep.AccessToken, officer.AccessToken, x, writers, perWriter, "vòng 2")
	})
	if t.Failed() {
		t.FailNow()
	}
	for id, tk := range ticketsAsRead(t, survivors[0], viewer.AccessToken, more) {
		tickets[id] = tk
	}
	unique2, total2 := allPushesArrive(t, fake, tickets, devices, "every push after the kill")
	t.Logf("after the kill: %d pushes, %d sends (%d repeats from the killed instance's batch)", unique2, total2, total2-unique2)
	if total2-unique2 > batch {
		t.Errorf("%d repeated pushes, more than the one batch (%d) the killed instance could have had in flight", total2-unique2, batch)
	}
	feedHoldsEveryVersion(t, survivors[0], feedKey, tickets, "the change feed after the kill")
}

// ticketsAsRead reads each ticket of ids as the caller of token.
func ticketsAsRead(t *testing.T, s *server, token string, ids []string) map[string]wfTicket {
	t.Helper()
	out := map[string]wfTicket{}
	for _, id := range ids {
		out[id] = getTicket(t, s, token, id)
	}
	return out
}

// allPushesArrive waits until every push of the tickets reached the devices, and 2 s more for
// any duplicate to arrive; it returns the distinct pushes and the sends.
func allPushesArrive(t *testing.T, fake *fcmtest.Server, tickets map[string]wfTicket, devices []string, what string) (unique, total int) {
	t.Helper()
	waitFor(t, what, 180*time.Second, func() bool { return len(missingPushes(fake, tickets, devices)) == 0 })
	time.Sleep(2 * time.Second) // let any duplicate arrive
	return uniqueDeliveries(t, fake)
}

// feedHoldsEveryVersion waits until the change feed read from s holds every version of the
// tickets, and checks that it holds each once.
func feedHoldsEveryVersion(t *testing.T, s *server, key string, tickets map[string]wfTicket, what string) {
	t.Helper()
	waitFor(t, what, 60*time.Second, func() bool { return checkFeed(t, s, key, tickets, false) })
	checkFeed(t, s, key, tickets, true)
}

// killLeaseHolderUnderLoad SIGKILLs the instance holding the SLA lease while load runs on the
// others, waits until one of them takes the lease over (logging after how long, against
// lease), then waits for the load to end. It returns the surviving instances.
func killLeaseHolderUnderLoad(t *testing.T, servers []*server, lease time.Duration, load func(survivors []*server)) []*server {
	t.Helper()
	var holder *server
	waitFor(t, "an instance to hold the SLA lease", 30*time.Second, func() bool { holder = leaseHolder(servers); return holder != nil })
	var survivors []*server
	for _, s := range servers {
		if s != holder {
			survivors = append(survivors, s)
		}
	}
	before := map[*server]int{}
	for _, s := range survivors {
		before[s] = len(leaseEvents(s))
	}
	loadDone := make(chan struct{})
	go func() {
		defer close(loadDone)
		load(survivors)
	}()
	time.Sleep(time.Second)
	killed := time.Now()
	if err := holder.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	var successor *server
	waitFor(t, "another instance to take the SLA lease", 60*time.Second, func() bool {
		for _, s := range survivors {
			if ev := leaseEvents(s); len(ev) > before[s] && ev[len(ev)-1].taken {
				successor = s
				return true
			}
		}
		return false
	})
	ev := leaseEvents(successor)
	takeover := ev[len(ev)-1].at.Sub(killed)
	t.Logf("SLA lease taken over %s after the kill (lease %s)", takeover.Round(time.Millisecond), lease)
	<-loadDone
	return survivors
}
