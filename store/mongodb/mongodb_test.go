package mongodb_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/app"
	"phananh/app/storetest"
	"phananh/models"
	"phananh/store/mongodb"
	"phananh/store/mongodb/mongotest"
)

// The store implements the interface the use cases consume; the store package itself does not
// import app (dependencies point from app to models, and from main to both).
var _ app.Store = (*mongodb.Store)(nil)

// opener returns the storetest open function for srv: a fresh database per subtest, one shared
// server (starting FerretDB per subtest would dominate the run time).
func opener(srv *mongotest.Server, opts ...mongodb.Option) func(t *testing.T) app.Store {
	return func(t *testing.T) app.Store {
		t.Helper()
		uri, db := srv.NewDatabase(t)
		s, err := mongodb.Open(t.Context(), uri, db, opts...)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	}
}

// TestContractFerretDB runs the store contract against FerretDB embedded in the test process,
// which needs nothing installed and checks that only the MongoDB subset FerretDB v1 supports is
// used.
func TestContractFerretDB(t *testing.T) {
	storetest.Run(t, opener(mongotest.StartFerretDB(t)))
}

// TestAuditTamperFerretDB: editing or deleting audit documents behind the store's back breaks
// the chain where it happened.
func TestAuditTamperFerretDB(t *testing.T) {
	srv := mongotest.StartFerretDB(t)
	dbs := map[app.Store]*mongo.Database{}
	open := func(t *testing.T) app.Store {
		uri, name := srv.NewDatabase(t)
		s, err := mongodb.Open(t.Context(), uri, name)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		client, err := mongo.Connect(options.Client().ApplyURI(uri))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			s.Close()
			client.Disconnect(context.Background())
		})
		dbs[s] = client.Database(name)
		return s
	}
	storetest.RunAuditTamper(t, open, storetest.AuditTamper{
		Edit: func(t *testing.T, s app.Store, id, detail string) {
			_, err := dbs[s].Collection("audit_log").UpdateOne(t.Context(), bson.D{{Key: "_id", Value: id}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "detail", Value: detail}}}})
			if err != nil {
				t.Fatal(err)
			}
		},
		Delete: func(t *testing.T, s app.Store, id string) {
			if _, err := dbs[s].Collection("audit_log").DeleteOne(t.Context(), bson.D{{Key: "_id", Value: id}}); err != nil {
				t.Fatal(err)
			}
		},
	})
}

// TestContractMongoDB runs the store contract against the real MongoDB of MONGODB_TEST_URI,
// once with the server's own features and once with the fallbacks FerretDB needs forced.
func TestContractMongoDB(t *testing.T) {
	srv := mongotest.External(t)
	if srv == nil {
		t.Skipf("%s not set", mongotest.EnvURI)
	}
	t.Run("native", func(t *testing.T) { storetest.Run(t, opener(srv)) })
	t.Run("fallbacks", func(t *testing.T) { storetest.Run(t, opener(srv, mongodb.Fallbacks())) })
}

