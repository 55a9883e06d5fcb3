package app

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"phananh/models"
)

// RetentionConfig is how long personal data is kept after a ticket is closed for good
// (models.State.FinalState; the periods run from the ticket's last change). Months are calendar
// months.
type RetentionConfig struct {
	// IdentityMonths (RETENTION_IDENTITY): then the ticket is de-identified like an erasure.
	IdentityMonths int
	// MediaMonths (RETENTION_MEDIA): then its media are deleted, except the officials' result
	// photos of a public ticket, which show the city's work.
	MediaMonths int
	// AuditMonths (RETENTION_AUDIT): how long audit records are kept. Older ones are removed
	// from the start of the hash chain, whose newest removed record becomes the anchor that
	// verification starts from (Store.PruneAudit).
	AuditMonths int
	// Interval (RETENTION_INTERVAL) is how often the worker runs.
	Interval time.Duration
}

// DefaultRetentionConfig returns the defaults the README documents: identities 24 months,
// media 12 months (a year covers complaints about the result and the annual reports), audit
// records 5 years, a run every hour.
func DefaultRetentionConfig() RetentionConfig {
	return RetentionConfig{IdentityMonths: 24, MediaMonths: 12, AuditMonths: 60, Interval: time.Hour}
}

// RetentionReport is what one retention run did.
type RetentionReport struct {
	Deidentified int   // tickets de-identified (RETENTION_IDENTITY)
	MediaTickets int   // tickets whose media were deleted (RETENTION_MEDIA)
	MediaDeleted int   // media records deleted
	Purged       int64 // expired sign-in codes, refresh tokens and rate counters deleted
	AuditRemoved int   // audit records past RETENTION_AUDIT removed
}

// retentionLease is the lease the retention worker runs under, in one instance at a time.
const retentionLease = "retention"

// counterKeep is how long rate-limit counters are kept after their window started: the
// longest window is a month (the stores sweep them the same way).
const counterKeep = 35 * 24 * time.Hour

// RetainOnce runs one retention pass as of now — the instant the periods are measured from,
// which an operator's command (and the tests) may set — under the retention lease, which it
// takes and gives back on the real clock. It answers false, doing nothing, when another
// instance holds the lease. Every step is idempotent, so a pass cut short is resumed by the
// next one.
func (s *Erasure) RetainOnce(ctx context.Context, holder string, now time.Time) (RetentionReport, bool, error) {
	ok, err := s.store.AcquireLease(ctx, retentionLease, holder, s.clock(), 10*time.Minute)
	if err != nil || !ok {
		return RetentionReport{}, false, err
	}
	defer func() { _, _ = s.store.AcquireLease(context.WithoutCancel(ctx), retentionLease, holder, s.clock(), 0) }()
	r, err := s.retain(ctx, now)
	return r, true, err
}

