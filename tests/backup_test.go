package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// filing is a report the server acknowledged (201), and when its answer arrived.
type filing struct {
	id, code, token string
	media           string // the photo attached to it, "" for none
	at              time.Time
}

// filingLoad is residents filing reports, every third with a new photo, until stopped.
type filingLoad struct {
	mu     sync.Mutex
	filed  []filing
	photos int
	stop   chan struct{}
	wg     sync.WaitGroup
}

func startFiling(t *testing.T, s *server, residents []tokens, x wardPoint) *filingLoad {
	l := &filingLoad{stop: make(chan struct{})}
	for i, res := range residents {
		l.wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-l.stop:
					return
				default:
				}
				f, err := fileWithPhoto(s, i, n, res.AccessToken, x)
				if err != nil {
					t.Errorf("resident %d, report %d: %v", i, n, err)
					return
				}
				l.mu.Lock()
				l.filed = append(l.filed, f)
				if f.media != "" {
					l.photos++
				}
				l.mu.Unlock()
			}
		})
	}
	return l
}

// counts is how many reports, and reports with a photo, were acknowledged so far.
func (l *filingLoad) counts() (int, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.filed), l.photos
}

// halt stops the residents and returns every acknowledged report.
func (l *filingLoad) halt() []filing {
	close(l.stop)
	l.wg.Wait()
	return l.filed
}

// fileWithPhoto files report n of resident i; every third carries a photo of its own (sizes and
// shade differ), uploaded first.
func fileWithPhoto(s *server, i, n int, token string, x wardPoint) (filing, error) {
	body := report("TTDT", x.lat, x.lng)
	var f filing
	if n%3 == 0 {
		var img bytes.Buffer
		if err := png.Encode(&img, redBlue(24+i, 16+n, uint8(n))); err != nil {
			return f, err
		}
		up, err := s.uploadErr(token, "photo.png", &img)
		if err != nil || up.status != http.StatusCreated {
			return f, fmt.Errorf("upload: %d %s %v", up.status, up.body, err)
		}
		var m mediaResp
		if err := json.Unmarshal(up.body, &m); err != nil {
			return f, err
		}
		body["media"] = []string{m.ID}
		f.media = m.ID
	}
	r, err := s.do("POST", "/v1/tickets", token, body, fmt.Sprintf("Idempotency-Key: backup-%d-%d", i, n))
	if err != nil || r.status != http.StatusCreated {
		return f, fmt.Errorf("file: %d %s %v", r.status, r.body, err)
	}
	var tk ticket
	if err := json.Unmarshal(r.body, &tk); err != nil {
		return f, err
	}
	f.id, f.code, f.token, f.at = tk.ID, tk.Code, token, time.Now()
	return f, nil
}

// adminIn runs `phananh admin …` with s's environment but DATA_DIR set to dataDir.
func adminIn(s *server, dataDir string, args ...string) (string, error) {
	other := *s
	other.env = append(slices.Clone(s.env), "DATA_DIR="+dataDir)
	return other.admin("", args...)
}

// TestBackupWhileServing takes a backup with `phananh admin backup` while 20 residents file
// reports, some with photos, restores it into a new directory and serves it: every report
// acknowledged before the backup began is there for its reporter, every photo byte for byte,
// and rebuilding the statistics changes nothing. No request fails because a backup runs.
func TestBackupWhileServing(t *testing.T) {
	t.Parallel()
	s := startServer(t, storeKind{name: "sqlite"})
	x := ward(loadSet(t, "longxuyen-2023"), 0)
	viewer := s.createOfficial("ioc_viewer", "ioc.backup", "")
	var residents []tokens
	for i := range 20 {
		residents = append(residents, s.signInResident(fmt.Sprintf("09139%05d", i)))
	}
	load := startFiling(t, s, residents, x)
	waitFor(t, "40 reports, 8 with photos", 60*time.Second, func() bool { n, p := load.counts(); return n >= 40 && p >= 8 || t.Failed() })
	archive := filepath.Join(t.TempDir(), "phananh.tar.gz")
	began := time.Now()
	out, err := s.admin("", "backup", "--out", archive, "--include-keys")
	ended := time.Now()
	filed := load.halt()
	if err != nil {
		t.Fatalf("admin backup: %v\n%s", err, out)
	}
	var before []filing
	during := 0
	for _, f := range filed {
		if f.at.Before(began) {
			before = append(before, f)
		} else if f.at.Before(ended) {
			during++
		}
	}
	fi, _ := os.Stat(archive)
	t.Logf("backup of %d acknowledged reports (%d answered while it ran, %d in all) took %s: %d bytes\n%s",
		len(before), during, len(filed), ended.Sub(began).Round(time.Millisecond), fi.Size(), out)
	if fi.Mode().Perm() != 0o600 || !strings.Contains(out, "signing key: included") {
		t.Errorf("archive mode %v; output %q", fi.Mode().Perm(), out)
	}
	live := map[string][]byte{}
	for _, f := range before {
		if f.media != "" {
			live[f.media] = s.request(t, "GET", "/v1/media/"+f.media, f.token, nil).expect(t, http.StatusOK).body
		}
	}
	s.stop()

	r := restoreAndServe(t, s, archive, "signing key: written to")
	checkRestored(t, r, before, live)
	var got statsFigures
	if got, _ = summaryFigures(t, r, viewer.AccessToken); got.Received < len(before) || got.Received > len(filed) {
		t.Errorf("the restored store counts %d reports received; %d were acknowledged before the backup, %d in all", got.Received, len(before), len(filed))
	}
	checkRebuildChangesNothing(t, r, viewer.AccessToken, got.Received)
}

