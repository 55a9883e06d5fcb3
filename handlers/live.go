package handlers

import (
	"bufio"
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

// Server-sent events of the officials' queues (app.Live), for API clients at
// GET /v1/queue/events and for the console's queue page at /console/queue/events.
const (
	// eventStreamLife bounds one stream: the client reconnects with Last-Event-ID and misses
	// nothing, and its token and account are checked again at each reconnection, so a disabled
	// account stops hearing within this.
	eventStreamLife = 2 * time.Minute
	// eventHeartbeat is how often a quiet stream sends a comment and its position: proxies keep
	// the connection, a client that went away is noticed, and the client's Last-Event-ID keeps up
	// with changes it may not see.
	eventHeartbeat = 15 * time.Second
	// eventRetry is the reconnection delay the stream asks of EventSource clients, in ms.
	eventRetry = "2000"
)

// queueEvent is the data of a "ticket" event: which ticket of the caller's queue changed, and
// how. It says no more than the queue shows (no text, no identities).
type queueEvent struct {
	TicketID string       `json:"ticket_id"`
	Code     string       `json:"code"`
	Version  int          `json:"version"`
	Action   string       `json:"action"`
	From     models.State `json:"from,omitempty"`
	To       models.State `json:"to"`
	At       time.Time    `json:"at"`
	UnitID   string       `json:"unit_id"`
	AreaCode string       `json:"area_code"`
	Category string       `json:"category"`
}

// queueEvents streams the caller's queue changes. It holds no in-flight slot (shedLoad): a
// stream is idle most of its life, and app.LiveMaxListeners bounds the streams instead.
func (s *Server) queueEvents(c *fiber.Ctx) error {
	sub, err := s.svc.Live.Subscribe(c.UserContext(), principal(c), c.Get("Last-Event-ID"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/event-stream; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no") // reverse proxies such as nginx pass each event on at once
	conn := c.Context().Conn()
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer sub.Close()
		extend := func() {
			if s.cfg.WriteTimeout > 0 {
				_ = conn.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
			}
		}
		_ = writeEvents(w, sub, extend)
	})
	return nil
}

// writeEvents writes sub's events until the stream's life ends, the subscription ends or a
// write fails (the client went away). The stream ends with the position to resume from.
func writeEvents(w *bufio.Writer, sub *app.LiveSubscription, extend func()) error {
	end := time.NewTimer(eventStreamLife)
	defer end.Stop()
	beat := time.NewTicker(eventHeartbeat)
	defer beat.Stop()
	extend()
	// The retry delay and a first comment go out at once, so the client knows it is listening.
	if _, err := w.WriteString("retry: " + eventRetry + "\n: listening\n\n"); err != nil {
		return err
	}
	for {
		if err := w.Flush(); err != nil {
			return err
		}
		select {
		case ev, ok := <-sub.C:
			if !ok {
				return checkpoint(w, sub, extend)
			}
			extend()
			if err := writeEvent(w, ev); err != nil {
				return err
			}
		case <-beat.C:
			if err := checkpoint(w, sub, extend); err != nil {
				return err
			}
		case <-end.C:
			return checkpoint(w, sub, extend)
		}
	}
}

// checkpoint sends the position after everything this listener was given or may not see, as an
// event without data: EventSource keeps it as the Last-Event-ID to reconnect with, and fires
// nothing.
func checkpoint(w *bufio.Writer, sub *app.LiveSubscription, extend func()) error {
	extend()
	if _, err := w.WriteString(": still listening\nid: " + sub.Cursor() + "\n\n"); err != nil {
		return err
	}
	return w.Flush()
}

// writeEvent writes one event: "ticket" with a queueEvent, or "reset" asking the client to
// reload its queue because it missed changes the server no longer holds.
func writeEvent(w *bufio.Writer, ev app.LiveEvent) error {
	name, data := "reset", []byte("{}")
	if !ev.Reset {
		e := ev.Entry
		var err error
		if data, err = json.Marshal(queueEvent{TicketID: e.TicketID, Code: e.Code, Version: e.Version, Action: e.Action,
			From: e.From, To: e.To, At: e.At, UnitID: e.UnitID, AreaCode: e.AreaCode, Category: e.Category}); err != nil {
			return err
		}
		name = "ticket"
	}
	_, err := w.WriteString("id: " + ev.ID + "\nevent: " + name + "\ndata: " + string(data) + "\n\n")
	return err
}

// addLivePaths documents GET /v1/queue/events. An event stream is text, not one JSON document:
// the response is text/event-stream, and the data of each "ticket" event is described in the
// description and as the QueueEvent schema, which x-event-data names.
func addLivePaths(paths map[string]any, op func(string, []string, bool, map[string]any, []any, map[string]any, ...string) map[string]any,
	param func(string, string, bool, string, string) map[string]any) {
	o := op("The caller's queue as it changes: server-sent events (text/event-stream). Each \"ticket\" event's data is a QueueEvent "+
		"for a ticket of the caller's queue (its unit's for officers and leaders, every unit's for the IOC) — a new report or a change; "+
		"\"reset\" asks the client to reload its queue (it missed changes the server no longer holds). Every event has an id; a stream "+
		"ends after about two minutes with an id to resume from: reconnect with Last-Event-ID and nothing is missed. EventSource does this by itself.",
		[]string{"workflow"}, true, nil, []any{param("Last-Event-ID", "header", false, "string", "the id of the last event (or checkpoint) received: resume after it")},
		map[string]any{}, "400", "401", "403", "503")
	o["responses"].(map[string]any)["200"] = map[string]any{"description": "the event stream", "content": map[string]any{
		"text/event-stream": map[string]any{"schema": map[string]any{"type": "string",
			"description": "events separated by blank lines: id, event (ticket or reset), data (a QueueEvent as JSON)"},
			"example": "id: ZjE6NDI\nevent: ticket\ndata: {\"ticket_id\":\"…\",\"code\":\"LX-…\",\"version\":1,\"action\":\"submit\",\"to\":\"received\",…}\n\n"}}}
	o["x-event-data"] = answerSchema(queueEvent{})
	paths["/v1/queue/events"] = map[string]any{"get": o}
}
