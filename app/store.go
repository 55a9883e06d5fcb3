// Package app is the core of phananh: the use cases, as capability services that New builds
// together into an App, and the interfaces they consume. Catalog serves the reference data
// (units, categories, areas, the working calendar); Auth signs people and machines in (phone
// one-time codes, official passwords, rotated refresh tokens, machine keys, rate limits);
// Tickets is the life of a report (intake with routing by ward polygon and deadlines in working
// time, the workflow's actions — each a compare-and-set on the ticket version — the three views
// of a ticket, the queue, nearby reports, the SLA worker); Media takes photo and video uploads;
// Devices keeps push devices and ward subscriptions; Stats answers statistics, the change feed
// and exports; Open311 serves GeoReport v2. The push outbox (PushOutbox) and its Dispatcher are
// separate types. The consequences of a ticket change — push messages, statistics facts, feed
// entries — are Effects, applied after the change is stored and completed by a sweeper after a
// crash. Each service holds only the part of the Store it uses; what they share (clock,
// randomness, configuration, calendar, boundaries, the catalog snapshot, counters, the audit
// log) is one core. The package declares what it needs (Store and its parts, SMSSender,
// TokenSigner, PushSender, TopicManager, Effect) and never imports a transport, a database
// driver or a push SDK: the adapters in handlers, store/sqlite, store/mongodb, sms, tokens and
// push implement or call these, and cmd/phananh wires them.
package app

import (
	"context"
	"time"

	"phananh/models"
)

// Store is everything the app persists. Implementations (store/sqlite, store/mongodb) pass the
// contract suite in app/storetest, and translate their driver's errors at their edge:
// a missing record is models.ENotFound, a duplicate key or a stale version is models.EConflict.
type Store interface {
	UserStore
	AuthStore
	CatalogStore
	TicketStore
	WorkflowStore
	PushStore
	StatsStore
	OpenDataStore
	MediaStore
	CalendarStore
	SwitchOverStore
	PrivacyStore
	NotificationStore
	ErasureStore
	ReplyStore
	FilterStore
	ReportArchiveStore

	// Batched runs fn, whose store calls must use the context fn is given, and returns fn's
	// error. A store that can (SQLite) makes those calls one transaction and one commit —
	// all of them or, when fn fails, none — which saves a filing several fsyncs; the other
	// store runs them one after another as usual. So callers use it for speed and never rely
	// on it for correctness: what they batch must already be safe when only a prefix of it
	// is done (idempotent effects, a retried filing).
	Batched(ctx context.Context, fn func(ctx context.Context) error) error

	// Ping reports whether the database answers (readiness).
	Ping(ctx context.Context) error
	// SchemaVersion reports the newest migration the database has and the newest this program
	// knows (readiness). Opening a store newer than the program fails; a running instance
	// finds one newer when an instance of the next release upgraded it during a rolling upgrade.
	SchemaVersion(ctx context.Context) (have, known int, err error)
	// Close releases the database; it is called last at shutdown.
	Close() error
}

// UserStore keeps accounts.
type UserStore interface {
	// CreateUser inserts u; a taken id, phone or username is EConflict.
	CreateUser(ctx context.Context, u *models.User) error
	UserByID(ctx context.Context, id string) (*models.User, error)
	UserByPhone(ctx context.Context, phone string) (*models.User, error)
	UserByUsername(ctx context.Context, username string) (*models.User, error)
	// UpdateUser overwrites the mutable fields of an existing user (role, unit, password hash,
	// display name, disabled and its reason, password change required, token generation).
	UpdateUser(ctx context.Context, u *models.User) error
	// ListOfficials returns at most q.Limit official accounts (every role but resident) matching
	// q, ordered by username, after q.After; never residents.
	ListOfficials(ctx context.Context, q models.UserQuery) ([]models.User, error)
	// CountUsers counts the users with a role; first start uses it to create the administrator.
	CountUsers(ctx context.Context, role models.Role) (int, error)
}

