package handlers

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"phananh/app"
	"phananh/models"
)

// The queue page's bulk actions: rows the official may accept or assign carry a checkbox, and
// one form accepts them, or assigns them to one of the unit's officials (app.Tickets.ActOnMany).

// bulkChoices marks the rows that may be acted on together and what the bulk form offers.
func (s *consoleUI) bulkChoices(c *fiber.Ctx, v *consoleQueueView, tickets []*models.Ticket) error {
	p := principal(c)
	var assignable *models.Ticket
	for i, t := range tickets {
		allowed := s.svc.Tickets.Allowed(p, t)
		accept, assign := slices.Contains(allowed, models.ActAccept), slices.Contains(allowed, models.ActAssign)
		v.Tickets[i].Selectable = accept || assign
		v.BulkAccept = v.BulkAccept || accept
		if assign && assignable == nil {
			assignable = t
		}
	}
	if assignable == nil {
		return nil
	}
	// The queue of an official with a unit holds that unit's tickets only: whom one may be
	// assigned to, all may.
	users, err := s.svc.Tickets.Assignees(c.UserContext(), p, assignable)
	if err != nil {
		return err
	}
	for _, u := range users {
		v.Staff = append(v.Staff, consoleOption{u.ID, app.StaffLabel(&u)})
	}
	return nil
}

// consoleBulk accepts or assigns the chosen rows ("id:version" each) and goes back to the queue,
// which says how many were done and how many were not.
func (s *consoleUI) consoleBulk(c *fiber.Ctx) error {
	args := c.Context().PostArgs()
	var items []app.BulkItem
	for _, raw := range args.PeekMulti("ticket") {
		id, ver, _ := strings.Cut(string(raw), ":")
		n, err := strconv.Atoi(ver)
		if err != nil {
			return models.Problem("ticket", models.ProblemMalformed, "", "a chosen ticket must be id:version")
		}
		items = append(items, app.BulkItem{ID: id, ExpectedVersion: n})
	}
	in := app.ActionInput{Action: models.Action(c.FormValue("action"))}
	if in.Action == models.ActAssign {
		in.Officer = c.FormValue("officer")
	}
	results, err := s.svc.Tickets.ActOnMany(c.UserContext(), principal(c), items, in)
	if err != nil {
		return err
	}
	done := 0
	for _, r := range results {
		if r.Err == nil {
			done++
		}
	}
	back := url.Values{"bulk_done": {strconv.Itoa(done)}, "bulk_failed": {strconv.Itoa(len(results) - done)}}
	return c.Redirect(consolePrefix+"/queue?"+back.Encode(), fiber.StatusSeeOther)
}

// bulkFlash is the queue's message after a bulk action, from the redirect's query.
func (s *consoleUI) bulkFlash(c *fiber.Ctx) *consoleFlash {
	done, err1 := strconv.Atoi(c.Query("bulk_done"))
	failed, err2 := strconv.Atoi(c.Query("bulk_failed"))
	if err1 != nil || err2 != nil || done < 0 || failed < 0 {
		return nil
	}
	lang := s.consoleLang(c)
	f := &consoleFlash{Kind: "ok", Message: fmt.Sprintf(translate(lang, "bulk.done"), done)}
	if failed > 0 {
		f.Kind = "conflict"
		f.Message += " " + fmt.Sprintf(translate(lang, "bulk.failed"), failed)
	}
	return f
}
