package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"

	"phananh/app"
	"phananh/models"
)

// TestMigrate0019ChainsAuditLog: the audit records of a version 18 database are chained once,
// in (at, id) order, and the records appended afterwards continue the chain.
func TestMigrate0019ChainsAuditLog(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "v18.db")
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 19 || ms[18].name != "0019_audit_chain_two_factor.sql" {
		t.Fatalf("migrations: want 0019_audit_chain_two_factor.sql nineteenth, have %d", len(ms))
	}
	db := sql.OpenDB(connector{path})
	if err := applyMigrations(ctx, db, ms[:18], 18); err != nil {
		t.Fatalf("build a version 18 database: %v", err)
	}
	for _, r := range []struct {
		id string
		at int64
	}{{"b", 2000}, {"c", 1000}, {"a", 2000}} {
		if _, err := db.ExecContext(ctx, `INSERT INTO audit_log (id, at, actor_id, actor_role, action, detail)
			VALUES (?, ?, 'adm', 'admin', 'user_create', 'officer')`, r.id, r.at); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s := openTemp(t, path)
	defer s.Close()
	if err := s.AppendAudit(ctx, &models.AuditRecord{ID: "d", At: fromMs(500), ActorID: "adm", Role: models.RoleAdmin, Action: "login"}); err != nil {
		t.Fatal(err)
	}
	chain, err := s.AuditChain(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids string
	for _, r := range chain {
		ids += r.ID
	}
	if ids != "cabd" {
		t.Errorf("chain order %q, want cabd ((at, id) for the old records, then the new one)", ids)
	}
	if n, err := app.VerifyAuditChain(ctx, s); err != nil || n != 4 {
		t.Errorf("VerifyAuditChain = %d, %v; want 4, nil", n, err)
	}
}
