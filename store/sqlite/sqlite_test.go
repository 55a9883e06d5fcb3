package sqlite

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"phananh/app"
	"phananh/models"
	"phananh/store/storetest"
)

func openTemp(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) app.Store {
		s := openTemp(t, filepath.Join(t.TempDir(), "phananh.db"))
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	})
}

type migrationRow struct {
	version   int
	name      string
	appliedAt int64
}

func migrationRows(t *testing.T, s *Store) []migrationRow {
	t.Helper()
	rows, err := s.r.QueryContext(t.Context(), `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	var out []migrationRow
	for rows.Next() {
		var m migrationRow
		if err := rows.Scan(&m.version, &m.name, &m.appliedAt); err != nil {
			t.Fatalf("scan schema_migrations: %v", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	return out
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "phananh.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 3, 14, 2, 26, 53, 589_000_000, time.UTC)
	user := &models.User{ID: "u1", Role: models.RoleResident, Phone: "+84901234567", CreatedAt: t0}
	ticket := &models.Ticket{ID: "t1", Code: "PA-1", State: models.StateReceived, Version: 1, ReporterID: "u1",
		IdempotencyKey: "u1/k", UnitID: "unit", CreatedAt: t0, UpdatedAt: t0,
		History: []models.Event{{At: t0, ActorRole: models.RoleResident, Action: "create", To: models.StateReceived}}}

	s := openTemp(t, path)
	ctx := t.Context()
	if err := s.CreateUser(ctx, user); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if err := s.CreateTicket(ctx, ticket); err != nil {
		t.Fatalf("CreateTicket: %v", err)
	}
	for range 3 {
		if _, err := s.NextSequence(ctx, "ticket"); err != nil {
			t.Fatalf("NextSequence: %v", err)
		}
	}
	first := migrationRows(t, s)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != len(ms) || len(first) == 0 {
		t.Fatalf("schema_migrations has %d rows, want one per migration file (%d)", len(first), len(ms))
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	// The data is really in a file on disk, as an SQLite database.
	head := make([]byte, 16)
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("database file: %v", err)
	}
	_, err = f.Read(head)
	f.Close()
	if err != nil || !bytes.Equal(head, []byte("SQLite format 3\x00")) {
		t.Fatalf("%s is not an SQLite database (header %q, err %v)", path, head, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() < 4096 {
		t.Fatalf("database file: size %v, err %v", fi, err)
	}

	// Reopen twice: data stays, migrations are recorded once and never re-applied.
	for i := range 2 {
		s = openTemp(t, path)
		if got, err := s.UserByPhone(ctx, user.Phone); err != nil || got.ID != user.ID {
			t.Fatalf("reopen %d: UserByPhone = %v, %v", i, got, err)
		}
		if got, err := s.TicketByIdempotencyKey(ctx, ticket.IdempotencyKey); err != nil || got.ID != ticket.ID || !got.CreatedAt.Equal(t0) {
			t.Fatalf("reopen %d: TicketByIdempotencyKey = %+v, %v", i, got, err)
		}
		if n, err := s.NextSequence(ctx, "ticket"); err != nil || n != int64(4+i) {
			t.Fatalf("reopen %d: NextSequence = %d, %v; want %d", i, n, err, 4+i)
		}
		if got := migrationRows(t, s); len(got) != len(first) || got[len(got)-1] != first[len(first)-1] {
			t.Fatalf("reopen %d: schema_migrations = %v, want unchanged %v", i, got, first)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
}

func TestPragmas(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	ctx := t.Context()
	var mode string
	if err := s.r.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	for _, db := range []struct {
		name string
		q    func() (int, error)
	}{
		{"writer busy_timeout", func() (n int, err error) { return n, s.w.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&n) }},
		{"reader busy_timeout", func() (n int, err error) { return n, s.r.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&n) }},
	} {
		if n, err := db.q(); err != nil || n != int(busyTimeout.Milliseconds()) {
			t.Errorf("%s = %d, %v", db.name, n, err)
		}
	}
	var sync, fk int
	if err := s.w.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync); err != nil || sync != 2 {
		t.Errorf("synchronous = %d, %v; want 2 (FULL)", sync, err)
	}
	if err := s.w.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d, %v; want 1", fk, err)
	}
	// Readers are read-only: a write through them is a bug, not a silent success.
	if _, err := s.r.ExecContext(ctx, `INSERT INTO sequences (name, value) VALUES ('x', 1)`); err == nil {
		t.Errorf("a write through the reader pool succeeded")
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	s := openTemp(t, path)
	if _, err := s.w.ExecContext(t.Context(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(t.Context(), path); err == nil {
		s.Close()
		t.Fatal("Open of a database with a newer schema succeeded")
	} else if !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open: %v, want a schema-version error", err)
	}
}

func TestRefusesInMemory(t *testing.T) {
	for _, p := range []string{"", ":memory:", "file::memory:?cache=shared"} {
		if s, err := Open(t.Context(), p); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded; in-memory databases cannot be shared by the writer and readers", p)
		}
	}
}

// TestQueryPlans checks that lookups and lists use the indexes the schema declares, so a small
// schema change cannot silently turn them into full scans.
func TestQueryPlans(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	cases := []struct {
		query string
		args  []any
		index string
	}{
		{`SELECT doc FROM tickets WHERE reporter_id = ? AND (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT 20`,
			[]any{"r", 0, ""}, "tickets_reporter"},
		{`SELECT doc FROM tickets WHERE unit_id = ? ORDER BY created_at DESC, id DESC LIMIT 20`, []any{"u"}, "tickets_unit"},
		{`SELECT doc FROM tickets ORDER BY created_at DESC, id DESC LIMIT 20`, nil, "tickets_created"},
		{`SELECT doc FROM tickets WHERE idempotency_key = ?`, []any{"k"}, "tickets_idempotency_key"},
		{`SELECT id FROM users WHERE phone = ? AND phone <> ''`, []any{"p"}, "users_phone"},
		{`SELECT id FROM users WHERE username = ? AND username <> ''`, []any{"u"}, "users_username"},
		{`SELECT id FROM api_keys WHERE hash = ?`, []any{"h"}, "api_keys_hash"},
		{`UPDATE refresh_tokens SET revoked_at = 1 WHERE family_id = ? AND revoked_at IS NULL`, []any{"f"}, "refresh_tokens_family"},
	}
	for _, tc := range cases {
		rows, err := s.w.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+tc.query, tc.args...)
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		p := strings.Join(plan, "; ")
		if !strings.Contains(p, tc.index) || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("%s\nplan: %s\nwant index %s and no sort", tc.query, p, tc.index)
		}
	}
}
