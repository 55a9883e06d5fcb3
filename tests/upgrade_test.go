package tests

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestUpgradeFromReleases opens each store a tagged release left behind (testdata/upgrade, see
// upgrade_fixture_test.go) with this program: `admin migrate --dry-run` lists the migrations
// without applying them, the server migrates at start and is ready, and everyone finds what they
// left — tickets with their state, version, deadline and history (the v0.1.0 history with its
// decisions moved out of the notes), the photo byte for byte — and can go on working.
func TestUpgradeFromReleases(t *testing.T) {
	t.Parallel()
	releases, err := os.ReadDir(filepath.Join("testdata", "upgrade"))
	if err != nil || len(releases) == 0 {
		t.Fatalf("no upgrade fixtures: %v", err)
	}
	for _, rel := range releases {
		t.Run(rel.Name(), func(t *testing.T) {
			t.Parallel()
			eachStore(t, func(t *testing.T, st storeKind) {
				checkUpgrade(t, st, filepath.Join("testdata", "upgrade", rel.Name(), st.name))
			})
		})
	}
}

func checkUpgrade(t *testing.T, st storeKind, dir string) {
	var exp fixtureExpect
	b, err := os.ReadFile(filepath.Join(dir, "expect.json"))
	if err != nil || json.Unmarshal(b, &exp) != nil {
		t.Fatalf("read %s/expect.json: %v", dir, err)
	}
	env := restoreFixture(t, st, dir)

	have, pending := migrateDryRun(t, env)
	if again, _ := migrateDryRun(t, env); again != have {
		t.Errorf("a dry run changed the schema version from %d to %d", have, again)
	}
	s := startServer(t, st, env...)
	var ready readiness
	s.request(t, "GET", "/readyz", "", nil).expect(t, http.StatusOK).json(t, &ready)
	if ready.Status != "ready" || !slices.ContainsFunc(ready.Checks, func(c readinessCheck) bool { return c.Name == "schema" && c.OK }) {
		t.Errorf("readiness after the upgrade: %+v", ready)
	}
	if _, after := migrateDryRun(t, s.env); after != 0 {
		t.Errorf("after start, %d migrations are still pending (%d were before)", after, pending)
	}
	t.Logf("%s on %s: schema version %d, %d migration(s) applied at start", exp.Release, st.name, have, pending)

	// The fixtures' open tickets are past their deadlines by now, so the first SLA sweep of the
	// upgraded server owes them their escalations: wait for it, so that nothing changes the
	// tickets while they are checked. What the sweep added is set apart from what the release
	// left, and is itself checked: the upgraded deadlines are kept.
	waitFor(t, "the first SLA sweep", 30*time.Second, func() bool { return strings.Contains(s.stderr.String(), `"msg":"SLA sweep"`) })
	var officer tokens
	s.request(t, "POST", "/v1/auth/login", "", map[string]string{"username": exp.OfficerUsername, "password": exp.OfficerPassword}).
		expect(t, http.StatusOK).json(t, &officer)
	for _, want := range exp.Tickets {
		tk := getTicket(t, s, officer.AccessToken, want.ID)
		left, swept := splitSLAEvents(tk.actions())
		got := fixtureTicket{ID: tk.ID, Code: tk.Code, State: tk.State, Version: tk.Version - len(swept), Actions: left, UnitID: tk.Unit.ID, DueAt: tk.DueAt}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ticket %s after the upgrade (-%s +now):\n%s", want.Code, exp.Release, diff)
		}
		if tk.PolicyVersion != 1 {
			t.Errorf("ticket %s filed before policy versions shows policy version %d, want 1", want.Code, tk.PolicyVersion)
		}
		due, err := time.Parse(time.RFC3339, want.DueAt)
		if open := want.State != "closed" && want.State != "resolved"; open && err == nil && due.Before(time.Now()) && !slices.Contains(swept, "escalate") {
			t.Errorf("ticket %s was due at %s and is still open, but the upgraded server did not escalate it (%v)", want.Code, want.DueAt, tk.actions())
		}
	}
	checkResolveEvent(t, s, officer.AccessToken, exp.Tickets[0].ID)

	resident := s.signInResident(exp.ResidentPhone)
	r := s.request(t, "GET", "/v1/media/"+exp.MediaID, resident.AccessToken, nil).expect(t, http.StatusOK)
	if sum := sha256.Sum256(r.body); hex.EncodeToString(sum[:]) != exp.MediaSHA256 {
		t.Errorf("the photo changed in the upgrade")
	}
	var list struct{ Tickets []ticket }
	s.request(t, "GET", "/v1/tickets?mine=true", resident.AccessToken, nil).expect(t, http.StatusOK).json(t, &list)
	if len(list.Tickets) != len(exp.Tickets) {
		t.Errorf("the resident finds %d tickets, want %d", len(list.Tickets), len(exp.Tickets))
	}

	// The upgraded store takes work: an action on the assigned ticket, a new report whose code
	// is not one of the old ones (the sequence went on).
	assigned := getTicket(t, s, officer.AccessToken, exp.Tickets[1].ID)
	step(t, s, officer.AccessToken, assigned, "start", nil, "in_progress")
	x := ward(loadSet(t, "longxuyen-2023"), 0)
	fresh := fileTicket(t, s, resident.AccessToken, wfReport("ANTT.01", x, "Báo cáo sau khi nâng cấp", false))
	if slices.ContainsFunc(exp.Tickets, func(f fixtureTicket) bool { return f.Code == fresh.Code }) {
		t.Errorf("a new report got the code %s of a report filed before the upgrade", fresh.Code)
	}
	// The release's audit records were chained by the upgrade, and the new ones continue it.
	if out, err := s.admin("", "audit", "verify"); err != nil || !strings.Contains(out, "hash chain OK") {
		t.Errorf("admin audit verify after the upgrade: %v %s", err, out)
	}
}

