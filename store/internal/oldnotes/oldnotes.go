// Package oldnotes reads the history notes of the releases before history events had typed
// fields, for the stores' migrations and nothing else. Those releases wrote what an action
// decided into the event's note — "other: text" for a rejection, "→ unit (reason). text" for a
// transfer, "4/5 text" for a rating … — and the readers took the sentence apart again. The
// migrations move each part into its field once, leaving in Note only what the actor typed; no
// other code parses a note.
//
// A note that does not have the exact form its action wrote stays as it is, and an event that
// already has a typed field is never touched, so upgrading twice changes nothing.
package oldnotes

import (
	"slices"
	"strings"
	"time"

	"phananh/models"
)

// System texts of the earlier releases, written without anything typed by a person.
const (
	autoCloseNote  = "closed without a rating after the reopen window"
	escalate1Note  = "deadline passed: escalated to the unit leader"
	escalate2Note  = "still overdue: escalated to the IOC"
	remindPrefix   = "deadline approaching: "
	mergedNote     = "duplicate merged"
	targetPrefix   = "→ " // transfer, duplicate, assignment and extension notes start with it
	reasonSep      = ": " // "code: note" (reject, resolve, reopen)
	sentenceEnd    = "."
	sentenceBreak  = ". "
	transferReason = " ("
)

// Upgrade rewrites the old-form events of t's history in place and reports whether it changed
// any. It reads the ticket besides the history only to name the unit of each transfer (the
// ticket lists the units it left, in order).
func Upgrade(t *models.Ticket) bool {
	units := transferTargets(t)
	changed, transfer := false, 0
	for i := range t.History {
		e := &t.History[i]
		var unitID string
		if e.Action == models.ActTransfer {
			if units != nil {
				unitID = units[transfer]
			}
			transfer++
		}
		if e.Note == "" || typed(e) {
			continue
		}
		if upgradeEvent(e, t, unitID) {
			changed = true
		}
	}
	return changed
}

// transferTargets lists the unit each transfer of t moved it to, in history order, or nil when
// the ticket's list of earlier units does not match its transfers (then no id is recorded).
func transferTargets(t *models.Ticket) []string {
	n := 0
	for _, e := range t.History {
		if e.Action == models.ActTransfer {
			n++
		}
	}
	if n == 0 || n != len(t.TransferredFrom) {
		return nil
	}
	return append(slices.Clone(t.TransferredFrom[1:]), t.UnitID)
}

// typed reports whether e has any field that only the new releases set.
func typed(e *models.Event) bool {
	return e.Reason != "" || e.Outcome != "" || !e.DueAt.IsZero() || e.UnitID != "" || e.UnitName != "" ||
		e.Assignee != "" || e.DuplicateOf != "" || e.Rating != 0 || e.EscalationLevel != 0
}

// upgradeEvent moves the parts of e's note into their fields when the note has the form e's
// action wrote, and reports whether it did.
func upgradeEvent(e *models.Event, t *models.Ticket, unitID string) bool {
	note := e.Note
	switch e.Action {
	case models.ActReject:
		return codeNote(e, models.RejectReasons, func(code string) { e.Reason = code })
	case models.ActResolve:
		outcomes := make([]string, len(models.Outcomes))
		for i, o := range models.Outcomes {
			outcomes[i] = string(o)
		}
		return codeNote(e, outcomes, func(code string) { e.Outcome = models.Outcome(code) })
	case models.ActReopen:
		// "reason" or "reason: note"; the reason was free text, so it ends at the first ": ".
		e.Reason, e.Note, _ = strings.Cut(note, reasonSep)
		return true
	case models.ActTransfer:
		return transferNote(e, t, unitID)
	case models.ActMarkDuplicate, models.ActAssign, models.ActApproveExt:
		return targetNote(e)
	case models.ActRequestExt:
		return extensionRequestNote(e, t)
	case models.ActRate:
		return ratingNote(e)
	case models.ActRemind:
		due, ok := strings.CutPrefix(note, remindPrefix)
		return ok && setTime(&e.DueAt, due) && dropNote(e)
	case models.ActEscalate:
		level := map[string]int{escalate1Note: 1, escalate2Note: 2}[note]
		e.EscalationLevel = level
		return level != 0 && dropNote(e)
	case models.ActAutoClose:
		return note == autoCloseNote && dropNote(e)
	case models.ActFollow:
		if note != mergedNote || e.ActorRole != models.RoleSystem {
			return false
		}
		e.Reason = models.FollowDuplicateMerged
		return dropNote(e)
	}
	return false
}

