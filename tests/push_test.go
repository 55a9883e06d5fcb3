package tests

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"phananh/push/fcmtest"
)

// pushEnv points a server at the fake FCM server, polling the outbox quickly.
func pushEnv(fake *fcmtest.Server) []string {
	return []string{"FCM_PROJECT_ID=phananh-test", "FCM_ENDPOINT=" + fake.Endpoint(), "PUSH_INTERVAL=50ms"}
}

func registerDevice(t *testing.T, s *server, token, device, platform, locale string) {
	t.Helper()
	s.request(t, "POST", "/v1/devices", token, map[string]string{"token": device, "platform": platform, "locale": locale, "app_version": "1.4.0"}).
		expect(t, http.StatusOK)
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// deliveries counts the successful sends to devices per "token/event" (ward announcements to
// topics are TestPushWardTopics' business).
func deliveries(fake *fcmtest.Server) map[string]int {
	out := map[string]int{}
	for _, r := range fake.Delivered() {
		if r.Message.Topic != "" {
			continue
		}
		out[r.Message.Token+"/"+r.Message.Data["event"]]++
	}
	return out
}

func hasAll(got map[string]int, want []string) bool {
	for _, k := range want {
		if got[k] == 0 {
			return false
		}
	}
	return true
}

func TestPushWorkflowEvents(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 11)
	eachStore(t, func(t *testing.T, st storeKind) {
		fake := fcmtest.New()
		defer fake.Close()
		s := startServer(t, st, pushEnv(fake)...)
		rep := s.signInResident("0912200001")
		fol1 := s.signInResident("0912200002")
		fol2 := s.signInResident("0912200003")
		registerDevice(t, s, rep.AccessToken, "rep-vi", "android", "vi-VN")
		registerDevice(t, s, rep.AccessToken, "rep-en", "ios", "en-US")
		registerDevice(t, s, rep.AccessToken, "rep-en", "ios", "en-US") // idempotent
		registerDevice(t, s, fol1.AccessToken, "fol-1", "android", "")
		registerDevice(t, s, fol2.AccessToken, "fol-2", "web", "vi")

		tk := fileTicket(t, s, rep.AccessToken, wfReport("TTDT", x, "Quán nhậu lấn chiếm vỉa hè đường Trần Hưng Đạo.", false))
		officer := s.createOfficial("officer", "officer.push", tk.Unit.ID)
		leader := s.createOfficial("leader", "leader.push", tk.Unit.ID)
		registerDevice(t, s, officer.AccessToken, "off-1", "android", "vi-VN")
		registerDevice(t, s, leader.AccessToken, "lead-1", "android", "vi-VN")
		waitFor(t, "the submit pushes", 20*time.Second, func() bool { return hasAll(deliveries(fake), []string{"rep-vi/submit", "rep-en/submit"}) })

		// Following needs no read access first: the version is the one the reporter saw.
		v := step(t, s, fol1.AccessToken, tk, "follow", nil, "received")
		step(t, s, fol2.AccessToken, v, "follow", nil, "received")
		tk = getTicket(t, s, officer.AccessToken, tk.ID)
		tk = step(t, s, officer.AccessToken, tk, "accept", nil, "assigned")
		tk = step(t, s, leader.AccessToken, tk, "assign", fields{"officer": officer.User.ID}, "assigned")
		tk = step(t, s, officer.AccessToken, tk, "request_info", fields{"note": "Xin gửi thêm ảnh vị trí quán."}, "awaiting_info")
		mine := step(t, s, rep.AccessToken, getTicket(t, s, rep.AccessToken, tk.ID), "provide_info", fields{"note": "Đã gửi ảnh."}, "in_progress")
		waitFor(t, "the provide_info pushes", 20*time.Second, func() bool {
			return hasAll(deliveries(fake), []string{"fol-1/provide_info", "fol-2/provide_info", "off-1/assign"})
		})

		// fol-1's app was uninstalled: the next send is answered UNREGISTERED, the device is
		// deleted in that cycle, and it is never sent to again.
		fake.Unregister("fol-1")
		tk = step(t, s, officer.AccessToken, getTicket(t, s, officer.AccessToken, mine.ID), "resolve", fields{"outcome": "fixed", "note": "Đã yêu cầu quán dọn dẹp, trả lại vỉa hè."}, "resolved")
		waitFor(t, "the resolve pushes", 20*time.Second, func() bool {
			return hasAll(deliveries(fake), []string{"rep-vi/resolve", "rep-en/resolve", "fol-2/resolve"})
		})
		step(t, s, rep.AccessToken, getTicket(t, s, rep.AccessToken, tk.ID), "rate", fields{"rating": 5}, "closed")
		waitFor(t, "the rate push", 20*time.Second, func() bool { return hasAll(deliveries(fake), []string{"fol-2/rate"}) })
		time.Sleep(300 * time.Millisecond) // let any stray duplicate arrive

		checkPushCounts(t, fake)

		checkPushContent(t, fake, tk)

		// Device routes: unregistering removes the token for good; someone else's token is left
		// alone; bad input is refused.
		s.request(t, "DELETE", "/v1/devices/"+url.PathEscape("rep-en"), rep.AccessToken, nil).expect(t, http.StatusNoContent)
		s.request(t, "DELETE", "/v1/devices/rep-vi", fol2.AccessToken, nil).expect(t, http.StatusNoContent)
		s.request(t, "POST", "/v1/devices", rep.AccessToken, map[string]string{"token": "x", "platform": "symbian"}).expect(t, http.StatusBadRequest)
		s.request(t, "POST", "/v1/devices", "", map[string]string{"token": "x", "platform": "android"}).expect(t, http.StatusUnauthorized)
		before := len(fake.Delivered())
		other := fileTicket(t, s, rep.AccessToken, wfReport("TTDT", x, "Xe tải đậu trên vỉa hè.", false))
		waitFor(t, "the second ticket's push", 20*time.Second, func() bool { return len(fake.Delivered()) > before })
		time.Sleep(300 * time.Millisecond)
		for _, r := range fake.Delivered()[before:] {
			if r.Message.Token != "rep-vi" || r.Message.Data["ticket_id"] != other.ID {
				t.Errorf("after unregistering rep-en: push to %s for %s", r.Message.Token, r.Message.Data["ticket_id"])
			}
		}
	})
}

