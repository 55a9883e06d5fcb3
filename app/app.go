package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"phananh/geo"
	"phananh/models"
)

// SMSSender delivers a text message to a phone number (E.164). Drivers live in package sms.
type SMSSender interface {
	Send(ctx context.Context, phone, text string) error
}

// Config holds the tunables of the use cases; DefaultConfig gives the values the README documents.
type Config struct {
	// NearestWithinM is how far outside every polygon a point may be and still be routed to the
	// nearest area (GPS error, river banks).
	NearestWithinM float64
	// CodePrefix starts human ticket codes, e.g. "LX" → LX-2026-000123.
	CodePrefix string

	OTPTTL         time.Duration
	OTPMaxAttempts int
	// OTPPerPhone counts codes per phone and client address per OTPWindow: a stranger asking
	// for someone's phone from another address does not spend the owner's quota.
	OTPPerPhone int
	// OTPPerPhoneDay caps the codes sent to one phone per day (UTC) from all addresses
	// together, so that many addresses cannot bomb a phone with SMS.
	OTPPerPhoneDay int
	OTPPerIP       int           // codes requested per client address per OTPWindow
	OTPVerifyPerIP int           // verification attempts per client address per OTPWindow
	OTPWindow      time.Duration // the fixed rate-limit window
	// LoginMaxFailures locks a username for one client address (an IPv6 client: its /64) after
	// that many failed sign-ins from it in a LoginLockout window; LoginUserMaxFailures locks it
	// for every address after that many from all addresses together. The first stops one
	// attacker without locking the owner out from their own address, the second bounds an
	// attack spread over many addresses.
	LoginMaxFailures     int
	LoginUserMaxFailures int
	LoginLockout         time.Duration
	AccessTokenTTL       time.Duration
	RefreshTokenTTL      time.Duration
	DefaultPageSize      int
	MaxPageSize          int

	// ReopenWindow is how long after resolution the reporter may reopen or rate; an unrated
	// resolved ticket closes itself when it ends.
	ReopenWindow time.Duration
	ReopenMax    int
	// RemindAt is the fraction of the time to a deadline after which the unit is reminded.
	RemindAt float64
	// EscalateToIOCAfter is the working time after a missed deadline (escalated to the unit
	// leader) after which the IOC is alerted.
	EscalateToIOCAfter time.Duration
	// TransferLimit is how many transfers a ticket may go through before the IOC hears of it:
	// the next one escalates it to the IOC at once, so a report passed back and forth between
	// units gets someone above them looking.
	TransferLimit int
	NearbyRadiusM float64
	NearbyMaxAge  time.Duration
	NearbyMax     int
	// MaxFollowChanges bounds the follow and unfollow events of one ticket: each is a history
	// event, and a ticket's record must stay bounded however long a script toggles (MongoDB
	// refuses a document past 16 MiB, after which no one could act on the ticket), and every
	// action reads and writes the whole record: at 10,000 follow changes (3 MB) a run of
	// toggles on FerretDB took over 15 minutes. Past it, following or unfollowing that ticket is
	// refused; every other action goes on, and residents who miss it can subscribe to the ward.
	MaxFollowChanges int
	// MaxIncidentAge bounds how long before filing a report's occurred_at may be: a report is
	// about a problem that is there now, and a date months back is most likely a mistyped
	// year.
	MaxIncidentAge time.Duration
	// PseudonymKey keys the stable pseudonyms that hide reporters from ward staff.
	PseudonymKey []byte
	// TwoFactorKey (32 bytes) encrypts the officials' TOTP secrets in the store (AES-256-GCM);
	// without it, second factors cannot be enrolled or checked.
	TwoFactorKey []byte
	// RequireTwoFactor (REQUIRE_2FA): administrators and the IOC roles must enrol a second
	// factor; until they have, their tokens serve only the enrolment
	// (models.Principal.SecondFactorEnrolment).
	RequireTwoFactor bool
	// RateLimits are the store-backed abuse limits by name (ratelimit.go).
	RateLimits RateLimits
	// Media holds the upload limits (media.go).
	Media MediaConfig
	// PrivacyNoticeVersion (PRIVACY_NOTICE_VERSION), when above PrivacyNoticeVersion, is the
	// version of the notice in force: residents are asked to accept it again. It exists for
	// tests and staging; a release that changes the notice's text raises the constant.
	PrivacyNoticeVersion int
	// Retention holds how long personal data is kept (retention.go).
	Retention RetentionConfig
}

