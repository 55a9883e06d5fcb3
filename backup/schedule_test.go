package backup_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"phananh/backup"
)

// TestPrune keeps the newest scheduled backups and removes the older ones and the stale
// temporary files of interrupted backups; a backup in progress and files that are not scheduled
// backups are left alone.
func TestPrune(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 11, 27, 14, 0, 0, 0, time.UTC)
	var names []string
	for i := range 5 {
		names = append(names, backup.ArchiveName(t0.Add(time.Duration(i)*24*time.Hour)))
	}
	if names[0] != "phananh-20261127T140000Z.tar.gz" {
		t.Fatalf("ArchiveName = %s", names[0])
	}
	stale := "." + names[1] + ".tmp-123"
	others := []string{"notes.txt", "phananh-latest.tar.gz", "." + names[4] + ".tmp-456", "." + names[4] + ".db-789"}
	for _, n := range slices.Concat(names, others, []string{stale}) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(filepath.Join(dir, stale), old, old); err != nil {
		t.Fatal(err)
	}

	archives, err := backup.Archives(dir)
	if err != nil || len(archives) != 5 || !archives[0].Time.Equal(t0) || archives[4].Path != filepath.Join(dir, names[4]) {
		t.Fatalf("Archives = %v, %v", archives, err)
	}
	removed, err := backup.Prune(dir, 2, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, n := range []string{names[0], names[1], names[2], stale} {
		want = append(want, filepath.Join(dir, n))
	}
	if !slices.Equal(removed, want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	var left []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	wantLeft := slices.Concat(names[3:], others)
	slices.Sort(wantLeft)
	if !slices.Equal(left, wantLeft) {
		t.Errorf("left %v, want %v", left, wantLeft)
	}
}