// RunRetention runs a retention pass every interval, until ctx ends; safe in every instance.
// Each pass takes the retention lease and gives it back when done (RetainOnce), so passes never
// overlap, yet an operator's `admin retention run` is not locked out between them.
func (s *Erasure) RunRetention(ctx context.Context, holder string) {
	interval := s.cfg.Retention.Interval
	tick := time.NewTicker(interval)
	defer tick.Stop()
	cycle, stopped := s.workers.started("retention", interval)
	defer stopped()
	for {
		r, ran, err := s.RetainOnce(ctx, holder, s.clock())
		s.obs.LeaseHeld(retentionLease, ran)
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Error("retention", "error", err)
		case ran:
			s.logRetention(ctx, r)
		}
		cycle()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// retain is one pass (retainSteps), after which what it deleted is made unrecoverable from the
// store's files (Compact) when it deleted anything.
func (s *Erasure) retain(ctx context.Context, now time.Time) (RetentionReport, error) {
	r, err := s.retainSteps(ctx, now)
	if err == nil && r.Deidentified+r.MediaTickets+int(r.Purged)+r.AuditRemoved > 0 {
		err = s.store.Compact(ctx)
	}
	return r, err
}

// retainSteps is one pass: identities, then media, then expired credentials and counters, then
// old audit records. Statistics never move: tickets stay, and only fields no statistic counts
// change.
func (s *Erasure) retainSteps(ctx context.Context, now time.Time) (RetentionReport, error) {
	var r RetentionReport
	rc := s.cfg.Retention
	err := s.eachRetained(ctx, models.RetentionQuery{ClosedBefore: now.AddDate(0, -rc.IdentityMonths, 0), Identified: true},
		func(t *models.Ticket) error {
			changed := false
			_, n, err := s.rewrite(ctx, t.ID, func(t *models.Ticket) (models.Event, []string, bool) {
				ev, drop, ok := s.retireIdentity(ctx, now)(t)
				changed = ok
				return ev, drop, ok
			})
			if changed {
				r.Deidentified++
				r.MediaDeleted += n
			}
			return err
		})
	if err != nil {
		return r, err
	}
	err = s.eachRetained(ctx, models.RetentionQuery{ClosedBefore: now.AddDate(0, -rc.MediaMonths, 0), WithMedia: true},
		func(t *models.Ticket) error {
			if len(retiredMedia(t)) == 0 {
				return nil
			}
			changed := false
			_, n, err := s.rewrite(ctx, t.ID, func(t *models.Ticket) (models.Event, []string, bool) {
				drop := retiredMedia(t)
				if changed = len(drop) > 0; !changed {
					return models.Event{}, nil, false
				}
				t.Media = nil
				if t.Private {
					t.ResultMedia = nil
				}
				return eraseEvent(models.EraseRetentionMedia), drop, true
			})
			if changed {
				r.MediaTickets++
				r.MediaDeleted += n
			}
			return err
		})
	if err != nil {
		return r, err
	}
	if r.Purged, err = s.store.PurgeExpired(ctx, now, now.Add(-counterKeep)); err != nil {
		return r, err
	}
	if r.AuditRemoved, err = s.store.PruneAudit(ctx, now.AddDate(0, -rc.AuditMonths, 0), s.clock()); err != nil || r.AuditRemoved == 0 {
		return r, err
	}
	a, err := s.store.AuditAnchor(ctx)
	if err != nil {
		return r, err
	}
	// The removal itself is on the record, naming the new start of the chain.
	return r, s.audit(ctx, models.Principal{Role: models.RoleSystem}, "audit_prune", "", "",
		fmt.Sprintf("%d records older than %d months removed; the chain now starts after record %d", r.AuditRemoved, rc.AuditMonths, a.Seq))
}

// retireIdentity is the change that de-identifies a ticket whose identity period ended, unless
// a legal hold or an earlier pass got there first.
func (s *Erasure) retireIdentity(ctx context.Context, now time.Time) func(t *models.Ticket) (models.Event, []string, bool) {
	cutoff := now.AddDate(0, -s.cfg.Retention.IdentityMonths, 0)
	return func(t *models.Ticket) (models.Event, []string, bool) {
		// A report filed on behalf of a resident who gave no phone has no identity to retire.
		if t.LegalHold != nil || t.ReporterID == models.ErasedReporter || t.ReporterID == "" || !t.State.FinalState() ||
			!t.UpdatedAt.Before(cutoff) {
			return models.Event{}, nil, false
		}
		phone := ""
		if u, err := s.store.UserByID(ctx, t.ReporterID); err == nil {
			phone = u.Phone
		}
		return eraseEvent(models.EraseRetention), deidentify(t, t.ReporterID, phone, true), true
	}
}

// retiredMedia lists the media a ticket past RETENTION_MEDIA gives up: the reporter's, and the
// result photos unless the ticket is public; none while it is held.
func retiredMedia(t *models.Ticket) []string {
	if t.LegalHold != nil {
		return nil
	}
	drop := append([]string(nil), t.Media...)
	if t.Private {
		drop = append(drop, t.ResultMedia...)
	}
	return drop
}

// eachRetained calls fn for every ticket q selects (held ones included: fn decides), page by
// page in id order, so a long pass neither skips nor repeats a ticket.
func (s *Erasure) eachRetained(ctx context.Context, q models.RetentionQuery, fn func(t *models.Ticket) error) error {
	q.Limit = 200
	for {
		ts, err := s.store.FindRetention(ctx, q)
		if err != nil {
			return err
		}
		for _, t := range ts {
			if t.LegalHold != nil {
				continue
			}
			if err := fn(t); err != nil && !models.IsCode(err, models.ENotFound) {
				return err
			}
		}
		if len(ts) < q.Limit {
			return nil
		}
		q.AfterID = ts[len(ts)-1].ID
	}
}

// mayHold refuses everyone but the IOC operators and administrators: a legal hold keeps a
// person's identity past their erasure, which only those who oversee every unit may decide.
func mayHold(p models.Principal) error {
	if p.Scope != "" || (p.Role != models.RoleIOCOperator && p.Role != models.RoleAdmin) {
		return models.Errorf(models.EForbidden, "only IOC operators and administrators place or release legal holds")
	}
	return nil
}

// holdReason checks the reason a hold is placed or released for.
func holdReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return "", models.FieldError(models.EInvalid, "reason", "reason is required")
	case !utf8.ValidString(reason) || utf8.RuneCountInString(reason) > models.MaxLegalHoldReasonLen:
		return "", models.FieldError(models.EInvalid, "reason", "reason must be valid text of at most %d characters", models.MaxLegalHoldReasonLen)
	}
	// The reason goes into the ticket's history and the audit log, which nothing may edit: a
	// phone number typed into it would outlive the reporter's erasure.
	return ScrubText(reason), nil
}

