package sqlite

import (
	"bytes"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"phananh/app"
	"phananh/app/storetest"
	"phananh/models"
)

// The store implements the interface the use cases consume; the store package itself does not
// import app (dependencies point from app to models, and from main to both).
var _ app.Store = (*Store)(nil)

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
	// Migrations sort on files; the group commit's savepoints need temporary storage in memory
	// again once they are done (a fresh file has just run every migration).
	var temp int
	if err := s.w.QueryRowContext(ctx, `PRAGMA temp_store`).Scan(&temp); err != nil || temp != 2 {
		t.Errorf("writer temp_store = %d, %v; want 2 (MEMORY) after the migrations", temp, err)
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
	if have, pending, err := PendingMigrations(t.Context(), path); err == nil || !strings.Contains(err.Error(), "version 999 is newer") {
		t.Errorf("PendingMigrations = %d, %v, %v; want the same refusal", have, pending, err)
	}
}

// TestPendingMigrations: the dry run lists what Open would apply, in order, and changes
// nothing — not even creating a missing file.
func TestPendingMigrations(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "p.db")
	if have, pending, err := PendingMigrations(t.Context(), path); err != nil || have != 0 || len(pending) != len(ms) || pending[0] != "0001_accounts" {
		t.Fatalf("on no file: %d, %v, %v; want 0 and all %d", have, pending, err, len(ms))
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the dry run created the file: %v", err)
	}
	db := sql.OpenDB(connector{path})
	if err := applyMigrations(t.Context(), db, ms[:3], len(ms)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for range 2 {
		have, pending, err := PendingMigrations(t.Context(), path)
		if err != nil || have != 3 || len(pending) != len(ms)-3 || pending[0] != strings.TrimSuffix(ms[3].name, ".sql") {
			t.Fatalf("at version 3: %d, %v, %v; want 3 and the %d after", have, pending, err, len(ms)-3)
		}
	}
	s := openTemp(t, path)
	defer s.Close()
	if have, known, err := s.SchemaVersion(t.Context()); err != nil || have != len(ms) || known != len(ms) {
		t.Errorf("after Open: SchemaVersion = %d, %d, %v; want %d, %d", have, known, err, len(ms), len(ms))
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
		{`SELECT doc FROM tickets ORDER BY created_at DESC, id DESC LIMIT 20`, nil, "tickets_created"},
		{`SELECT doc FROM tickets WHERE idempotency_key = ?`, []any{"k"}, "tickets_idempotency_key"},
		{`SELECT id FROM users WHERE phone = ? AND phone <> ''`, []any{"p"}, "users_phone"},
		{`SELECT id FROM users WHERE username = ? AND username <> ''`, []any{"u"}, "users_username"},
		{`SELECT id FROM api_keys WHERE hash = ?`, []any{"h"}, "api_keys_hash"},
		{`UPDATE refresh_tokens SET revoked_at = 1 WHERE family_id = ? AND revoked_at IS NULL`, []any{"f"}, "refresh_tokens_family"},
	}
	// The workflow queries exactly as the store builds them.
	add := func(index string) func(q string, args []any) {
		return func(q string, args []any) {
			cases = append(cases, struct {
				query string
				args  []any
				index string
			}{q, args, index})
		}
	}
	t0 := time.Date(2025, 3, 14, 2, 26, 53, 589_000_000, time.UTC)
	after := &models.QueueCursor{DueAt: t0, ID: "t1"}
	running := []models.State{models.StateReceived, models.StateAssigned, models.StateInProgress}
	add("tickets_unit_due")(queueQuery(models.QueueFilter{UnitIDs: []string{"u1"}, Limit: 20}))
	add("tickets_unit_due")(queueQuery(models.QueueFilter{UnitIDs: []string{"u1"}, States: running, After: after, Limit: 20}))
	add("tickets_unit_due")(queueQuery(models.QueueFilter{UnitIDs: []string{"u1"}, DueBefore: t0, Q: "đường", Limit: 20}))
	add("tickets_due")(queueQuery(models.QueueFilter{After: after, Limit: 20}))
	add("tickets_due")(queueQuery(models.QueueFilter{States: running, DueBefore: t0, Limit: 20}))
	add("tickets_next_check")(slaQuery(t0, 100))
	add("tickets_unapplied")(unappliedQuery(100))
	add("tickets_unapplied")(unappliedQuery(0))
	add("tickets_open_nearby")(nearbyQuery("doc", models.NearbyFilter{MinLat: 10, MaxLat: 10.01, MinLng: 105, MaxLng: 105.01,
		Category: "c", States: []models.State{models.StateReceived, models.StateAssigned, models.StateInProgress,
			models.StateAwaitingInfo}, CreatedAfter: t0, Limit: 500}))
	// The nearby search's places come from the index alone (no document read).
	add("COVERING INDEX tickets_open_nearby")(nearbyQuery("id, lat, lng", models.NearbyFilter{MinLat: 10, MaxLat: 10.01,
		MinLng: 105, MaxLng: 105.01, Category: "c", States: []models.State{models.StateReceived, models.StateAssigned,
			models.StateInProgress, models.StateAwaitingInfo}, CreatedAfter: t0, Limit: 500}))
	add("audit_log_at")(auditQuery(models.AuditFilter{Limit: 50}))
	add("audit_log_at")(auditQuery(models.AuditFilter{From: t0, To: t0.Add(time.Hour), Before: &models.AuditCursor{At: t0, ID: "a"}, Limit: 50}))
	add("audit_log_ticket")(auditQuery(models.AuditFilter{Ticket: "t1", Limit: 50}))
	add("audit_log_actor")(auditQuery(models.AuditFilter{ActorID: "off-1", Before: &models.AuditCursor{At: t0, ID: "a"}, Limit: 50}))
	for _, tc := range cases {
		p := strings.Join(queryPlan(t, s, tc.query, tc.args), "; ")
		if !strings.Contains(p, tc.index) || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("%s\nplan: %s\nwant index %s and no sort", tc.query, p, tc.index)
		}
	}
}

