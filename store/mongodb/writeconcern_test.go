package mongodb

import (
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
)

// TestClientOptions checks the store's settings: majority writes unless the URI names "w",
// majority reads, retryable writes always (a URI turning them off is refused), and a default
// operation timeout the URI may change.
func TestClientOptions(t *testing.T) {
	for _, tc := range []struct {
		uri         string
		wantW       any
		wantJournal bool
		wantTimeout time.Duration
	}{
		{"mongodb://db.example:27017/", "majority", false, DefaultOperationTimeout},
		{"mongodb://db.example:27017/?w=1", 1, false, DefaultOperationTimeout},
		{"mongodb://db.example:27017/?w=majority&retryWrites=true", "majority", false, DefaultOperationTimeout},
		{"mongodb://db.example:27017/?journal=true&timeoutMS=5000", "majority", true, 5 * time.Second},
		{"mongodb://db.example:27017/?readConcernLevel=local&readPreference=secondary", "majority", false, DefaultOperationTimeout},
	} {
		opts, err := clientOptions(tc.uri)
		if err != nil {
			t.Fatalf("%s: %v", tc.uri, err)
		}
		wc := opts.WriteConcern
		if wc == nil || wc.W != tc.wantW || (wc.Journal != nil && *wc.Journal) != tc.wantJournal {
			t.Errorf("%s: write concern = %+v, want w=%v journal=%v", tc.uri, wc, tc.wantW, tc.wantJournal)
		}
		if opts.RetryWrites == nil || !*opts.RetryWrites {
			t.Errorf("%s: retryWrites %v, want true", tc.uri, opts.RetryWrites)
		}
		if opts.ReadConcern == nil || opts.ReadConcern.Level != "majority" {
			t.Errorf("%s: read concern %+v, want majority", tc.uri, opts.ReadConcern)
		}
		if opts.Timeout == nil || *opts.Timeout != tc.wantTimeout {
			t.Errorf("%s: timeout %v, want %s", tc.uri, opts.Timeout, tc.wantTimeout)
		}
	}
	if _, err := clientOptions("mongodb://db.example/?retryWrites=false"); err == nil || !strings.Contains(err.Error(), "retryWrites") {
		t.Errorf("retryWrites=false in the URI: %v, want refused", err)
	}
}

// TestDatabaseOptions: the store's database reads from the primary with majority read concern
// whatever the URI asked of the client.
func TestDatabaseOptions(t *testing.T) {
	var o options.DatabaseOptions
	for _, set := range databaseOptions().List() {
		if err := set(&o); err != nil {
			t.Fatal(err)
		}
	}
	if o.ReadPreference == nil || o.ReadPreference.Mode() != readpref.PrimaryMode {
		t.Errorf("read preference %v, want primary", o.ReadPreference)
	}
	if o.ReadConcern == nil || o.ReadConcern.Level != "majority" {
		t.Errorf("read concern %+v, want majority", o.ReadConcern)
	}
}
