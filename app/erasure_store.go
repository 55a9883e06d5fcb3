package app

import (
	"context"
	"time"

	"phananh/models"
)

// ErasureStore is what erasure and retention need of the store beyond tickets and media: the
// removal of an account with everything keyed by it or its phone, the tickets it follows, the
// retention worker's scan, the expiry of short-lived credentials and counters, and making
// deleted content unrecoverable.
type ErasureStore interface {
	// EraseAccount deletes the user userID and everything keyed by the account or by phone:
	// its push devices (the caller queued their topic removals first), its ward subscriptions, the push
	// messages addressed to it that are not sent yet, its refresh tokens, the sign-in codes of
	// phone and every rate-limit counter whose key names phone or userID. Tickets are left to
	// the caller (de-identification). Erasing an absent account succeeds, so a retry completes.
	EraseAccount(ctx context.Context, userID, phone string) error
	// TicketIDsFollowedBy lists the ids of the tickets userID follows.
	TicketIDsFollowedBy(ctx context.Context, userID string) ([]string, error)
	// FindRetention lists tickets for the retention worker (models.RetentionQuery), by id.
	FindRetention(ctx context.Context, q models.RetentionQuery) ([]*models.Ticket, error)
	// PurgeExpired deletes the sign-in codes whose every code expired before now, the refresh
	// tokens that expired before now and the rate-limit counters of windows that started before
	// countersBefore (a store may purge its own finished records too, like the SQLite store's
	// push messages finished 90 days ago); it returns how many records it deleted.
	PurgeExpired(ctx context.Context, now, countersBefore time.Time) (int64, error)
	// Compact makes what was deleted unrecoverable from the database's files where the store
	// can: SQLite (which overwrites deleted content, secure_delete) moves its write-ahead log
	// into the database file and truncates it. MongoDB has nothing to do: a deleted document
	// is gone from every collection (the store keeps no copy elsewhere).
	Compact(ctx context.Context) error

	// PruneAudit removes the oldest records of the audit log's hash chain, in sequence order,
	// while their time is before before — never the newest record, which the next append chains
	// to — and records the newest one removed as the chain's anchor (AuditAnchor), before it
	// removes anything. It returns how many records it removed.
	PruneAudit(ctx context.Context, before, now time.Time) (int, error)
	// AuditAnchor returns the chain's anchor; the zero anchor when nothing was removed.
	AuditAnchor(ctx context.Context) (models.AuditAnchor, error)
}