// TestMigrateFromVersion3 opens a database as the version before the workflow left it (schema
// 3, tickets without workflow fields) and checks that 0004 backfills the derived columns from
// the documents, so old tickets appear in queues, nearby searches and the SLA worker's scan,
// and that the store keeps working on it.
func TestMigrateFromVersion3(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "v3.db")
	db, ms := databaseAtVersion(t, path, 3, "0004_workflow.sql")
	t0 := time.Date(2025, 3, 14, 2, 26, 53, 589_000_000, time.UTC)
	writeVersion3Tickets(t, db, t0)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := openTemp(t, path)
	defer s.Close()
	if got := migrationRows(t, s); len(got) != len(ms) {
		t.Fatalf("schema_migrations after open: %v, want %d versions", got, len(ms))
	}
	checkVersion3Backfill(t, s, t0)

	old, err := s.TicketByID(ctx, "old")
	if err != nil || old.Description != "Đèn đường hỏng" || !old.DueAt.IsZero() || !old.NextCheckAt.IsZero() {
		t.Fatalf("TicketByID(old) = %+v, %v", old, err)
	}
	queue, err := s.FindQueue(ctx, models.QueueFilter{})
	if err != nil || len(queue) != 2 || queue[0].ID != "old" || queue[1].ID != "timed" {
		t.Fatalf("FindQueue after migration = %v, %v; want [old timed]", queue, err)
	}
	byFields, err := s.FindQueue(ctx, models.QueueFilter{UnitIDs: []string{"u1"}, AreaCode: "my_binh", Category: "do_thi.den", Q: "ĐÈN"})
	if err != nil || len(byFields) != 1 || byFields[0].ID != "old" {
		t.Fatalf("FindQueue by backfilled fields = %v, %v", byFields, err)
	}
	near, err := s.FindNearby(ctx, models.NearbyFilter{MinLat: 10.38, MaxLat: 10.39, MinLng: 105.43, MaxLng: 105.44})
	if err != nil || len(near) != 1 || near[0].ID != "old" {
		t.Fatalf("FindNearby after migration = %v, %v", near, err)
	}
	due, err := s.FindSLADue(ctx, t0.Add(2*time.Hour), 0)
	if err != nil || len(due) != 1 || due[0].ID != "timed" {
		t.Fatalf("FindSLADue after migration = %v, %v", due, err)
	}

	// The migrated database takes new writes of every kind.
	old.Version, old.DueAt = 4, t0.Add(10*time.Hour)
	if err := s.UpdateTicket(ctx, old, 3); err != nil {
		t.Fatalf("UpdateTicket after migration: %v", err)
	}
	if queue, err = s.FindQueue(ctx, models.QueueFilter{}); err != nil || len(queue) != 2 || queue[0].ID != "timed" {
		t.Fatalf("FindQueue after updating the old ticket = %v, %v; want timed first", queue, err)
	}
	if ok, err := s.AcquireLease(ctx, "sla", "a", t0, time.Minute); err != nil || !ok {
		t.Fatalf("AcquireLease after migration = %v, %v", ok, err)
	}
	if err := s.AppendAudit(ctx, &models.AuditRecord{ID: "a1", At: t0, ActorID: "x", Role: models.RoleAdmin, Action: "test"}); err != nil {
		t.Fatalf("AppendAudit after migration: %v", err)
	}
}

