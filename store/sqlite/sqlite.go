// Package sqlite is the embedded store of phananh, the default: it implements app.Store on one
// SQLite file with embedded, versioned migrations (and media blobs as files through
// store/fsblob), so the whole product runs with no server to install, for a city pilot or a
// developer. It uses modernc.org/sqlite, a pure-Go SQLite, so the binary stays statically linked,
// and passes the same contract suite (app/storetest) as the MongoDB store.
//
// Concurrency model: every write goes through one dedicated connection, so writers queue in Go
// instead of racing for SQLite's file lock; the write transactions waiting at a moment share
// one COMMIT (group commit, writer.go); transactions start with BEGIN IMMEDIATE, so a
// read-then-write transaction never has to upgrade its lock (the SQLITE_BUSY that busy_timeout
// cannot fix). Reads go through a separate pool of read-only connections; in WAL mode they never
// block the writer and the writer never blocks them. busy_timeout still covers other processes
// (an admin subcommand) opening the same file.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"phananh/models"
	"phananh/store/fsblob"
)

// busyTimeout is how long a connection waits for another process's lock before giving up.
const busyTimeout = 10 * time.Second

// Store implements app.Store on one SQLite database file.
//
// Durability: the file runs in WAL mode with synchronous=FULL. Every committed transaction is
// fsynced to the WAL before the call returns, so an acknowledged report survives both a process
// crash and an OS crash or power loss. (synchronous=NORMAL would also survive a process crash,
// but an OS crash could roll back the last commits; a resident who was told "received" must
// not lose the report, and at a city pilot's write rate one fsync per commit is cheap.) The
// database is never corrupted by either kind of crash in both modes.
type Store struct {
	w      *sql.DB    // exactly one connection: all writes serialize here
	r      *sql.DB    // read-only connections
	commit *committer // runs every write transaction on w

	pruneMu   sync.Mutex
	lastPrune time.Time // window time of the last sweep of old rate counters

	blobs *fsblob.Dir // media bytes: the "media" directory next to the database file
	path  string      // the database file, for Snapshot's connection of its own
}

// Open opens (creating if needed) the database file at path and brings its schema up to date.
// The parent directory must exist. In-memory databases are refused: the writer and the readers
// are separate connections and would each see a different empty database.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("sqlite: open %q: want a plain file path", path)
	}
	if err := ownerOnly(path); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	params := url.Values{}
	params.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	params.Add("_pragma", "journal_mode(WAL)")
	params.Add("_pragma", "synchronous(FULL)")
	params.Add("_pragma", "foreign_keys(1)")
	// Deleted and overwritten content is zeroed in the pages, so an erased resident's phone and
	// texts do not linger in free space of the file (Store.EraseAccount, Store.Compact).
	params.Add("_pragma", "secure_delete(1)")
	// Group commit gives every transaction of a batch a savepoint, and SQLite journals the pages
	// a savepoint changes in a temporary file unless temporary storage is in memory.
	params.Add("_pragma", "temp_store(MEMORY)")
	params.Set("_txlock", "immediate")

	w := sql.OpenDB(connector{path + "?" + params.Encode()})
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)

	// The first connection switches the file to WAL and creates the schema before any reader
	// exists, so readers never see a half-migrated database.
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}

	rparams := url.Values{}
	rparams.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	rparams.Add("_pragma", "foreign_keys(1)")
	rparams.Set("_query_only", "1")
	r := sql.OpenDB(connector{path + "?" + rparams.Encode()})
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	blobs, err := fsblob.Open(filepath.Join(filepath.Dir(path), "media"))
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return &Store{w: w, r: r, commit: newCommitter(w), blobs: blobs, path: path}, nil
}

// ownerOnly creates the database file, if it does not exist, readable and writable by this
// account only, and takes the group's and others' permissions off it and off its -wal and -shm
// files when an earlier version (or an operator) left them there. The file holds residents'
// phone numbers and reports; SQLite creates the -wal and -shm files with the database file's
// mode, so they follow it.
func ownerOnly(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			return err
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			if err := os.Chmod(p, perm&0o700); err != nil {
				return err
			}
		}
	}
	return nil
}

// Ping checks that both the writer and a reader connection answer.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping writer: %w", err)
	}
	if err := s.r.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping reader: %w", err)
	}
	return nil
}

// Close finishes the write batch in progress, then closes the readers first so that the
// writer, the last connection to close, checkpoints the WAL back into the database file.
func (s *Store) Close() error {
	s.commit.close()
	return errors.Join(s.r.Close(), s.w.Close())
}

// translate turns a driver error into the app's vocabulary at the edge: no rows is ENotFound,
// a unique violation is EConflict (both with caller-safe messages naming what), anything else
// keeps its cause and gains the operation as context. Errors that already carry a code pass
// through.
func translate(err error, op, what string) error {
	if err == nil {
		return nil
	}
	var me *models.Error
	switch {
	case errors.As(err, &me):
		return err
	case errors.Is(err, sql.ErrNoRows):
		return models.Errorf(models.ENotFound, "%s not found", what)
	case isUnique(err):
		return models.WrapError(models.EConflict, err, "%s already exists", what)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// notFound is the ENotFound of a lookup that found no row without sql.ErrNoRows (an UPDATE that
// touched nothing).
func notFound(what string) error { return models.Errorf(models.ENotFound, "%s not found", what) }

// zeroMs is the unix millisecond value of the zero time.Time, mapped back to the zero value on
// reads so that "unset" survives a round trip.
var zeroMs = time.Time{}.UnixMilli()

// ms encodes a time as unix milliseconds: sortable, and exactly the precision the app keeps.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMs decodes ms; times come back in UTC.
func fromMs(v int64) time.Time {
	if v == zeroMs {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// nullMs encodes an optional time: NULL when unset.
func nullMs(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: ms(t), Valid: true}
}

func fromNullMs(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMs(v.Int64)
}

// normTime is what a time looks like after a round trip through the store (UTC, milliseconds),
// applied to times kept inside JSON documents so they read back exactly like column times.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return fromMs(ms(t))
}
