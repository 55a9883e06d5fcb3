package app

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"phananh/models"
)

// change is one action in the making: the ticket as read (changed in place, written only if
// every check passes), who acts, what they sent, when, the ticket's category, and the history
// event the action adds.
type change struct {
	t   *models.Ticket
	p   models.Principal
	in  ActionInput
	now time.Time
	cat models.Category
	ev  models.Event
}

// hook is work an action leaves for after its change is stored — attaching result media,
// making the duplicate's reporter a follower of the original. The change is already stored
// when it runs, so a hook logs its failures and never fails the action.
type hook func(context.Context, *models.Ticket)

// actionFunc validates one action's fields, applies it to c.t and records what it decided in
// c.ev's typed fields; it returns the hooks to run once the change is stored.
type actionFunc func(s *Tickets, ctx context.Context, c *change) ([]hook, error)

// actionFuncs is the one place where each action's effect on the ticket is written. An action
// the transition table allows without an entry here (start) changes the state only.
var actionFuncs = map[models.Action]actionFunc{
	models.ActAccept:        (*Tickets).accept,
	models.ActReject:        (*Tickets).reject,
	models.ActTransfer:      (*Tickets).transfer,
	models.ActMarkDuplicate: (*Tickets).markDuplicate,
	models.ActMerge:         (*Tickets).merge, // merge.go
	models.ActRequestInfo:   (*Tickets).requestInfo,
	models.ActProvideInfo:   (*Tickets).provideInfo,
	models.ActResolve:       (*Tickets).resolve,
	models.ActNote:          (*Tickets).note,
	models.ActAssign:        (*Tickets).assign,
	models.ActRequestExt:    (*Tickets).requestExtension,
	models.ActApproveExt:    (*Tickets).decideExtension,
	models.ActDenyExt:       (*Tickets).decideExtension,
	models.ActWithdraw:      (*Tickets).withdraw,
	models.ActRate:          (*Tickets).rate,
	models.ActReopen:        (*Tickets).reopen,
	models.ActFollow:        (*Tickets).follow,
	models.ActUnfollow:      (*Tickets).unfollow,
	models.ActAddComment:    (*Tickets).addComment,

	// Triage corrections (triage.go).
	models.ActRecategorize:   (*Tickets).recategorize,
	models.ActSetPrivate:     (*Tickets).setPrivacy,
	models.ActSetPublic:      (*Tickets).setPrivacy,
	models.ActHideFromPublic: (*Tickets).hideFromPublic,
}

// apply validates what every action shares (the note, result media), then the action's own
// fields, and changes the ticket in memory; nothing is written yet.
func (s *Tickets) apply(ctx context.Context, c *change) ([]hook, error) {
	c.in.Note = strings.TrimSpace(c.in.Note)
	if utf8.RuneCountInString(c.in.Note) > models.MaxNoteRunes {
		return nil, models.FieldError(models.EInvalid, "note", "note is longer than %d characters", models.MaxNoteRunes)
	}
	media, err := s.media.prepareActionMedia(ctx, c.p, c.t, c.in)
	if err != nil {
		return nil, err
	}
	var hooks []hook
	if media != nil {
		hooks = append(hooks, media)
	}
	c.ev.Note = c.in.Note
	c.cat = s.catalog.Load().policyOf(c.t) // the deadlines of the policy the ticket was filed under
	fn, ok := actionFuncs[c.in.Action]
	if !ok {
		return hooks, nil
	}
	more, err := fn(s, ctx, c)
	if err != nil {
		return nil, err
	}
	return append(hooks, more...), nil
}

func (s *Tickets) accept(_ context.Context, c *change) ([]hook, error) {
	c.t.TriagedAt = c.now
	return nil, nil
}

// reject closes the report at triage for one of the fixed reasons; it counts as late when the
// triage deadline had passed.
func (s *Tickets) reject(_ context.Context, c *change) ([]hook, error) {
	if !slices.Contains(models.RejectReasons, c.in.Reason) {
		return nil, models.FieldError(models.EInvalid, "reason", "reason must be one of %s", strings.Join(models.RejectReasons, ", "))
	}
	t := c.t
	t.RejectReason = c.in.Reason
	t.TriagedAt, t.ClosedAt = c.now, c.now
	t.OnTimeClass = models.OnTime
	if c.now.After(t.TriageDueAt) {
		t.OnTimeClass = models.Late
	}
	c.ev.Reason = c.in.Reason
	return nil, nil
}

