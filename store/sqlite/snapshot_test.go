package sqlite_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"phananh/models"
	"phananh/store/sqlite"
)

// media is a record of owner u1 whose three blobs are named after key.
func media(id, ticket, key string) *models.Media {
	return &models.Media{ID: id, OwnerID: "u1", Kind: models.MediaImage, ContentType: "image/jpeg", Bytes: 1, SHA256: "sha-" + id,
		Blob: key + "-o", ThumbBlob: key + "-t", LargeBlob: key + "-l", TicketID: ticket, CreatedAt: time.UnixMilli(1_700_000_000_000)}
}

// TestSnapshotWhileWriting takes a snapshot while another goroutine inserts records one after
// the other: the copy holds exactly a prefix of them (the database as of one commit), passes
// SQLite's integrity check, carries the schema version, and lists the referenced blobs once
// each, sorted. The directory's name holds characters that mean something in a URI.
func TestSnapshotWhileWriting(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a #b %41")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(t.Context(), filepath.Join(dir, "phananh.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var inserted atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := s.CreateMedia(t.Context(), media(fmt.Sprintf("m%06d", i), "t", "shared")); err != nil {
				t.Errorf("insert %d: %v", i, err)
				return
			}
			inserted.Add(1)
		}
	})
	for inserted.Load() < 50 {
		time.Sleep(time.Millisecond)
	}
	path := filepath.Join(dir, "copy.db")
	err = s.Snapshot(t.Context(), path)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	f, err := sqlite.OpenSnapshot(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Check(t.Context()); err != nil {
		t.Errorf("Check: %v", err)
	}
	latest, err := sqlite.LatestSchemaVersion()
	if v, verr := f.SchemaVersion(t.Context()); err != nil || verr != nil || v != latest || v < 14 {
		t.Errorf("SchemaVersion = %d, %v; latest %d, %v", v, verr, latest, err)
	}
	var n int
	for ; ; n++ {
		if _, err := s.MediaByID(t.Context(), fmt.Sprintf("m%06d", n)); err != nil {
			break
		}
	}
	copied := countMedia(t, path)
	t.Logf("copied %d of %d", copied, n)
	if copied < 50 || copied > n {
		t.Errorf("the copy holds %d records; %d were inserted before it began, %d in all", copied, 50, n)
	}
	keys, err := f.MediaBlobs(t.Context())
	if want := []string{"shared-l", "shared-o", "shared-t"}; err != nil || !slices.Equal(keys, want) {
		t.Errorf("MediaBlobs = %v, %v; want %v", keys, err, want)
	}
}

// countMedia counts the records of a copy and checks they are m000000… without a gap.
func countMedia(t *testing.T, path string) int {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := 0
	for ; ; n++ {
		if _, err := s.MediaByID(t.Context(), fmt.Sprintf("m%06d", n)); err != nil {
			break
		}
	}
	if _, err := s.MediaByID(t.Context(), fmt.Sprintf("m%06d", n+1)); err == nil {
		t.Errorf("the copy has a gap at record %d: not one moment of the database", n)
	}
	return n
}

// TestSnapshotForgetMissingBlobs: records the collector removed after the snapshot (unattached)
// leave the copy; a missing blob of an attached record is reported and its record kept.
func TestSnapshotForgetMissingBlobs(t *testing.T) {
	dir := t.TempDir()
	s, err := sqlite.Open(t.Context(), filepath.Join(dir, "phananh.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, m := range []*models.Media{media("orphan", "", "gone"), media("kept", "t1", "here"), media("lost", "t2", "lost"),
		media("orphan-of-lost", "", "lost")} {
		m.SHA256 = m.ID
		if err := s.CreateMedia(t.Context(), m); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "copy.db")
	if err := s.Snapshot(t.Context(), path); err != nil {
		t.Fatal(err)
	}
	f, err := sqlite.OpenSnapshot(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	forgotten, referenced, err := f.ForgetMissingBlobs(t.Context(), []string{"gone-o", "gone-t", "lost-o"})
	if err != nil || forgotten != 2 || !slices.Equal(referenced, []string{"lost-o"}) {
		t.Errorf("ForgetMissingBlobs = %d, %v, %v; want 2 forgotten (orphan, orphan-of-lost), lost-o referenced", forgotten, referenced, err)
	}
	keys, _ := f.MediaBlobs(t.Context())
	if strings.Contains(strings.Join(keys, " "), "gone") || !slices.Contains(keys, "lost-o") || !slices.Contains(keys, "here-o") {
		t.Errorf("MediaBlobs after forgetting = %v", keys)
	}
}

// TestSnapshotCheckFindsDamage: a copy with a damaged page fails Check (or cannot be opened).
func TestSnapshotCheckFindsDamage(t *testing.T) {
	dir := t.TempDir()
	s, err := sqlite.Open(t.Context(), filepath.Join(dir, "phananh.db"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		if err := s.CreateMedia(t.Context(), media(fmt.Sprintf("m%03d", i), "", fmt.Sprintf("k%03d", i))); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "copy.db")
	if err := s.Snapshot(t.Context(), path); err != nil {
		t.Fatal(err)
	}
	s.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	copy(data[len(data)-8192:], bytes.Repeat([]byte{0xA5}, 4096)) // a page in the media indexes
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := sqlite.OpenSnapshot(t.Context(), path)
	if err == nil {
		err = f.Check(t.Context())
		f.Close()
	}
	if err == nil {
		t.Fatal("a damaged copy passed the check")
	}
	t.Logf("refused: %v", err)
}