// TestFeatures: the store tells FerretDB from MongoDB and creates TTL indexes only where the
// server has them and fallbacks are not forced.
func TestFeatures(t *testing.T) {
	srv := mongotest.Start(t)
	ttl := []string{"otp_challenges.expires_ttl", "refresh_tokens.expires_ttl", "hit_counters.window_ttl", "push_outbox.done_ttl"}
	for _, tc := range []struct {
		name string
		opts []mongodb.Option
	}{{"default", nil}, {"fallbacks", []mongodb.Option{mongodb.Fallbacks()}}} {
		t.Run(tc.name, func(t *testing.T) {
			uri, db := srv.NewDatabase(t)
			s, err := mongodb.Open(t.Context(), uri, db, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			f := s.Features()
			wantNative := !srv.FerretDB() && tc.opts == nil
			if f.FerretDB != srv.FerretDB() || f.Native != wantNative {
				t.Errorf("features %+v on a server FerretDB=%v, want native %v", f, srv.FerretDB(), wantNative)
			}
			names := indexNames(t, uri, db)
			for _, ix := range ttl {
				if slices.Contains(names, ix) != wantNative {
					t.Errorf("TTL index %s present %v, want %v (indexes %v)", ix, !wantNative, wantNative, names)
				}
			}
		})
	}
}

// TestOpenIdempotent opens the same database twice, as every restart and every extra server
// instance does: ensuring the indexes again must succeed, create nothing new, and keep data and
// uniqueness intact.
func TestOpenIdempotent(t *testing.T) {
	uri, db := mongotest.URI(t)
	ctx := t.Context()

	s1, err := mongodb.Open(ctx, uri, db)
	if err != nil {
		t.Fatalf("first Open: %v", err)
	}
	t.Cleanup(func() { _ = s1.Close() })
	created := time.Date(2025, 3, 14, 9, 26, 53, 589_000_000, models.VietnamTime)
	if err := s1.CreateUser(ctx, &models.User{ID: "u1", Role: models.RoleResident, Phone: "+84901234567", CreatedAt: created}); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	before := indexNames(t, uri, db)
	// An index of an earlier release that no query uses any more is dropped.
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Disconnect(context.Background()) })
	retired := mongo.IndexModel{Keys: bson.D{{Key: "unit_id", Value: 1}, {Key: "due_at", Value: 1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("unit_due")}
	if _, err := client.Database(db).Collection("tickets").Indexes().CreateOne(ctx, retired); err != nil {
		t.Fatal(err)
	}

	s2, err := mongodb.Open(ctx, uri, db)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	t.Cleanup(func() { _ = s2.Close() })
	if after := indexNames(t, uri, db); !slices.Equal(before, after) {
		t.Errorf("indexes changed on second Open:\nbefore %v\nafter  %v", before, after)
	}
	for _, want := range []string{"tickets.idempotency_key_unique", "users.phone_key_unique", "users.username_key_unique", "api_keys.hash_unique",
		"tickets.unit_state_due", "tickets.state_due", "tickets.code_unique", "users.unit_role", "stats_facts.resolved_times", "tickets.next_check", "tickets.location", "tickets.effects_pending", "audit_log.at", "audit_log.ticket_at", "audit_log.actor_at"} {
		if !slices.Contains(before, want) {
			t.Errorf("index %s missing; have %v", want, before)
		}
	}

	u, err := s2.UserByPhone(ctx, "+84901234567")
	if err != nil {
		t.Fatalf("UserByPhone after reopen: %v", err)
	}
	// Times come back in UTC (BSON datetimes have no zone), as the same instant.
	if u.CreatedAt.Location() != time.UTC || !u.CreatedAt.Equal(created) {
		t.Errorf("CreatedAt = %v, want %v in UTC", u.CreatedAt, created)
	}
	err = s2.CreateUser(ctx, &models.User{ID: "u2", Role: models.RoleResident, Phone: "+84901234567"})
	if !models.IsCode(err, models.EConflict) {
		t.Errorf("duplicate phone after reopen: err = %v, want conflict", err)
	}
}

// indexNames lists "collection.index" for every index of the database, sorted.
func indexNames(t *testing.T, uri, db string) []string {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer func() { _ = client.Disconnect(t.Context()) }()
	ctx := t.Context()
	colls, err := client.Database(db).ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatalf("list collections: %v", err)
	}
	var names []string
	for _, c := range colls {
		specs, err := client.Database(db).Collection(c).Indexes().ListSpecifications(ctx)
		if err != nil {
			t.Fatalf("list indexes of %s: %v", c, err)
		}
		for _, s := range specs {
			names = append(names, c+"."+s.Name)
		}
	}
	slices.Sort(names)
	return names
}

