package tests

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// keyBody is a machine key as GET /v1/admin/keys and POST /v1/admin/keys show it.
type keyBody struct {
	Key        string `json:"key"` // POST only
	ID         string `json:"id"`
	Name       string `json:"name"`
	Scope      string `json:"scope"`
	Prefix     string `json:"prefix"`
	CreatedAt  string `json:"created_at"`
	LastUsedAt string `json:"last_used_at"`
	ExpiresAt  string `json:"expires_at"`
	RevokedAt  string `json:"revoked_at"`
}

// keysFixture is a server with an administrator and an IOC viewer (who may not manage keys).
type keysFixture struct {
	s             *server
	admin, viewer string
}

// TestAPIKeyManagement creates, uses, lists, revokes and lets expire machine keys through the
// admin API and the command line, on both stores.
func TestAPIKeyManagement(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		fx := keysFixture{s: s, admin: s.createOfficial("admin", "keys.admin", "").AccessToken,
			viewer: s.createOfficial("ioc_viewer", "keys.viewer", "").AccessToken}
		t.Run("scopes, audit and revocation", fx.lifecycle)
		t.Run("expiry", fx.expiry)
		t.Run("bad input changes nothing", fx.badInput)
		t.Run("command line", fx.commandLine)
	})
}

// create makes a key through the API as the administrator.
func (fx keysFixture) create(t *testing.T, body map[string]any) keyBody {
	t.Helper()
	var k keyBody
	fx.s.request(t, "POST", "/v1/admin/keys", fx.admin, body).expect(t, http.StatusCreated).json(t, &k)
	if !strings.HasPrefix(k.Key, "pk_") || k.Prefix != k.Key[:8] || k.ID == "" || k.CreatedAt == "" {
		t.Fatalf("created key %+v", k)
	}
	return k
}

// list returns the keys as the administrator sees them, and the raw answer.
func (fx keysFixture) list(t *testing.T) ([]keyBody, string) {
	t.Helper()
	var out struct {
		Keys []keyBody `json:"keys"`
	}
	r := fx.s.request(t, "GET", "/v1/admin/keys", fx.admin, nil).expect(t, http.StatusOK)
	r.json(t, &out)
	return out.Keys, string(r.body)
}

// find returns the listed key with id.
func find(t *testing.T, keys []keyBody, id string) keyBody {
	t.Helper()
	i := slices.IndexFunc(keys, func(k keyBody) bool { return k.ID == id })
	if i < 0 {
		t.Fatalf("key %s not listed in %+v", id, keys)
	}
	return keys[i]
}

// audited returns the audit records of action.
func (fx keysFixture) audited(t *testing.T, action string) auditPage {
	t.Helper()
	var p auditPage
	fx.s.request(t, "GET", "/v1/admin/audit?action="+action, fx.admin, nil).expect(t, http.StatusOK).json(t, &p)
	return p
}

