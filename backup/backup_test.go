package backup_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"phananh/backup"
	"phananh/models"
	"phananh/store/sqlite"
)

// fixture is a SQLite store in its data directory with a few media records and a signing key.
type fixture struct {
	dir   string
	store *sqlite.Store
	key   string // the signing key file
	media map[string]*models.Media
}

// newFixture stores: two reports' photos (one content shared by a second owner, so blobs are
// shared), and an upload not yet attached to any report.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	s, err := sqlite.Open(t.Context(), filepath.Join(dir, backup.DatabaseName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	fx := &fixture{dir: dir, store: s, key: filepath.Join(dir, "jwt-ed25519.pem"), media: map[string]*models.Media{}}
	if err := os.WriteFile(fx.key, []byte("-----BEGIN PRIVATE KEY-----\nnot a real key\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fx.put(t, "m1", "u1", "t1", "ảnh một")
	fx.put(t, "m2", "u1", "t2", "ảnh hai")
	fx.put(t, "m3", "u2", "", "ảnh ba, chưa gửi")
	fx.put(t, "m4", "u2", "t3", "ảnh một")
	return fx
}

// put stores content as a photo with its two renditions and records it.
func (fx *fixture) put(t *testing.T, id, owner, ticket, content string) {
	t.Helper()
	var keys [3]string
	for i, suffix := range []string{"", " (thumb)", " (large)"} {
		k, _, err := fx.store.PutBlob(t.Context(), strings.NewReader(content+suffix))
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = k
	}
	m := &models.Media{ID: id, OwnerID: owner, Kind: models.MediaImage, ContentType: "image/jpeg", Bytes: int64(len(content)),
		SHA256: keys[0], Blob: keys[0], ThumbBlob: keys[1], LargeBlob: keys[2], TicketID: ticket, CreatedAt: time.UnixMilli(1_767_225_600_000).UTC()}
	if err := fx.store.CreateMedia(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	fx.media[id] = m
}

func open(ctx context.Context, path string) (backup.Database, error) {
	f, err := sqlite.OpenSnapshot(ctx, path)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (fx *fixture) create(t *testing.T, keys bool) (string, backup.Summary) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "phananh.tar.gz")
	o := backup.Options{Source: fx.store, Open: open}
	if keys {
		o.KeyFile = fx.key
	}
	sum, err := backup.Create(t.Context(), out, o)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return out, sum
}

func restoreOptions(t *testing.T, dir string) backup.RestoreOptions {
	latest, err := sqlite.LatestSchemaVersion()
	if err != nil {
		t.Fatal(err)
	}
	return backup.RestoreOptions{Dir: dir, KeyFile: filepath.Join(dir, "jwt-ed25519.pem"), Open: open, LatestSchema: latest}
}

// files maps each file under dir (relative path) to its content; the blob store's tmp directory
// and SQLite's -wal and -shm files are not data.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, "-wal") || strings.HasSuffix(p, "-shm") {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRoundTrip backs up a store with its key and restores it into a new directory: every blob
// comes back byte for byte, the records equal the originals, the key is there, every file is
// owner-only, and the manifest describes it all.
func TestRoundTrip(t *testing.T) {
	fx := newFixture(t)
	out, sum := fx.create(t, true)
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != sum.ArchiveBytes {
		t.Errorf("archive: %v, %v; want mode 0600 and %d bytes", fi.Mode(), err, sum.ArchiveBytes)
	}
	if left, _ := os.ReadDir(filepath.Dir(out)); len(left) != 1 {
		t.Errorf("the archive's directory holds %d files, want only the archive", len(left))
	}
	m := sum.Manifest
	latest, _ := sqlite.LatestSchemaVersion()
	if m.Format != backup.Format || m.Version != 1 || m.Store != "sqlite" || m.SchemaVersion != latest || !m.KeysIncluded ||
		time.Since(m.CreatedAt) > time.Minute || len(m.Files) != 11 || sum.Blobs != 9 || sum.Forgotten != 0 {
		t.Errorf("summary %+v", sum)
	}

	target := filepath.Join(t.TempDir(), "new", "data")
	res, err := backup.Restore(t.Context(), out, restoreOptions(t, target))
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if res.Blobs != 9 || res.BlobBytes != sum.BlobBytes || res.KeyFile != filepath.Join(target, "jwt-ed25519.pem") || res.DatabaseBytes != sum.DatabaseBytes {
		t.Errorf("restored %+v, backed up %+v", res, sum)
	}
	want, got := files(t, fx.dir), files(t, target)
	delete(want, backup.DatabaseName)
	delete(got, backup.DatabaseName)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("restored files differ (-original +restored):\n%s", d)
	}
	checkOwnerOnly(t, target)
	r, err := sqlite.Open(t.Context(), filepath.Join(target, backup.DatabaseName))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for id, orig := range fx.media {
		if back, err := r.MediaByID(t.Context(), id); err != nil || !cmp.Equal(orig, back) {
			t.Errorf("media %s restored as %+v, %v; want %+v", id, back, err, orig)
		}
	}

	// Into an existing, empty directory (a mounted volume) as well.
	empty := t.TempDir()
	if _, err := backup.Restore(t.Context(), out, restoreOptions(t, empty)); err != nil {
		t.Fatalf("Restore into an empty directory: %v", err)
	}
	if len(files(t, empty)) != 11 {
		t.Errorf("restored %d files into the empty directory, want 11", len(files(t, empty)))
	}
}