// dropNote empties the note of a system event, whose text said only what the fields now say.
func dropNote(e *models.Event) bool {
	e.Note = ""
	return true
}

// codeNote reads "code" or "code: note" with code one of codes.
func codeNote(e *models.Event, codes []string, set func(string)) bool {
	code, rest, found := strings.Cut(e.Note, reasonSep)
	if !slices.Contains(codes, code) || (found && rest == "") {
		return false
	}
	set(code)
	e.Note = rest
	return true
}

// targetNote reads "→ target." or "→ target. note", where target has no space: the code of the
// original (mark_duplicate), a username (assign) or the granted deadline in RFC 3339
// (approve_extension).
func targetNote(e *models.Event) bool {
	rest, ok := strings.CutPrefix(e.Note, targetPrefix)
	if !ok {
		return false
	}
	target, note, spaced := strings.Cut(rest, " ")
	target, ok = strings.CutSuffix(target, sentenceEnd)
	if !ok || target == "" || (spaced && note == "") {
		return false
	}
	switch e.Action {
	case models.ActMarkDuplicate:
		e.DuplicateOf = target
	case models.ActAssign:
		e.Assignee = target
	case models.ActApproveExt:
		if !setTime(&e.DueAt, target) {
			return false
		}
	}
	e.Note = note
	return true
}

// transferNote reads "→ unit (reason)." or "→ unit (reason). note". The unit's name is the
// ticket's current one when the transfer moved it to its current unit and the note starts with
// that name (a name may hold " ("); otherwise it ends at the first " (". The reason ends at the
// first "). ", or at the final ")." when there is no note.
func transferNote(e *models.Event, t *models.Ticket, unitID string) bool {
	rest, ok := strings.CutPrefix(e.Note, targetPrefix)
	if !ok {
		return false
	}
	var name string
	if known := t.UnitName + transferReason; unitID != "" && unitID == t.UnitID && t.UnitName != "" && strings.HasPrefix(rest, known) {
		name, rest = t.UnitName, strings.TrimPrefix(rest, known)
	} else if name, rest, ok = strings.Cut(rest, transferReason); !ok || name == "" {
		return false
	}
	reason, note, found := strings.Cut(rest, ")"+sentenceBreak)
	if !found {
		if reason, ok = strings.CutSuffix(rest, ")"+sentenceEnd); !ok {
			return false
		}
	}
	if reason == "" {
		return false
	}
	e.UnitID, e.UnitName, e.Reason, e.Note = unitID, name, reason, note
	return true
}

// extensionRequestNote reads "→ time: reason note". Reason and note were joined by a space, so
// they are told apart only while the request is still pending on the ticket, which keeps its
// reason; otherwise all of the text is the reason (the request required one).
func extensionRequestNote(e *models.Event, t *models.Ticket) bool {
	rest, ok := strings.CutPrefix(e.Note, targetPrefix)
	if !ok {
		return false
	}
	due, text, ok := strings.Cut(rest, reasonSep)
	if !ok || text == "" || !setTime(&e.DueAt, due) {
		return false
	}
	e.Reason, e.Note = text, ""
	if x := t.Extension; x != nil && x.Reason != "" && x.RequestedAt.Equal(e.At) {
		if note, ok := strings.CutPrefix(text, x.Reason+" "); ok {
			e.Reason, e.Note = x.Reason, note
		}
	}
	return true
}

// ratingNote reads "N/5" or "N/5 comment" with N from 1 to 5.
func ratingNote(e *models.Event) bool {
	score, comment, _ := strings.Cut(e.Note, " ")
	n, ok := strings.CutSuffix(score, "/5")
	if !ok || len(n) != 1 || n < "1" || n > "5" {
		return false
	}
	e.Rating, e.Note = int(n[0]-'0'), comment
	return true
}

// setTime parses an RFC 3339 time of a note into *dst, in UTC; *dst stays zero when it fails.
func setTime(dst *time.Time, s string) bool {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return false
	}
	*dst = t.UTC()
	return true
}
