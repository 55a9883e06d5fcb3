package app

import (
	"context"
	"slices"
	"strconv"

	"phananh/models"
)

// Bulk actions: a unit's morning starts with a queue of new reports, and accepting or assigning
// them one page at a time is most of the first hour. A bulk action is the same action on each
// ticket, each its own compare-and-set on the version the caller saw (Act), so one stale or
// refused ticket does not hold up the others and nothing is done twice.

// BulkActions are the actions the queue applies to many tickets at once.
var BulkActions = []models.Action{models.ActAccept, models.ActAssign}

// MaxBulk bounds the tickets of one bulk action.
const MaxBulk = 50

// BulkItem is one ticket of a bulk action with the version the caller saw.
type BulkItem struct {
	ID              string
	ExpectedVersion int
}

// BulkResult is what became of one ticket: the ticket after the action, or the error that
// refused it (then the ticket is unchanged).
type BulkResult struct {
	ID     string
	Ticket *models.Ticket
	Err    error
}

// ActOnMany performs in.Action (accept, or assign with in.Officer) on each ticket in order, with
// its own expected version. The request as a whole is refused (nothing done) when the action,
// the list or an item is malformed; otherwise each ticket's result is returned.
func (s *Tickets) ActOnMany(ctx context.Context, p models.Principal, items []BulkItem, in ActionInput) ([]BulkResult, error) {
	if err := checkBulk(items, in.Action); err != nil {
		return nil, err
	}
	out := make([]BulkResult, 0, len(items))
	for _, it := range items {
		in.ExpectedVersion = it.ExpectedVersion
		t, err := s.Act(ctx, p, it.ID, in)
		if ctx.Err() != nil {
			return nil, ctx.Err() // the request's time is up: the caller sees which were done by reloading
		}
		out = append(out, BulkResult{ID: it.ID, Ticket: t, Err: err})
	}
	return out, nil
}

// checkBulk refuses a bulk request that cannot be carried out as asked, every problem at once.
func checkBulk(items []BulkItem, action models.Action) error {
	var errs models.Errors
	if !slices.Contains(BulkActions, action) {
		errs = append(errs, models.Problem("action", models.ProblemBadEnum, "accept, assign", "a bulk action is accept or assign"))
	}
	switch {
	case len(items) == 0:
		errs = append(errs, models.Problem("tickets", models.ProblemRequired, "", "name the tickets"))
	case len(items) > MaxBulk:
		errs = append(errs, models.Problem("tickets", models.ProblemTooMany, strconv.Itoa(MaxBulk), "at most %d tickets at once", MaxBulk))
	}
	seen := map[string]bool{}
	for i, it := range items {
		field := "tickets[" + strconv.Itoa(i) + "]"
		switch {
		case it.ID == "":
			errs = append(errs, models.Problem(field+".id", models.ProblemRequired, "", "a ticket id is required"))
		case seen[it.ID]:
			errs = append(errs, models.Problem(field+".id", models.ProblemInvalid, "", "ticket %s is named twice", it.ID))
		case it.ExpectedVersion < 1:
			errs = append(errs, models.Problem(field+".expected_version", models.ProblemRequired, "", "the version the caller saw is required"))
		}
		seen[it.ID] = true
	}
	return errs.Err()
}
