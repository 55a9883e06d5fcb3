package mongodb_test

import (
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/app"
	"phananh/models"
	"phananh/store/mongodb"
	"phananh/store/mongodb/mongotest"
	"phananh/store/storetest"
)

// opener returns the storetest open function for srv: a fresh database per subtest, one shared
// server (starting FerretDB per subtest would dominate the run time).
func opener(srv *mongotest.Server) func(t *testing.T) app.Store {
	return func(t *testing.T) app.Store {
		t.Helper()
		uri, db := srv.NewDatabase(t)
		s, err := mongodb.Open(t.Context(), uri, db)
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

// TestContractMongoDB runs the store contract against the real MongoDB of MONGODB_TEST_URI.
func TestContractMongoDB(t *testing.T) {
	srv := mongotest.External(t)
	if srv == nil {
		t.Skipf("%s not set", mongotest.EnvURI)
	}
	storetest.Run(t, opener(srv))
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

	s2, err := mongodb.Open(ctx, uri, db)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	t.Cleanup(func() { _ = s2.Close() })
	if after := indexNames(t, uri, db); !slices.Equal(before, after) {
		t.Errorf("indexes changed on second Open:\nbefore %v\nafter  %v", before, after)
	}
	for _, want := range []string{"tickets.idempotency_key_unique", "users.phone_key_unique", "users.username_key_unique", "api_keys.hash_unique"} {
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
