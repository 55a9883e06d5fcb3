package app

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"phananh/models"
)

// Erasure honours the resident's right to deletion and the retention periods of the Personal
// Data Protection Law (91/2025/QH15): DELETE /v1/me erases an account with a fresh sign-in code,
// the IOC places and releases legal holds on tickets under investigation, and the retention
// worker de-identifies and thins out closed tickets as they age. The city keeps its record:
// tickets are never deleted — their reporter becomes models.ErasedReporter, phone numbers leave
// their texts, media the case no longer needs are deleted — so every count and statistic stays
// as it was.
type Erasure struct {
	*core
	store interface {
		ErasureStore
		UserByID(ctx context.Context, id string) (*models.User, error)
		TicketByID(ctx context.Context, id string) (*models.Ticket, error)
		FindTickets(ctx context.Context, f models.TicketFilter) ([]*models.Ticket, error)
		AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
		MediaByID(ctx context.Context, id string) (*models.Media, error)
		DeleteMedia(ctx context.Context, id, ticketID string) error
		MediaBlobInUse(ctx context.Context, key string) (bool, error)
		DeleteBlob(ctx context.Context, key string) error
		DevicesOfUsers(ctx context.Context, userIDs []string) ([]models.Device, error)
	}
	auth    *Auth
	tickets *Tickets
	devices *Devices
}

// ErasureReport tells the resident what DELETE /v1/me erased, and which of their tickets are
// under a legal hold and keep their identity until the hold is released.
type ErasureReport struct {
	// Erased names the kinds of data removed, in the answer's words.
	Erased []string
	// Deidentified are the codes of the tickets they filed that now carry no identity.
	Deidentified []string
	// Unfollowed counts the tickets they no longer follow.
	Unfollowed int
	// MediaDeleted counts their photos and videos deleted (those of closed tickets).
	MediaDeleted int
	// Held are their tickets under a legal hold.
	Held []HeldTicket
}

// HeldTicket names a ticket under a legal hold in an erasure's answer.
type HeldTicket struct {
	ID   string
	Code string
}

// erasedKinds is what an erasure removes, as the answer lists it.
var erasedKinds = []string{"phone", "name", "account", "devices", "subscriptions", "pending_pushes",
	"follows", "sign_in_codes", "refresh_tokens", "rate_limit_counters"}