// TestUpgradeLegacyTickets opens a database holding a ticket as the version before the workflow
// fields wrote it (no due_at, no workflow keys): it must decode with zero workflow fields, sort
// first in queues like on SQLite (a zero deadline), be found by the other workflow queries, and
// take updates.
func TestUpgradeLegacyTickets(t *testing.T) {
	uri, db := mongotest.URI(t)
	ctx := t.Context()
	t0 := time.Date(2025, 3, 14, 2, 26, 53, 589_000_000, time.UTC)
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer func() { _ = client.Disconnect(ctx) }()
	legacy := bson.D{
		{Key: "_id", Value: "old"}, {Key: "code", Value: "PA-2024-000001"}, {Key: "state", Value: "in_progress"},
		{Key: "version", Value: 3}, {Key: "applied_version", Value: 3}, {Key: "category", Value: "do_thi.den"},
		{Key: "group", Value: "do_thi"}, {Key: "description", Value: "Đèn đường hỏng"}, {Key: "address", Value: "Đường Lê Lợi"},
		{Key: "location", Value: bson.D{{Key: "lat", Value: 10.3866}, {Key: "lng", Value: 105.4352}, {Key: "accuracy_m", Value: 8.0}}},
		{Key: "media", Value: nil}, {Key: "allow_contact", Value: false}, {Key: "private", Value: false},
		{Key: "reporter_id", Value: "r1"}, {Key: "idempotency_key", Value: "ticket/old"}, {Key: "boundary_set", Value: "lx"},
		{Key: "area_code", Value: "my_binh"}, {Key: "area_name", Value: "Mỹ Bình"}, {Key: "unit_id", Value: "u1"},
		{Key: "unit_name", Value: "UBND"}, {Key: "unit_kind", Value: "ubnd"}, {Key: "routed_by_nearest", Value: false},
		{Key: "routing_ambiguous", Value: false}, {Key: "created_at", Value: t0}, {Key: "updated_at", Value: t0},
		{Key: "triage_due_at", Value: time.Time{}}, {Key: "resolve_due_at", Value: time.Time{}}, {Key: "history", Value: nil},
	}
	if _, err := client.Database(db).Collection("tickets").InsertOne(ctx, legacy); err != nil {
		t.Fatalf("insert legacy ticket: %v", err)
	}

	s, err := mongodb.Open(ctx, uri, db)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	timed := &models.Ticket{ID: "timed", Code: "PA-2024-000002", State: models.StateReceived, Version: 1,
		Category: "moi_truong.rac", ReporterID: "r1", IdempotencyKey: "ticket/timed", UnitID: "u2",
		CreatedAt: t0, UpdatedAt: t0, DueAt: t0.Add(3 * time.Hour), NextCheckAt: t0.Add(time.Hour)}
	if err := s.CreateTicket(ctx, timed); err != nil {
		t.Fatalf("CreateTicket: %v", err)
	}

	old, err := s.TicketByID(ctx, "old")
	if err != nil || old.Description != "Đèn đường hỏng" || !old.DueAt.IsZero() || !old.NextCheckAt.IsZero() || old.Extension != nil {
		t.Fatalf("TicketByID(old) = %+v, %v", old, err)
	}
	queue, err := s.FindQueue(ctx, models.QueueFilter{})
	if err != nil || len(queue) != 2 || queue[0].ID != "old" || queue[1].ID != "timed" {
		t.Fatalf("FindQueue = %v, %v; want [old timed]", queue, err)
	}
	for name, f := range map[string]models.QueueFilter{
		"due before":   {DueBefore: t0},
		"after cursor": {After: &models.QueueCursor{ID: ""}, Limit: 1},
		"fields and q": {UnitIDs: []string{"u1"}, AreaCode: "my_binh", Category: "do_thi.den", Q: "ĐÈN"},
	} {
		if got, err := s.FindQueue(ctx, f); err != nil || len(got) != 1 || got[0].ID != "old" {
			t.Errorf("FindQueue %s = %v, %v; want [old]", name, got, err)
		}
	}
	near, err := s.FindNearby(ctx, models.NearbyFilter{MinLat: 10.38, MaxLat: 10.39, MinLng: 105.43, MaxLng: 105.44})
	if err != nil || len(near) != 1 || near[0].ID != "old" {
		t.Fatalf("FindNearby = %v, %v", near, err)
	}
	due, err := s.FindSLADue(ctx, t0.Add(2*time.Hour), 0)
	if err != nil || len(due) != 1 || due[0].ID != "timed" {
		t.Fatalf("FindSLADue = %v, %v", due, err)
	}
	old.Version, old.DueAt = 4, t0.Add(10*time.Hour)
	if err := s.UpdateTicket(ctx, old, 3); err != nil {
		t.Fatalf("UpdateTicket of the legacy ticket: %v", err)
	}
	if queue, err = s.FindQueue(ctx, models.QueueFilter{}); err != nil || len(queue) != 2 || queue[0].ID != "timed" {
		t.Fatalf("FindQueue after updating the legacy ticket = %v, %v; want timed first", queue, err)
	}
}

