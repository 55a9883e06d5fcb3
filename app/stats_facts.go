package app

import (
	"context"
	"time"

	"phananh/models"
)

// TicketFact computes the statistics fact of a ticket as it is now. Working times come from the
// calendar (office hours minus holidays), as deadlines do.
func TicketFact(t *models.Ticket, cal *models.Calendar) models.TicketFact {
	f := models.TicketFact{
		TicketID: t.ID, Version: t.Version, BoundarySet: t.BoundarySet, AreaCode: t.AreaCode, UnitID: t.UnitID,
		Category: t.Category, Group: t.Group, CreatedDay: t.CreatedAt.In(models.VietnamTime).Format(time.DateOnly),
		CreatedAt: t.CreatedAt, State: t.State, Outcome: t.Outcome, TriageDueAt: t.TriageDueAt,
		ResolveDueAt: t.ResolveDueAt, DueAt: t.DueAt, OnTimeClass: t.OnTimeClass,
		TriageMs: -1, ResolveMs: -1, Rating: t.Rating, ReopenCount: t.ReopenCount,
	}
	if !t.TriagedAt.IsZero() {
		f.TriageMs = cal.WorkingTimeBetween(t.CreatedAt, t.TriagedAt).Milliseconds()
	}
	if !t.ResolvedAt.IsZero() && (t.State == models.StateResolved || t.State == models.StateClosed) {
		f.ResolveMs = cal.WorkingTimeBetween(t.CreatedAt, t.ResolvedAt).Milliseconds()
	}
	f.E2EDueAt = t.E2EDueAt
	if f.ResolveMs >= 0 {
		f.E2EClass = e2eClass(t, t.ResolvedAt)
	}
	f.Channel = t.Channel.OrApp()
	f.SetIndicators()
	return f
}

// factsEffect rewrites a ticket's statistics fact after every change.
type factsEffect struct {
	store StatsStore
	cal   *WorkingCalendar
}

// NewFactsEffect returns the Effect that keeps statistics facts current. It writes the fact of
// the ticket as it is now (whatever version it is called for): facts describe the present, and
// PutFact's version guard keeps a slow writer with an older copy from overwriting a newer fact.
// Idempotent: applying it twice writes the same row.
func NewFactsEffect(store StatsStore, cal *WorkingCalendar) Effect {
	return factsEffect{store: store, cal: cal}
}

func (e factsEffect) Apply(ctx context.Context, t *models.Ticket, _ int, _ models.Event) error {
	f := TicketFact(t, e.cal.Current())
	return e.store.PutFact(ctx, &f)
}

// Rebuild recomputes the fact of every ticket from the ticket itself (`phananh admin stats
// rebuild`): after a bug fix in the fact logic, a restore, or facts deleted by hand. It pages
// through all tickets newest first; concurrent changes are safe because PutFact never replaces a
// newer fact. Finally the store's rollups are recomputed from the facts. Returns how many
// tickets it processed.
func (s *Stats) Rebuild(ctx context.Context) (int, error) {
	f := models.TicketFilter{Limit: 500}
	n := 0
	for {
		ts, err := s.store.FindTickets(ctx, f)
		if err != nil {
			return n, err
		}
		for _, t := range ts {
			fact := TicketFact(t, s.cal())
			if err := s.store.PutFact(ctx, &fact); err != nil {
				return n, err
			}
			n++
		}
		if len(ts) < f.Limit {
			return n, s.store.RebuildRollups(ctx)
		}
		last := ts[len(ts)-1]
		f.After = &models.TicketCursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
}
