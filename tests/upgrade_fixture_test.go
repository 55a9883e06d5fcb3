package tests

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The upgrade fixtures (testdata/upgrade/<release>/<store>) are stores as a tagged release left
// them, each with expect.json describing what is in it. TestMakeUpgradeFixture writes them: run
// it at each release tag (in a worktree of the tag, with this file and
// store/mongodb/mongotest/dump.go copied in when the tag predates them), with
//
//	FIXTURE_OUT=$PWD/tests/testdata/upgrade/vX.Y.Z FIXTURE_RELEASE=vX.Y.Z go test ./tests/ -run TestMakeUpgradeFixture
//
// and commit the result; TestUpgradeFromReleases opens every fixture with the current program.

// fixtureTicket is one ticket of a fixture as its release served it to the handling officer.
type fixtureTicket struct {
	ID      string   `json:"id"`
	Code    string   `json:"code"`
	State   string   `json:"state"`
	Version int      `json:"version"`
	Actions []string `json:"actions"`
	UnitID  string   `json:"unit_id"`
	DueAt   string   `json:"due_at"`
}

// fixtureExpect is expect.json: who can sign in and what they must find.
type fixtureExpect struct {
	Release         string          `json:"release"`
	ResidentPhone   string          `json:"resident_phone"`
	OfficerUsername string          `json:"officer_username"`
	OfficerPassword string          `json:"officer_password"`
	Tickets         []fixtureTicket `json:"tickets"`
	MediaID         string          `json:"media_id"`
	MediaSHA256     string          `json:"media_sha256"`
}

// The script of every fixture: one ticket closed with a photo, notes and a rating, one assigned,
// one received, all in the first ward's police unit.
const (
	fixtureResolveNote = "Đã giải tán"
	fixtureOfficerNote = "Đã liên hệ tổ trưởng"
)

func TestMakeUpgradeFixture(t *testing.T) {
	out, release := os.Getenv("FIXTURE_OUT"), os.Getenv("FIXTURE_RELEASE")
	if out == "" || release == "" {
		t.Skip("writes an upgrade fixture when FIXTURE_OUT and FIXTURE_RELEASE are set")
	}
	x := ward(loadSet(t, "longxuyen-2023"), 0)
	eachStore(t, func(t *testing.T, st storeKind) {
		s := startServer(t, st)
		res := s.signInResident("0912100001")
		officer := s.createOfficial("officer", "fixture.officer", unitOf(x.code, "cong_an"))
		photo := s.uploadOK(t, res.AccessToken, phoneJPEG(t, 10))
		body := wfReport("ANTT.01", x, "Nhóm thanh niên tụ tập gây mất trật tự", true)
		body["media"] = []string{photo.ID}
		t1 := fileTicket(t, s, res.AccessToken, body)
		t1 = step(t, s, officer.AccessToken, t1, "accept", nil, "assigned")
		t1 = step(t, s, officer.AccessToken, t1, "start", nil, "in_progress")
		t1 = step(t, s, officer.AccessToken, t1, "note", fields{"note": fixtureOfficerNote}, "in_progress")
		t1 = step(t, s, officer.AccessToken, t1, "resolve", fields{"outcome": "fixed", "note": fixtureResolveNote}, "resolved")
		t1 = step(t, s, res.AccessToken, getTicket(t, s, res.AccessToken, t1.ID), "rate", fields{"rating": 5, "comment": "Cảm ơn"}, "closed")
		t2 := fileTicket(t, s, res.AccessToken, wfReport("ANTT.01", x, "Tiếng ồn lúc nửa đêm", false))
		t2 = step(t, s, officer.AccessToken, t2, "accept", nil, "assigned")
		t3 := fileTicket(t, s, res.AccessToken, wfReport("ANTT.01", x, "Xe đậu trên vỉa hè", false))

		r := s.request(t, "GET", "/v1/media/"+photo.ID, res.AccessToken, nil).expect(t, http.StatusOK)
		sum := sha256.Sum256(r.body)
		exp := fixtureExpect{Release: release, ResidentPhone: "0912100001", OfficerUsername: "fixture.officer",
			OfficerPassword: "correct horse battery", MediaID: photo.ID, MediaSHA256: hex.EncodeToString(sum[:])}
		for _, tk := range []wfTicket{t1, t2, t3} {
			tk = getTicket(t, s, officer.AccessToken, tk.ID)
			exp.Tickets = append(exp.Tickets, fixtureTicket{ID: tk.ID, Code: tk.Code, State: tk.State, Version: tk.Version,
				Actions: tk.actions(), UnitID: tk.Unit.ID, DueAt: tk.DueAt})
		}
		s.stop() // SQLite checkpoints its WAL into the file at close
		writeFixture(t, s, st, filepath.Join(out, st.name), exp)
	})
}

// writeFixture saves the stopped server's store and expect.json into dir: the SQLite file and
// media blobs (not the signing key), or a dump of the MongoDB database.
func writeFixture(t *testing.T, s *server, st storeKind, dir string, exp fixtureExpect) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if st.mongo == nil {
		copyTree(t, s.dataDir, dir, func(rel string) bool {
			return rel == "phananh.db" || strings.HasPrefix(rel, "media"+string(filepath.Separator)) && !strings.Contains(rel, "tmp")
		})
	} else {
		f, err := os.Create(filepath.Join(dir, "dump.jsonl.gz"))
		if err != nil {
			t.Fatal(err)
		}
		st.mongo.Dump(t, envValue(s.env, "MONGODB_DATABASE"), f)
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	b, err := json.MarshalIndent(exp, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "expect.json"), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyTree copies the regular files under from whose relative path keep accepts into to, owner-only.
func copyTree(t *testing.T, from, to string, keep func(rel string) bool) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil || !keep(rel) {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(to, rel)), 0o700); err != nil {
			return err
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		dst, err := os.OpenFile(filepath.Join(to, rel), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(dst, src); err != nil {
			dst.Close()
			return err
		}
		return dst.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
}
