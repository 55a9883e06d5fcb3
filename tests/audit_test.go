package tests

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	_ "modernc.org/sqlite" // the driver the SQLite store uses, to tamper with its file
)

// chainRecord is an audit record as GET /v1/admin/audit shows it, with its chain fields.
type chainRecord struct {
	ID        string `json:"id"`
	ActorID   string `json:"actor_id"`
	Action    string `json:"action"`
	SubjectID string `json:"subject_id"`
	Detail    string `json:"detail"`
	Seq       int64  `json:"seq"`
	PrevHash  string `json:"prev_hash"`
	Hash      string `json:"hash"`
}

// auditQuery returns the records GET /v1/admin/audit?query lists.
func auditQuery(t *testing.T, s *server, admin, query string) []chainRecord {
	t.Helper()
	var page struct{ Records []chainRecord }
	s.request(t, "GET", "/v1/admin/audit?"+query, admin, nil).expect(t, http.StatusOK).json(t, &page)
	return page.Records
}

// TestAuditChain: sign-ins (good and bad), account and key administration are audited in a
// hash chain that `phananh admin audit verify` accepts; the log is searchable by subject; an
// edited record and a deleted one make verify fail, naming the record.
func TestAuditChain(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		adm := s.createOfficial("admin", "audit.admin", "")
		admin := adm.AccessToken
		s.request(t, "POST", "/v1/auth/login", "", login("audit.admin", "not the password")).expect(t, http.StatusUnauthorized)
		s.request(t, "POST", "/v1/auth/login", "", login("no.such.user", "a secret guess")).expect(t, http.StatusUnauthorized)
		var acct accountBody
		s.request(t, "POST", "/v1/admin/users", admin, map[string]string{"username": "audit.viewer", "role": "ioc_viewer"}).
			expect(t, http.StatusCreated).json(t, &acct)
		var key keyBody
		s.request(t, "POST", "/v1/admin/keys", admin, map[string]any{"name": "audit key", "scope": "stats"}).
			expect(t, http.StatusCreated).json(t, &key)
		s.request(t, "DELETE", "/v1/admin/keys/"+key.ID, admin, nil).expect(t, http.StatusNoContent)

		ok := auditQuery(t, s, admin, "action=login&subject="+adm.User.ID)
		if len(ok) != 1 || ok[0].ActorID != adm.User.ID || !strings.Contains(ok[0].Detail, "audit.admin") {
			t.Errorf("successful sign-in audit: %+v", ok)
		}
		failed := auditQuery(t, s, admin, "action=login_failed")
		if len(failed) != 2 || !slices.ContainsFunc(failed, func(r chainRecord) bool {
			return r.SubjectID == adm.User.ID && strings.Contains(r.Detail, `"audit.admin"`)
		}) || !slices.ContainsFunc(failed, func(r chainRecord) bool {
			return r.SubjectID == "" && strings.Contains(r.Detail, `"no.such.user"`)
		}) {
			t.Errorf("failed sign-in audit: %+v", failed)
		}
		for _, r := range failed {
			if strings.Contains(r.Detail, "not the password") || strings.Contains(r.Detail, "a secret guess") {
				t.Errorf("a failed sign-in audit holds the password: %+v", r)
			}
		}
		if rev := auditQuery(t, s, admin, "subject="+key.ID); len(rev) != 2 || rev[0].Action != "api_key_revoke" ||
			!strings.Contains(rev[0].Detail, "active→revoked") || rev[1].Action != "api_key_create" {
			t.Errorf("the key's records by subject: %+v", rev)
		}
		if recs := auditQuery(t, s, admin, "subject="+acct.ID); len(recs) != 1 || recs[0].Action != "user_create" {
			t.Errorf("the account's records by subject: %+v", recs)
		}
		if recs := auditQuery(t, s, admin, "subject=nobody"); len(recs) != 0 {
			t.Errorf("records of an unknown subject: %+v", recs)
		}
		refused(t, s.request(t, "GET", "/v1/admin/audit?from=yesterday", admin, nil), http.StatusBadRequest, "invalid", "from")

		all := auditQuery(t, s, admin, "limit=200")
		for i, r := range all {
			if r.Seq != int64(len(all)-i) || r.Hash == "" || (i+1 < len(all) && r.PrevHash != all[i+1].Hash) {
				t.Fatalf("record %d of the newest-first log breaks the chain: %+v", i, r)
			}
		}
		verifyAudit(t, s, "", len(all))
		target := auditQuery(t, s, admin, "action=user_create")[0]
		tamper(t, s, st, "edit", target.ID)
		verifyAudit(t, s, target.ID, 0)
		tamper(t, s, st, "restore:"+target.Detail, target.ID)
		verifyAudit(t, s, "", len(all))      // reading the log is not audited; the edit is undone
		tamper(t, s, st, "insert", "forged") // a record slipped in without a place in the chain
		verifyAudit(t, s, "forged", 0)
		tamper(t, s, st, "delete", "forged")
		verifyAudit(t, s, "", len(all))
		tamper(t, s, st, "delete", target.ID)
		next := auditQuery(t, s, admin, "limit=200")
		var after chainRecord
		for _, r := range next {
			if r.Seq == target.Seq+1 {
				after = r
			}
		}
		verifyAudit(t, s, after.ID, 0)
	})
}

