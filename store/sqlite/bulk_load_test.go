package sqlite

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestWithIndexesDeferred: during the load the tables' non-unique indexes are gone and the
// unique ones stay; afterwards every index is back with its own definition, also when the load
// failed (whose error is returned).
func TestWithIndexesDeferred(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t, filepath.Join(t.TempDir(), "b.db"))
	defer s.Close()
	indexes := func() map[string]string {
		t.Helper()
		rows, err := s.r.QueryContext(ctx, `SELECT name, sql FROM sqlite_master
			WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('tickets', 'feed')`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			var name, def string
			if err := rows.Scan(&name, &def); err != nil {
				t.Fatal(err)
			}
			out[name] = def
		}
		return out
	}
	before := indexes()
	if len(before) < 5 {
		t.Fatalf("only %d indexes on tickets and feed: %v", len(before), before)
	}
	failed := errors.New("load failed")
	for _, loadErr := range []error{nil, failed} {
		err := s.WithIndexesDeferred(ctx, []string{"tickets", "feed"}, func() error {
			during := indexes()
			for name, def := range during {
				if len(def) < 14 || def[:14] != "CREATE UNIQUE " {
					t.Errorf("index %s still there during the load", name)
				}
			}
			if len(during) == 0 || len(during) == len(before) {
				t.Errorf("during the load %d of %d indexes, want the unique ones only", len(during), len(before))
			}
			return loadErr
		})
		if !errors.Is(err, loadErr) || (loadErr == nil && err != nil) {
			t.Errorf("load error %v: WithIndexesDeferred = %v", loadErr, err)
		}
		if diff := cmp.Diff(before, indexes()); diff != "" {
			t.Errorf("indexes after the load (-before +after):\n%s", diff)
		}
	}
}