// transfer moves the ticket to another unit, which triages it again with fresh deadlines; the
// unit it leaves keeps read access.
func (s *Tickets) transfer(_ context.Context, c *change) ([]hook, error) {
	if err := required("reason", c.in.Reason, 1000); err != nil {
		return nil, err
	}
	t := c.t
	unit, area, err := s.transferTarget(t, c.cat, c.in)
	if err != nil {
		return nil, err
	}
	t.TransferredFrom = append(t.TransferredFrom, t.UnitID)
	t.UnitID, t.UnitName, t.UnitKind = unit.ID, unit.Name, unit.Kind
	t.BoundarySet, t.AreaCode, t.AreaName = area.set, area.code, area.name
	t.AssignedTo, t.Extension, t.TriagedAt = "", nil, time.Time{}
	s.restartDeadlines(t, c.cat, c.now)
	c.ev.Reason, c.ev.UnitID, c.ev.UnitName = c.in.Reason, unit.ID, unit.Name
	return nil, nil
}

// markDuplicate closes the ticket as a duplicate of an open one the caller may read; its
// reporter then follows the original, unless that one is private: only its own reporter, the
// unit and the IOC read those.
func (s *Tickets) markDuplicate(ctx context.Context, c *change) ([]hook, error) {
	t, in := c.t, c.in
	if in.DuplicateOf == "" || in.DuplicateOf == t.ID {
		return nil, models.FieldError(models.EInvalid, "duplicate_of", "duplicate_of must name another ticket")
	}
	// A ticket the caller may not read answers like an unknown one: a ward must neither learn
	// of another ward's reports nor link its own to them.
	orig, err := s.store.TicketByID(ctx, in.DuplicateOf)
	if models.IsCode(err, models.ENotFound) || (err == nil && (!orig.State.Open() || !c.p.CanReadTicket(orig))) {
		return nil, models.FieldError(models.EUnprocessable, "duplicate_of", "duplicate_of must be an open ticket")
	} else if err != nil {
		return nil, err
	}
	t.DuplicateOf = orig.ID
	t.ClosedAt = c.now
	c.ev.DuplicateOf = orig.Code
	if orig.Private {
		return nil, nil
	}
	reporter := t.ReporterID
	return []hook{func(ctx context.Context, _ *models.Ticket) { s.addFollower(ctx, orig.ID, reporter) }}, nil
}

// requestInfo asks the resident a question and pauses the clock, for at most the category's
// cap on waiting for the answer (infowait.go).
func (s *Tickets) requestInfo(_ context.Context, c *change) ([]hook, error) {
	if err := required("note", c.in.Note, models.MaxNoteRunes); err != nil {
		return nil, err
	}
	s.startPause(c.t, c.cat, c.now)
	return nil, nil
}

// provideInfo records the resident's answer, internal unless they chose public, and restarts
// the clock with the time that was left.
func (s *Tickets) provideInfo(_ context.Context, c *change) ([]hook, error) {
	if err := required("note", c.in.Note, models.MaxNoteRunes); err != nil {
		return nil, err
	}
	internal, err := residentNoteInternal(c.in.Visibility)
	if err != nil {
		return nil, err
	}
	t := c.t
	c.ev.NoteInternal = internal
	t.ResolveDueAt = s.resumedDue(t, c.cat, c.now)
	s.endPause(t, c.cat, c.now)
	return nil, nil
}