// TestUpgradeEffectsPending opens a database holding tickets written before effects_pending
// existed: Open must set it from each document's version and applied_version (storing
// applied_version 0 where it is absent), so that FindUnapplied lists exactly the tickets behind
// and MarkApplied clears them; a second Open changes nothing.
func TestUpgradeEffectsPending(t *testing.T) {
	uri, db := mongotest.URI(t)
	ctx := t.Context()
	coll := connect(t, uri, db).Collection("tickets")
	insertEffectsLegacyTickets(t, coll)

	s, err := mongodb.Open(ctx, uri, db)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if got, want := pendingIDs(t, s), []string{"behind-b", "no-applied", "behind-a"}; !slices.Equal(got, want) {
		t.Fatalf("FindUnapplied after upgrade = %v, want %v", got, want)
	}
	if n, err := coll.CountDocuments(ctx, bson.D{{Key: "effects_pending", Value: bson.D{{Key: "$exists", Value: false}}}}); err != nil || n != 0 {
		t.Fatalf("tickets without effects_pending after upgrade: %d, %v", n, err)
	}
	var raw struct {
		Applied *int `bson:"applied_version"`
	}
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "no-applied"}}).Decode(&raw); err != nil || raw.Applied == nil || *raw.Applied != 0 {
		t.Fatalf("applied_version of a ticket that had none = %v, %v; want 0 stored", raw.Applied, err)
	}

	s2, err := mongodb.Open(ctx, uri, db)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	t.Cleanup(func() { _ = s2.Close() })
	for _, c := range []struct {
		id      string
		version int
	}{{"behind-a", 4}, {"no-applied", 1}} {
		if err := s2.MarkApplied(ctx, c.id, c.version); err != nil {
			t.Fatalf("MarkApplied(%s, %d): %v", c.id, c.version, err)
		}
		tk, err := s2.TicketByID(ctx, c.id)
		if err != nil || tk.AppliedVersion != c.version || tk.Version != c.version {
			t.Fatalf("TicketByID(%s) after MarkApplied = %+v, %v", c.id, tk, err)
		}
	}
	if got, want := pendingIDs(t, s2), []string{"behind-b"}; !slices.Equal(got, want) {
		t.Fatalf("FindUnapplied after MarkApplied = %v, want %v", got, want)
	}
}

// connect is database db of the server at uri, through a client of its own, disconnected when
// the test ends.
func connect(t *testing.T, uri, db string) *mongo.Database {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	return client.Database(db)
}

// insertEffectsLegacyTickets inserts tickets as written before effects_pending existed: done,
// behind (two with the same version and applied_version) and one without applied_version.
func insertEffectsLegacyTickets(t *testing.T, coll *mongo.Collection) {
	t.Helper()
	t0 := time.Date(2025, 3, 14, 2, 26, 53, 589_000_000, time.UTC)
	legacy := func(id string, version int, applied *int, updated time.Duration) bson.D {
		d := bson.D{
			{Key: "_id", Value: id}, {Key: "code", Value: "PA-" + id}, {Key: "state", Value: "received"},
			{Key: "version", Value: version}, {Key: "category", Value: "khac"}, {Key: "description", Value: "x"},
			{Key: "location", Value: bson.D{{Key: "lat", Value: 10.3866}, {Key: "lng", Value: 105.4352}, {Key: "accuracy_m", Value: 8.0}}},
			{Key: "reporter_id", Value: "r1"}, {Key: "idempotency_key", Value: "ticket/" + id}, {Key: "unit_id", Value: "u1"},
			{Key: "created_at", Value: t0}, {Key: "updated_at", Value: t0.Add(updated)}, {Key: "due_at", Value: time.Time{}},
		}
		if applied != nil {
			d = append(d, bson.E{Key: "applied_version", Value: *applied})
		}
		return d
	}
	n := func(v int) *int { return &v }
	docs := []any{
		legacy("done", 3, n(3), 1*time.Minute),
		legacy("behind-a", 4, n(2), 5*time.Minute),
		legacy("behind-b", 4, n(2), 2*time.Minute), // the same (version, applied) pair as behind-a
		legacy("done-b", 3, n(3), 0),
		legacy("no-applied", 1, nil, 3*time.Minute),
	}
	if _, err := coll.InsertMany(t.Context(), docs); err != nil {
		t.Fatalf("insert legacy tickets: %v", err)
	}
}

// pendingIDs lists the ids FindUnapplied returns, in its order.
func pendingIDs(t *testing.T, s *mongodb.Store) []string {
	t.Helper()
	list, err := s.FindUnapplied(t.Context(), 0)
	if err != nil {
		t.Fatalf("FindUnapplied: %v", err)
	}
	var out []string
	for _, tk := range list {
		out = append(out, tk.ID)
	}
	return out
}