// DefaultConfig returns the production defaults.
func DefaultConfig() Config {
	return Config{
		NearestWithinM:   200,
		CodePrefix:       "LX",
		OTPTTL:           5 * time.Minute,
		OTPMaxAttempts:   5,
		OTPPerPhone:      3,
		OTPPerPhoneDay:   10,
		OTPPerIP:         20,
		OTPVerifyPerIP:   50,
		OTPWindow:        15 * time.Minute,
		LoginMaxFailures: 5,
		// Ten times the per-address limit, which one address (locked after 5) never reaches.
		LoginUserMaxFailures: 50,
		LoginLockout:         15 * time.Minute,
		AccessTokenTTL:       15 * time.Minute,
		RefreshTokenTTL:      30 * 24 * time.Hour,
		DefaultPageSize:      20,
		MaxPageSize:          100,

		ReopenWindow:       7 * 24 * time.Hour,
		ReopenMax:          1,
		RemindAt:           0.75,
		EscalateToIOCAfter: 8 * time.Hour,
		TransferLimit:      3,
		NearbyRadiusM:      250,
		NearbyMaxAge:       30 * 24 * time.Hour,
		NearbyMax:          5,
		MaxFollowChanges:   1_000, // about 300 KB of events; see MaxFollowChanges
		MaxIncidentAge:     30 * 24 * time.Hour,
		RateLimits:         DefaultRateLimits(),
		Media:              DefaultMediaConfig(),
		Retention:          DefaultRetentionConfig(),
	}
}

// Deps are the collaborators of the services, wired explicitly by cmd/phananh.
type Deps struct {
	Store      Store
	SMS        SMSSender
	Tokens     TokenSigner
	Effects    []Effect // derived effects of ticket changes, in order
	Boundaries *geo.BoundarySet
	Calendar   *WorkingCalendar
	Logger     *slog.Logger
	Now        func() time.Time // injected so tests control deadlines and expiry
	Rand       io.Reader        // injected randomness for ids, codes and secrets
	Config     Config
	// Observer counts what the workers do (SLA steps, leases) for metrics; nil: nothing.
	Observer Observer
	// Spans traces effects; nil: nothing.
	Spans Spans
}

// App is the set of capability services, built together by New over one store. Each service
// holds only the part of the store it uses; what they share (clock, randomness, configuration,
// calendar, boundaries, the catalog snapshot, rate-limit counters) is one core they all point at.
type App struct {
	Catalog    *Catalog    // units, categories, areas, the working calendar
	Auth       *Auth       // sign-in, tokens, accounts, machine keys, rate limits
	Tickets    *Tickets    // intake, workflow, views, queue, nearby, SLA, effects
	Media      *Media      // photo and video uploads, their blobs and clean-up
	Devices    *Devices    // push devices and topic subscriptions
	Stats      *Stats      // statistics, the change feed, exports
	Open311    *Open311    // the GeoReport v2 interface
	Calendar   *Calendar   // the working calendar's administration
	Boundaries *Boundaries // boundary switch-overs and the boundary sets in force
	Workers    *Workers    // when this instance's background loops last ran
	Privacy    *Privacy    // the privacy notice, consent, the data export, rectification
	Inbox      *Inbox      // residents' notifications, kept whether or not a push arrived
	Erasure    *Erasure    // account erasure, legal holds, retention
	Live       *Live       // the officials' live queues: ticket changes as they happen
	Replies    *Replies    // the units' canned replies
	Filters    *Filters    // the officials' saved queue filters
	Reports    *Reports    // the periodic reports made on schedule, archived
	Duplicates *Duplicates // the duplicate candidates officials may merge a ticket into

	store interface {
		Ping(context.Context) error
		SchemaVersion(ctx context.Context) (have, known int, err error)
	}
}

// core is what every capability service shares. It holds no store but the counters, so a
// service's store field says exactly what that service reads and writes.
type core struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	rand    io.Reader
	working *WorkingCalendar               // the working calendar in force (cal)
	bounds  *atomic.Pointer[boundaryState] // the boundary sets in force (boundarySet)
	// catalog is swapped atomically when reference data changes (Catalog.ReloadCatalog).
	catalog  *atomic.Pointer[catalog]
	counters CounterStore
	workers  *Workers // this instance's background loops (readiness, metrics)
	obs      Observer // never nil (observerOr)
	spans    Spans    // never nil (spansOr)
	audits   interface {
		AppendAudit(ctx context.Context, r *models.AuditRecord) error
	}
}