// resolve records the outcome and the result note, and classifies the resolution in time.
func (s *Tickets) resolve(_ context.Context, c *change) ([]hook, error) {
	if !slices.Contains(models.Outcomes, c.in.Outcome) {
		return nil, models.FieldError(models.EInvalid, "outcome", "outcome must be fixed, partially_fixed, not_fixable or not_responsible")
	}
	if err := required("note", c.in.Note, models.MaxNoteRunes); err != nil {
		return nil, err
	}
	t := c.t
	t.Outcome, t.ResultNote, t.ResolvedAt = c.in.Outcome, c.in.Note, c.now
	t.OnTimeClass = onTimeClass(t, c.now)
	t.Extension = nil
	c.ev.Outcome = c.in.Outcome
	return nil, nil
}

// note adds an officials' note, internal unless they say public.
func (s *Tickets) note(_ context.Context, c *change) ([]hook, error) {
	if err := required("note", c.in.Note, models.MaxNoteRunes); err != nil {
		return nil, err
	}
	switch c.in.Visibility {
	case "", models.Internal:
		c.ev.Visibility = models.Internal
	case models.Public:
	default:
		return nil, models.FieldError(models.EInvalid, "visibility", "visibility must be public or internal")
	}
	return nil, nil
}

// assign names the officer of the unit who does the work; the event is internal.
func (s *Tickets) assign(ctx context.Context, c *change) ([]hook, error) {
	t, officer := c.t, c.in.Officer
	u, err := s.store.UserByID(ctx, officer)
	if officer == "" || models.IsCode(err, models.ENotFound) || (err == nil && (u.UnitID != t.UnitID || !u.Role.NeedsUnit())) {
		return nil, models.FieldError(models.EUnprocessable, "officer", "officer must be an officer or leader of unit %s", t.UnitID)
	} else if err != nil {
		return nil, err
	}
	t.AssignedTo = u.ID
	c.ev.Assignee = u.Username
	return nil, nil
}

// requestExtension records an officer's request for a later resolution deadline, pending until
// a leader decides; the event is internal.
func (s *Tickets) requestExtension(_ context.Context, c *change) ([]hook, error) {
	t, in := c.t, c.in
	if err := extensionReady(c.p, t, in.Action); err != nil {
		return nil, err
	}
	if err := required("reason", in.Reason, 1000); err != nil {
		return nil, err
	}
	if !in.DueAt.After(t.ResolveDueAt) {
		return nil, models.FieldError(models.EInvalid, "due_at", "due_at must be later than the current deadline %s",
			t.ResolveDueAt.In(models.VietnamTime).Format(time.RFC3339))
	}
	t.Extension = &models.ExtensionRequest{DueAt: in.DueAt.UTC().Truncate(time.Millisecond), Reason: in.Reason, RequestedBy: c.p.UserID, RequestedAt: c.now}
	c.ev.Reason, c.ev.DueAt = in.Reason, t.Extension.DueAt
	return nil, nil
}

// extensionReady refuses the extension actions that the ticket's pending request, or its
// absence, rules out for p: one request at a time, a decision only on a pending request, and an
// approval only by someone other than who asked — a later deadline takes two people. Tickets.
// Allowed uses it too, so a form is offered only when its action can succeed.
func extensionReady(p models.Principal, t *models.Ticket, a models.Action) error {
	switch {
	case a == models.ActRequestExt && t.Extension != nil:
		return models.Errorf(models.EConflict, "an extension request is already pending")
	case (a == models.ActApproveExt || a == models.ActDenyExt) && t.Extension == nil:
		return models.Errorf(models.EConflict, "there is no pending extension request")
	case a == models.ActApproveExt && t.Extension.RequestedBy == p.UserID:
		return models.Errorf(models.EForbidden, "an extension must be approved by someone other than who requested it")
	}
	return nil
}

// decideExtension approves (publicly: the resident learns the new deadline) or denies
// (internally, models.AlwaysInternal) the pending extension request. While the clock is paused, the approved time is
// added to what will be left when it restarts.
func (s *Tickets) decideExtension(_ context.Context, c *change) ([]hook, error) {
	t := c.t
	if err := extensionReady(c.p, t, c.in.Action); err != nil {
		return nil, err
	}
	if c.in.Action == models.ActApproveExt {
		if t.ExtendedFrom.IsZero() {
			t.ExtendedFrom = t.ResolveDueAt
		}
		t.E2EAdded += s.remaining(c.cat.ResolveSLA, t.ResolveDueAt, t.Extension.DueAt) // the end-to-end deadline moves as much
		if t.State == models.StateAwaitingInfo {
			t.PausedRemaining += s.remaining(c.cat.ResolveSLA, t.ResolveDueAt, t.Extension.DueAt)
		}
		t.ResolveDueAt = t.Extension.DueAt
		c.ev.DueAt = t.ResolveDueAt
	}
	t.Extension = nil
	return nil, nil
}

