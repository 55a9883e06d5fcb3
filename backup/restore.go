package backup

import (
	"archive/tar"
	"bufio"
	"compress/flate"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Limits on the entries read into memory.
const (
	maxManifest = 256 << 20 // about a million blobs
	maxKey      = 64 << 10
)

// RestoreOptions says where Restore puts an archive.
type RestoreOptions struct {
	// Dir is DATA_DIR: it must not exist or be empty.
	Dir string
	// KeyFile is JWT_KEY_FILE, where an archived signing key is written; it must not exist.
	KeyFile string
	// Open opens the database copy for its checks.
	Open Opener
	// LatestSchema is the newest schema version this program knows; a copy made by a newer
	// program is refused.
	LatestSchema int
}

// Restored is what Restore placed.
type Restored struct {
	Manifest      Manifest
	DatabaseBytes int64
	Blobs         int
	BlobBytes     int64
	// KeyFile is where the signing key was written; "" when the archive has none.
	KeyFile string
}

// Restore places the archive at path into an empty or absent DATA_DIR, only once every check
// has passed: every entry's size and SHA-256 equal the manifest's and the manifest lists every
// entry; every blob hashes to its name; the database passes its integrity check, has the
// manifest's schema version (one this program knows), and every blob it refers to is in the
// archive (or recorded missing when the backup was taken). Until then the files are written to
// a staging directory beside the target (inside it when it exists, so a mount point works) and
// removed on any failure: a damaged or incomplete archive changes nothing. Directories are
// created 0700 and files 0600.
func Restore(ctx context.Context, path string, o RestoreOptions) (Restored, error) {
	var res Restored
	if err := checkTarget(o.Dir); err != nil {
		return res, err
	}
	st, err := stage(o.Dir)
	if err != nil {
		return res, fmt.Errorf("restore: %w", err)
	}
	placed := false
	defer func() {
		if !placed {
			os.RemoveAll(st.path)
		}
	}()
	ex, err := extract(ctx, path, st.path)
	if err != nil {
		return res, err
	}
	if res.Manifest, err = ex.verify(); err != nil {
		return res, err
	}
	if err := checkDatabase(ctx, o, filepath.Join(st.path, DatabaseName), res.Manifest, ex); err != nil {
		return res, err
	}
	if res.Manifest.KeysIncluded {
		if _, err := os.Lstat(o.KeyFile); !errors.Is(err, fs.ErrNotExist) {
			return res, fmt.Errorf("restore: JWT_KEY_FILE %s exists; a restore does not overwrite a signing key (nothing was changed)", o.KeyFile)
		}
	}
	if err := st.place(); err != nil {
		return res, fmt.Errorf("restore: place the files in %s: %w", o.Dir, err)
	}
	placed = true
	res.DatabaseBytes = ex.files[DatabaseName].Size
	for p, f := range ex.files {
		if strings.HasPrefix(p, mediaDir+"/") {
			res.Blobs++
			res.BlobBytes += f.Size
		}
	}
	if res.Manifest.KeysIncluded {
		if err := writeNew(o.KeyFile, ex.key); err != nil {
			return res, fmt.Errorf("restore: the data is in %s, but the signing key could not be written to %s: %w", o.Dir, o.KeyFile, err)
		}
		res.KeyFile = o.KeyFile
	}
	return res, nil
}

// checkTarget refuses a DATA_DIR that holds anything, or is not a directory.
func checkTarget(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("restore: DATA_DIR %s is not a directory", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("restore: DATA_DIR %s is not empty (it holds %s); restore only into an empty or new directory (nothing was changed)", dir, entries[0].Name())
	}
	return nil
}

// staging is the directory an archive is unpacked into, and how it becomes DATA_DIR.
type staging struct {
	path  string
	place func() error
}

// stage creates the staging directory on the file system DATA_DIR is (or will be) on, so that
// placing it is a rename: inside DATA_DIR when it exists, else in its nearest existing ancestor.
func stage(dir string) (*staging, error) {
	if _, err := os.Stat(dir); err == nil {
		tmp, err := os.MkdirTemp(dir, ".restore-*")
		if err != nil {
			return nil, err
		}
		return &staging{path: tmp, place: func() error { return moveUp(tmp, dir) }}, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	anc := filepath.Dir(abs)
	for {
		if _, err := os.Stat(anc); err == nil || anc == filepath.Dir(anc) {
			break
		}
		anc = filepath.Dir(anc)
	}
	tmp, err := os.MkdirTemp(anc, ".phananh-restore-*")
	if err != nil {
		return nil, err
	}
	return &staging{path: tmp, place: func() error {
		if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
			return err
		}
		if err := os.Rename(tmp, abs); err != nil {
			return err
		}
		syncDir(filepath.Dir(abs))
		return nil
	}}, nil
}

// moveUp moves everything in tmp into dir, its parent, and removes tmp.
func moveUp(tmp, dir string) error {
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.Rename(filepath.Join(tmp, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	syncDir(dir)
	return os.Remove(tmp)
}

// extracted is what an archive held: every entry but the manifest and the key as staged files
// (size and SHA-256 as read), the key and the manifest in memory.
type extracted struct {
	files    map[string]File
	key      []byte
	keyFile  File
	manifest []byte
}

// extract unpacks the archive into dir, hashing each entry as it is written. Only the names an
// archive may hold are accepted (entryName), so no entry can reach outside dir; only regular
// files, each once; nothing after the manifest. The gzip stream is read to its end so that its
// own checksum is checked too.
func extract(ctx context.Context, path, dir string) (*extracted, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("restore: %s is not a phananh backup (gzip: %w)", path, err)
	}
	tr := tar.NewReader(gz)
	ex := &extracted{files: map[string]File{}}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("restore: %s is damaged or incomplete: %w", path, err)
		}
		if err := ex.entry(hdr, tr, dir); damaged(err) {
			return nil, fmt.Errorf("restore: %s is damaged or incomplete: %w", path, err)
		} else if err != nil {
			return nil, fmt.Errorf("restore: %s: %w", path, err)
		}
	}
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return nil, fmt.Errorf("restore: %s is damaged: %w", path, err)
	}
	return ex, nil
}