// AuthStore keeps one-time codes, rate-limit counters, refresh tokens and machine keys.
type AuthStore interface {
	// PutOTP makes c the pending code of c.Phone, atomically (c.Attempts and c.Earlier are
	// ignored). The challenge's codes still unexpired at c.CreatedAt stay valid as its Earlier
	// codes (models.OTPChallenge.EarlierAt: the newest models.MaxOTPCodes-1) and its attempts
	// carry over, so a stranger's requests neither break the owner's code nor reset the guesses
	// made so far; when none is left the attempts restart at zero.
	PutOTP(ctx context.Context, c *models.OTPChallenge) error
	OTPByPhone(ctx context.Context, phone string) (*models.OTPChallenge, error)
	// AddOTPAttempt atomically increments the attempt counter of the challenge of phone and
	// returns the new count, so concurrent guesses cannot exceed the limit.
	AddOTPAttempt(ctx context.Context, phone string) (int, error)
	DeleteOTP(ctx context.Context, phone string) error

	CounterStore

	CreateRefreshToken(ctx context.Context, t *models.RefreshToken) error
	// UseRefreshToken atomically marks the token with id as used at now and returns it as it was
	// before (UsedAt zero on the first use). A second use returns the token with UsedAt set so
	// the caller can detect reuse. Unknown id: ENotFound.
	UseRefreshToken(ctx context.Context, id string, now time.Time) (*models.RefreshToken, error)
	// RevokeRefreshFamily revokes every token of a family (logout, or reuse detected).
	RevokeRefreshFamily(ctx context.Context, familyID string, now time.Time) error
	// RevokeUserRefreshTokens revokes every token of every family of a user (a password
	// change signs the account out everywhere); tokens revoked earlier keep their time.
	RevokeUserRefreshTokens(ctx context.Context, userID string, now time.Time) error

	CreateAPIKey(ctx context.Context, k *models.APIKey) error
	// APIKeyByHash returns the key whose hash is hash, revoked and expired ones included (the
	// caller decides, and can then say why a key is refused). Unknown hash: ENotFound.
	APIKeyByHash(ctx context.Context, hash string) (*models.APIKey, error)
	// ListAPIKeys returns every key, revoked and expired ones included, newest first
	// (CreatedAt desc, ID desc).
	ListAPIKeys(ctx context.Context) ([]models.APIKey, error)
	// RevokeAPIKey marks the key id revoked at at. Revoking a revoked key succeeds and keeps the
	// first time, so the record says when access really ended. Unknown id: ENotFound.
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error
	// TouchAPIKey sets the key's LastUsedAt to at. Unknown id: ENotFound.
	TouchAPIKey(ctx context.Context, id string, at time.Time) error
}

// CounterStore keeps the fixed-window counters behind rate limits, sign-in lockouts and upload
// quotas; every capability that limits something shares it.
type CounterStore interface {
	// HitCounter atomically increments the counter key in the fixed window that starts at
	// window and returns the count after the increment. Counters of older windows may be
	// discarded by the store at any time.
	HitCounter(ctx context.Context, key string, window time.Time) (int, error)
	// AddToCounter atomically adds n (which may be zero, to read it, or negative, to give back)
	// to the counter key in the fixed window that starts at window and returns the value after
	// the addition. It shares HitCounter's counters and their retention; byte quotas use it.
	AddToCounter(ctx context.Context, key string, window time.Time, n int64) (int64, error)
}

// CatalogStore keeps the reference data routing needs: boundary sets, units and categories.
type CatalogStore interface {
	// PutBoundarySet stores (or replaces) a boundary set's GeoJSON under info.ID.
	PutBoundarySet(ctx context.Context, info models.BoundarySetInfo, geojson []byte) error
	BoundarySets(ctx context.Context) ([]models.BoundarySetInfo, error)
	BoundarySetGeoJSON(ctx context.Context, id string) ([]byte, error)

	// UpsertUnits creates or replaces units by id.
	UpsertUnits(ctx context.Context, units []models.Unit) error
	Units(ctx context.Context) ([]models.Unit, error) // sorted by id
	UnitByID(ctx context.Context, id string) (*models.Unit, error)

	// InsertUnits creates the units whose id is not taken and leaves existing ones as they are
	// (an administrator may have renamed or disabled them); it returns how many it created.
	InsertUnits(ctx context.Context, units []models.Unit) (int, error)

	// UpsertCategories creates or replaces categories by code.
	UpsertCategories(ctx context.Context, cats []models.Category) error
	Categories(ctx context.Context) ([]models.Category, error) // sorted by code
	// InsertCategories creates the categories whose code is not taken and leaves existing ones
	// as they are; it returns how many it created.
	InsertCategories(ctx context.Context, cats []models.Category) (int, error)
	// PutCategoryPolicy keeps c as version c.PolicyVersion of its code's policy, unless that
	// version is already kept (the first write stays: versions never change).
	PutCategoryPolicy(ctx context.Context, c models.Category) error
	// CategoryPolicies lists the kept versions of a category's policy, oldest first (none for
	// an unknown code); with code "", every category's, by code then version.
	CategoryPolicies(ctx context.Context, code string) ([]models.Category, error)

	// PutRoutingRule creates or replaces the override of (r.Category, r.AreaCode).
	PutRoutingRule(ctx context.Context, r models.RoutingRule) error
	// DeleteRoutingRule removes the override of (category, area); absent: ENotFound.
	DeleteRoutingRule(ctx context.Context, category, area string) error
	// RoutingRules lists every override sorted by category, then area.
	RoutingRules(ctx context.Context) ([]models.RoutingRule, error)

	// CatalogRevision is a counter every change of units, categories or routing rules raises
	// (BumpCatalogRevision), so instances notice another's change and reload; 0 at first.
	CatalogRevision(ctx context.Context) (int64, error)
	// BumpCatalogRevision raises the catalog revision by one, atomically, and returns it.
	BumpCatalogRevision(ctx context.Context) (int64, error)
	// ReferenceDataVersion is the revision of the shipped reference data (seed.Revision) last
	// merged into the store, 0 when none was recorded.
	ReferenceDataVersion(ctx context.Context) (int, error)
	// SetReferenceDataVersion records that the shipped reference data of version v was merged at at.
	SetReferenceDataVersion(ctx context.Context, v int, at time.Time) error
}