// checkOwnerOnly fails unless every directory under dir is 0700 and every file 0600.
func checkOwnerOnly(t *testing.T, dir string) {
	t.Helper()
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Error(err)
			return err
		}
		fi, _ := d.Info()
		if want := fs.FileMode(0o600); d.IsDir() {
			if fi.Mode().Perm() != 0o700 {
				t.Errorf("%s: mode %v, want 0700", p, fi.Mode().Perm())
			}
		} else if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), want)
		}
		return nil
	})
}

// TestKeysOnlyWhenAsked: without a key file the archive holds no key, says so, and a restore
// writes none (the server then makes a new one).
func TestKeysOnlyWhenAsked(t *testing.T) {
	fx := newFixture(t)
	out, sum := fx.create(t, false)
	if sum.Manifest.KeysIncluded {
		t.Error("manifest says keys are included")
	}
	for _, e := range readArchive(t, out) {
		if strings.HasPrefix(e.name, "keys/") || strings.Contains(e.data, "PRIVATE KEY") {
			t.Errorf("the archive holds %s without --include-keys", e.name)
		}
	}
	target := filepath.Join(t.TempDir(), "data")
	res, err := backup.Restore(t.Context(), out, restoreOptions(t, target))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(target, "jwt-ed25519.pem")); res.KeyFile != "" || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a key was restored: %q, %v", res.KeyFile, err)
	}
}

// TestRestoreRefusesNonEmptyTarget: a DATA_DIR holding anything, or an existing signing key
// file, is refused and left as it was.
func TestRestoreRefusesNonEmptyTarget(t *testing.T) {
	fx := newFixture(t)
	out, _ := fx.create(t, true)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("của tôi"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := backup.Restore(t.Context(), out, restoreOptions(t, dir))
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("Restore into a non-empty directory: %v", err)
	}
	if got := files(t, dir); !cmp.Equal(got, map[string]string{"notes.txt": "của tôi"}) {
		t.Errorf("the directory changed: %v", got)
	}

	empty := t.TempDir()
	o := restoreOptions(t, empty)
	o.KeyFile = fx.key
	_, err = backup.Restore(t.Context(), out, o)
	if err == nil || !strings.Contains(err.Error(), "JWT_KEY_FILE") {
		t.Errorf("Restore over an existing key: %v", err)
	}
	if n := len(files(t, empty)); n != 0 {
		t.Errorf("the refused restore left %d files", n)
	}
}