// PlaceHold puts ticket id under a legal hold for reason (IOC operators and administrators):
// until released, erasure and retention leave the ticket linked to its reporter, whose identity
// is snapshotted now so that it survives the account's erasure. Audited.
func (s *Erasure) PlaceHold(ctx context.Context, p models.Principal, id, reason string) (*models.Ticket, error) {
	if err := mayHold(p); err != nil {
		return nil, err
	}
	reason, err := holdReason(reason)
	if err != nil {
		return nil, err
	}
	placed := false
	t, _, err := s.rewrite(ctx, id, func(t *models.Ticket) (models.Event, []string, bool) {
		if placed = t.LegalHold == nil; !placed {
			return models.Event{}, nil, false
		}
		h := &models.LegalHold{Reason: reason, By: p.UserID, At: s.clock()}
		if u, err := s.store.UserByID(ctx, t.ReporterID); err == nil {
			h.Phone, h.Name = u.Phone, u.DisplayName
		}
		t.LegalHold = h
		return models.Event{ActorRole: p.Role, ActorID: p.UserID, Action: models.ActLegalHold, Visibility: models.Internal, Reason: reason}, nil, true
	})
	if err != nil {
		return nil, err
	}
	if !placed {
		return nil, models.Errorf(models.EConflict, "the ticket is already under a legal hold")
	}
	return t, s.audit(ctx, p, "legal_hold", t.ID, t.ReporterID, reason)
}

// ReleaseHold ends the legal hold of ticket id for reason (IOC operators and administrators).
// What the hold held back happens now: a ticket whose reporter erased their account meanwhile,
// or whose identity period ended, is de-identified in the same change. Audited.
func (s *Erasure) ReleaseHold(ctx context.Context, p models.Principal, id, reason string) (*models.Ticket, error) {
	if err := mayHold(p); err != nil {
		return nil, err
	}
	reason, err := holdReason(reason)
	if err != nil {
		return nil, err
	}
	released, deidentified := false, false
	t, _, err := s.rewrite(ctx, id, func(t *models.Ticket) (models.Event, []string, bool) {
		h := t.LegalHold
		if h == nil {
			return models.Event{}, nil, false
		}
		t.LegalHold, released, deidentified = nil, true, false
		var drop []string
		if t.ReporterID != models.ErasedReporter && t.ReporterID != "" { // "": filed with no reporter account
			_, err := s.store.UserByID(ctx, t.ReporterID)
			due := t.State.FinalState() && t.UpdatedAt.Before(s.clock().AddDate(0, -s.cfg.Retention.IdentityMonths, 0))
			if models.IsCode(err, models.ENotFound) || due {
				drop, deidentified = deidentify(t, t.ReporterID, h.Phone, t.State.FinalState()), true
			}
		}
		return models.Event{ActorRole: p.Role, ActorID: p.UserID, Action: models.ActReleaseHold, Visibility: models.Internal, Reason: reason}, drop, true
	})
	if err != nil {
		return nil, err
	}
	if !released {
		return nil, models.Errorf(models.EConflict, "the ticket is not under a legal hold")
	}
	detail := reason
	if deidentified {
		detail += " (de-identified at release)"
	}
	if err := s.audit(ctx, p, "legal_hold_release", t.ID, "", detail); err != nil {
		return nil, err
	}
	return t, s.store.Compact(ctx)
}
