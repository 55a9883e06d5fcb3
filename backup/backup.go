// Package backup writes and restores phananh's backups of the SQLite store: one file, a
// gzip-compressed tar, holding a consistent copy of the database taken while the server runs and
// writes, every media blob that copy refers to, the JWT signing key when asked, and a manifest
// with each file's path, size and SHA-256 — so a restore can prove an archive whole before it
// places anything.
//
// An archive mirrors DATA_DIR, so `tar -xzf` alone also recovers one:
//
//	phananh.db                     the database (store/sqlite Snapshot: VACUUM INTO)
//	media/<k[0:2]>/<k[2:4]>/<k>    each blob, named by the SHA-256 k of its content (store/fsblob)
//	keys/jwt-ed25519.pem           the signing key (JWT_KEY_FILE), only when asked
//	manifest.json                  the last entry: format, version, time, schema, files
//
// Why a tar, gzip-compressed: one file is what an operator copies off the machine, a tar is what
// every system can list and unpack without phananh, and the manifest inside it travels with what
// it describes. The database — JSON documents and indexes — shrinks to about a fifth with gzip;
// photos and videos are compressed already and pass through, so the fastest level
// (gzip.BestSpeed) gets nearly all of the gain for a fraction of the CPU of the default level:
// scheduled backups run inside the serving process. A blob is read once, hashed while it is
// written, and checked against its name.
//
// The package knows the store through the interfaces Source and Database (cmd/phananh passes
// package sqlite's); it imports no store, so only cmd/phananh picks implementations.
package backup

import (
	"context"
	"io"
	"time"
)

// The archive's format, and the names of its entries.
const (
	// Format names the archive kind in its manifest.
	Format = "phananh-backup"
	// Version is the archive format this package writes; Restore refuses a newer one rather
	// than misread it.
	Version = 1
	// ManifestName is the manifest's entry, the archive's last: an archive cut short has none.
	ManifestName = "manifest.json"
	// DatabaseName is the database's entry, and its file name in DATA_DIR.
	DatabaseName = "phananh.db"
	// KeyName is the signing key's entry; Restore writes it to JWT_KEY_FILE.
	KeyName = "keys/jwt-ed25519.pem"
	// mediaDir is where blobs live, in the archive as in DATA_DIR.
	mediaDir = "media"
)

// Manifest describes an archive: what made it, from which schema, and every other file in it.
type Manifest struct {
	Format        string    `json:"format"`
	Version       int       `json:"version"`
	CreatedAt     time.Time `json:"created_at"` // when the backup began, the database copy right after (UTC)
	Store         string    `json:"store"`      // "sqlite"
	SchemaVersion int       `json:"schema_version"`
	Tickets       int       `json:"tickets"`
	KeysIncluded  bool      `json:"keys_included"`
	// MissingBlobs are blobs that reports in the copy refer to but that were already gone from
	// DATA_DIR/media when the backup ran: a loss of the live store, recorded rather than hidden,
	// so the backup is still taken and the restore knows what to expect.
	MissingBlobs []string `json:"missing_blobs,omitempty"`
	Files        []File   `json:"files"`
}

// File is one entry of the archive as the manifest records it.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Source is the live store a backup reads: package sqlite's Store.
type Source interface {
	// Snapshot writes a consistent copy of the database to path (absent or an empty file).
	Snapshot(ctx context.Context, path string) error
	// OpenBlob opens a media blob; a blob that does not exist is models.ENotFound.
	OpenBlob(ctx context.Context, key string, offset int64) (io.ReadCloser, int64, error)
}

// Database is a copy of the database opened on its own (package sqlite's SnapshotFile): the one
// a backup just took, or the one a restore checks before placing it.
type Database interface {
	SchemaVersion(ctx context.Context) (int, error)
	Tickets(ctx context.Context) (int, error)
	// MediaBlobs lists the blob keys the copy's media records refer to, sorted, once each.
	MediaBlobs(ctx context.Context) ([]string, error)
	// ForgetMissingBlobs deletes from the copy the unattached records of blobs gone since it
	// was taken (the media collector's work) and returns the missing keys still referred to.
	ForgetMissingBlobs(ctx context.Context, missing []string) (forgotten int, referenced []string, err error)
	// Check is the database's own integrity check.
	Check(ctx context.Context) error
	Close() error
}

// Opener opens a database copy at path.
type Opener func(ctx context.Context, path string) (Database, error)
