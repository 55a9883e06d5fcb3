package models

import (
	"strings"
	"time"
)

// MaxSubscriptionsPerUser bounds a resident's ward subscriptions: a city has a few dozen wards,
// and each subscription costs one FCM topic operation per device.
const MaxSubscriptionsPerUser = 20

// Subscription is a resident's wish to hear about resolved public reports in one ward: every
// device of the resident is a member of the ward's FCM topic while it exists.
type Subscription struct {
	UserID    string    `json:"user_id"`
	AreaCode  string    `json:"area_code"`
	AreaName  string    `json:"area_name"`
	Topic     string    `json:"topic"`
	CreatedAt time.Time `json:"created_at"`
}

// AreaTopic is the FCM topic of an area of a boundary set. FCM topic names allow
// [a-zA-Z0-9-_.~%] only; an imported set id or area code with other characters has them
// replaced, and the set id keeps two boundary sets' wards apart.
func AreaTopic(boundarySet, areaCode string) string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == '~' {
				return r
			}
			return '_'
		}, s)
	}
	return "ward." + clean(boundarySet) + "." + clean(areaCode)
}

// TopicOp is a pending change of one device token's membership of one FCM topic. The store
// keeps one per (token, topic): a newer wish replaces an older one and increments Gen, so the
// dispatcher that carried out the older wish cannot mark the newer one done.
type TopicOp struct {
	Token     string `json:"token"`
	Topic     string `json:"topic"`
	Subscribe bool   `json:"subscribe"` // true: add the token to the topic; false: remove it
	Gen       int64  `json:"gen"`

	Attempts      int       `json:"attempts"`
	CreatedAt     time.Time `json:"created_at"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	LeaseHolder   string    `json:"lease_holder,omitempty"`
	LeaseUntil    time.Time `json:"lease_until,omitzero"`
	LastError     string    `json:"last_error,omitempty"`
}