// restoreAndServe restores archive into a new DATA_DIR — after checking that s's own, not
// empty, is refused — and starts a server on it. The output must say want.
func restoreAndServe(t *testing.T, s *server, archive, want string) *server {
	t.Helper()
	if out, err := s.admin("", "restore", archive); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("restore into the server's own DATA_DIR: %v %s", err, out)
	}
	dir := filepath.Join(t.TempDir(), "restored")
	out, err := adminIn(s, dir, "restore", archive)
	if err != nil || !strings.Contains(out, "every checksum matched") || !strings.Contains(out, want) {
		t.Fatalf("admin restore: %v\n%s", err, out)
	}
	t.Logf("restore:\n%s", out)
	return startServer(t, storeKind{name: "sqlite"}, "DATA_DIR="+dir)
}

// checkRestored reads every report of before from r as its reporter, and each photo, which must
// be the bytes the live server served.
func checkRestored(t *testing.T, r *server, before []filing, live map[string][]byte) {
	t.Helper()
	for _, f := range before {
		var tk ticket
		r.request(t, "GET", "/v1/tickets/"+f.id, f.token, nil).expect(t, http.StatusOK).json(t, &tk)
		if tk.Code != f.code {
			t.Errorf("ticket %s restored with code %s, filed as %s", f.id, tk.Code, f.code)
		}
		if f.media == "" {
			continue
		}
		got := r.request(t, "GET", "/v1/media/"+f.media, f.token, nil).expect(t, http.StatusOK)
		if !bytes.Equal(got.body, live[f.media]) {
			t.Errorf("photo %s of ticket %s: %d bytes restored, %d served before", f.media, f.code, len(got.body), len(live[f.media]))
		}
	}
}

// archiveRE is the name of a scheduled backup.
var archiveRE = regexp.MustCompile(`^phananh-\d{8}T\d{6}Z\.tar\.gz$`)

// TestBackupScheduled runs the scheduled backups every second keeping two: after the third the
// directory holds exactly the two newest, owner-only, and no temporary file. The newest restores
// without the signing key (the default of scheduled backups): the server makes a new key, the
// old tokens are refused, and the resident signs in again and finds the report.
func TestBackupScheduled(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "backups")
	s := startServer(t, storeKind{name: "sqlite"}, "BACKUP_DIR="+dir, "BACKUP_INTERVAL=1s", "BACKUP_KEEP=2")
	x := ward(loadSet(t, "longxuyen-2023"), 0)
	res := s.signInResident("0913800001")
	var tk ticket
	s.request(t, "POST", "/v1/tickets", res.AccessToken, report("TTDT", x.lat, x.lng)).expect(t, http.StatusCreated).json(t, &tk)
	written := func() int { return strings.Count(s.stderr.String(), `"msg":"backup written"`) }
	first := written()
	waitFor(t, "three scheduled backups after the report", 60*time.Second, func() bool { return written() >= first+3 })
	s.stop() // a backup in progress is abandoned, its temporary files removed
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		if fi, _ := e.Info(); !archiveRE.MatchString(e.Name()) || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s (mode %v) in BACKUP_DIR", e.Name(), fi.Mode().Perm())
		}
	}
	if fi, _ := os.Stat(dir); len(names) != 2 || fi.Mode().Perm() != 0o700 {
		t.Fatalf("BACKUP_DIR (mode %v) holds %v, want the two newest backups", fi.Mode().Perm(), names)
	}

	r := restoreAndServe(t, s, filepath.Join(dir, names[1]), "every session must sign in again")
	r.request(t, "GET", "/v1/tickets/"+tk.ID, res.AccessToken, nil).expect(t, http.StatusUnauthorized)
	again := r.signInResident("0913800001")
	var back ticket
	r.request(t, "GET", "/v1/tickets/"+tk.ID, again.AccessToken, nil).expect(t, http.StatusOK).json(t, &back)
	if d := cmp.Diff(tk.Code, back.Code); d != "" || again.User.ID != res.User.ID {
		t.Errorf("restored ticket %s (want %s), user %s (want %s)", back.Code, tk.Code, again.User.ID, res.User.ID)
	}
}
