package app

import (
	"context"
	"log/slog"
	"time"

	"phananh/models"
)

// remaining is the time left from now to due in the SLA's own currency: working time for
// working-hour and working-day rules, clock time otherwise (never negative).
func (s *Tickets) remaining(sla models.SLA, now, due time.Time) time.Duration {
	if sla.Unit == models.ClockHours {
		return max(due.Sub(now), 0)
	}
	return s.cal().WorkingTimeBetween(now, due)
}

// addSLATime is the inverse of remaining: the instant d of the rule's time after start.
func (s *Tickets) addSLATime(sla models.SLA, start time.Time, d time.Duration) time.Time {
	if sla.Unit == models.ClockHours {
		return start.Add(d).UTC()
	}
	return s.cal().AddWorkingTime(start, d).UTC()
}

// resumedDue is the resolution deadline if the resident's answer came at now: the working time
// left when the clock paused, counted again from now. An answer never brings the deadline
// forward: a deadline outside office hours (an extension granted to a Sunday) keeps only the
// working time before it, so counting that again from an early answer would end sooner.
func (s *Tickets) resumedDue(t *models.Ticket, cat models.Category, now time.Time) time.Time {
	due := s.addSLATime(cat.ResolveSLA, now, t.PausedRemaining)
	if due.Before(t.ResolveDueAt) {
		return t.ResolveDueAt
	}
	return due
}

// restartDeadlines gives a ticket fresh deadlines from now (filing, transfer).
func (s *Tickets) restartDeadlines(t *models.Ticket, cat models.Category, now time.Time) {
	t.TriageDueAt = cat.TriageSLA.Due(s.cal(), now).UTC()
	t.ResolveDueAt = cat.ResolveSLA.Due(s.cal(), now).UTC()
	t.ExtendedFrom, t.Extension = time.Time{}, nil
	t.RemindedAt, t.EscalationLevel = time.Time{}, 0
}

// clockStart is when the current deadline started to run: the last filing, transfer or reopen.
func clockStart(t *models.Ticket) time.Time {
	start := t.CreatedAt
	for _, e := range t.History {
		switch e.Action {
		case models.ActTransfer, models.ActReopen:
			start = e.At
		}
	}
	return start
}

// schedule derives DueAt (the deadline that matters now) and NextCheckAt (when the SLA worker
// must look again) from the ticket's state. Called on every change, so both stay consistent.
func (s *Tickets) schedule(t *models.Ticket, now time.Time) {
	prevDue := t.DueAt
	switch t.State {
	case models.StateReceived:
		t.DueAt = t.TriageDueAt
	case models.StateAwaitingInfo:
		t.DueAt = s.resumedDue(t, s.catalog.Load().policyOf(t), now)
	default:
		t.DueAt = t.ResolveDueAt
	}
	if t.State.ClockRunning() && t.DueAt.After(prevDue) && !prevDue.IsZero() {
		// A later deadline (accepted, extended, answered) earns a fresh reminder and escalation.
		t.RemindedAt, t.EscalationLevel = time.Time{}, 0
	}
	t.NextCheckAt = time.Time{}
	switch {
	case t.State == models.StateResolved:
		t.NextCheckAt = t.ResolvedAt.Add(s.cfg.ReopenWindow)
	case t.State == models.StateAwaitingInfo:
		t.NextCheckAt = s.infoWaitNext(t)
	case t.State.ClockRunning():
		var next time.Time
		if t.RemindedAt.IsZero() && t.EscalationLevel == 0 {
			next = s.remindAt(t)
		}
		switch {
		case s.pastTransferLimit(t):
			next = now // the worker escalates it to the IOC at its next round
		case t.EscalationLevel == 0:
			next = earliest(next, t.DueAt)
		case t.EscalationLevel == 1:
			next = earliest(next, s.cal().AddWorkingTime(t.DueAt, s.cfg.EscalateToIOCAfter).UTC())
		}
		t.NextCheckAt = next
	}
}

// pastTransferLimit reports whether t went through more transfers than TransferLimit and the
// IOC has not heard of it since the last one (a transfer starts the escalations afresh).
func (s *Tickets) pastTransferLimit(t *models.Ticket) bool {
	return s.cfg.TransferLimit > 0 && len(t.TransferredFrom) > s.cfg.TransferLimit && t.EscalationLevel < 2
}