// damaged reports whether err is the archive's bytes failing to decode, rather than a refused
// entry or a failure to write.
func damaged(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) ||
		errors.Is(err, tar.ErrHeader) || errors.As(err, new(flate.CorruptInputError))
}

// entry reads one entry of the archive.
func (ex *extracted) entry(hdr *tar.Header, r io.Reader, dir string) error {
	switch {
	case ex.manifest != nil:
		return fmt.Errorf("entry %q after the manifest", hdr.Name)
	case hdr.Typeflag != tar.TypeReg:
		return fmt.Errorf("entry %q is not a regular file", hdr.Name)
	case !entryName(hdr.Name):
		return fmt.Errorf("unexpected entry %q", hdr.Name)
	}
	if _, dup := ex.files[hdr.Name]; dup || hdr.Name == KeyName && ex.key != nil {
		return fmt.Errorf("entry %q appears twice", hdr.Name)
	}
	switch hdr.Name {
	case ManifestName:
		data, err := readSmall(r, hdr.Size, maxManifest)
		ex.manifest = data
		return err
	case KeyName:
		data, err := readSmall(r, hdr.Size, maxKey)
		ex.key = data
		sum := sha256.Sum256(data)
		ex.keyFile = File{Path: KeyName, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
		return err
	}
	f, err := writeStaged(filepath.Join(dir, filepath.FromSlash(hdr.Name)), r)
	if err != nil {
		return fmt.Errorf("entry %q: %w", hdr.Name, err)
	}
	f.Path = hdr.Name
	ex.files[hdr.Name] = f
	return nil
}

// entryName accepts the names an archive may hold: the manifest, the database, the key, and
// blobs at their content address.
func entryName(name string) bool {
	switch name {
	case ManifestName, DatabaseName, KeyName:
		return true
	}
	parts := strings.Split(name, "/")
	return len(parts) == 4 && parts[0] == mediaDir && validKey(parts[3]) && parts[1] == parts[3][0:2] && parts[2] == parts[3][2:4]
}

// readSmall reads an entry of at most limit bytes into memory.
func readSmall(r io.Reader, size, limit int64) ([]byte, error) {
	if size > limit {
		return nil, fmt.Errorf("entry of %d bytes, more than %d", size, limit)
	}
	return io.ReadAll(r)
}

// writeStaged writes r to a new file at p (0600, its directories 0700), fsynced, and returns
// its size and SHA-256.
func writeStaged(p string, r io.Reader) (File, error) {
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return File{}, err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return File{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return File{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, err
}

// writeNew writes data to a file that must not exist yet, owner-only, fsynced.
func writeNew(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// verify decodes the manifest and checks it against what the archive held, entry by entry.
func (ex *extracted) verify() (Manifest, error) {
	var m Manifest
	if ex.manifest == nil {
		return m, errors.New("restore: the archive has no manifest: it is incomplete or not a phananh backup")
	}
	if err := json.Unmarshal(ex.manifest, &m); err != nil {
		return m, fmt.Errorf("restore: manifest: %w", err)
	}
	switch {
	case m.Format != Format:
		return m, fmt.Errorf("restore: manifest: format %q, want %q", m.Format, Format)
	case m.Version > Version:
		return m, fmt.Errorf("restore: the archive is format version %d, made by a newer phananh; this one reads version %d", m.Version, Version)
	case m.Version < 1 || m.Store != "sqlite":
		return m, fmt.Errorf("restore: manifest: version %d of store %q is not a backup this program writes", m.Version, m.Store)
	}
	found := map[string]File{}
	for p, f := range ex.files {
		found[p] = f
	}
	if ex.key != nil {
		found[KeyName] = ex.keyFile
	}
	for _, want := range m.Files {
		got, ok := found[want.Path]
		if !ok {
			return m, fmt.Errorf("restore: %s is in the manifest but not in the archive", want.Path)
		}
		if got != want {
			return m, fmt.Errorf("restore: %s: %d bytes with SHA-256 %s, the manifest says %d bytes with %s", want.Path, got.Size, got.SHA256, want.Size, want.SHA256)
		}
		delete(found, want.Path)
	}
	if len(found) > 0 {
		extra := slices.Sorted(maps.Keys(found))
		return m, fmt.Errorf("restore: %s is in the archive but not in its manifest", extra[0])
	}
	return m, ex.consistent(m)
}

// consistent checks what the manifest's own fields promise: a database, blobs named by their
// content, and the key exactly when the manifest says so.
func (ex *extracted) consistent(m Manifest) error {
	if _, ok := ex.files[DatabaseName]; !ok {
		return fmt.Errorf("restore: the archive has no %s", DatabaseName)
	}
	if m.KeysIncluded != (ex.key != nil) {
		return fmt.Errorf("restore: the manifest says keys_included=%v, the archive disagrees", m.KeysIncluded)
	}
	for p, f := range ex.files {
		if strings.HasPrefix(p, mediaDir+"/") && f.SHA256 != p[strings.LastIndexByte(p, '/')+1:] {
			return fmt.Errorf("restore: blob %s hashes to %s", p, f.SHA256)
		}
	}
	return nil
}

// checkDatabase checks the staged database: SQLite's integrity check, the manifest's schema
// version (one this program knows), and every blob it refers to present or recorded missing.
func checkDatabase(ctx context.Context, o RestoreOptions, path string, m Manifest, ex *extracted) error {
	if m.SchemaVersion > o.LatestSchema {
		return fmt.Errorf("restore: the database has schema version %d, made by a newer phananh; this one knows up to %d", m.SchemaVersion, o.LatestSchema)
	}
	db, err := o.Open(ctx, path)
	if err != nil {
		return fmt.Errorf("restore: open the database: %w", err)
	}
	defer db.Close()
	if err := db.Check(ctx); err != nil {
		return fmt.Errorf("restore: the database is damaged: %w", err)
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if v != m.SchemaVersion {
		return fmt.Errorf("restore: the database has schema version %d, the manifest says %d", v, m.SchemaVersion)
	}
	keys, err := db.MediaBlobs(ctx)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	for _, k := range keys {
		if !validKey(k) {
			return fmt.Errorf("restore: the database refers to %q, which is no blob key", k)
		}
		if _, ok := ex.files[blobPath(k)]; !ok && !slices.Contains(m.MissingBlobs, k) {
			return fmt.Errorf("restore: the database refers to blob %s, which is not in the archive", k)
		}
	}
	return nil
}