// checkPushCounts checks that each device got each push of TestPushWorkflowEvents once and no
// other, and that the unregistered token failed exactly once.
func checkPushCounts(t *testing.T, fake *fcmtest.Server) {
	t.Helper()
	want := map[string]int{
		"rep-vi/submit": 1, "rep-en/submit": 1,
		"rep-vi/accept": 1, "rep-en/accept": 1, "fol-1/accept": 1, "fol-2/accept": 1,
		"off-1/assign":        1,
		"rep-vi/request_info": 1, "rep-en/request_info": 1, "fol-1/request_info": 1, "fol-2/request_info": 1,
		"fol-1/provide_info": 1, "fol-2/provide_info": 1,
		"rep-vi/resolve": 1, "rep-en/resolve": 1, "fol-2/resolve": 1,
		"fol-2/rate": 1,
	}
	got := deliveries(fake)
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s delivered %d times, want %d", k, got[k], n)
		}
	}
	for k, n := range got {
		if want[k] == 0 {
			t.Errorf("unexpected push %s (×%d)", k, n)
		}
	}
	toGone := 0
	for _, r := range fake.Received() {
		if r.Message.Token == "fol-1" && r.Status != http.StatusOK {
			toGone++
		}
	}
	if toGone != 1 {
		t.Errorf("%d failed sends to the unregistered token, want exactly 1", toGone)
	}
}

// checkPushContent checks the content of the pushes of ticket tk.
func checkPushContent(t *testing.T, fake *fcmtest.Server, tk wfTicket) {
	t.Helper()
	// Content: Vietnamese by default, English for the en-US phone, the deep-link data, per-ticket
	// collapse key; the TTDT category is routine (normal priority).
	for _, r := range fake.Delivered() {
		m := r.Message
		d := m.Data
		if m.Topic != "" {
			continue
		}
		if d["ticket_id"] != tk.ID || d["code"] != tk.Code || d["state"] == "" || d["event"] == "" || !strings.HasPrefix(d["message_id"], tk.ID+"-") {
			t.Errorf("%s: data %v", m.Token, d)
		}
		if m.Android == nil || m.Android.CollapseKey != "ticket-"+tk.ID || m.Android.Priority != "normal" {
			t.Errorf("%s: android %+v", m.Token, m.Android)
		}
		if m.Notification == nil || !strings.Contains(m.Notification.Title, tk.Code) {
			t.Errorf("%s: notification %+v", m.Token, m.Notification)
			continue
		}
		title, body := m.Notification.Title, m.Notification.Body
		switch d["event"] + "@" + m.Token {
		case "submit@rep-vi":
			if title != "Đã nhận phản ánh "+tk.Code || !strings.Contains(body, tk.Area.Name) || !strings.Contains(body, "Hạn xử lý") {
				t.Errorf("submit (vi): %q / %q", title, body)
			}
		case "submit@rep-en":
			if title != "Report "+tk.Code+" received" || !strings.Contains(body, "Due") {
				t.Errorf("submit (en): %q / %q", title, body)
			}
		case "request_info@rep-vi":
			if !strings.Contains(title, "bổ sung thông tin") || !strings.Contains(body, "Xin gửi thêm ảnh vị trí quán.") {
				t.Errorf("request_info (vi): %q / %q", title, body)
			}
		case "request_info@rep-en":
			if !strings.Contains(title, "awaiting your information") {
				t.Errorf("request_info (en): %q / %q", title, body)
			}
		case "resolve@rep-vi":
			if !strings.Contains(title, "đã được xử lý") || !strings.Contains(body, "đã khắc phục") {
				t.Errorf("resolve (vi): %q / %q", title, body)
			}
		case "assign@off-1":
			if !strings.Contains(title, "Bạn được giao") {
				t.Errorf("assign: %q / %q", title, body)
			}
		case "rate@fol-2":
			if !strings.Contains(title, "đã đóng") {
				t.Errorf("rate: %q / %q", title, body)
			}
		}
	}
}

func envValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// TestPushDisabled: without FCM_PROJECT_ID the server starts, says push is disabled, and keeps
// the messages queued; a second server on the same store with FCM configured delivers them.
func TestPushDisabled(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 12)
	eachStore(t, func(t *testing.T, st storeKind) {
		fake := fcmtest.New()
		defer fake.Close()
		a := startServer(t, st)
		waitFor(t, "the push disabled log line", 10*time.Second, func() bool { return strings.Contains(a.stderr.String(), "push disabled") })
		rep := a.signInResident("0912200011")
		registerDevice(t, a, rep.AccessToken, "queued-1", "android", "vi-VN")
		tk := fileTicket(t, a, rep.AccessToken, wfReport("TTDT", x, "Đèn đường hỏng cả dãy.", false))
		time.Sleep(time.Second)
		if n := len(fake.Received()); n != 0 {
			t.Fatalf("%d sends with push disabled", n)
		}

		env := pushEnv(fake)
		if st.mongo != nil {
			env = append(env, "MONGODB_URI="+envValue(a.env, "MONGODB_URI"), "MONGODB_DATABASE="+envValue(a.env, "MONGODB_DATABASE"))
		} else {
			env = append(env, "DATA_DIR="+a.dataDir)
		}
		b := startServer(t, storeKind{name: st.name}, env...)
		waitFor(t, "the queued push", 20*time.Second, func() bool { return deliveries(fake)["queued-1/submit"] == 1 })
		if !strings.Contains(b.stderr.String(), "push enabled") {
			t.Errorf("second server did not log push enabled")
		}
		if got := fake.Delivered()[0].Message.Data["ticket_id"]; got != tk.ID {
			t.Errorf("delivered ticket %s, want %s", got, tk.ID)
		}
	})
}

// buildBacklog registers devices phones for one resident and files tickets reports on a server
// whose push is disabled, so that devices × tickets messages wait in the outbox.
func buildBacklog(t *testing.T, s *server, phone string, x wardPoint, devices, tickets int) {
	t.Helper()
	rep := s.signInResident(phone)
	for i := range devices {
		registerDevice(t, s, rep.AccessToken, fmt.Sprintf("dev-%02d", i), "android", "vi-VN")
	}
	for i := range tickets {
		r, err := s.do("POST", "/v1/tickets", rep.AccessToken, wfReport("TTDT", x, fmt.Sprintf("Lấn chiếm vỉa hè số %d.", i), false))
		if err != nil || r.status != http.StatusCreated {
			t.Fatalf("file ticket %d: %v %d %s", i, err, r.status, r.body)
		}
	}
}

// uniqueDeliveries counts the successful sends per message_id and checks that repeats of one
// message are identical for the phone: same token, collapse key and data.
func uniqueDeliveries(t *testing.T, fake *fcmtest.Server) (unique, total int) {
	t.Helper()
	first := map[string]fcmtest.Request{}
	for _, r := range fake.Delivered() {
		id := r.Message.Data["message_id"]
		total++
		if p, seen := first[id]; seen {
			if p.Message.Token != r.Message.Token || p.Message.Android.CollapseKey != r.Message.Android.CollapseKey || p.Message.Data["event"] != r.Message.Data["event"] {
				t.Errorf("repeat of %s differs: %+v vs %+v", id, p.Message, r.Message)
			}
			continue
		}
		first[id] = r
	}
	return len(first), total
}

