package mongodb_test

import (
	"os"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/app"
	"phananh/app/apptest"
	"phananh/models"
	"phananh/store/mongodb"
	"phananh/store/mongodb/mongotest"
)

// TestFollowToggleKeepsTicketBounded toggles follow on one ticket through the app on this
// store far past the follow-change limit: the document stays small, the toggles past the limit
// are refused, and the ticket's unit still acts on it. On a real MongoDB (MONGODB_TEST_URI) it
// toggles 10,000 times against the production limit; on FerretDB, which scans whole collections
// for every query the effects make (10,000 toggles took over 9 minutes), 300 times against 100.
func TestFollowToggleKeepsTicketBounded(t *testing.T) {
	toggles, limit := 300, 100
	if os.Getenv(mongotest.EnvURI) != "" {
		toggles, limit = 10_000, app.DefaultConfig().MaxFollowChanges
	}
	uri, name := mongotest.URI(t)
	store, err := mongodb.Open(t.Context(), uri, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	now := time.Date(2026, 12, 3, 9, 0, 0, 0, models.VietnamTime)
	apptest.Seed(t, store, now)
	cfg := app.DefaultConfig()
	cfg.MaxFollowChanges = limit
	a := apptest.New(t, store, apptest.Options{Config: &cfg, Now: func() time.Time { return now }})
	ctx := t.Context()
	area, err := a.Catalog.Area("30280")
	if err != nil {
		t.Fatal(err)
	}
	p := area.InteriorPoint()
	tk, _, err := a.Tickets.FileReport(ctx, models.Principal{UserID: "r1", Role: models.RoleResident},
		models.ReportInput{Category: "TTDT", Description: "lấn chiếm vỉa hè", Location: models.Location{Lat: p.Lat(), Lng: p.Lon()}})
	if err != nil {
		t.Fatal(err)
	}
	script := models.Principal{UserID: "r2", Role: models.RoleResident}
	// Past the limit a follow is refused, and the unfollow after it is a no-op (not following).
	refused, changes := 0, 0
	for i := range toggles {
		action := []models.Action{models.ActFollow, models.ActUnfollow}[i%2]
		next, err := a.Tickets.Act(ctx, script, tk.ID, app.ActionInput{Action: action, ExpectedVersion: tk.Version})
		switch {
		case models.IsCode(err, models.EUnprocessable):
			refused++
		case err != nil:
			t.Fatalf("toggle %d: %v", i, err)
		case next.Version != tk.Version:
			changes++
			tk = next
		}
	}
	if changes != limit || refused != (toggles-limit+1)/2 {
		t.Errorf("%d toggles: %d changed the ticket, %d refused; want %d and %d", toggles, changes, refused, limit, (toggles-limit+1)/2)
	}
	leader := models.Principal{UserID: "l1", Role: models.RoleLeader, UnitID: tk.UnitID}
	if _, err := a.Tickets.Act(ctx, leader, tk.ID, app.ActionInput{Action: models.ActAccept, ExpectedVersion: tk.Version}); err != nil {
		t.Fatalf("the unit accepts after %d toggles: %v", toggles, err)
	}
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Disconnect(t.Context()) })
	raw, err := client.Database(name).Collection("tickets").FindOne(ctx, bson.D{{Key: "_id", Value: tk.ID}}).Raw()
	if perEvent := 300; err != nil || len(raw) > (limit+10)*perEvent {
		t.Errorf("the ticket document is %d bytes after %d follow changes (%v); want at most %d", len(raw), limit, err, (limit+10)*perEvent)
	}
}
