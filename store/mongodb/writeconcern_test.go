package mongodb

import "testing"

// TestClientOptions checks that writes default to majority and that the URI can override it.
func TestClientOptions(t *testing.T) {
	for _, tc := range []struct {
		uri         string
		wantW       any
		wantJournal bool
	}{
		{"mongodb://db.example:27017/", "majority", false},
		{"mongodb://db.example:27017/?w=1", 1, false},
		{"mongodb://db.example:27017/?w=majority&retryWrites=false", "majority", false},
		{"mongodb://db.example:27017/?journal=true", "majority", true},
	} {
		opts := clientOptions(tc.uri)
		wc := opts.WriteConcern
		if wc == nil || wc.W != tc.wantW || (wc.Journal != nil && *wc.Journal) != tc.wantJournal {
			t.Errorf("%s: write concern = %+v, want w=%v journal=%v", tc.uri, wc, tc.wantW, tc.wantJournal)
		}
	}
	if o := clientOptions("mongodb://db.example/?retryWrites=false"); o.RetryWrites == nil || *o.RetryWrites {
		t.Errorf("retryWrites=false in the URI not kept: %v", o.RetryWrites)
	}
}
