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
	NearbyRadiusM      float64
	NearbyMaxAge       time.Duration
	NearbyMax          int
	// PseudonymKey keys the stable pseudonyms that hide reporters from ward staff.
	PseudonymKey []byte
	// RateLimits are the store-backed abuse limits by name (ratelimit.go).
	RateLimits RateLimits
	// Media holds the upload limits (media.go).
	Media MediaConfig
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
		NearbyRadiusM:      250,
		NearbyMaxAge:       30 * 24 * time.Hour,
		NearbyMax:          5,
		RateLimits:         DefaultRateLimits(),
		Media:              DefaultMediaConfig(),
	}
}

// Deps are the collaborators of the Service, wired explicitly by cmd/phananh.
type Deps struct {
	Store      Store
	SMS        SMSSender
	Tokens     TokenSigner
	Effects    []Effect // derived effects of ticket changes, in order
	Boundaries *geo.BoundarySet
	Calendar   *models.Calendar
	Logger     *slog.Logger
	Now        func() time.Time // injected so tests control deadlines and expiry
	Rand       io.Reader        // injected randomness for ids, codes and secrets
	Config     Config
}

// Service implements the use cases. It is safe for concurrent use; the catalog snapshot is
// swapped atomically when reference data changes.
type Service struct {
	store      Store
	sms        SMSSender
	tokens     TokenSigner
	effects    []Effect
	boundaries *geo.BoundarySet
	cal        *models.Calendar
	log        *slog.Logger
	now        func() time.Time
	rand       io.Reader
	cfg        Config
	catalog    atomic.Pointer[catalog]
	media      *mediaState
}

// New builds the Service and loads the catalog (units, categories) from the store.
func New(ctx context.Context, d Deps) (*Service, error) {
	if d.Store == nil || d.SMS == nil || d.Tokens == nil || d.Boundaries == nil || d.Calendar == nil {
		return nil, fmt.Errorf("app: missing dependency")
	}
	s := &Service{
		store: d.Store, sms: d.SMS, tokens: d.Tokens, effects: d.Effects, boundaries: d.Boundaries, cal: d.Calendar,
		log: d.Logger, now: d.Now, rand: d.Rand, cfg: d.Config, media: newMediaState(d.Config.Media),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if err := s.ReloadCatalog(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// clock returns now in UTC truncated to milliseconds: the precision both stores keep, so a value
// read back equals the value written.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// newID returns a 32-hex-digit id that sorts by creation time (ms timestamp, then randomness), so
// ids spread well in indexes and reveal nothing guessable.
func (s *Service) newID() (string, error) {
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
func (s *Service) secret(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return nil, fmt.Errorf("random secret: %w", err)
	}
	return b, nil
}

// Ready reports whether the store answers.
func (s *Service) Ready(ctx context.Context) error {
	if err := s.store.Ping(ctx); err != nil {
		return models.WrapError(models.EUnavailable, err, "store unreachable")
	}
	return nil
}

// Calendar is the working calendar deadlines are computed with.
func (s *Service) Calendar() *models.Calendar { return s.cal }