// databaseAtVersion builds at path a database migrated up to version (the migrations before
// next, the name of the following migration or its number) and returns it open, with every
// migration.
func databaseAtVersion(t *testing.T, path string, version int, next string) (*sql.DB, []migration) {
	t.Helper()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) <= version || (ms[version].name != next && !strings.HasPrefix(ms[version].name, next+"_")) {
		t.Fatalf("migrations: want %s after version %d, have %d", next, version, len(ms))
	}
	db := sql.OpenDB(connector{path})
	if err := applyMigrations(t.Context(), db, ms[:version], version); err != nil {
		t.Fatalf("build a version %d database: %v", version, err)
	}
	return db, ms
}

// insertOldTicket inserts a row of the tickets table as the versions before the workflow wrote
// it, with reporter r1, created at created.
func insertOldTicket(t *testing.T, db *sql.DB, id, key, unit, state string, version int, created, updated time.Time, doc string) {
	t.Helper()
	if _, err := db.ExecContext(t.Context(), `INSERT INTO tickets
		(id, idempotency_key, reporter_id, unit_id, state, version, created_at, updated_at, doc)
		VALUES (?, ?, 'r1', ?, ?, ?, ?, ?, ?)`, id, key, unit, state, version,
		created.UnixMilli(), updated.UnixMilli(), doc); err != nil {
		t.Fatalf("insert %s: %v", id, err)
	}
}

// writeVersion3Tickets writes two tickets as version 3 left them, created at t0: "old", a
// document without workflow keys, and "timed", one with workflow times.
func writeVersion3Tickets(t *testing.T, db *sql.DB, t0 time.Time) {
	t.Helper()
	// A document exactly as version 3 wrote it: no workflow keys at all.
	legacyDoc := `{"id":"old","code":"PA-2024-000001","state":"in_progress","version":3,"applied_version":3,` +
		`"category":"do_thi.den","group":"do_thi","description":"Đèn đường hỏng","address":"Đường Lê Lợi",` +
		`"location":{"lat":10.3866,"lng":105.4352,"accuracy_m":8},"allow_contact":false,"private":false,` +
		`"reporter_id":"r1","idempotency_key":"ticket/old","boundary_set":"lx","area_code":"my_binh",` +
		`"area_name":"Mỹ Bình","unit_id":"u1","unit_name":"UBND","unit_kind":"ubnd","routed_by_nearest":false,` +
		`"routing_ambiguous":false,"created_at":"2025-03-14T02:26:53.589Z","updated_at":"2025-03-14T02:26:53.589Z",` +
		`"triage_due_at":"0001-01-01T00:00:00Z","resolve_due_at":"0001-01-01T00:00:00Z","history":null}`
	// A document that already carries workflow times (written as ticketDoc writes them), to check
	// the migration's conversion of RFC 3339 text to milliseconds.
	withTimes := &models.Ticket{ID: "timed", Code: "PA-2024-000002", State: models.StateReceived, Version: 1,
		Category: "moi_truong.rac", ReporterID: "r1", IdempotencyKey: "ticket/timed", UnitID: "u2", AreaCode: "binh_khanh",
		Location: models.Location{Lat: -0.25, Lng: 0.5}, CreatedAt: t0, UpdatedAt: t0,
		DueAt: t0.Add(3 * time.Hour), NextCheckAt: t0.Add(time.Hour)}
	timedDoc, err := ticketDoc(withTimes)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range []struct {
		id, key, unit, state string
		version              int
		doc                  string
	}{
		{"old", "ticket/old", "u1", "in_progress", 3, legacyDoc},
		{"timed", "ticket/timed", "u2", "received", 1, timedDoc},
	} {
		insertOldTicket(t, db, row.id, row.key, row.unit, row.state, row.version, t0, t0, row.doc)
	}
}

// checkVersion3Backfill checks the columns 0004 derived from the documents writeVersion3Tickets
// wrote.
func checkVersion3Backfill(t *testing.T, s *Store, t0 time.Time) {
	t.Helper()
	type cols struct {
		category, area string
		due, next      int64
		lat, lng       float64
	}
	want := map[string]cols{
		"old":   {"do_thi.den", "my_binh", zeroMs, 0, 10.3866, 105.4352},
		"timed": {"moi_truong.rac", "binh_khanh", t0.Add(3 * time.Hour).UnixMilli(), t0.Add(time.Hour).UnixMilli(), -0.25, 0.5},
	}
	for id, w := range want {
		var c cols
		if err := s.r.QueryRowContext(t.Context(), `SELECT category, area_code, due_at, next_check_at, lat, lng FROM tickets WHERE id = ?`, id).
			Scan(&c.category, &c.area, &c.due, &c.next, &c.lat, &c.lng); err != nil {
			t.Fatalf("read columns of %s: %v", id, err)
		}
		if c != w {
			t.Errorf("backfilled columns of %s = %+v, want %+v", id, c, w)
		}
	}
}