// splitSLAEvents separates the actions the SLA worker takes on its own (reminders, escalations,
// auto-closes) from the rest of a history.
func splitSLAEvents(actions []string) (rest, sla []string) {
	for _, a := range actions {
		switch a {
		case "remind", "escalate", "auto_close":
			sla = append(sla, a)
		default:
			rest = append(rest, a)
		}
	}
	return rest, sla
}

// readiness is the body of /readyz.
type readiness struct {
	Status string
	Checks []readinessCheck
}

type readinessCheck struct {
	Name, Problem string
	OK            bool
}

// checkResolveEvent: the decision of the closed ticket's resolve event is a field of its own,
// and its note is what the officer typed (releases before v0.2.0 wrote both into the note).
func checkResolveEvent(t *testing.T, s *server, token, id string) {
	t.Helper()
	var tk struct {
		History []struct{ Action, Note, Outcome string }
	}
	s.request(t, "GET", "/v1/tickets/"+id, token, nil).expect(t, http.StatusOK).json(t, &tk)
	i := slices.IndexFunc(tk.History, func(e struct{ Action, Note, Outcome string }) bool { return e.Action == "resolve" })
	if i < 0 {
		t.Fatalf("the closed ticket has no resolve event: %+v", tk.History)
	}
	if e := tk.History[i]; e.Outcome != "fixed" || e.Note != fixtureResolveNote {
		t.Errorf("resolve event: outcome %q note %q, want fixed and %q", e.Outcome, e.Note, fixtureResolveNote)
	}
}

// restoreFixture puts the fixture's store where a server will find it and returns the
// environment that points the server there: a copy of the SQLite data directory, or the dump
// loaded into a new MongoDB database.
func restoreFixture(t *testing.T, st storeKind, dir string) []string {
	t.Helper()
	data := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "DATA_DIR=" + data}
	if st.mongo == nil {
		copyTree(t, dir, data, func(rel string) bool { return rel != "expect.json" })
		return env
	}
	uri, db := st.mongo.NewDatabase(t)
	f, err := os.Open(filepath.Join(dir, "dump.jsonl.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st.mongo.Load(t, db, f)
	return append(env, "MONGODB_URI="+uri, "MONGODB_DATABASE="+db)
}

var dryRunLine = regexp.MustCompile(`^schema version (\d+); (\d+) migration\(s\) to apply`)

// migrateDryRun runs `phananh admin migrate --dry-run` and returns the schema version it found
// and how many migrations it would apply.
func migrateDryRun(t *testing.T, env []string) (have, pending int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "admin", "migrate", "--dry-run")
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("admin migrate --dry-run: %v\n%s", err, errb.String())
	}
	m := dryRunLine.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("admin migrate --dry-run printed %q", out.String())
	}
	have, _ = strconv.Atoi(m[1])
	pending, _ = strconv.Atoi(m[2])
	return have, pending
}