// remindAt is RemindAt of the way from the clock's start to the deadline, measured in the
// rule's own time (working time for working-hour rules), so reminders land in office hours.
func (s *Tickets) remindAt(t *models.Ticket) time.Time {
	cat := s.catalog.Load().policyOf(t)
	sla := cat.ResolveSLA
	if t.State == models.StateReceived {
		sla = cat.TriageSLA
	}
	start := clockStart(t)
	span := s.remaining(sla, start, t.DueAt)
	return s.addSLATime(sla, start, time.Duration(float64(span)*s.cfg.RemindAt)).Truncate(time.Millisecond)
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// SweepSLA performs every reminder, escalation and auto-close that is due, one history event
// each. Several instances may sweep at once: every change is a compare-and-set on the version,
// so a step done by another instance is detected and not repeated.
func (s *Tickets) SweepSLA(ctx context.Context) (int, error) {
	return s.SweepSLAAt(ctx, s.clock())
}

// SweepSLAAt is one SweepSLA pass as of now rather than the clock: `phananh admin sla run
// --now` (an operator catching up after downtime, and the black-box tests, which cannot wait
// days for a cap). It takes no lease: two passes at once are safe, because every step is a
// compare-and-set on the ticket version and a step's condition is read from the ticket (a
// reminder already in its history is not sent again), so each reminder and close happens once.
func (s *Tickets) SweepSLAAt(ctx context.Context, now time.Time) (int, error) {
	due, err := s.store.FindSLADue(ctx, now, 200)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, t := range due {
		// A ticket may owe several steps (a reminder and an escalation after downtime): take
		// them one event at a time, re-reading after each.
		for step := 0; step < 4 && !t.NextCheckAt.IsZero() && !t.NextCheckAt.After(now); step++ {
			ev, ok := s.slaStep(t, now)
			if !ok {
				break
			}
			if err := s.commit(ctx, t, ev, now); err != nil {
				if !models.IsCode(err, models.EConflict) {
					return done, err
				}
				break // another instance moved it; its own sweep handles the rest
			}
			s.obs.SLAStep(ev.Action, ev.EscalationLevel)
			done++
		}
	}
	return done, nil
}

// slaStep decides the next system event owed by t at now and applies it to t.
func (s *Tickets) slaStep(t *models.Ticket, now time.Time) (models.Event, bool) {
	ev := models.Event{At: now, ActorRole: models.RoleSystem, From: t.State, To: t.State, Visibility: models.Internal}
	switch {
	case t.State == models.StateResolved && !now.Before(t.ResolvedAt.Add(s.cfg.ReopenWindow)):
		// Closed without a rating after the reopen window.
		ev.Action, ev.To, ev.Visibility = models.ActAutoClose, models.StateClosed, models.Public
		t.ClosedAt = now
	case t.State == models.StateAwaitingInfo:
		// Waiting for the resident: a reminder halfway, the category's policy at the cap.
		return ev, s.infoWaitStep(t, now, &ev)
	case !t.State.ClockRunning():
		return ev, false
	case s.pastTransferLimit(t):
		// Passed between units more often than TransferLimit: the IOC hears of it now.
		t.EscalationLevel = 2
		ev.Action, ev.EscalationLevel, ev.Reason = models.ActEscalate, 2, models.EscalationTransferLimit
	case t.EscalationLevel == 0 && !now.Before(t.DueAt):
		// The deadline passed: the unit's leader hears of it.
		t.EscalationLevel = 1
		t.RemindedAt = earliest(t.RemindedAt, now)
		ev.Action, ev.EscalationLevel = models.ActEscalate, 1
	case t.EscalationLevel == 1 && !now.Before(s.cal().AddWorkingTime(t.DueAt, s.cfg.EscalateToIOCAfter)):
		// Still overdue: the IOC hears of it.
		t.EscalationLevel = 2
		ev.Action, ev.EscalationLevel = models.ActEscalate, 2
	case t.RemindedAt.IsZero() && t.EscalationLevel == 0 && !now.Before(s.remindAt(t)):
		t.RemindedAt = now
		ev.Action, ev.DueAt = models.ActRemind, t.DueAt
	default:
		return ev, false
	}
	return ev, true
}

// RunSweeps runs the periodic work every interval while it holds the "sla" lease, until ctx
// ends: effects left behind by a crash first, then reminders, escalations and auto-closes.
// Running it in every instance is safe; the lease keeps the work in one of them at a time, and
// every step is idempotent or a compare-and-set anyway. Taking and losing the lease are logged
// ("sla lease taken" / "sla lease lost", with the holder), so an operator can tell which
// instance works and see another take over within the lease (3 × interval) after a crash.
func (s *Tickets) RunSweeps(ctx context.Context, holder string, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	cycle, stopped := s.workers.started("sla", interval)
	defer stopped()
	defer s.obs.LeaseHeld("sla", false) // it expires unrenewed, or FinishEffects hands it back
	held := false
	for {
		ok, err := s.store.AcquireLease(ctx, "sla", holder, s.clock(), 3*interval)
		if err == nil {
			s.obs.LeaseHeld("sla", ok)
		}
		if err == nil && ok != held {
			held = ok
			msg := "sla lease lost"
			if ok {
				msg = "sla lease taken"
			}
			s.log.LogAttrs(ctx, slog.LevelInfo, msg, slog.String("holder", holder))
		}
		if err == nil && ok {
			if _, err := s.SweepEffects(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("effects sweep", "error", err)
			}
			if n, err := s.SweepSLA(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("SLA sweep", "error", err)
			} else if n > 0 {
				s.log.LogAttrs(ctx, slog.LevelInfo, "SLA sweep", slog.Int("events", n))
			}
		} else if err != nil && ctx.Err() == nil {
			s.log.Error("SLA lease", "error", err)
		}
		cycle()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