// TestCreateRefusesExistingAndLeavesNothing: an existing output is not overwritten, and a
// backup that fails, or is cancelled halfway, leaves no temporary file.
func TestCreateRefusesExistingAndLeavesNothing(t *testing.T) {
	fx := newFixture(t)
	out, _ := fx.create(t, false)
	if _, err := backup.Create(t.Context(), out, backup.Options{Source: fx.store, Open: open}); err == nil {
		t.Error("Create overwrote an existing file")
	}
	dir := t.TempDir()
	_, err := backup.Create(t.Context(), filepath.Join(dir, "b.tar.gz"), backup.Options{Source: failing{fx.store}, Open: open})
	if err == nil {
		t.Fatal("Create succeeded with a failing snapshot")
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("a failed backup left %d files", len(left))
	}
	ctx, cancel := context.WithCancel(t.Context())
	_, err = backup.Create(ctx, filepath.Join(dir, "c.tar.gz"), backup.Options{Source: cancelling{fx.store, cancel}, Open: open})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Create cancelled after the snapshot: %v", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("a cancelled backup left %d files", len(left))
	}
}

// cancelling is a store whose caller gives up (a server stopping) right after the snapshot.
type cancelling struct {
	*sqlite.Store
	cancel context.CancelFunc
}

func (c cancelling) Snapshot(ctx context.Context, path string) error {
	err := c.Store.Snapshot(ctx, path)
	c.cancel()
	return err
}

type failing struct{ *sqlite.Store }

func (failing) Snapshot(context.Context, string) error { return errors.New("disk full") }

// collecting is a store whose media collector runs right after the database copy is taken: it
// deletes an unattached upload's record and blobs, as CollectMedia does.
type collecting struct {
	*sqlite.Store
	m *models.Media
}

func (c collecting) Snapshot(ctx context.Context, path string) error {
	if err := c.Store.Snapshot(ctx, path); err != nil {
		return err
	}
	if err := c.DeleteMedia(ctx, c.m.ID, ""); err != nil {
		return err
	}
	for _, k := range c.m.Blobs() {
		if err := c.DeleteBlob(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// TestCollectedDuringBackup: an upload the collector removes while the backup runs leaves the
// copy with its blobs; a blob the live store had already lost is recorded as missing, and the
// archive still restores.
func TestCollectedDuringBackup(t *testing.T) {
	fx := newFixture(t)
	lost := fx.media["m2"].ThumbBlob
	if err := fx.store.DeleteBlob(t.Context(), lost); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "b.tar.gz")
	sum, err := backup.Create(t.Context(), out, backup.Options{Source: collecting{fx.store, fx.media["m3"]}, Open: open})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Forgotten != 1 || !slices.Equal(sum.Manifest.MissingBlobs, []string{lost}) || sum.Blobs != 5 {
		t.Errorf("forgotten %d, missing %v, %d blobs; want 1, [%s], 5", sum.Forgotten, sum.Manifest.MissingBlobs, sum.Blobs, lost)
	}
	target := filepath.Join(t.TempDir(), "data")
	if _, err := backup.Restore(t.Context(), out, restoreOptions(t, target)); err != nil {
		t.Fatal(err)
	}
	r, err := sqlite.Open(t.Context(), filepath.Join(target, backup.DatabaseName))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.MediaByID(t.Context(), "m3"); !models.IsCode(err, models.ENotFound) {
		t.Errorf("the collected upload is in the restored store: %v", err)
	}
	if _, err := r.MediaByID(t.Context(), "m2"); err != nil {
		t.Errorf("the record with a lost blob is not in the restored store: %v", err)
	}
}

// entry is one file of an archive, for tests that take one apart and put it back together.
type entry struct{ name, data string }

func readArchive(t *testing.T, path string) []entry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var out []entry
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return out
		} else if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, entry{hdr.Name, string(data)})
	}
}

func writeArchive(t *testing.T, path string, entries []entry) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: e.name, Size: int64(len(e.data)), Mode: 0o600}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