// TestPushSurvivesSIGKILL kills the dispatching server in the middle of a 5,000-message fan-out
// and starts another on the same store: every (event, device) pair is delivered, and repeats
// are bounded by the one batch that was in flight, carrying the same message_id and collapse key.
// On the in-process FerretDB the default run uses 500 messages and PHANANH_LONG_TESTS=1 the full
// 5,000 (a few minutes: FerretDB filters every query but a lookup by _id in Go, reading the
// whole collection); against a real MongoDB (MONGODB_TEST_URI) it always runs 5,000.
func TestPushSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	skipUnderRace(t)
	if testing.Short() {
		t.Skip("5,000 messages")
	}
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 2)
	eachStore(t, func(t *testing.T, st storeKind) {
		const devices, batch = 10, 100
		tickets := 500
		if st.mongo != nil && mongoIsFerretDB() && !longTests() {
			tickets = 50
		}
		fake := fcmtest.New()
		defer fake.Close()
		a := startServer(t, st) // push disabled: the backlog waits
		start := time.Now()
		buildBacklog(t, a, "0912200021", x, devices, tickets)
		t.Logf("backlog of %d messages built in %s", devices*tickets, time.Since(start).Round(time.Millisecond))
		start = time.Now()
		fake.SetLatency(10 * time.Millisecond)
		env := append(pushEnv(fake), fmt.Sprintf("PUSH_BATCH=%d", batch), "PUSH_LEASE=2s")
		if st.mongo != nil {
			env = append(env, "MONGODB_URI="+envValue(a.env, "MONGODB_URI"), "MONGODB_DATABASE="+envValue(a.env, "MONGODB_DATABASE"))
		} else {
			env = append(env, "DATA_DIR="+a.dataDir)
		}
		b := startServer(t, storeKind{name: st.name}, env...)
		waitFor(t, "the fan-out to be under way", 5*time.Minute, func() bool { return len(fake.Delivered()) >= devices*tickets*3/10 })
		if err := b.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		atKill, _ := uniqueDeliveries(t, fake)
		killedAfter := time.Since(start)
		startServer(t, storeKind{name: st.name}, env...)
		waitFor(t, "every message", 15*time.Minute, func() bool { u, _ := uniqueDeliveries(t, fake); return u >= devices*tickets })
		took := time.Since(start)
		time.Sleep(500 * time.Millisecond)
		unique, total := uniqueDeliveries(t, fake)
		t.Logf("killed after %d distinct deliveries (%s); in the end %d distinct, %d sends, %d repeats (batch %d) in %s",
			atKill, killedAfter.Round(time.Millisecond), unique, total, total-unique, batch, took.Round(time.Millisecond))
		if unique != devices*tickets {
			t.Errorf("%d distinct messages delivered, want %d", unique, devices*tickets)
		}
		if total-unique > batch {
			t.Errorf("%d repeats, more than the batch in flight (%d)", total-unique, batch)
		}
	})
}

// TestPushTwoServersOneStore: two server processes dispatch one backlog from one MongoDB store
// (FerretDB) with zero duplicates. The 2,000 messages take a minute or two on FerretDB
// (it filters every query but a lookup by _id in Go, reading the whole collection), so the
// default run uses 300 and PHANANH_LONG_TESTS=1 runs the full 2,000.
func TestPushTwoServersOneStore(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("a push backlog on FerretDB")
	}
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 3)
	devices, tickets := 10, 30
	if longTests() {
		tickets = 200
	}
	fake := fcmtest.New()
	defer fake.Close()
	st := mongoStore(t)
	a := startServer(t, st)
	start := time.Now()
	buildBacklog(t, a, "0912200031", x, devices, tickets)
	t.Logf("backlog of %d messages built in %s", devices*tickets, time.Since(start).Round(time.Millisecond))
	fake.SetLatency(5 * time.Millisecond)
	env := append(pushEnv(fake), "MONGODB_URI="+envValue(a.env, "MONGODB_URI"), "MONGODB_DATABASE="+envValue(a.env, "MONGODB_DATABASE"), "PUSH_BATCH=100")
	start = time.Now()
	b := startServer(t, storeKind{name: "mongodb"}, env...)
	c := startServer(t, storeKind{name: "mongodb"}, env...)
	waitFor(t, "every message", 600*time.Second, func() bool { u, _ := uniqueDeliveries(t, fake); return u >= devices*tickets })
	took := time.Since(start)
	time.Sleep(time.Second)
	unique, total := uniqueDeliveries(t, fake)
	t.Logf("%d distinct, %d sends in %s (%.0f msgs/s on FerretDB)", unique, total, took.Round(time.Millisecond), float64(total)/took.Seconds())
	if unique != devices*tickets || total != unique {
		t.Errorf("%d distinct messages, %d sends; want %d and zero duplicates", unique, total, devices*tickets)
	}
	// Both dispatchers ran (each logs its counters after its first cycle; on a loaded machine
	// that first cycle on FerretDB can end after the other server sent everything).
	for name, s := range map[string]*server{"b": b, "c": c} {
		waitFor(t, "push metrics from server "+name, 60*time.Second, func() bool { return strings.Contains(s.stderr.String(), `"msg":"push metrics"`) })
	}
}
