package app

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"time"

	"phananh/models"
)

// NotificationStore keeps the residents' notification inboxes.
type NotificationStore interface {
	// AddNotifications inserts the notifications whose id is not stored yet and returns how
	// many it inserted; a replayed effect adds nothing.
	AddNotifications(ctx context.Context, ns []models.Notification) (int, error)
	// Notifications lists a page of one user's inbox in the order of q.
	Notifications(ctx context.Context, q models.NotificationQuery) ([]models.Notification, error)
	// CountUnread counts a user's unread notifications.
	CountUnread(ctx context.Context, userID string) (int, error)
	// MarkNotificationsRead marks the user's notifications with the given ids (all of the
	// user's when ids is nil) read at at, leaving those read before as they were, and returns
	// how many changed. Ids of other users' notifications change nothing.
	MarkNotificationsRead(ctx context.Context, userID string, ids []string, at time.Time) (int, error)
	// DeleteNotificationsOf removes a user's inbox (erasure).
	DeleteNotificationsOf(ctx context.Context, userID string) error
}

// NotificationID derives the id of the notification of (ticket, version) to user.
func NotificationID(ticketID string, version int, userID string) string {
	h := sha256.Sum256([]byte(userID))
	return PushMessageID(ticketID, version, "user:"+hex.EncodeToString(h[:]))
}

// Inbox serves a resident's notifications: everything a push told them, so that nothing is lost
// when a push is.
type Inbox struct {
	*core
	store NotificationStore
}

// InboxPage is one page of an inbox with the cursor of the next ("" at the end) and the number
// of unread notifications.
type InboxPage struct {
	Notifications []models.Notification
	NextCursor    string
	Unread        int
}

// Notifications lists the caller's inbox: unread first, each group newest first.
func (s *Inbox) Notifications(ctx context.Context, p models.Principal, unreadOnly bool, cursor string, limit int) (InboxPage, error) {
	if p.Role != models.RoleResident || p.UserID == "" {
		return InboxPage{}, models.Errorf(models.EForbidden, "only residents have a notification inbox")
	}
	q := models.NotificationQuery{UserID: p.UserID, UnreadOnly: unreadOnly, Limit: s.clampLimit(limit) + 1}
	if cursor != "" {
		c, err := decodeInboxCursor(cursor)
		if err != nil {
			return InboxPage{}, err
		}
		q.After = c
	}
	ns, err := s.store.Notifications(ctx, q)
	if err != nil {
		return InboxPage{}, err
	}
	page := InboxPage{Notifications: ns}
	if want := q.Limit - 1; len(ns) > want {
		page.Notifications = ns[:want]
		last := ns[want-1]
		page.NextCursor = encodeInboxCursor(models.NotificationCursor{Read: !last.ReadAt.IsZero(), CreatedAt: last.CreatedAt, ID: last.ID})
	}
	page.Unread, err = s.store.CountUnread(ctx, p.UserID)
	return page, err
}

// MarkRead marks the caller's notifications with ids read, or all of them when all is true, and
// returns how many changed.
func (s *Inbox) MarkRead(ctx context.Context, p models.Principal, ids []string, all bool) (int, error) {
	if p.Role != models.RoleResident || p.UserID == "" {
		return 0, models.Errorf(models.EForbidden, "only residents have a notification inbox")
	}
	switch {
	case all && len(ids) > 0:
		return 0, models.FieldError(models.EInvalid, "ids", "give ids or all, not both")
	case !all && len(ids) == 0:
		return 0, models.FieldError(models.EInvalid, "ids", "give the ids of the notifications to mark read, or all: true")
	case len(ids) > s.cfg.MaxPageSize:
		return 0, models.FieldError(models.EInvalid, "ids", "at most one page of ids at once")
	}
	if all {
		ids = nil
	}
	return s.store.MarkNotificationsRead(ctx, p.UserID, ids, s.clock())
}

type inboxCursor struct {
	Read bool   `json:"r"`
	At   int64  `json:"t"`
	ID   string `json:"i"`
}

func encodeInboxCursor(c models.NotificationCursor) string {
	b, _ := json.Marshal(inboxCursor{Read: c.Read, At: c.CreatedAt.UnixMilli(), ID: c.ID})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeInboxCursor(s string) (*models.NotificationCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c inboxCursor
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID == "" {
		return nil, models.FieldError(models.EInvalid, "cursor", "cursor is not one this server gave")
	}
	return &models.NotificationCursor{Read: c.Read, CreatedAt: time.UnixMilli(c.At).UTC(), ID: c.ID}, nil
}