// TestMigrateFromVersion4 opens a database as the version before derived-effects tracking left
// it (schema 4: applied_version only inside the documents) and checks that 0005 backfills the
// applied_version column from them, so FindUnapplied lists exactly the tickets behind and
// MarkApplied works on them.
func TestMigrateFromVersion4(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "v4.db")
	db, ms := databaseAtVersion(t, path, 4, "0005_effects.sql")
	t0 := time.Date(2025, 3, 14, 2, 26, 53, 589_000_000, time.UTC)
	tickets := map[string]*models.Ticket{}
	for i, c := range []struct {
		id               string
		version, applied int
	}{{"done", 3, 3}, {"behind", 4, 2}, {"never", 1, 0}} {
		tk := &models.Ticket{ID: c.id, Code: "PA-" + c.id, State: models.StateReceived, Version: c.version,
			AppliedVersion: c.applied, ReporterID: "r1", IdempotencyKey: "ticket/" + c.id, UnitID: "u1",
			Description: "Đèn đường \"hỏng\" <3 & ổ gà", Location: models.Location{Lat: 10.386612345678901, Lng: 105.43523456789012},
			CreatedAt: t0, UpdatedAt: t0.Add(time.Duration(10-i) * time.Minute),
			History: []models.Event{{At: t0, ActorRole: models.RoleResident, Action: "create", To: models.StateReceived}}}
		doc, err := ticketDoc(tk)
		if err != nil {
			t.Fatal(err)
		}
		insertOldTicket(t, db, tk.ID, tk.IdempotencyKey, "u1", "received", tk.Version, t0, tk.UpdatedAt, doc)
		tickets[c.id] = tk
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s := openTemp(t, path)
	defer s.Close()
	if got := migrationRows(t, s); len(got) != len(ms) {
		t.Fatalf("schema_migrations after open: %v, want %d versions", got, len(ms))
	}
	for id, tk := range tickets {
		var col int
		if err := s.r.QueryRowContext(ctx, `SELECT applied_version FROM tickets WHERE id = ?`, id).Scan(&col); err != nil {
			t.Fatal(err)
		}
		if col != tk.AppliedVersion {
			t.Errorf("backfilled applied_version of %s = %d, want %d", id, col, tk.AppliedVersion)
		}
	}
	pending, err := s.FindUnapplied(ctx, 0)
	if err != nil || len(pending) != 2 || pending[0].ID != "never" || pending[1].ID != "behind" {
		t.Fatalf("FindUnapplied after migration = %v, %v; want [never behind]", pending, err)
	}
	if err := s.MarkApplied(ctx, "behind", 4); err != nil {
		t.Fatalf("MarkApplied after migration: %v", err)
	}
	got, err := s.TicketByID(ctx, "behind")
	want := *tickets["behind"]
	want.AppliedVersion = 4
	if err != nil || got.AppliedVersion != 4 || got.Version != 4 || got.Description != want.Description ||
		got.Location != want.Location || !got.UpdatedAt.Equal(want.UpdatedAt) || len(got.History) != 1 {
		t.Fatalf("TicketByID(behind) after MarkApplied = %+v, %v; want %+v", got, err, want)
	}
	if pending, err = s.FindUnapplied(ctx, 0); err != nil || len(pending) != 1 || pending[0].ID != "never" {
		t.Fatalf("FindUnapplied after MarkApplied = %v, %v; want [never]", pending, err)
	}
}

// TestAuditTamper: editing or deleting audit rows in the file breaks the chain where it happened.
func TestAuditTamper(t *testing.T) {
	open := func(t *testing.T) app.Store {
		s := openTemp(t, filepath.Join(t.TempDir(), "phananh.db"))
		t.Cleanup(func() { s.Close() })
		return s
	}
	storetest.RunAuditTamper(t, open, storetest.AuditTamper{
		Edit: func(t *testing.T, s app.Store, id, detail string) {
			if _, err := s.(*Store).exec(t.Context(), `UPDATE audit_log SET detail = ? WHERE id = ?`, detail, id); err != nil {
				t.Fatal(err)
			}
		},
		Delete: func(t *testing.T, s app.Store, id string) {
			if _, err := s.(*Store).exec(t.Context(), `DELETE FROM audit_log WHERE id = ?`, id); err != nil {
				t.Fatal(err)
			}
		},
	})
}
