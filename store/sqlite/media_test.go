package sqlite_test

import (
	"path/filepath"
	"testing"

	"phananh/app"
	"phananh/app/storetest"
	"phananh/store/sqlite"
)

// TestMediaContract runs the media contract on SQLite with its blob directory.
func TestMediaContract(t *testing.T) {
	storetest.RunMedia(t, func(t *testing.T) app.Store {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "media.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
