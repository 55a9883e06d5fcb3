// Package fsblob is the embedded blob store: files under one directory (DATA_DIR/media), named by
// the SHA-256 of their content. It implements the blob part of app.MediaStore for the SQLite
// store.
//
// Writes are atomic: a blob is written to a temporary file in the same directory tree, fsynced,
// and renamed to its content address, so a reader never sees a partial file and a crash leaves at
// most a temporary file (removed by a later Open once it is stale). Content addressing makes a
// second put of the same bytes a no-op.
package fsblob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"phananh/models"
)

// Dir stores blobs under a root directory: <root>/<k[0:2]>/<k[2:4]>/<k>, temporary files in
// <root>/tmp.
type Dir struct{ root string }

// staleTemp is how old a temporary file must be before Open takes it for a crash's leftover.
// Open also runs in a second process while the server writes (an admin command, a backup,
// opening the same DATA_DIR): removing every temporary file there would pull the files of the
// server's puts in progress from under it and fail those uploads. A put copies a file that is
// already on local disk, so it takes seconds; an hour is far beyond it.
const staleTemp = time.Hour

// Open creates the directory tree if needed and removes the temporary files a crash left behind
// (those older than staleTemp). The tree is this account's only (0700; files are created 0600):
// it holds residents' photos. A root left open to the group or others by an earlier version is
// closed again.
func Open(root string) (*Dir, error) {
	tmp := filepath.Join(root, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, fmt.Errorf("fsblob: create %s: %w", tmp, err)
	}
	if err := removeStale(tmp, time.Now().Add(-staleTemp)); err != nil {
		return nil, fmt.Errorf("fsblob: clean %s: %w", tmp, err)
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("fsblob: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		if err := os.Chmod(root, perm&0o700); err != nil {
			return nil, fmt.Errorf("fsblob: make %s owner-only: %w", root, err)
		}
	}
	return &Dir{root: root}, nil
}

// removeStale removes the files of dir last modified before cutoff; a file another process
// removed meanwhile is fine.
func removeStale(dir string, cutoff time.Time) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		fi, err := e.Info()
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			return err
		}
		if fi.ModTime().Before(cutoff) {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

// validKey accepts only what PutBlob produces, so a key can never name a path outside root.
func validKey(key string) bool {
	return len(key) == 64 && strings.Trim(key, "0123456789abcdef") == ""
}

func (d *Dir) path(key string) string {
	return filepath.Join(d.root, key[0:2], key[2:4], key)
}

// PutBlob streams r into a temporary file while hashing it, then renames it to its address.
func (d *Dir) PutBlob(ctx context.Context, r io.Reader) (string, int64, error) {
	f, err := os.CreateTemp(filepath.Join(d.root, "tmp"), "put-*")
	if err != nil {
		return "", 0, fmt.Errorf("fsblob: put: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename there is nothing to remove
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", 0, fmt.Errorf("fsblob: put: %w", err)
	}
	key := hex.EncodeToString(h.Sum(nil))
	dst := d.path(key)
	if _, err := os.Stat(dst); err == nil {
		return key, n, nil
	}
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", 0, fmt.Errorf("fsblob: put: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return "", 0, fmt.Errorf("fsblob: put: %w", err)
	}
	// The rename is durable once the directory entry is.
	if df, err := os.Open(dir); err == nil {
		_ = df.Sync()
		df.Close()
	}
	return key, n, nil
}

// OpenBlob opens the blob at offset.
func (d *Dir) OpenBlob(_ context.Context, key string, offset int64) (io.ReadCloser, int64, error) {
	if !validKey(key) {
		return nil, 0, models.Errorf(models.ENotFound, "blob not found")
	}
	f, err := os.Open(d.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, models.Errorf(models.ENotFound, "blob not found")
	} else if err != nil {
		return nil, 0, fmt.Errorf("fsblob: open: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("fsblob: open: %w", err)
	}
	if offset < 0 || offset > fi.Size() {
		f.Close()
		return nil, 0, models.Errorf(models.EInvalid, "offset %d is outside the blob of %d bytes", offset, fi.Size())
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("fsblob: open: %w", err)
	}
	return f, fi.Size(), nil
}

// DeleteBlob removes the blob; an absent one is fine.
func (d *Dir) DeleteBlob(_ context.Context, key string) error {
	if !validKey(key) {
		return nil
	}
	if err := os.Remove(d.path(key)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("fsblob: delete: %w", err)
	}
	return nil
}
