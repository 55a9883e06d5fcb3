// Package apptest builds the real app for tests the way cmd/phananh builds it for production: a
// SQLite store in the test's temporary directory holding the Long Xuyên wards, the city units and
// the categories shipped in seed, and the capability services over it with an injected clock. It
// is the one wiring the tests of app, handlers and push share, so a new dependency of app.New is
// added here once.
package apptest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"path/filepath"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
	"phananh/seed"
	"phananh/store/sqlite"
	"phananh/tokens"
)

// OfficeHours are round office hours (07:00–11:00 and 13:00–17:00) that make deadlines easy to
// compute by hand in tests; production uses models.DefaultOfficeHours.
var OfficeHours = [][2]string{{"07:00", "11:00"}, {"13:00", "17:00"}}

// Options are what a test changes from the defaults.
type Options struct {
	Config      *app.Config      // nil: app.DefaultConfig()
	Effects     []app.Effect     // in order
	Now         func() time.Time // nil: time.Now
	OfficeHours [][2]string      // nil: OfficeHours
	SMS         app.SMSSender    // nil: messages are dropped
	Tokens      app.TokenSigner  // nil: a signer with a fresh key
	// BoundarySet is the id of the stored boundary set to route with ("": seed.DefaultBoundarySet).
	BoundarySet string
}

// Store opens a SQLite store in t's temporary directory and seeds it (Seed); it is closed when
// the test ends.
func Store(t testing.TB, now time.Time) app.Store {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "app.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	Seed(t, store, now)
	return store
}

// Seed imports the default boundary set (creating its ward units) and stores the city units and
// the categories, as the first start of the server does.
func Seed(t testing.TB, store app.Store, now time.Time) {
	t.Helper()
	ctx := context.Background()
	data, err := seed.BoundaryGeoJSON(seed.DefaultBoundarySet)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.ImportBoundarySet(ctx, store, seed.DefaultBoundarySet, "Long Xuyên", data, now); err != nil {
		t.Fatal(err)
	}
	if err := store.UpsertUnits(ctx, seed.CityUnits()); err != nil {
		t.Fatal(err)
	}
	if err := store.UpsertCategories(ctx, seed.Categories()); err != nil {
		t.Fatal(err)
	}
}

// New builds the services on a seeded store (Store, or Seed on a store of the test's choice),
// with a fresh token key and the holiday calendar shipped in seed.
func New(t testing.TB, store app.Store, o Options) *app.App {
	t.Helper()
	ctx := context.Background()
	setID := o.BoundarySet
	if setID == "" {
		setID = seed.DefaultBoundarySet
	}
	set, err := app.LoadBoundarySet(ctx, store, setID)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := Calendar(o.OfficeHours)
	if err != nil {
		t.Fatal(err)
	}
	signer := o.Tokens
	if signer == nil {
		_, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		signer = tokens.New(key, "phananh", "test")
	}
	cfg := app.DefaultConfig()
	if o.Config != nil {
		cfg = *o.Config
	}
	sms := o.SMS
	if sms == nil {
		sms = dropSMS{}
	}
	a, err := app.New(ctx, app.Deps{
		Store: store, SMS: sms, Tokens: signer, Boundaries: set, Calendar: app.NewWorkingCalendar(cal),
		Effects: o.Effects, Now: o.Now, Config: cfg,
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Calendar is the working calendar New uses: the holidays shipped in seed and the given office
// hours (nil: OfficeHours).
func Calendar(hours [][2]string) (*models.Calendar, error) {
	if hours == nil {
		hours = OfficeHours
	}
	return models.ParseCalendar(seed.HolidayCalendar(), hours)
}

// dropSMS is the SMS gateway of tests that do not read the messages.
type dropSMS struct{}

func (dropSMS) Send(context.Context, string, string) error { return nil }