// New builds the services and loads the catalog (units, categories) from the store.
func New(ctx context.Context, d Deps) (*App, error) {
	if d.Store == nil || d.SMS == nil || d.Tokens == nil || d.Boundaries == nil || d.Calendar == nil {
		return nil, fmt.Errorf("app: missing dependency")
	}
	c := &core{cfg: d.Config, log: d.Logger, now: d.Now, rand: d.Rand, working: d.Calendar, bounds: newBoundaryState(d.Boundaries),
		catalog: new(atomic.Pointer[catalog]), counters: d.Store, audits: d.Store, obs: observerOr(d.Observer), spans: spansOr(d.Spans)}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.rand == nil {
		c.rand = rand.Reader
	}
	c.workers = newWorkers(c.now)
	a := &App{store: d.Store, Workers: c.workers}
	a.Catalog = &Catalog{core: c, store: d.Store}
	a.Auth = &Auth{core: c, store: d.Store, sms: d.SMS, tokens: d.Tokens, cat: a.Catalog}
	a.Media = &Media{core: c, store: d.Store, state: newMediaState(d.Config.Media)}
	a.Tickets = &Tickets{core: c, store: d.Store, effects: d.Effects, media: a.Media, cat: a.Catalog,
		accounts: a.Auth, sms: d.SMS}
	a.Devices = &Devices{core: c, store: d.Store}
	a.Stats = &Stats{core: c, store: d.Store, tickets: a.Tickets, cat: a.Catalog}
	a.Open311 = &Open311{core: c, store: d.Store, tickets: a.Tickets, cat: a.Catalog}
	a.Calendar = &Calendar{core: c, store: d.Store, tickets: a.Tickets}
	a.Privacy = &Privacy{core: c, store: d.Store, sms: d.SMS, tickets: a.Tickets}
	a.Inbox = &Inbox{core: c, store: d.Store}
	a.Live = &Live{core: c, store: d.Store}
	a.Replies = &Replies{core: c, store: d.Store, tickets: a.Tickets, cat: a.Catalog}
	a.Filters = &Filters{core: c, store: d.Store}
	a.Reports = &Reports{core: c, store: d.Store, stats: a.Stats}
	a.Duplicates = &Duplicates{core: c, store: d.Store}
	a.Erasure = &Erasure{core: c, store: d.Store, auth: a.Auth, tickets: a.Tickets, devices: a.Devices}
	a.Boundaries = &Boundaries{core: c, store: d.Store, tickets: a.Tickets, auth: a.Auth, cat: a.Catalog, initial: d.Boundaries.ID()}
	if err := a.Catalog.ReloadCatalog(ctx); err != nil {
		return nil, err
	}
	if _, err := a.Calendar.Refresh(ctx); err != nil {
		return nil, err
	}
	if _, err := a.Boundaries.Refresh(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// Readiness is whether this instance should get traffic, with every check made and what is
// wrong with each that failed (Problem empty: passed), for /readyz.
type Readiness struct {
	Ready  bool
	Checks []ReadinessCheck
}

// ReadinessCheck is one check of Readiness.
type ReadinessCheck struct {
	Name    string // "store", "schema", "write_queue", "worker:<name>"
	Problem string
}

// writeQueue is what a store with one writer (SQLite) reports of the queue in front of it.
type writeQueue interface {
	WriteQueue() (waiting, saturated int)
}

// Ready checks what this instance needs to serve: the store answers, its schema has every
// migration this program needs (a newer one is fine: the next release migrated it during a
// rolling upgrade, and it keeps working for this one), the writer's queue is not saturated, and
// each background loop finished a cycle within its bound.
func (a *App) Ready(ctx context.Context) Readiness {
	var checks []ReadinessCheck
	check := func(name, problem string) { checks = append(checks, ReadinessCheck{name, problem}) }
	if err := a.store.Ping(ctx); err != nil {
		check("store", "unreachable: "+err.Error())
	} else {
		check("store", "")
		switch have, known, err := a.store.SchemaVersion(ctx); {
		case err != nil:
			check("schema", err.Error())
		case have < known:
			check("schema", fmt.Sprintf("version %d, this program needs %d", have, known))
		default:
			check("schema", "")
		}
	}
	if q, ok := a.store.(writeQueue); ok {
		if waiting, saturated := q.WriteQueue(); waiting >= saturated {
			check("write_queue", fmt.Sprintf("%d writes waiting (saturated at %d)", waiting, saturated))
		} else {
			check("write_queue", "")
		}
	}
	now := a.Workers.now()
	for _, w := range a.Workers.Status() {
		check("worker:"+w.Name, w.Problem(now))
	}
	r := Readiness{Ready: true, Checks: checks}
	for _, c := range checks {
		r.Ready = r.Ready && c.Problem == ""
	}
	return r
}

// clock returns now in UTC truncated to milliseconds: the precision both stores keep, so a value
// read back equals the value written.
func (s *core) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// cal is the working calendar in force now; read it once per computation, since an
// administrator's edit may swap it between two reads.
func (s *core) cal() *models.Calendar { return s.working.Current() }

// newID returns a 32-hex-digit id that sorts by creation time (ms timestamp, then randomness), so
// ids spread well in indexes and reveal nothing guessable.
func (s *core) newID() (string, error) {
	var b [16]byte
	ms := uint64(s.now().UnixMilli())
	for i := 0; i < 6; i++ {
		b[i] = byte(ms >> (8 * (5 - i)))
	}
	if _, err := io.ReadFull(s.rand, b[6:]); err != nil {
		return "", fmt.Errorf("random id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// secret returns n random bytes.
func (s *core) secret(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return nil, fmt.Errorf("random secret: %w", err)
	}
	return b, nil
}

// RateLimit counts one request of operation against the caller's address and account, and
// refuses it past the configured limits (see core.rateLimit). It is here, not on a service,
// because the transport calls it for operations of every service.
func (a *App) RateLimit(ctx context.Context, operation, ip, userID string) error {
	return a.Auth.rateLimit(ctx, operation, ip, userID)
}
