package models

import (
	"strings"
	"time"
	"unicode"
)

// Platform is the kind of app a device token belongs to.
type Platform string

// Platforms FCM delivers to.
const (
	PlatformAndroid Platform = "android"
	PlatformIOS     Platform = "ios"
	PlatformWeb     Platform = "web"
)

// Device limits. FCM itself treats a token unused for 270 days as
// expired, so keeping it longer only produces UNREGISTERED answers; a cap per user bounds the
// fan-out of one event and the damage of a client that registers a new token on every start.
const (
	DeviceMaxIdle      = 270 * 24 * time.Hour
	MaxDevicesPerUser  = 10
	MaxDeviceTokenLen  = 4096
	MaxDeviceFieldLen  = 64
	MaxPushPayloadSize = 4096 // bytes FCM accepts for notification + data
)

// Device is one registered push token. The token is the identity: FCM issues it per app
// installation, so when a second account signs in on the same phone the token moves to that
// (newest) user and the previous one stops receiving that phone's pushes.
type Device struct {
	Token      string    `json:"token"`
	UserID     string    `json:"user_id"`
	Platform   Platform  `json:"platform"`
	Locale     string    `json:"locale,omitempty"`
	AppVersion string    `json:"app_version,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"` // last registration; pruning and the per-user cap use it
}

// Validate checks a registration before it is stored, naming the offending field.
func (d *Device) Validate() error {
	d.Token = strings.TrimSpace(d.Token)
	d.Locale = strings.TrimSpace(d.Locale)
	d.AppVersion = strings.TrimSpace(d.AppVersion)
	switch {
	case d.Token == "":
		return FieldError(EInvalid, "token", "token is required")
	case len(d.Token) > MaxDeviceTokenLen:
		return FieldError(EInvalid, "token", "token is longer than %d bytes", MaxDeviceTokenLen)
	case strings.IndexFunc(d.Token, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsPrint(r) || r == ' ' || r == '/' }) >= 0:
		return FieldError(EInvalid, "token", "token must be printable ASCII without spaces or slashes")
	case d.Platform != PlatformAndroid && d.Platform != PlatformIOS && d.Platform != PlatformWeb:
		return FieldError(EInvalid, "platform", "platform must be android, ios or web")
	case len(d.Locale) > MaxDeviceFieldLen:
		return FieldError(EInvalid, "locale", "locale is longer than %d bytes", MaxDeviceFieldLen)
	case len(d.AppVersion) > MaxDeviceFieldLen:
		return FieldError(EInvalid, "app_version", "app_version is longer than %d bytes", MaxDeviceFieldLen)
	}
	return nil
}

// English reports whether pushes to the device should be in English rather than Vietnamese.
func (d Device) English() bool { return strings.HasPrefix(strings.ToLower(d.Locale), "en") }

// PushState is where an outbox message is in its delivery.
type PushState string

// Outbox states. Only queued messages are ever claimed; the others are final.
const (
	PushQueued  PushState = "queued"
	PushSent    PushState = "sent"
	PushDropped PushState = "dropped" // undeliverable: the token is gone (unregistered, invalid, wrong sender)
	PushDead    PushState = "dead"    // dead-lettered: retried until the maximum age, or rejected for good
)

// PushStates lists every state.
var PushStates = []PushState{PushQueued, PushSent, PushDropped, PushDead}

// PushMessage is one outbox entry: one notification to one device for one ticket version. Its
// ID is derived from (ticket, version, device token), so enqueueing the same event twice — a
// retried request, the effects sweeper after a crash — can never create a second message.
type PushMessage struct {
	ID       string `json:"id"`
	TicketID string `json:"ticket_id"`
	Version  int    `json:"version"`
	Event    string `json:"event"`
	UserID   string `json:"user_id"`
	Token    string `json:"token"`
	// Topic, instead of Token, addresses an FCM topic (a ward's announcements); Token, UserID
	// and Platform are then empty.
	Topic       string            `json:"topic,omitempty"`
	Platform    Platform          `json:"platform"`
	Title       string            `json:"title"`
	Body        string            `json:"body"`
	Data        map[string]string `json:"data"`
	CollapseKey string            `json:"collapse_key"`
	Urgent      bool              `json:"urgent"`
	TTL         time.Duration     `json:"ttl"`

	State         PushState `json:"state"`
	Attempts      int       `json:"attempts"`
	CreatedAt     time.Time `json:"created_at"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	LeaseHolder   string    `json:"lease_holder,omitempty"`
	LeaseUntil    time.Time `json:"lease_until,omitzero"`
	LastError     string    `json:"last_error,omitempty"`
	DoneAt        time.Time `json:"done_at,omitzero"`
}
