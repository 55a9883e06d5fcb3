package app

import (
	"context"
	"time"

	"phananh/models"
)

// PushStore keeps device tokens and the push outbox.
//
// The outbox is claimed with leases rather than locks so that several server instances can
// dispatch from one store without a transaction: a message is claimed by setting its lease
// holder and expiry in one conditional write, and every completion is conditional on still
// holding that lease, so a message whose lease expired (a crashed or stalled dispatcher) is
// taken over by exactly one other instance.
type PushStore interface {
	// UpsertDevice registers d by token: a new token is inserted; a known one is moved to
	// d.UserID with d's platform, locale, app version and LastSeenAt (CreatedAt is kept). It
	// returns the user the token belonged to before ("" when it is new). It deletes nothing:
	// the cap on devices per user is the app's rule (Devices.RegisterDevice), carried out with
	// DevicesOfUsers and DeleteDevice, so every store caps alike.
	UpsertDevice(ctx context.Context, d *models.Device) (prevUser string, err error)
	// DeleteDevice removes the token; when userID is not empty only if that user owns it.
	// Deleting an absent token succeeds (nothing to do).
	DeleteDevice(ctx context.Context, token, userID string) error
	// DevicesOfUsers lists the devices of the users, sorted by user id then token.
	DevicesOfUsers(ctx context.Context, userIDs []string) ([]models.Device, error)
	// PruneDevices deletes devices last seen strictly before before, and returns them (in any
	// order) so that their ward topics can be left.
	PruneDevices(ctx context.Context, before time.Time) ([]models.Device, error)
	// UserIDsOf lists the ids of enabled users with one of roles, of unit when unitID is not
	// empty, sorted; officials' pushes (assignment, reminders, escalation) go to them.
	UserIDsOf(ctx context.Context, unitID string, roles []models.Role) ([]string, error)

	// EnqueuePush inserts every message whose id is not stored yet and leaves existing ones
	// untouched (whatever their state), returning how many it inserted. Messages are stored
	// with State queued, no lease, and the given CreatedAt and NextAttemptAt.
	EnqueuePush(ctx context.Context, msgs []models.PushMessage) (int, error)
	// ClaimPush leases up to limit queued messages that are due (NextAttemptAt <= now) and not
	// leased (LeaseUntil <= now) to holder until now+ttl, earliest NextAttemptAt first (ties: id),
	// and returns them with the lease set. Of concurrent claimers each message goes to one.
	ClaimPush(ctx context.Context, holder string, now time.Time, ttl time.Duration, limit int) ([]models.PushMessage, error)
	// CompletePush sets the final state (sent, dropped or dead) of the messages with ids that
	// holder still leases, with DoneAt = now and LastError = reason, and releases their lease.
	// Messages no longer leased by holder are left alone. Returns how many it changed.
	CompletePush(ctx context.Context, holder string, ids []string, state models.PushState, now time.Time, reason string) (int, error)
	// ReschedulePush puts a message holder still leases back in the queue for another attempt
	// at next: Attempts+1, LastError = reason, lease released. Returns false (no error) when
	// holder no longer leases it.
	ReschedulePush(ctx context.Context, holder, id string, next time.Time, reason string) (bool, error)
	// PushMessageByID returns one message (tests, support).
	PushMessageByID(ctx context.Context, id string) (*models.PushMessage, error)
	// CountPush counts the messages per state; a state without messages may be absent or zero.
	CountPush(ctx context.Context) (map[models.PushState]int, error)
	// OldestQueuedPush returns the CreatedAt of the oldest message still queued, or the zero
	// time when none is: how long the outbox has kept someone waiting (metrics).
	OldestQueuedPush(ctx context.Context) (time.Time, error)

	SubscriptionStore
}

// SubscriptionStore keeps residents' ward subscriptions and the queue of FCM topic-membership
// changes they cause. Memberships live in FCM, which cannot be asked what
// a token is subscribed to; the queue makes every change durable until FCM confirmed it, with
// leases like the outbox so that several instances can work it.
type SubscriptionStore interface {
	// PutSubscription stores s unless the user already has one for s.AreaCode; it reports
	// whether it was new.
	PutSubscription(ctx context.Context, s *models.Subscription) (bool, error)
	// DeleteSubscription removes the user's subscription of the area and returns it; absent:
	// ENotFound.
	DeleteSubscription(ctx context.Context, userID, areaCode string) (*models.Subscription, error)
	// SubscriptionsOf lists the user's subscriptions by area code.
	SubscriptionsOf(ctx context.Context, userID string) ([]models.Subscription, error)

	// EnqueueTopicOps records each op as the wish for its (token, topic), replacing an earlier
	// one: Subscribe, CreatedAt and NextAttemptAt from op, Attempts 0, no last error, Gen
	// incremented (1 when new). A lease on the pair is kept, so the dispatcher working on the
	// older wish finishes (and fails to mark the newer one done) before another claims it.
	EnqueueTopicOps(ctx context.Context, ops []models.TopicOp) error
	// ClaimTopicOps leases up to limit ops that are due and not leased to holder until now+ttl,
	// earliest NextAttemptAt first (ties: topic, token). Of concurrent claimers each op goes to one.
	ClaimTopicOps(ctx context.Context, holder string, now time.Time, ttl time.Duration, limit int) ([]models.TopicOp, error)
	// FinishTopicOps deletes the ops that holder leases with the same Gen as given (carried
	// out), and releases holder's lease on those whose Gen changed meanwhile (a newer wish, due
	// now). Returns how many it deleted.
	FinishTopicOps(ctx context.Context, holder string, ops []models.TopicOp) (int, error)
	// RetryTopicOps puts the ops holder leases with the same Gen back for another attempt at
	// next (Attempts+1, LastError = reason) and releases holder's lease on the others.
	RetryTopicOps(ctx context.Context, holder string, ops []models.TopicOp, next time.Time, reason string) error
	// TopicOps lists every pending op, by topic then token (tests, support).
	TopicOps(ctx context.Context) ([]models.TopicOp, error)
}
