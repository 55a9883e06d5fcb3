package push_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"phananh/app"
	"phananh/models"
	"phananh/push"
	"phananh/push/fcmtest"
	"phananh/store/mongodb"
	"phananh/store/mongodb/mongotest"
	"phananh/store/sqlite"
)

// fakeClock is the dispatcher's injected time.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

var t0 = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)

func newSender(t testing.TB, fake *fcmtest.Server, now func() time.Time) *push.Sender {
	t.Helper()
	return newConcurrentSender(t, fake, now, 1)
}

func newConcurrentSender(t testing.TB, fake *fcmtest.Server, now func() time.Time, concurrency int) *push.Sender {
	t.Helper()
	s, err := push.New(context.Background(), push.Config{ProjectID: "phananh-test", Endpoint: fake.Endpoint(), Now: now, Concurrency: concurrency})
	if err != nil {
		t.Fatalf("push.New: %v", err)
	}
	return s
}

func openStore(t testing.TB) app.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "push.db"))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// eachStore runs f on SQLite and on the MongoDB store (FerretDB in process).
func eachStore(t *testing.T, f func(t *testing.T, store app.Store)) {
	t.Run("sqlite", func(t *testing.T) { f(t, openStore(t)) })
	t.Run("mongodb", func(t *testing.T) {
		uri, db := mongotest.URI(t)
		s, err := mongodb.Open(t.Context(), uri, db)
		if err != nil {
			t.Fatalf("mongodb.Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		f(t, s)
	})
}

func msg(id, token string, at time.Time) models.PushMessage {
	return models.PushMessage{ID: id, TicketID: "t1", Version: 1, Event: "accept", UserID: "u1", Token: token,
		Platform: models.PlatformAndroid, Title: "Phản ánh LX-2026-000001 đã được thụ lý", Body: "UBND phường Mỹ Bình đã nhận xử lý.",
		Data:        map[string]string{"ticket_id": "t1", "code": "LX-2026-000001", "state": "assigned", "event": "accept", "message_id": id},
		CollapseKey: "ticket-t1", Urgent: true, TTL: 72 * time.Hour, CreatedAt: at, NextAttemptAt: at}
}

// register registers each message's token as a device of its recipient, as the fan-out found
// it: the dispatcher sends only to devices still registered to the message's user.
func register(t testing.TB, store app.Store, msgs ...models.PushMessage) {
	t.Helper()
	for _, m := range msgs {
		dev := &models.Device{Token: m.Token, UserID: m.UserID, Platform: m.Platform, CreatedAt: m.CreatedAt, LastSeenAt: m.CreatedAt}
		if _, err := store.UpsertDevice(context.Background(), dev); err != nil {
			t.Fatalf("UpsertDevice %s: %v", m.Token, err)
		}
	}
}

// TestClassify sends one message per scripted FCM answer through the real SDK and checks the
// outcome the dispatcher will act on.
func TestClassify(t *testing.T) {
	fake := fcmtest.New()
	defer fake.Close()
	sender := newSender(t, fake, func() time.Time { return t0 })
	for _, tc := range []struct {
		name  string
		resp  fcmtest.Response
		want  app.PushOutcome
		after time.Duration
	}{
		{"ok", fcmtest.OK, app.PushDelivered, 0},
		{"unregistered", fcmtest.Fail(fcmtest.Unregistered), app.PushBadToken, 0},
		{"sender mismatch", fcmtest.Fail(fcmtest.SenderIDMismatch), app.PushBadToken, 0},
		{"invalid token", fcmtest.Response{Status: 400, Code: fcmtest.InvalidArgument, Message: "The registration token is not a valid FCM registration token"}, app.PushBadToken, 0},
		{"invalid payload", fcmtest.Response{Status: 400, Code: fcmtest.InvalidArgument, Message: "Invalid value at 'message.data'"}, app.PushRejected, 0},
		{"quota with Retry-After", fcmtest.Response{Status: 429, Code: fcmtest.QuotaExceeded, RetryAfter: "30"}, app.PushRetryable, 30 * time.Second},
		{"quota with HTTP date", fcmtest.Response{Status: 429, Code: fcmtest.QuotaExceeded, RetryAfter: t0.Add(90 * time.Second).Format(httpTime)}, app.PushRetryable, 90 * time.Second},
		{"internal", fcmtest.Fail(fcmtest.Internal), app.PushRetryable, 0},
		{"third-party auth", fcmtest.Fail(fcmtest.ThirdPartyAuthError), app.PushAuthFailure, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake.ScriptToken("tok-"+tc.name, tc.resp)
			res, err := sender.SendBatch(t.Context(), []models.PushMessage{msg("m", "tok-"+tc.name, t0)})
			if err != nil {
				t.Fatalf("SendBatch: %v", err)
			}
			if res[0].Outcome != tc.want || res[0].RetryAfter != tc.after {
				t.Errorf("got outcome %d retry-after %s (%s), want %d %s", res[0].Outcome, res[0].RetryAfter, res[0].Reason, tc.want, tc.after)
			}
		})
	}
}

const httpTime = "Mon, 02 Jan 2006 15:04:05 GMT"

// TestInvalidMessageDoesNotHoldTheBatch: the SDK refuses a whole SendEach for one message it
// finds invalid; that one is rejected and the others are still sent.
func TestInvalidMessageDoesNotHoldTheBatch(t *testing.T) {
	fake := fcmtest.New()
	defer fake.Close()
	sender := newSender(t, fake, nil)
	bad := msg("bad", "tok-bad", t0)
	bad.TTL = -time.Second // the SDK refuses a negative TTL before sending anything
	res, err := sender.SendBatch(t.Context(), []models.PushMessage{msg("a", "tok-a", t0), bad, msg("b", "tok-b", t0)})
	if err != nil {
		t.Fatalf("SendBatch: %v", err)
	}
	if res[0].Outcome != app.PushDelivered || res[1].Outcome != app.PushRejected || res[2].Outcome != app.PushDelivered {
		t.Errorf("outcomes %+v", res)
	}
	if n := len(fake.Delivered()); n != 2 {
		t.Errorf("%d delivered, want 2", n)
	}
}

// TestMessageOptions checks what reaches FCM: notification, data payload, Android priority,
// collapse key and TTL, APNs headers.
func TestMessageOptions(t *testing.T) {
	fake := fcmtest.New()
	defer fake.Close()
	sender := newSender(t, fake, nil)
	m := msg("t1-1-abc", "tok", t0)
	if _, err := sender.SendBatch(t.Context(), []models.PushMessage{m}); err != nil {
		t.Fatalf("SendBatch: %v", err)
	}
	got := fake.Delivered()
	if len(got) != 1 {
		t.Fatalf("delivered %d", len(got))
	}
	r := got[0].Message
	if r.Notification == nil || r.Notification.Title != m.Title || r.Notification.Body != m.Body {
		t.Errorf("notification = %+v", r.Notification)
	}
	if r.Data["message_id"] != "t1-1-abc" || r.Data["ticket_id"] != "t1" || r.Data["state"] != "assigned" || r.Data["event"] != "accept" || r.Data["code"] == "" {
		t.Errorf("data = %v", r.Data)
	}
	if r.Android == nil || r.Android.Priority != "high" || r.Android.CollapseKey != "ticket-t1" || r.Android.TTL == nil || *r.Android.TTL != 72*time.Hour {
		t.Errorf("android = %+v", r.Android)
	}
	if r.APNS == nil || r.APNS.Headers["apns-collapse-id"] != "ticket-t1" || r.APNS.Headers["apns-priority"] != "10" {
		t.Errorf("apns = %+v", r.APNS)
	}
	if got[0].Project != "phananh-test" {
		t.Errorf("project = %q", got[0].Project)
	}
}

// TestRetryScript is the script, against the real SDK and the SQLite outbox with an
// injected clock: 429 Retry-After 30, 503 ×3, 200 for the first message; 500 ×2, 200 for the
// second. Each is delivered exactly once and never attempted before its Retry-After. (The SDK
// retries 503 by itself within one send, immediately and then after 1 s and 2 s, so the three
// 503s and the 200 are one dispatcher attempt.)
func TestRetryScript(t *testing.T) { eachStore(t, testRetryScript) }

func testRetryScript(t *testing.T, store app.Store) {
	fake := fcmtest.New()
	defer fake.Close()
	clock := &fakeClock{now: t0}
	d := app.NewDispatcher(app.DispatcherDeps{
		Store: store, Sender: newSender(t, fake, clock.Now), Holder: "test", Now: clock.Now, Jitter: func() float64 { return 0 },
		Config: app.PushConfig{Batch: 500, Lease: time.Minute, BaseBackoff: time.Second, MaxBackoff: time.Minute, MaxAge: time.Hour, TTL: time.Hour},
	})
	ctx := t.Context()
	cycle := func(wantHandled, wantRequests int) {
		t.Helper()
		n, err := d.Cycle(ctx)
		if err != nil {
			t.Fatalf("Cycle: %v", err)
		}
		if n != wantHandled || len(fake.Received()) != wantRequests {
			t.Fatalf("at %s: handled %d, requests %d; want %d, %d", clock.Now().Sub(t0), n, len(fake.Received()), wantHandled, wantRequests)
		}
	}
	fake.Script(fcmtest.Response{Status: 429, Code: fcmtest.QuotaExceeded, RetryAfter: "30"},
		fcmtest.Fail(fcmtest.Unavailable), fcmtest.Fail(fcmtest.Unavailable), fcmtest.Fail(fcmtest.Unavailable), fcmtest.OK,
		fcmtest.Fail(fcmtest.Internal), fcmtest.Fail(fcmtest.Internal), fcmtest.OK)
	m1 := msg("m1", "tok-1", t0)
	register(t, store, m1)
	if _, err := store.EnqueuePush(ctx, []models.PushMessage{m1}); err != nil {
		t.Fatal(err)
	}
	cycle(1, 1) // 429
	got, _ := store.PushMessageByID(ctx, "m1")
	if !got.NextAttemptAt.Equal(t0.Add(30*time.Second)) || got.Attempts != 1 {
		t.Fatalf("after 429: next %s attempts %d, want t0+30s, 1", got.NextAttemptAt.Sub(t0), got.Attempts)
	}
	clock.Set(t0.Add(30*time.Second - time.Millisecond))
	cycle(0, 1) // not before Retry-After
	clock.Set(t0.Add(30 * time.Second))
	cycle(1, 5) // 503 ×3 (retried inside the SDK), 200

	t1 := t0.Add(time.Minute)
	clock.Set(t1)
	m2 := msg("m2", "tok-2", t1)
	register(t, store, m2)
	if _, err := store.EnqueuePush(ctx, []models.PushMessage{m2}); err != nil {
		t.Fatal(err)
	}
	cycle(1, 6) // 500: backoff 1 s × 50 % (jitter 0)
	clock.Set(t1.Add(499 * time.Millisecond))
	cycle(0, 6)
	clock.Set(t1.Add(500 * time.Millisecond))
	cycle(1, 7) // 500: backoff 2 s × 50 %
	clock.Set(t1.Add(1499 * time.Millisecond))
	cycle(0, 7)
	clock.Set(t1.Add(1500 * time.Millisecond))
	cycle(1, 8) // 200
	clock.Set(t1.Add(time.Hour))
	cycle(0, 8)

	perToken := map[string]int{}
	for _, r := range fake.Delivered() {
		perToken[r.Message.Token]++
	}
	if perToken["tok-1"] != 1 || perToken["tok-2"] != 1 || len(perToken) != 2 {
		t.Errorf("deliveries per token = %v, want one each", perToken)
	}
	counts, _ := store.CountPush(ctx)
	if counts[models.PushSent] != 2 || counts[models.PushQueued] != 0 {
		t.Errorf("outbox = %v", counts)
	}
	if m := d.Metrics(); m.Sent != 2 || m.Retried != 3 {
		t.Errorf("metrics = %+v, want 2 sent, 3 retried", m)
	}
}

// TestUnregisteredTokenDeleted: the device of an UNREGISTERED answer is deleted in the same
// cycle, its message dropped, and the next event enqueues nothing for it.
func TestUnregisteredTokenDeleted(t *testing.T) { eachStore(t, testUnregisteredTokenDeleted) }

func testUnregisteredTokenDeleted(t *testing.T, store app.Store) {
	fake := fcmtest.New()
	defer fake.Close()
	clock := &fakeClock{now: t0}
	ctx := t.Context()
	for _, tok := range []string{"gone", "alive"} {
		if _, err := store.UpsertDevice(ctx, &models.Device{Token: tok, UserID: "u1", Platform: models.PlatformAndroid, CreatedAt: t0, LastSeenAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	fake.Unregister("gone")
	d := app.NewDispatcher(app.DispatcherDeps{Store: store, Sender: newSender(t, fake, clock.Now), Holder: "h", Now: clock.Now, Config: app.DefaultPushConfig()})
	outbox := app.NewPushOutbox(store, app.DefaultPushConfig(), clock.Now, nil)
	tk := &models.Ticket{ID: "t1", Code: "LX-2026-000001", ReporterID: "u1", Category: "x", UnitName: "UBND phường Mỹ Bình", AreaName: "Mỹ Bình",
		History: []models.Event{{At: t0, Action: "submit", To: models.StateReceived, Visibility: models.Public}}}
	if err := outbox.Apply(ctx, tk, 1, tk.History[0]); err != nil {
		t.Fatal(err)
	}
	if n, err := d.Cycle(ctx); err != nil || n != 2 {
		t.Fatalf("Cycle = %d, %v", n, err)
	}
	devs, _ := store.DevicesOfUsers(ctx, []string{"u1"})
	if len(devs) != 1 || devs[0].Token != "alive" {
		t.Fatalf("devices after UNREGISTERED = %v, want only alive", devs)
	}
	dropped, _ := store.PushMessageByID(ctx, app.PushMessageID("t1", 1, "gone"))
	if dropped.State != models.PushDropped {
		t.Errorf("message to the dead token is %s, want dropped", dropped.State)
	}
	ev := models.Event{At: t0, Action: "accept", From: models.StateReceived, To: models.StateAssigned, Visibility: models.Public}
	tk.History = append(tk.History, ev)
	if err := outbox.Apply(ctx, tk, 2, ev); err != nil {
		t.Fatal(err)
	}
	if n, err := d.Cycle(ctx); err != nil || n != 1 {
		t.Fatalf("second Cycle = %d, %v; want 1 (alive only)", n, err)
	}
	toGone := 0
	for _, r := range fake.Received() {
		if r.Message.Token == "gone" {
			toGone++
		}
	}
	if toGone != 1 {
		t.Errorf("%d sends to the unregistered token, want 1", toGone)
	}
}

// TestStopMidSendReleasesBatch: a server stopping while FCM has not answered its batch puts the
// messages back in the queue at once, so another instance sends them now rather than after the
// lease (two minutes) and the retry backoff.
func TestStopMidSendReleasesBatch(t *testing.T) { eachStore(t, testStopMidSendReleasesBatch) }

func testStopMidSendReleasesBatch(t *testing.T, store app.Store) {
	fake := fcmtest.New()
	defer fake.Close()
	clock := &fakeClock{now: t0}
	a, b := msg("a", "tok-a", t0), msg("b", "tok-b", t0)
	register(t, store, a, b)
	if _, err := store.EnqueuePush(t.Context(), []models.PushMessage{a, b}); err != nil {
		t.Fatal(err)
	}
	newDispatcher := func(holder string) *app.Dispatcher {
		return app.NewDispatcher(app.DispatcherDeps{Store: store, Sender: newSender(t, fake, clock.Now), Holder: holder, Now: clock.Now, Config: app.DefaultPushConfig()})
	}
	fake.SetLatency(time.Hour)
	ctx, stop := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { _, err := newDispatcher("stopping").Cycle(ctx); done <- err }()
	for deadline := time.Now().Add(10 * time.Second); len(fake.Received()) < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("FCM received %d of 2 messages", len(fake.Received()))
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("the stopping cycle: %v", err)
	}

	fake.SetLatency(0)
	if n, err := newDispatcher("successor").Cycle(t.Context()); err != nil || n != 2 {
		t.Fatalf("the successor's cycle at the same moment = %d, %v; want both messages", n, err)
	}
	for _, id := range []string{"a", "b"} {
		m, err := store.PushMessageByID(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if m.State != models.PushSent {
			t.Errorf("%s: %s (%q), want sent", id, m.State, m.LastError)
		}
	}
}

// TestStaleDeviceNotSent: a message whose device was deleted after it was queued, or moved to
// another user who signed in on that phone, is dropped unsent — the first would only draw a
// second UNREGISTERED, the second would show one resident's report on someone else's account.
// Topic messages have no device and are sent.
func TestStaleDeviceNotSent(t *testing.T) { eachStore(t, testStaleDeviceNotSent) }

func testStaleDeviceNotSent(t *testing.T, store app.Store) {
	fake := fcmtest.New()
	defer fake.Close()
	clock := &fakeClock{now: t0}
	ctx := t.Context()
	kept, deleted, moved := msg("kept", "tok-kept", t0), msg("deleted", "tok-deleted", t0), msg("moved", "tok-moved", t0)
	topic := msg("topic", "", t0)
	topic.UserID, topic.Topic = "", "ward-30310"
	register(t, store, kept, deleted, moved)
	if _, err := store.EnqueuePush(ctx, []models.PushMessage{kept, deleted, moved, topic}); err != nil {
		t.Fatal(err)
	}
	if err := store.DeleteDevice(ctx, "tok-deleted", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := store.UpsertDevice(ctx, &models.Device{Token: "tok-moved", UserID: "u2", Platform: models.PlatformAndroid, CreatedAt: t0, LastSeenAt: t0}); err != nil {
		t.Fatal(err)
	}
	d := app.NewDispatcher(app.DispatcherDeps{Store: store, Sender: newSender(t, fake, clock.Now), Holder: "h", Now: clock.Now, Config: app.DefaultPushConfig()})
	if n, err := d.Cycle(ctx); err != nil || n != 4 {
		t.Fatalf("Cycle = %d, %v; want 4 handled", n, err)
	}
	var sentTo []string
	for _, r := range fake.Received() {
		sentTo = append(sentTo, r.Message.Token+r.Message.Topic)
	}
	slices.Sort(sentTo)
	if diff := cmp.Diff([]string{"tok-kept", "ward-30310"}, sentTo); diff != "" {
		t.Errorf("sent to (-want +got):\n%s", diff)
	}
	for id, want := range map[string]models.PushState{"kept": models.PushSent, "topic": models.PushSent, "deleted": models.PushDropped, "moved": models.PushDropped} {
		m, err := store.PushMessageByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if m.State != want || (want == models.PushDropped && !strings.Contains(m.LastError, "no longer registered")) {
			t.Errorf("%s: %s (%q), want %s", id, m.State, m.LastError, want)
		}
	}
	if m := d.Metrics(); m.Sent != 2 || m.Dropped != 2 {
		t.Errorf("metrics = %+v, want 2 sent, 2 dropped", m)
	}
	devs, _ := store.DevicesOfUsers(ctx, []string{"u2"})
	if len(devs) != 1 || devs[0].Token != "tok-moved" {
		t.Errorf("u2's devices = %v: the moved token must stay registered", devs)
	}
}

// BenchmarkDispatch measures messages per second through the dispatcher (SQLite outbox, real
// SDK, fake FCM on loopback) in batches of 500, one batch at a time (the default) and four at
// once (PUSH_CONCURRENCY=4). The machine is shared, so it also reports the process's CPU time
// per message while timed (client, fake server and store together), a figure that depends less
// on what else runs.
func BenchmarkDispatch(b *testing.B) {
	for _, c := range []int{1, 4} {
		b.Run(fmt.Sprintf("concurrency=%d", c), func(b *testing.B) { benchDispatch(b, c) })
	}
}

func benchDispatch(b *testing.B, concurrency int) {
	fake := fcmtest.New()
	defer fake.Close()
	store := openStore(b)
	ctx := context.Background()
	d := app.NewDispatcher(app.DispatcherDeps{Store: store, Sender: newConcurrentSender(b, fake, nil, concurrency), Holder: "bench",
		Config: app.DefaultPushConfig(), Concurrency: concurrency})
	const perIter = 2000
	b.ResetTimer()
	total := 0
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		msgs := make([]models.PushMessage, perIter)
		for j := range msgs {
			msgs[j] = msg(fmt.Sprintf("b%d-%d", i, j), fmt.Sprintf("tok-%d", j), time.Now().Add(-time.Second))
			msgs[j].UserID = fmt.Sprintf("u%d", j)
		}
		if i == 0 {
			register(b, store, msgs...)
		}
		if _, err := store.EnqueuePush(ctx, msgs); err != nil {
			b.Fatal(err)
		}
		fake.Reset()
		b.StartTimer()
		cpu0 := cpuTime(b)
		for {
			n, err := d.Round(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				break
			}
			total += n
		}
		cpu += cpuTime(b) - cpu0
	}
	if total != b.N*perIter {
		b.Fatalf("sent %d messages, want %d", total, b.N*perIter)
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "msgs/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(total), "cpu-µs/msg")
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestChangeTopic manages topic memberships through the real SDK against the fake server's IID
// endpoints: a subscription and an unsubscription change the members, a dead token gets IID's
// NOT_FOUND, and a failed call is an error (the dispatcher retries it).
func TestChangeTopic(t *testing.T) {
	fake := fcmtest.New()
	defer fake.Close()
	sender := newSender(t, fake, nil)
	fake.Unregister("gone")
	reasons, err := sender.ChangeTopic(t.Context(), "ward.set.1", []string{"a", "gone", "b"}, true)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	if got := fmt.Sprint(reasons); got != "[ NOT_FOUND ]" {
		t.Errorf("reasons = %q, want success, NOT_FOUND, success", reasons)
	}
	if got := fmt.Sprint(fake.TopicMembers("ward.set.1")); got != "[a b]" {
		t.Errorf("members = %s, want [a b]", got)
	}
	if _, err := sender.ChangeTopic(t.Context(), "ward.set.1", []string{"a"}, false); err != nil {
		t.Fatalf("unsubscribe: %v", err)
	}
	if got := fmt.Sprint(fake.TopicMembers("ward.set.1")); got != "[b]" {
		t.Errorf("members after unsubscribing a = %s, want [b]", got)
	}
	fake.ScriptTopic(fcmtest.Response{Status: 400})
	if _, err := sender.ChangeTopic(t.Context(), "ward.set.1", []string{"b"}, false); err == nil {
		t.Errorf("a failed IID call gave no error")
	}
	calls := fake.TopicCalls()
	if len(calls) != 3 || !calls[0].Subscribe || calls[1].Subscribe || calls[0].Topic != "ward.set.1" {
		t.Errorf("calls = %+v", calls)
	}
}

// TestRoundSendsEachOnce: a dispatcher sending four batches at once (PUSH_CONCURRENCY=4)
// delivers every message of a backlog exactly once and records each as sent; a message FCM
// refuses for a dead token is dropped like in a single cycle. (On SQLite the four claims take
// four batches; on MongoDB concurrent claims of the same due messages collide, and the losers
// find nothing that round — correct, only not faster.)
func TestRoundSendsEachOnce(t *testing.T) { eachStore(t, testRoundSendsEachOnce) }

func testRoundSendsEachOnce(t *testing.T, store app.Store) {
	fake := fcmtest.New()
	defer fake.Close()
	ctx := t.Context()
	const n, batch = 120, 20
	msgs := make([]models.PushMessage, n)
	for i := range msgs {
		msgs[i] = msg(fmt.Sprintf("m%03d", i), fmt.Sprintf("tok-%03d", i), t0)
		msgs[i].UserID = fmt.Sprintf("u%03d", i)
	}
	register(t, store, msgs...)
	if _, err := store.EnqueuePush(ctx, msgs); err != nil {
		t.Fatal(err)
	}
	fake.Unregister("tok-007")
	cfg := app.DefaultPushConfig()
	cfg.Batch = batch
	d := app.NewDispatcher(app.DispatcherDeps{Store: store, Sender: newConcurrentSender(t, fake, nil, 4), Holder: "h",
		Now: func() time.Time { return t0 }, Config: cfg, Concurrency: 4})
	handled := 0
	for {
		k, err := d.Round(ctx)
		if err != nil {
			t.Fatalf("Round: %v", err)
		}
		if k == 0 {
			break
		}
		if k > 4*batch {
			t.Errorf("one round handled %d messages, more than four batches of %d", k, batch)
		}
		handled += k
	}
	if handled != n {
		t.Errorf("rounds handled %d messages, want %d", handled, n)
	}
	perToken := map[string]int{}
	for _, r := range fake.Received() {
		perToken[r.Message.Token]++
	}
	for i := range n {
		if tok := fmt.Sprintf("tok-%03d", i); perToken[tok] != 1 {
			t.Errorf("%s: %d sends, want 1", tok, perToken[tok])
		}
	}
	counts, err := store.CountPush(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts[models.PushSent] != n-1 || counts[models.PushDropped] != 1 || counts[models.PushQueued] != 0 {
		t.Errorf("outbox = %v, want %d sent, 1 dropped", counts, n-1)
	}
	if m := d.Metrics(); m.Sent != n-1 || m.Dropped != 1 || m.Batches != n/batch {
		t.Errorf("metrics = %+v, want %d sent, 1 dropped, %d batches", m, n-1, n/batch)
	}
}