// EraseAccount erases the caller's resident account once code — a sign-in code just requested
// for the account's phone (POST /v1/auth/otp) — checks out; a wrong or expired code changes
// nothing. Each ticket they filed is de-identified (a held one is left as it is and named in
// the answer), they stop following tickets, and the account goes with everything keyed by it
// or its phone. The tickets come first and the account last, so a failure half-way leaves an
// account the resident can erase again. The erasure is audited by account id, never by phone.
func (s *Erasure) EraseAccount(ctx context.Context, p models.Principal, code, ip string) (*ErasureReport, error) {
	if p.Role != models.RoleResident || p.Scope != "" {
		return nil, models.Errorf(models.EForbidden, "only a resident erases their own account; officials' accounts are disabled by an administrator")
	}
	if strings.TrimSpace(code) == "" {
		return nil, models.FieldError(models.EInvalid, "code", "code is required: request a sign-in code for your phone first")
	}
	u, err := s.store.UserByID(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	if err := s.auth.spendOTP(ctx, u.Phone, code, ip); err != nil {
		return nil, err
	}
	rep := &ErasureReport{Erased: slices.Clone(erasedKinds)}
	if err := s.eraseFiled(ctx, u, rep); err != nil {
		return nil, err
	}
	followed, err := s.store.TicketIDsFollowedBy(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, id := range followed {
		if _, _, err := s.rewrite(ctx, id, func(t *models.Ticket) (models.Event, []string, bool) {
			if !t.IsFollower(u.ID) {
				return models.Event{}, nil, false
			}
			return eraseEvent(models.EraseByRequest), deidentify(t, u.ID, u.Phone, false), true
		}); err != nil && !models.IsCode(err, models.ENotFound) {
			return nil, err
		}
		rep.Unfollowed++
	}
	// The phone leaves its ward topics at FCM (queued like a sign-out's), or it would go on
	// receiving the wards' announcements with no record left of why.
	devs, err := s.store.DevicesOfUsers(ctx, []string{u.ID})
	if err != nil {
		return nil, err
	}
	if err := s.devices.leaveTopics(ctx, devs); err != nil {
		return nil, err
	}
	if err := s.store.EraseAccount(ctx, u.ID, u.Phone); err != nil {
		return nil, err
	}
	s.auth.states.forget(u.ID)
	detail := fmt.Sprintf("%d tickets de-identified; %d under legal hold; %d unfollowed", len(rep.Deidentified), len(rep.Held), rep.Unfollowed)
	if err := s.audit(ctx, p, "account_erase", "", u.ID, detail); err != nil {
		return nil, err
	}
	if err := s.store.Compact(ctx); err != nil {
		return nil, err
	}
	return rep, nil
}

// eraseFiled de-identifies every ticket u filed, except those under a legal hold, which it
// lists in rep.
func (s *Erasure) eraseFiled(ctx context.Context, u *models.User, rep *ErasureReport) error {
	f := models.TicketFilter{ReporterID: u.ID, Limit: 200}
	for {
		ts, err := s.store.FindTickets(ctx, f)
		if err != nil {
			return err
		}
		for _, t := range ts {
			if t.LegalHold != nil {
				rep.Held = append(rep.Held, HeldTicket{ID: t.ID, Code: t.Code})
				continue
			}
			_, n, err := s.rewrite(ctx, t.ID, func(t *models.Ticket) (models.Event, []string, bool) {
				if t.LegalHold != nil || t.ReporterID != u.ID {
					return models.Event{}, nil, false
				}
				return eraseEvent(models.EraseByRequest), deidentify(t, u.ID, u.Phone, t.State.FinalState()), true
			})
			if err != nil {
				return err
			}
			rep.Deidentified = append(rep.Deidentified, t.Code)
			rep.MediaDeleted += n
		}
		if len(ts) < f.Limit {
			return nil
		}
		last := ts[len(ts)-1]
		f.After = &models.TicketCursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
}

// eraseEvent is the internal history event of a de-identification.
func eraseEvent(reason string) models.Event {
	return models.Event{ActorRole: models.RoleSystem, Action: models.ActErase, Visibility: models.Internal, Reason: reason}
}

// rewrite applies change to the current ticket id and stores it as a new version with the event
// change returns (its time and states filled in here), retrying when a concurrent change wins;
// change answers false when there is nothing to do. The media ids change returns are deleted
// after the ticket no longer names them. It returns the ticket as stored and how many media it
// deleted.
func (s *Erasure) rewrite(ctx context.Context, id string, change func(t *models.Ticket) (models.Event, []string, bool)) (*models.Ticket, int, error) {
	for attempt := 0; attempt < 8; attempt++ {
		t, err := s.store.TicketByID(ctx, id)
		if err != nil {
			return nil, 0, err
		}
		ev, drop, ok := change(t)
		if !ok {
			return t, 0, nil
		}
		now := s.clock()
		ev.At, ev.From, ev.To = now, t.State, t.State
		err = s.tickets.commit(ctx, t, ev, now)
		if models.IsCode(err, models.EConflict) {
			continue
		} else if err != nil {
			return nil, 0, err
		}
		n, err := s.deleteMedia(ctx, t.ID, drop)
		return t, n, err
	}
	return nil, 0, models.Errorf(models.EConflict, "the ticket kept changing meanwhile; try again")
}

// deleteMedia deletes the media records ids of ticket and their blobs no other record uses.
func (s *Erasure) deleteMedia(ctx context.Context, ticket string, ids []string) (int, error) {
	n := 0
	for _, id := range ids {
		m, err := s.store.MediaByID(ctx, id)
		if models.IsCode(err, models.ENotFound) {
			continue
		} else if err != nil {
			return n, err
		}
		if err := s.store.DeleteMedia(ctx, id, ticket); models.IsCode(err, models.ENotFound) || models.IsCode(err, models.EConflict) {
			continue
		} else if err != nil {
			return n, err
		}
		n++
		if err := deleteUnusedBlobs(ctx, s.store, m); err != nil {
			return n, err
		}
	}
	return n, nil
}

// deidentify removes user's identity from t in place: as its reporter it becomes
// models.ErasedReporter (and the idempotency key, which starts with the reporter's id, the
// ticket's own), as a follower it is removed, as an actor of the history it becomes the
// tombstone; phone numbers — any, and phone in every form even glued to a word — leave every
// free text. With dropMedia (a ticket the city no longer works on) the reporter's own photos
// and videos leave the ticket, and their ids are returned for deletion; the officials' result
// photos stay. Counted fields (state, unit, area, category, times, rating) are untouched, so
// statistics do not move.
func deidentify(t *models.Ticket, user, phone string, dropMedia bool) []string {
	reporter := t.ReporterID == user
	if reporter {
		t.ReporterID = models.ErasedReporter
		t.IdempotencyKey = "ticket/" + t.ID
	}
	t.Followers = slices.DeleteFunc(t.Followers, func(f string) bool { return f == user })
	if len(t.Followers) == 0 {
		t.Followers = nil
	}
	scrub := func(s string) string { return scrubPhone(s, phone) }
	t.Description, t.Address, t.PublicDescription = scrub(t.Description), scrub(t.Address), scrub(t.PublicDescription)
	t.ResultNote, t.RatingComment = scrub(t.ResultNote), scrub(t.RatingComment)
	if t.Extension != nil {
		t.Extension.Reason = scrub(t.Extension.Reason)
	}
	for i := range t.History {
		e := &t.History[i]
		if e.ActorID == user {
			e.ActorID = models.ErasedReporter
		}
		e.Note, e.Reason = scrub(e.Note), scrub(e.Reason)
	}
	if !reporter || !dropMedia {
		return nil
	}
	drop := t.Media
	t.Media = nil
	for i := range t.History {
		t.History[i].Media = nil // the reporter's added photos are among those dropped
	}
	return drop
}

// scrubPhone removes phone numbers from text: every one the public-view scrubber finds
// (ScrubText), then each form of phone (models.PhoneForms) wherever it is, even glued to a word
// where ScrubText must leave a number alone.
func scrubPhone(text, phone string) string {
	text = ScrubText(text)
	for _, f := range models.PhoneForms(phone) {
		text = strings.ReplaceAll(text, f, RedactedPhone)
	}
	return text
}

// logRetention logs what a retention run did.
func (s *Erasure) logRetention(ctx context.Context, r RetentionReport) {
	if r.Deidentified+r.MediaTickets+int(r.Purged)+r.AuditRemoved == 0 {
		return
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "retention", slog.Int("deidentified", r.Deidentified),
		slog.Int("media_tickets", r.MediaTickets), slog.Int("media_deleted", r.MediaDeleted), slog.Int64("purged", r.Purged),
		slog.Int("audit_removed", r.AuditRemoved))
}
