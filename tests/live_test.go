package tests

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// sseEvent is one server-sent event as a client parses it; a checkpoint (an id without data)
// has an empty Name.
type sseEvent struct {
	ID, Name, Data string
}

// queueEventData is the data of a "ticket" event.
type queueEventData struct {
	TicketID string `json:"ticket_id"`
	Code     string `json:"code"`
	Version  int    `json:"version"`
	Action   string `json:"action"`
	To       string `json:"to"`
	UnitID   string `json:"unit_id"`
}

// eventStream is an open GET /v1/queue/events: its events (checkpoints included) arrive on
// events, which is closed when the stream ends.
type eventStream struct {
	events chan sseEvent
	cancel func()
}

// openEvents opens the caller's queue event stream, resuming after lastID when it is not empty,
// and checks that it is one: 200, text/event-stream.
func openEvents(t *testing.T, s *server, token, lastID string) *eventStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", s.base+"/v1/queue/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := (&http.Client{}).Do(req) // no client timeout: the stream stays open
	if err != nil {
		cancel()
		t.Fatalf("GET /v1/queue/events: %v", err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		resp.Body.Close()
		t.Fatalf("GET /v1/queue/events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	es := &eventStream{events: make(chan sseEvent, 100), cancel: cancel}
	go func() {
		defer close(es.events)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.ID != "" || ev.Data != "" {
					es.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.ID = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.Name = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.Data = line[6:]
			}
		}
	}()
	t.Cleanup(cancel)
	return es
}

// next waits for the next "ticket" or "reset" event, skipping checkpoints.
func (es *eventStream) next(t *testing.T, timeout time.Duration) (sseEvent, bool) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev, ok := <-es.events:
			if !ok {
				return sseEvent{}, false
			}
			if ev.Name != "" {
				return ev, true
			}
		case <-deadline:
			return sseEvent{}, false
		}
	}
}

// nextTicket waits for the next "ticket" event and decodes it.
func (es *eventStream) nextTicket(t *testing.T, what string, timeout time.Duration) (sseEvent, queueEventData) {
	t.Helper()
	ev, ok := es.next(t, timeout)
	if !ok || ev.Name != "ticket" {
		t.Fatalf("%s: no ticket event within %s (got %+v, open %v)", what, timeout, ev, ok)
	}
	var d queueEventData
	if err := json.Unmarshal([]byte(ev.Data), &d); err != nil {
		t.Fatalf("%s: event data %q: %v", what, ev.Data, err)
	}
	return ev, d
}

// TestQueueEvents follows the officials' live queues: a new report reaches its unit's stream
// and the IOC's, and never another unit's; an interrupted stream resumes from its last event id
// without missing a change; the stream carries nothing personal; bad callers are refused.
func TestQueueEvents(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x, y := ward(set, 2), ward(set, 3)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		ox := s.createOfficial("officer", "canbo.live.x", unitOf(x.code, "ubnd"))
		oy := s.createOfficial("officer", "canbo.live.y", unitOf(y.code, "ubnd"))
		ioc := s.createOfficial("ioc_viewer", "ioc.live", "")
		res := s.signInResident("0912600020")

		sx, sy, si := openEvents(t, s, ox.AccessToken, ""), openEvents(t, s, oy.AccessToken, ""), openEvents(t, s, ioc.AccessToken, "")
		tk := fileTicket(t, s, res.AccessToken, wfReport("TTDT", x, "Lấn chiếm vỉa hè trước nhà số 12, gọi 0912600020", false))
		filed := time.Now()
		ev, d := sx.nextTicket(t, "the ward's officer", 30*time.Second)
		latency := time.Since(filed)
		t.Logf("%s: the new report reached its unit's stream %s after the filing answered", st.name, latency)
		if st.mongo == nil && !raceBuild && latency > 2*time.Second {
			t.Errorf("the new report took %s to reach its unit's stream; want within 2 s", latency)
		}
		if d.TicketID != tk.ID || d.Code != tk.Code || d.Action != "submit" || d.To != "received" || d.Version != 1 || d.UnitID != unitOf(x.code, "ubnd") {
			t.Errorf("event %+v for ticket %s %s", d, tk.ID, tk.Code)
		}
		for _, leak := range []string{"0912600020", "vỉa hè", res.User.ID} {
			if strings.Contains(ev.Data, leak) {
				t.Errorf("the event carries %q: %s", leak, ev.Data)
			}
		}
		if _, d := si.nextTicket(t, "the IOC", 30*time.Second); d.TicketID != tk.ID {
			t.Errorf("the IOC's first event is for %s, not the new report", d.TicketID)
		}

		// The other ward's stream: its first event is its own report, filed after; the feed is
		// in order, so an event for the first report would have come before.
		ty := fileTicket(t, s, res.AccessToken, wfReport("TTDT", y, "Rác thải ven đường", false))
		if _, d := sy.nextTicket(t, "the other ward's officer", 30*time.Second); d.TicketID != ty.ID {
			t.Errorf("the other ward's stream got an event for %s (%s), want only its own %s", d.TicketID, d.UnitID, ty.ID)
		}

		// Interrupted: the officer's stream closes, the report is accepted meanwhile, and the
		// stream resumed from the last event id brings the acceptance, and then nothing older.
		sx.cancel()
		step(t, s, ox.AccessToken, tk, "accept", fields{}, "assigned")
		again := openEvents(t, s, ox.AccessToken, ev.ID)
		if _, d := again.nextTicket(t, "the resumed stream", 30*time.Second); d.TicketID != tk.ID || d.Action != "accept" || d.Version != 2 {
			t.Errorf("the resumed stream's first event %+v, want the acceptance of %s", d, tk.ID)
		}

		refused(t, s.request(t, "GET", "/v1/queue/events", res.AccessToken, nil), http.StatusForbidden, "forbidden", "")
		refused(t, s.request(t, "GET", "/v1/queue/events", "", nil), http.StatusUnauthorized, "unauthorized", "")
		refused(t, s.request(t, "GET", "/v1/queue/events", ox.AccessToken, nil, "Last-Event-ID: not-an-id"), http.StatusBadRequest, "invalid", "Last-Event-ID")

		// Stopping the server ends the open streams at once, each with a position to resume
		// from on another instance, instead of holding the graceful shutdown.
		s.stop()
		var last sseEvent
		for ev := range si.events {
			last = ev
		}
		if last.Name != "" || last.ID == "" {
			t.Errorf("the IOC's stream ended with %+v, want a checkpoint to resume from", last)
		}
		if strings.Contains(s.stderr.String(), `"msg":"shutdown"`) {
			t.Errorf("the graceful shutdown failed with streams open:\n%s", tail(s.stderr.String(), 10))
		}
	})
}

// eventsAnswer opens the queue event stream as token and returns the answer without waiting for
// the stream's end (it stays open for minutes): status and headers, and the body of a refusal.
func eventsAnswer(t testing.TB, s *server, token string) response {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", s.base+"/v1/queue/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		t.Fatalf("GET /v1/queue/events: %v", err)
	}
	defer resp.Body.Close()
	r := response{status: resp.StatusCode, header: resp.Header}
	if resp.StatusCode != http.StatusOK {
		r.body, _ = io.ReadAll(resp.Body)
	}
	return r
}