// lifecycle: a stats key reads statistics but not the export; an export key reads the export,
// audited; the list shows prefixes and last uses, never secrets; a revoked key is refused at once.
func (fx keysFixture) lifecycle(t *testing.T) {
	s := fx.s
	stats := fx.create(t, map[string]any{"name": "IOC dashboard", "scope": "stats"})
	export := fx.create(t, map[string]any{"name": "IOC data platform", "scope": "export"})
	s.request(t, "GET", "/v1/stats/summary", "", nil, "X-API-Key: "+stats.Key).expect(t, http.StatusOK)
	for _, p := range []string{"/v1/export/tickets.csv", "/v1/export/tickets.geojson"} {
		refused(t, s.request(t, "GET", p, "", nil, "X-API-Key: "+stats.Key), http.StatusForbidden, "forbidden", "")
	}
	if len(fx.audited(t, "export_key_use").Records) != 0 {
		t.Errorf("an export was audited before any export key was used")
	}
	s.request(t, "GET", "/v1/export/tickets.csv", "", nil, "X-API-Key: "+export.Key).expect(t, http.StatusOK)
	refused(t, s.request(t, "GET", "/v1/stats/summary", "", nil, "X-API-Key: "+export.Key), http.StatusForbidden, "forbidden", "")
	uses := fx.audited(t, "export_key_use").Records
	if len(uses) != 1 || uses[0].ActorID != "apikey:"+export.ID || uses[0].ActorRole != "apikey:export" {
		t.Errorf("export_key_use records %+v, want one by apikey:%s", uses, export.ID)
	}
	if n := len(fx.audited(t, "api_key_create").Records); n < 2 {
		t.Errorf("%d api_key_create records, want at least 2", n)
	}

	keys, raw := fx.list(t)
	for _, k := range []keyBody{stats, export} {
		got := find(t, keys, k.ID)
		if got.Prefix != k.Prefix || got.Scope != k.Scope || got.Name != k.Name || got.LastUsedAt == "" || got.RevokedAt != "" || got.ExpiresAt != "" {
			t.Errorf("listed %+v, want the prefix %s, a last use, no expiry or revocation", got, k.Prefix)
		}
		if strings.Contains(raw, k.Key) || strings.Contains(raw, k.Key[8:20]) {
			t.Errorf("the list carries the secret of %s", k.ID)
		}
	}
	if strings.Contains(raw, "hash") || strings.Contains(raw, "sha256") || strings.Contains(raw, `"key"`) {
		t.Errorf("the list carries a hash or a secret: %s", raw)
	}
	if keys[0].ID != export.ID || keys[1].ID != stats.ID {
		t.Errorf("list order %s, %s: want newest first", keys[0].ID, keys[1].ID)
	}

	s.request(t, "DELETE", "/v1/admin/keys/"+export.ID, fx.admin, nil).expect(t, http.StatusNoContent)
	e := refused(t, s.request(t, "GET", "/v1/export/tickets.csv", "", nil, "X-API-Key: "+export.Key), http.StatusUnauthorized, "unauthorized", "")
	if !strings.Contains(e.Error.Message, "revoked") {
		t.Errorf("refusal of a revoked key says %q", e.Error.Message)
	}
	revokedAt := find(t, first(fx.list(t)), export.ID).RevokedAt
	s.request(t, "DELETE", "/v1/admin/keys/"+export.ID, fx.admin, nil).expect(t, http.StatusNoContent)
	if again := find(t, first(fx.list(t)), export.ID).RevokedAt; revokedAt == "" || again != revokedAt {
		t.Errorf("revoked_at %q, after a second revocation %q", revokedAt, again)
	}
	if revs := fx.audited(t, "api_key_revoke").Records; len(revs) != 2 || revs[0].SubjectID != export.ID {
		t.Errorf("api_key_revoke records %+v", revs)
	}
	s.request(t, "GET", "/v1/stats/summary", "", nil, "X-API-Key: "+stats.Key).expect(t, http.StatusOK)
}

func first[A, B any](a A, _ B) A { return a }