// TicketStore keeps tickets, each one document with its history inside.
type TicketStore interface {
	// NextSequence returns the next value (1, 2, …) of a named counter, atomically; ticket codes
	// are built from it.
	NextSequence(ctx context.Context, name string) (int64, error)
	// CreateTicket inserts t; a taken id or IdempotencyKey is EConflict.
	CreateTicket(ctx context.Context, t *models.Ticket) error
	TicketByID(ctx context.Context, id string) (*models.Ticket, error)
	TicketByIdempotencyKey(ctx context.Context, key string) (*models.Ticket, error)
	// UpdateTicket replaces the stored ticket t.ID if its version is still expectedVersion,
	// else EConflict (a concurrent change won); absent: ENotFound.
	UpdateTicket(ctx context.Context, t *models.Ticket, expectedVersion int) error
	// MarkApplied records that the derived effects of every version up to version are done:
	// it raises the stored AppliedVersion to version unless it is already at or above it (it
	// never lowers it and never changes Version). Absent ticket: ENotFound.
	MarkApplied(ctx context.Context, id string, version int) error
	// FindUnapplied lists tickets whose AppliedVersion is below their Version (a crash or
	// failure between a write and its effects), oldest update first; the sweeper re-applies them.
	FindUnapplied(ctx context.Context, limit int) ([]*models.Ticket, error)
	// FindTickets lists tickets newest first (created_at desc, id desc) after the cursor.
	FindTickets(ctx context.Context, f models.TicketFilter) ([]*models.Ticket, error)
}

// WorkflowStore serves the officials' side: queues, the SLA worker, duplicates and the audit log.
type WorkflowStore interface {
	// FindQueue lists tickets matching f in deadline order (due_at asc, id asc) after the cursor.
	FindQueue(ctx context.Context, f models.QueueFilter) ([]*models.Ticket, error)
	// CountByState counts the tickets matching f per state, ignoring f.States, f.After and
	// f.Limit, so a queue can show how many tickets each state tab holds.
	CountByState(ctx context.Context, f models.QueueFilter) (map[models.State]int, error)
	// FindSLADue lists tickets whose NextCheckAt is set and not after now, earliest first.
	FindSLADue(ctx context.Context, now time.Time, limit int) ([]*models.Ticket, error)
	// FindNearby lists tickets inside the bounding box with the category and states of f,
	// created after f.CreatedAfter (any order; the app sorts by distance).
	FindNearby(ctx context.Context, f models.NearbyFilter) ([]*models.Ticket, error)
	// NearbyPlaces lists the id and exact latitude and longitude of each ticket FindNearby would list, read
	// without the documents (an index holds them), in any order.
	NearbyPlaces(ctx context.Context, f models.NearbyFilter) ([]models.TicketPlace, error)

	// AcquireLease takes or renews the named lease for holder until now+ttl. It succeeds when the
	// lease is free, expired, or already held by holder; otherwise it returns false. Several
	// server instances use it so that one of them runs a periodic job at a time.
	AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)

	// AppendAudit adds a record at the end of the hash chain: it sets r.Seq to one more than the
	// last record's, r.PrevHash to that record's Hash ("" for the first) and r.Hash to
	// models.AuditChainHash(r), serialized against every other append (also from other
	// processes or instances), so the sequence has no gaps or duplicates. Records are never
	// changed or deleted (a taken id is EConflict, and nothing is appended).
	AppendAudit(ctx context.Context, r *models.AuditRecord) error
	// FindAudit lists records newest first (at desc, id desc) matching f.
	FindAudit(ctx context.Context, f models.AuditFilter) ([]models.AuditRecord, error)
	// AuditChain lists at most limit records (all when limit <= 0) with Seq > afterSeq in
	// sequence order, as stored, for verifying the chain.
	AuditChain(ctx context.Context, afterSeq int64, limit int) ([]models.AuditRecord, error)
}
