package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
)

// Backups (package backup, `phananh admin backup`) copy the database while the server runs and
// writes, possibly from another process. Snapshot makes the copy; SnapshotFile is what the
// backup and the restore read of a copy, and the one change a backup makes to it.

// Snapshot writes a consistent copy of the whole database to path, which must not exist or be
// an empty file; it may run while this process or another one writes.
//
// It runs VACUUM INTO on a connection of its own, opened read-only (mode=ro), rather than the
// online backup API (sqlite3_backup_step): VACUUM INTO is one SQL statement inside one read
// transaction, so the copy is the database as of one commit however long it takes; in WAL mode
// that transaction neither blocks the writer nor is restarted by it (the backup API copying in
// steps starts over whenever another connection writes, and in one step it holds the same read
// transaction anyway); the copy is a self-contained file in rollback-journal mode, without a
// -wal to carry along, and compacted — no free pages, so the archive is smaller; and it needs
// neither the driver's own API behind database/sql's Raw nor a writable connection. Its cost is
// CPU: it rebuilds the tables and indexes instead of copying pages (measured in the README,
// "Backups and restore"). A connection of its own keeps the pool's readers free for requests,
// and read-only because the pool's readers are query_only, which refuses VACUUM INTO.
func (s *Store) Snapshot(ctx context.Context, path string) error {
	dsn, err := fileDSN(s.path, "ro")
	if err != nil {
		return fmt.Errorf("sqlite: snapshot: %w", err)
	}
	db := sql.OpenDB(connector{dsn})
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("sqlite: snapshot into %s: %w", path, err)
	}
	return nil
}

// fileDSN is the URI of the database file at path opened in mode (ro, rw), which — unlike a
// plain path — never creates a missing file. The path is escaped, so '#' or '%' in a directory
// name cannot be read as URI syntax.
func fileDSN(path, mode string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if strings.ContainsRune(abs, '?') {
		return "", fmt.Errorf("%q: want a path without '?'", path)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	return u.String() + fmt.Sprintf("?mode=%s&_pragma=busy_timeout(%d)", mode, busyTimeout.Milliseconds()), nil
}

// LatestSchemaVersion is the schema version this program brings a database to: a restore
// refuses a copy made by a newer program, which Open would refuse anyway, before placing it.
func LatestSchemaVersion() (int, error) {
	ms, err := migrations()
	return len(ms), err
}

// SnapshotFile is a copy of the database opened on its own: the one Snapshot just wrote, or the
// one a restore is checking before it places it. It is not a Store: no migrations run and no
// blob directory is opened.
type SnapshotFile struct{ db *sql.DB }

// OpenSnapshot opens the copy at path, which must exist.
func OpenSnapshot(ctx context.Context, path string) (*SnapshotFile, error) {
	dsn, err := fileDSN(path, "rw")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open snapshot: %w", err)
	}
	db := sql.OpenDB(connector{dsn})
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open snapshot %s: %w", path, err)
	}
	return &SnapshotFile{db: db}, nil
}

// Close closes the copy.
func (f *SnapshotFile) Close() error { return f.db.Close() }

// SchemaVersion is the copy's schema version, the last migration applied to it.
func (f *SnapshotFile) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := f.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("sqlite: snapshot schema version: %w", err)
	}
	return v, nil
}

// Tickets counts the copy's tickets, for what a backup and a restore report.
func (f *SnapshotFile) Tickets(ctx context.Context) (int, error) {
	var n int
	if err := f.db.QueryRowContext(ctx, `SELECT count(*) FROM tickets`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count snapshot tickets: %w", err)
	}
	return n, nil
}

// MediaBlobs lists, sorted and once each, the blob keys the copy's media records refer to
// (original, thumbnail, large rendition): the blobs a backup must carry with it.
func (f *SnapshotFile) MediaBlobs(ctx context.Context) ([]string, error) {
	rows, err := f.db.QueryContext(ctx, `SELECT blob FROM media WHERE blob != ''
		UNION SELECT thumb_blob FROM media WHERE thumb_blob != ''
		UNION SELECT large_blob FROM media WHERE large_blob != '' ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: snapshot media blobs: %w", err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("sqlite: snapshot media blobs: %w", err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: snapshot media blobs: %w", err)
	}
	return keys, nil
}

// ForgetMissingBlobs makes the copy agree with the blobs a backup found gone from the live
// store after the copy was taken. The media collector deletes an unattached upload's record and
// then its blobs; when it does so between the snapshot and the copying of the blobs, the copy
// still holds a record whose bytes no longer exist. Those records — unattached, so on no
// ticket, and collected anyway — are deleted from the copy (forgotten counts them). A missing
// blob that an attached record still refers to was lost by the live store itself; it is
// returned in referenced and the record kept, so the copy is as faithful as the store.
func (f *SnapshotFile) ForgetMissingBlobs(ctx context.Context, missing []string) (forgotten int, referenced []string, err error) {
	tx, err := f.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("sqlite: snapshot forget blobs: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	for _, key := range missing {
		res, err := tx.ExecContext(ctx, `DELETE FROM media WHERE ticket_id = '' AND (blob = ? OR thumb_blob = ? OR large_blob = ?)`, key, key, key)
		if err != nil {
			return 0, nil, fmt.Errorf("sqlite: snapshot forget blobs: %w", err)
		}
		n, _ := res.RowsAffected()
		forgotten += int(n)
		var one int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM media WHERE blob = ? OR thumb_blob = ? OR large_blob = ? LIMIT 1`, key, key, key).Scan(&one)
		switch {
		case err == nil:
			referenced = append(referenced, key)
		case !errors.Is(err, sql.ErrNoRows):
			return 0, nil, fmt.Errorf("sqlite: snapshot forget blobs: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, nil, fmt.Errorf("sqlite: snapshot forget blobs: %w", err)
	}
	return forgotten, referenced, nil
}

// Check runs SQLite's integrity_check on the copy: a restore places no database that SQLite
// itself finds damaged.
func (f *SnapshotFile) Check(ctx context.Context) error {
	rows, err := f.db.QueryContext(ctx, `PRAGMA integrity_check(20)`)
	if err != nil {
		return fmt.Errorf("sqlite: integrity check: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("sqlite: integrity check: %w", err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: integrity check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("sqlite: integrity check: %s", strings.Join(problems, "; "))
	}
	return nil
}
