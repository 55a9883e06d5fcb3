package models

import "time"

// Notification is one entry of a resident's inbox: what a push told them about a ticket, kept
// whether or not a push reached a phone (no device, a token FCM dropped, a phone switched off for
// longer than the push's time to live). It is per person, not per device, and carries the text
// in both languages so the app shows it in the one it asks for.
type Notification struct {
	// ID is derived from (ticket, version, user), so the effect that writes it may run twice.
	ID       string
	UserID   string
	TicketID string
	Code     string
	Version  int
	Event    string
	// Title and Body are Vietnamese; TitleEN and BodyEN English.
	Title, Body, TitleEN, BodyEN string
	CreatedAt                    time.Time
	ReadAt                       time.Time // zero while unread
}

// NotificationCursor is where a page of an inbox ends: unread entries come first, each group
// newest first.
type NotificationCursor struct {
	Read      bool
	CreatedAt time.Time
	ID        string
}

// NotificationQuery selects a page of one user's inbox: unread first, then read, each newest
// first (CreatedAt, ID descending), strictly after After.
type NotificationQuery struct {
	UserID     string
	UnreadOnly bool
	After      *NotificationCursor
	Limit      int
}
