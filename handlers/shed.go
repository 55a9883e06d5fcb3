package handlers

import (
	"github.com/gofiber/fiber/v2"

	"phananh/models"
)

// shedLoad refuses a request at once with 503 and Retry-After when MaxInFlight requests are
// already being served. Without it, a burst above what the store can write queues every
// request until its deadline: the server's memory grows with the queue (about 60 KB a waiting
// filing, 670 MB measured at 1,500 filings/s on 2 CPUs) and every answer comes late, while a
// phone told to retry in a second loses nothing — filings carry idempotency keys. Health
// probes are never shed, so an orchestrator does not restart a server for being busy.
//
// A request counts until its answer is produced: for a body streamed after the handler has
// returned (exports), the handler takes the slot over with keepSlot and the stream gives it
// back when it ends, so N slow downloads are N requests in flight, not zero.
func (s *Server) shedLoad(c *fiber.Ctx) error {
	switch c.Path() {
	case "/livez", "/healthz", "/readyz":
		return c.Next()
	}
	select {
	case s.inFlight <- struct{}{}:
	default:
		c.Locals(localShed, true)
		c.Set(fiber.HeaderRetryAfter, "1")
		return models.Errorf(models.EUnavailable, "the server is busy; retry in a moment")
	}
	sl := &inFlightSlot{}
	c.Locals(localSlot, sl)
	defer func() {
		if !sl.kept {
			<-s.inFlight
		}
	}()
	return c.Next()
}

const localSlot = "in_flight_slot"

// localShed marks a request shedLoad refused, for its route label (routeTemplate).
const localShed = "shed"

// inFlightSlot is the request's place in Server.inFlight; kept means a body stream owns it now.
type inFlightSlot struct{ kept bool }

// keepSlot hands the request's in-flight slot to a body stream that runs after the handler
// returns; the stream must call release once, when it ends (finished, failed, or the client
// went away). Call it immediately before SetBodyStreamWriter, whose writer always runs, so the
// slot cannot leak.
func (s *Server) keepSlot(c *fiber.Ctx) (release func()) {
	sl, _ := c.Locals(localSlot).(*inFlightSlot)
	if sl == nil {
		return func() {}
	}
	sl.kept = true
	return func() { <-s.inFlight }
}