func (s *Tickets) withdraw(_ context.Context, c *change) ([]hook, error) {
	c.t.ClosedAt = c.now
	return nil, nil
}

// rate closes a resolved ticket with the resident's rating; their comment is the event's note,
// internal unless they chose public.
func (s *Tickets) rate(_ context.Context, c *change) ([]hook, error) {
	in := c.in
	if in.Rating < 1 || in.Rating > 5 {
		return nil, models.FieldError(models.EInvalid, "rating", "rating must be 1 to 5")
	}
	if utf8.RuneCountInString(in.Comment) > 1000 {
		return nil, models.FieldError(models.EInvalid, "comment", "comment is longer than 1000 characters")
	}
	internal, err := residentNoteInternal(in.Visibility)
	if err != nil {
		return nil, err
	}
	t := c.t
	t.Rating, t.RatingComment, t.ClosedAt = in.Rating, strings.TrimSpace(in.Comment), c.now
	c.ev.NoteInternal = internal
	c.ev.Rating, c.ev.Note = in.Rating, t.RatingComment
	return nil, nil
}

// reopen sends a resolved (or closed) ticket back to the unit with a fresh resolution deadline,
// a limited number of times and within the reopen window.
func (s *Tickets) reopen(_ context.Context, c *change) ([]hook, error) {
	t, now := c.t, c.now
	if err := required("reason", c.in.Reason, 1000); err != nil {
		return nil, err
	}
	if t.ReopenCount >= s.cfg.ReopenMax {
		return nil, models.Errorf(models.EConflict, "this report was already reopened %d time(s), the maximum", t.ReopenCount)
	}
	if until := t.ResolvedAt.Add(s.cfg.ReopenWindow); now.After(until) {
		return nil, models.Errorf(models.EConflict, "the time to reopen ended at %s; please file a new report", until.In(models.VietnamTime).Format(time.RFC3339))
	}
	t.ReopenCount++
	t.ResolveDueAt = c.cat.ResolveSLA.Due(s.cal(), now).UTC()
	t.ExtendedFrom, t.OnTimeClass, t.ClosedAt, t.ResolvedAt, t.Rating, t.RatingComment = time.Time{}, "", time.Time{}, time.Time{}, 0, ""
	t.RemindedAt, t.EscalationLevel = time.Time{}, 0
	c.ev.Reason = c.in.Reason
	return nil, nil
}

// follow and unfollow record no actor: who follows is not part of the history.
func (s *Tickets) follow(_ context.Context, c *change) ([]hook, error) {
	c.t.Followers = append(c.t.Followers, c.p.UserID)
	c.ev.ActorID = ""
	return nil, nil
}

func (s *Tickets) unfollow(_ context.Context, c *change) ([]hook, error) {
	user := c.p.UserID
	c.t.Followers = slices.DeleteFunc(c.t.Followers, func(f string) bool { return f == user })
	c.ev.ActorID = ""
	return nil, nil
}

// addComment records what the reporter adds to their report after filing — a note, photos
// (prepareActionMedia put them on the ticket), or both — kept from the public unless they chose
// public. The state and the deadlines stay as they are: the unit is told (PushOutbox), not
// hurried or paused.
func (s *Tickets) addComment(_ context.Context, c *change) ([]hook, error) {
	if c.in.Note == "" && len(c.in.Media) == 0 {
		return nil, models.FieldError(models.EInvalid, "note", "add_comment needs a note, media or both")
	}
	internal, err := residentNoteInternal(c.in.Visibility)
	if err != nil {
		return nil, err
	}
	c.ev.NoteInternal = internal
	c.ev.Media = slices.Clone(c.in.Media)
	return nil, nil
}
