package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"phananh/models"
)

// Options says what Create reads.
type Options struct {
	Source Source // the live store
	Open   Opener // opens the database copy Source.Snapshot wrote
	// KeyFile is the JWT signing key to include (JWT_KEY_FILE); "" leaves secrets out.
	KeyFile string
	Now     func() time.Time // nil: time.Now
}

// Summary is what Create wrote.
type Summary struct {
	Path          string
	Manifest      Manifest
	ArchiveBytes  int64
	DatabaseBytes int64
	Blobs         int
	BlobBytes     int64
	// Forgotten counts unattached uploads the media collector deleted while the backup ran:
	// their records were taken out of the copy with their blobs gone (Database.ForgetMissingBlobs).
	Forgotten int
}

// Create writes a backup archive to out, which must not exist, while the store serves.
//
// The order makes the archive consistent without stopping anything: first the database copy
// (one moment of the store), then exactly the blobs that copy refers to. A blob is written
// before its record is stored and is never changed, so an upload landing during the backup is
// either in the copy with its blobs on disk, or not in the copy at all — and its blobs are not
// taken either. The one thing that removes blobs is the media collector, which deletes an old
// unattached upload's record and then its blobs: when that happens after the copy was taken,
// the record is taken out of the copy too (it was on no report and is collected anyway). The
// archive is written to a temporary file next to out (mode 0600), fsynced and renamed, so out
// is either complete or absent; the database copy is made there too, not in /tmp, which may be
// a small RAM disk.
func Create(ctx context.Context, out string, o Options) (Summary, error) {
	sum := Summary{Path: out}
	if _, err := os.Lstat(out); err == nil {
		return sum, fmt.Errorf("backup: %s exists; name a new file", out)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return sum, fmt.Errorf("backup: %w", err)
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	dir, base := filepath.Split(out)
	if dir == "" {
		dir = "."
	}
	snap, err := os.CreateTemp(dir, "."+base+".db-*")
	if err != nil {
		return sum, fmt.Errorf("backup: %w", err)
	}
	snapPath := snap.Name()
	defer os.Remove(snapPath)
	if err := snap.Close(); err != nil {
		return sum, fmt.Errorf("backup: %w", err)
	}
	m := Manifest{Format: Format, Version: Version, CreatedAt: now().UTC().Truncate(time.Second), Store: "sqlite", KeysIncluded: o.KeyFile != ""}
	if err := o.Source.Snapshot(ctx, snapPath); err != nil {
		return sum, fmt.Errorf("backup: copy the database: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return sum, fmt.Errorf("backup: %w", err)
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	w := newWriter(f, m.CreatedAt)
	w.ctx = ctx
	if err := w.fill(ctx, o, snapPath, &m, &sum); err != nil {
		return sum, err
	}
	if err := w.close(&m); err != nil {
		return sum, fmt.Errorf("backup: write %s: %w", f.Name(), err)
	}
	if sum.ArchiveBytes, err = commit(f, out); err != nil {
		return sum, fmt.Errorf("backup: %w", err)
	}
	done = true
	sum.Manifest = m
	return sum, nil
}

// fill writes the blobs the copy at snapPath refers to, then the copy itself and the key, and
// completes m's description of the copy.
func (w *writer) fill(ctx context.Context, o Options, snapPath string, m *Manifest, sum *Summary) error {
	db, err := o.Open(ctx, snapPath)
	if err != nil {
		return fmt.Errorf("backup: open the database copy: %w", err)
	}
	closed := false
	defer func() {
		if !closed {
			db.Close()
		}
	}()
	keys, err := db.MediaBlobs(ctx)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	missing, err := w.addBlobs(ctx, o.Source, keys, sum)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		if sum.Forgotten, m.MissingBlobs, err = db.ForgetMissingBlobs(ctx, missing); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
	}
	if m.SchemaVersion, err = db.SchemaVersion(ctx); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if m.Tickets, err = db.Tickets(ctx); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// Closed before it is read: the file is then complete, with no journal beside it.
	closed = true
	if err := db.Close(); err != nil {
		return fmt.Errorf("backup: close the database copy: %w", err)
	}
	if sum.DatabaseBytes, err = w.addFile(DatabaseName, snapPath); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if o.KeyFile != "" {
		if _, err := w.addFile(KeyName, o.KeyFile); err != nil {
			return fmt.Errorf("backup: signing key: %w", err)
		}
	}
	return nil
}

// addBlobs writes the blobs of keys and returns those that no longer exist. A blob whose
// content does not hash to its name is damaged on disk: the backup fails rather than carry it,
// since a restore would refuse the archive.
func (w *writer) addBlobs(ctx context.Context, src Source, keys []string, sum *Summary) (missing []string, err error) {
	for _, key := range keys {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !validKey(key) {
			return nil, fmt.Errorf("backup: a media record refers to %q, which is no blob key", key)
		}
		rc, size, err := src.OpenBlob(ctx, key, 0)
		if models.IsCode(err, models.ENotFound) {
			missing = append(missing, key)
			continue
		} else if err != nil {
			return nil, fmt.Errorf("backup: blob %s: %w", key, err)
		}
		f, err := w.add(blobPath(key), size, rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("backup: blob %s: %w", key, err)
		}
		if f.SHA256 != key {
			return nil, fmt.Errorf("backup: blob %s is damaged on disk: its content hashes to %s", key, f.SHA256)
		}
		sum.Blobs++
		sum.BlobBytes += size
	}
	return missing, nil
}

// commit makes the finished temporary archive f durable and gives it its name.
func commit(f *os.File, out string) (int64, error) {
	if err := f.Sync(); err != nil {
		return 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	if err := os.Rename(f.Name(), out); err != nil {
		return 0, err
	}
	syncDir(filepath.Dir(out))
	return fi.Size(), nil
}

// syncDir makes a rename in dir durable; a file system that cannot sync a directory is left to
// its own guarantees.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// validKey accepts what store/fsblob names blobs by: 64 lowercase hexadecimal digits.
func validKey(key string) bool {
	return len(key) == 64 && strings.Trim(key, "0123456789abcdef") == ""
}

// blobPath is a blob's path in the archive and under DATA_DIR (store/fsblob's layout).
func blobPath(key string) string { return path.Join(mediaDir, key[0:2], key[2:4], key) }

// writer writes the archive: a tar in gzip, every entry hashed as it goes. Its reads stop when
// ctx ends, so a server stopping mid-backup does not wait for a large database to be compressed.
type writer struct {
	ctx   context.Context
	gz    *gzip.Writer
	tw    *tar.Writer
	mtime time.Time
	files []File
}

func newWriter(w io.Writer, mtime time.Time) *writer {
	gz, _ := gzip.NewWriterLevel(w, gzip.BestSpeed) // the level is valid: no error
	return &writer{ctx: context.Background(), gz: gz, tw: tar.NewWriter(gz), mtime: mtime}
}

// add writes one entry of size bytes read from r and records it.
func (w *writer) add(name string, size int64, r io.Reader) (File, error) {
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o600, ModTime: w.mtime}
	if err := w.tw.WriteHeader(hdr); err != nil {
		return File{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w.tw, h), ctxReader{w.ctx, r})
	if err != nil {
		return File{}, err
	}
	if n != size {
		return File{}, fmt.Errorf("%s: read %d bytes, expected %d", name, n, size)
	}
	f := File{Path: name, Size: size, SHA256: hex.EncodeToString(h.Sum(nil))}
	w.files = append(w.files, f)
	return f, nil
}

// ctxReader reads from r until ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// addFile writes the file at p as the entry name and returns its size.
func (w *writer) addFile(name, p string) (int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if _, err := w.add(name, fi.Size(), f); err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// close writes the manifest, listing every entry written, as the last entry and ends the
// archive.
func (w *writer) close(m *Manifest) error {
	m.Files = w.files
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: ManifestName, Size: int64(len(data)), Mode: 0o600, ModTime: w.mtime}
	if err := w.tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := w.tw.Write(data); err != nil {
		return err
	}
	if err := w.tw.Close(); err != nil {
		return err
	}
	return w.gz.Close()
}
