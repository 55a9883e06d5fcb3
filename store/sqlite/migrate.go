package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
)

// migrationFS holds the schema as numbered files (NNNN_name.sql). A file, once released, is never
// edited: a change to the schema is a new file, so every existing database can be brought forward.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
	// step is the part of a migration that SQL cannot say (goSteps), run after sql in the same
	// transaction; nil for most.
	step func(ctx context.Context, tx *sql.Tx) error
}

// goSteps are the migrations that rewrite documents in Go, by version. Their file still holds
// the version (and says what the step does), so the numbering stays one sequence of files.
var goSteps = map[int]func(ctx context.Context, tx *sql.Tx) error{
	14: typeHistoryEvents,
	19: chainAuditLog,
}

// migrations lists the embedded files in version order and checks the numbering has no gaps or
// duplicates, so a mistake is caught by the first test rather than on a user's database.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: want NNNN_name.sql", name)
		}
		body, err := fs.ReadFile(migrationFS, path.Join("migrations", name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(body), step: goSteps[v]})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d (no gaps or duplicates)", m.name, i+1)
		}
	}
	return ms, nil
}

// migrate applies the migrations the database has not seen yet, each in its own IMMEDIATE
// transaction together with its row in schema_migrations, so a crash leaves the schema at a
// whole version and two processes opening the same new file cannot both apply one. A database
// written by a newer binary (a version this one does not know) is refused rather than guessed at.
func migrate(ctx context.Context, db *sql.DB) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	// A database already at this program's version needs no write. Another process opening it
	// while the server writes (a backup, an admin command) must not queue for the write lock:
	// a busy server can keep it past busy_timeout, and SQLite's busy handler is not fair.
	var current int
	if db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current) == nil && current == len(ms) {
		return nil
	}
	return applyMigrations(ctx, db, ms, len(ms))
}

// applyMigrations applies ms (a prefix of the known migrations, of which there are known) in
// order; tests use a shorter prefix to build databases as earlier versions left them.
func applyMigrations(ctx context.Context, db *sql.DB, ms []migration, known int) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	// A migration that builds an index sorts every row of its table. With the store's temporary
	// storage in memory (Open: temp_store), that sort held the whole index in RAM: 3.1 GB of RSS
	// for one index over the facts of 10,000,000 tickets. On files, SQLite sorts in runs of a few
	// megabytes and merges them.
	if _, err := db.ExecContext(ctx, `PRAGMA temp_store = FILE`); err != nil {
		return fmt.Errorf("migrations: temporary storage on files: %w", err)
	}
	for _, m := range ms {
		if err := applyMigration(ctx, db, m, known); err != nil {
			return err
		}
	}
	if _, err := db.ExecContext(ctx, `PRAGMA temp_store = MEMORY`); err != nil {
		return fmt.Errorf("migrations: temporary storage back in memory: %w", err)
	}
	return nil
}

func applyMigration(ctx context.Context, db *sql.DB, m migration, known int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit

	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("migration %s: read schema version: %w", m.name, err)
	}
	if current > known {
		return fmt.Errorf("database schema version %d is newer than this program knows (%d)", current, known)
	}
	if current >= m.version {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if m.step != nil {
		if err := m.step(ctx, tx); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, CAST(unixepoch('subsec') * 1000 AS INTEGER))`,
		m.version, m.name); err != nil {
		return fmt.Errorf("migration %s: record: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: commit: %w", m.name, err)
	}
	return nil
}

// SchemaVersion reports the newest migration the database has and the newest this program
// knows. Open refuses a database newer than the program; a running instance sees a newer one
// when another instance of a newer release upgraded the file (readiness reports it).
func (s *Store) SchemaVersion(ctx context.Context) (have, known int, err error) {
	ms, err := migrations()
	if err != nil {
		return 0, 0, err
	}
	if err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return 0, 0, fmt.Errorf("sqlite: read schema version: %w", err)
	}
	return have, len(ms), nil
}

// PendingMigrations lists the migrations Open would apply to the database file, in order,
// without applying any or creating the file (admin migrate --dry-run), with the version the
// database has. A database newer than this program is an error, as in Open.
func PendingMigrations(ctx context.Context, file string) (have int, pending []string, err error) {
	ms, err := migrations()
	if err != nil {
		return 0, nil, err
	}
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		return 0, migrationNames(ms), nil
	} else if err != nil {
		return 0, nil, fmt.Errorf("sqlite: %w", err)
	}
	params := url.Values{}
	params.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	params.Set("_query_only", "1")
	db := sql.OpenDB(connector{file + "?" + params.Encode()})
	defer db.Close()
	var tables int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'schema_migrations'`).Scan(&tables); err != nil {
		return 0, nil, fmt.Errorf("sqlite: read %s: %w", file, err)
	}
	if tables == 1 {
		if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
			return 0, nil, fmt.Errorf("sqlite: read schema version: %w", err)
		}
	}
	if have > len(ms) {
		return have, nil, fmt.Errorf("database schema version %d is newer than this program knows (%d)", have, len(ms))
	}
	return have, migrationNames(ms[have:]), nil
}

func migrationNames(ms []migration) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = strings.TrimSuffix(m.name, ".sql")
	}
	return out
}