// expiry: a key that expires in 2 s works until then and is refused after, without a restart.
func (fx keysFixture) expiry(t *testing.T) {
	expires := time.Now().Add(2 * time.Second)
	k := fx.create(t, map[string]any{"name": "short-lived", "scope": "stats", "expires_at": expires.Format(time.RFC3339Nano)})
	if k.ExpiresAt == "" {
		t.Errorf("created key without expires_at: %+v", k)
	}
	fx.s.request(t, "GET", "/v1/stats/summary", "", nil, "X-API-Key: "+k.Key).expect(t, http.StatusOK)
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := fx.s.request(t, "GET", "/v1/stats/summary", "", nil, "X-API-Key: "+k.Key)
		if r.status == http.StatusUnauthorized {
			if time.Now().Before(expires) {
				t.Errorf("refused before its expiry")
			}
			if e := r.apiError(t); e.Error.Code != "unauthorized" || !strings.Contains(e.Error.Message, "expired") {
				t.Errorf("refusal of an expired key: %+v", e.Error)
			}
			break
		}
		if r.status != http.StatusOK || time.Now().After(deadline) {
			t.Fatalf("status %d at %v (expiry %v): %s", r.status, time.Now(), expires, r.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := find(t, first(fx.list(t)), k.ID); got.ExpiresAt == "" || got.RevokedAt != "" {
		t.Errorf("listed expired key %+v", got)
	}
}

// badInput: each refused creation or revocation names the problem and changes nothing.
func (fx keysFixture) badInput(t *testing.T) {
	before, _ := fx.list(t)
	past := time.Now().Add(-time.Minute).Format(time.RFC3339)
	for _, tc := range []struct {
		name, caller string
		body         any
		status       int
		code, field  string
	}{
		{"unknown scope", fx.admin, map[string]any{"name": "x", "scope": "everything"}, 400, "invalid", "scope"},
		{"no scope", fx.admin, map[string]any{"name": "x"}, 400, "invalid", "scope"},
		{"empty name", fx.admin, map[string]any{"name": " ", "scope": "stats"}, 400, "invalid", "name"},
		{"long name", fx.admin, map[string]any{"name": strings.Repeat("n", 101), "scope": "stats"}, 400, "invalid", "name"},
		{"past expiry", fx.admin, map[string]any{"name": "x", "scope": "stats", "expires_at": past}, 400, "invalid", "expires_at"},
		{"bad expiry", fx.admin, map[string]any{"name": "x", "scope": "stats", "expires_at": "tomorrow"}, 400, "invalid", "expires_at"},
		{"unknown field", fx.admin, map[string]any{"name": "x", "scope": "stats", "owner": "me"}, 400, "invalid", "owner"},
		{"wrong type", fx.admin, map[string]any{"name": 5, "scope": "stats"}, 400, "invalid", "name"},
		{"wrong expiry type", fx.admin, map[string]any{"name": "x", "scope": "stats", "expires_at": 1893456000}, 400, "invalid", "expires_at"},
		{"not an object", fx.admin, "[]", 400, "invalid", ""},
		{"not an administrator", fx.viewer, map[string]any{"name": "x", "scope": "stats"}, 403, "forbidden", ""},
		{"anonymous", "", map[string]any{"name": "x", "scope": "stats"}, 401, "unauthorized", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refused(t, fx.s.request(t, "POST", "/v1/admin/keys", tc.caller, tc.body), tc.status, tc.code, tc.field)
		})
	}
	refused(t, fx.s.request(t, "GET", "/v1/admin/keys", fx.viewer, nil), http.StatusForbidden, "forbidden", "")
	refused(t, fx.s.request(t, "DELETE", "/v1/admin/keys/no-such-key", fx.admin, nil), http.StatusNotFound, "not_found", "")
	if len(before) > 0 {
		refused(t, fx.s.request(t, "DELETE", "/v1/admin/keys/"+before[0].ID, fx.viewer, nil), http.StatusForbidden, "forbidden", "")
	}
	if after, _ := fx.list(t); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("the keys changed:\n before %+v\n after  %+v", before, after)
	}
}

// commandLine: admin apikey create (with --expires), list and revoke on the server's store.
func (fx keysFixture) commandLine(t *testing.T) {
	s := fx.s
	out, err := s.admin("", "apikey", "create", "--name", "cli export", "--scope", "export",
		"--expires", time.Now().Add(time.Hour).Format(time.RFC3339))
	if err != nil {
		t.Fatalf("admin apikey create: %v %q", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	key := lines[len(lines)-1]
	s.request(t, "GET", "/v1/export/tickets.geojson", "", nil, "X-API-Key: "+key).expect(t, http.StatusOK)
	keys, _ := fx.list(t)
	k := keys[0]
	if k.Name != "cli export" || k.Prefix != key[:8] || k.ExpiresAt == "" {
		t.Fatalf("newest key %+v, want the one the CLI created", k)
	}
	listed, err := s.admin("", "apikey", "list")
	if err != nil || !strings.Contains(listed, k.ID) || !strings.Contains(listed, k.Prefix) || strings.Contains(listed, key) {
		t.Errorf("admin apikey list: %v\n%s", err, listed)
	}
	if out, err := s.admin("", "apikey", "revoke", "--id", k.ID); err != nil {
		t.Fatalf("admin apikey revoke: %v %q", err, out)
	}
	refused(t, s.request(t, "GET", "/v1/export/tickets.geojson", "", nil, "X-API-Key: "+key), http.StatusUnauthorized, "unauthorized", "")
	if _, err := s.admin("", "apikey", "revoke", "--id", "no-such-key"); err == nil {
		t.Errorf("revoking an unknown key succeeded")
	}
	if _, err := s.admin("", "apikey", "create", "--name", "x", "--scope", "stats", "--expires", "2020-01-01T00:00:00Z"); err == nil {
		t.Errorf("creating a key that expired already succeeded")
	}
	revs := fx.audited(t, "api_key_revoke").Records
	if len(revs) == 0 || revs[0].ActorID != "cli" || revs[0].SubjectID != k.ID {
		t.Errorf("the CLI revocation is not audited: %+v", revs)
	}
}