// verifyAudit runs `phananh admin audit verify`: it must succeed with n records when broken is
// empty, else fail naming the record broken.
func verifyAudit(t *testing.T, s *server, broken string, n int) {
	t.Helper()
	out, err := s.admin("", "audit", "verify")
	switch {
	case broken == "" && err != nil:
		t.Fatalf("admin audit verify failed on an intact log: %v %s", err, out)
	case broken == "" && !strings.Contains(out, fmt.Sprintf("%d records, hash chain OK", n)):
		t.Errorf("admin audit verify: %q", out)
	case broken != "" && err == nil:
		t.Fatalf("admin audit verify passed a tampered log: %s", out)
	case broken != "" && !strings.Contains(err.Error(), broken):
		t.Errorf("admin audit verify does not name the broken record %s: %v", broken, err)
	}
}

// tamper changes the audit record id in the database behind the server's back: "edit" its
// detail, "restore:DETAIL" it, "delete" it, or "insert" a record with id and no place in the chain.
func tamper(t *testing.T, s *server, st storeKind, how, id string) {
	t.Helper()
	if st.mongo != nil {
		tamperMongo(t, s, how, id)
		return
	}
	params := url.Values{}
	params.Add("_pragma", "busy_timeout(10000)")
	db, err := sql.Open("sqlite", filepath.Join(s.dataDir, "phananh.db")+"?"+params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	switch detail, restore := strings.CutPrefix(how, "restore:"); {
	case how == "edit":
		_, err = db.Exec(`UPDATE audit_log SET detail = 'nothing happened' WHERE id = ?`, id)
	case how == "insert":
		_, err = db.Exec(`INSERT INTO audit_log (id, at, actor_id, actor_role, action) VALUES (?, 0, 'x', 'admin', 'login')`, id)
	case restore:
		_, err = db.Exec(`UPDATE audit_log SET detail = ? WHERE id = ?`, detail, id)
	default:
		_, err = db.Exec(`DELETE FROM audit_log WHERE id = ?`, id)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func tamperMongo(t *testing.T, s *server, how, id string) {
	t.Helper()
	ctx := context.Background()
	client, err := mongo.Connect(options.Client().ApplyURI(envValue(s.env, "MONGODB_URI")))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(ctx)
	coll := client.Database(envValue(s.env, "MONGODB_DATABASE")).Collection("audit_log")
	switch detail, restore := strings.CutPrefix(how, "restore:"); {
	case how == "insert":
		_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "at", Value: time.Unix(0, 0)}, {Key: "actor_id", Value: "x"},
			{Key: "actor_role", Value: "admin"}, {Key: "action", Value: "login"}})
	case how == "edit":
		_, err = coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "detail", Value: "nothing happened"}}}})
	case restore:
		_, err = coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "detail", Value: detail}}}})
	default:
		_, err = coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	}
	if err != nil {
		t.Fatal(err)
	}
}
