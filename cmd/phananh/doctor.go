package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"phananh/push"
	"phananh/seed"
	"phananh/store/mongodb"
	"phananh/store/sqlite"
	"phananh/tokens"
)

// A doctor check's verdict: fail makes `admin doctor` exit non-zero; warn is worth reading.
const (
	verdictOK   = "ok"
	verdictWarn = "WARN"
	verdictFail = "FAIL"
	verdictSkip = "skip"
)

// doctorCheck is one check of a deployment: its verdict and what it found.
type doctorCheck struct {
	name string
	run  func(ctx context.Context) (verdict, detail string)
}

// doctor holds what the checks share: the configuration, and the HTTP client that reaches the
// SMS gateway and FCM without sending anything.
type doctor struct {
	cfg    config
	log    *slog.Logger
	client *http.Client
	now    func() time.Time
	// skew is the largest clock difference seen in an HTTP Date header (checkClock), dated
	// whether any was seen.
	skew  time.Duration
	dated bool
}

// adminDoctor runs `phananh admin doctor`: every check of the deployment this instance would
// serve — configuration, store and schema, signing key, disk, SMS and FCM reachability (a HEAD
// request, no message), the clock against those servers, the boundary set — printing one line
// each, and fails when any check fails. It changes nothing: a store with pending migrations is
// reported, not migrated.
func adminDoctor(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	d := &doctor{cfg: cfg, log: log, client: &http.Client{Timeout: 5 * time.Second}, now: time.Now}
	fmt.Fprintf(stdout, "%-4s %-14s %s\n", verdictOK, "configuration", "every setting is valid (phananh config prints them)")
	failed := 0
	for _, c := range d.checks() {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		verdict, detail := c.run(cctx)
		cancel()
		fmt.Fprintf(stdout, "%-4s %-14s %s\n", verdict, c.name, detail)
		if verdict == verdictFail {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("doctor: %d check(s) failed", failed)
	}
	return nil
}

func (d *doctor) checks() []doctorCheck {
	return []doctorCheck{
		{"store", d.checkStore},
		{"signing key", d.checkKey},
		{"disk", d.checkDisk},
		{"sms", d.checkSMS},
		{"fcm", d.checkFCM},
		{"clock", d.checkClock},
		{"boundary set", d.checkBoundarySet},
	}
}

// checkStore reaches the store read-only and compares its schema with this program's.
func (d *doctor) checkStore(ctx context.Context) (string, string) {
	var have int
	var pending []string
	var err error
	if d.cfg.MongoURI != "" {
		have, pending, err = mongodb.PendingMigrations(ctx, d.cfg.MongoURI, d.cfg.MongoDatabase)
	} else {
		path := filepath.Join(d.cfg.DataDir, "phananh.db")
		if _, serr := os.Stat(path); errors.Is(serr, os.ErrNotExist) {
			return verdictWarn, path + " does not exist yet: the first start creates it"
		}
		have, pending, err = sqlite.PendingMigrations(ctx, path)
	}
	switch {
	case err != nil:
		return verdictFail, err.Error()
	case len(pending) > 0:
		return verdictWarn, fmt.Sprintf("schema version %d, %d migration(s) pending (phananh admin migrate --dry-run lists them; the next start applies them)", have, len(pending))
	}
	return verdictOK, fmt.Sprintf("reachable, schema version %d is current", have)
}

// checkKey reads the token signing key: it must parse and be readable by its owner only.
func (d *doctor) checkKey(context.Context) (string, string) {
	path := d.cfg.JWTKeyFile
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return verdictWarn, path + " does not exist: the first start creates one (several instances must share one key)"
	} else if err != nil {
		return verdictFail, err.Error()
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return verdictFail, fmt.Sprintf("%s has mode %04o: anyone who reads it can sign tokens for any account; chmod 600 it", path, perm)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return verdictFail, err.Error()
	}
	if _, err := tokens.ParseKey(data); err != nil {
		return verdictFail, fmt.Sprintf("%s: %v", path, err)
	}
	return verdictOK, path + " is an Ed25519 key readable by its owner only"
}

// checkDisk warns below 10 % or 2 GiB free on the data directory's file system, and fails below
// 2 % or 256 MiB: SQLite and media uploads fail when the disk is full.
func (d *doctor) checkDisk(context.Context) (string, string) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(d.cfg.DataDir, &st); err != nil {
		return verdictFail, fmt.Sprintf("%s: %v", d.cfg.DataDir, err)
	}
	free, total := st.Bavail*uint64(st.Bsize), st.Blocks*uint64(st.Bsize)
	pct := 100 * float64(free) / float64(max(total, 1))
	detail := fmt.Sprintf("%.1f GiB free of %.1f GiB (%.0f %%) under %s", float64(free)/(1<<30), float64(total)/(1<<30), pct, d.cfg.DataDir)
	switch {
	case pct < 2 || free < 256<<20:
		return verdictFail, detail
	case pct < 10 || free < 2<<30:
		return verdictWarn, detail
	}
	return verdictOK, detail
}

// checkSMS sends a HEAD request to the gateway: any HTTP answer proves DNS, routing and TLS.
func (d *doctor) checkSMS(ctx context.Context) (string, string) {
	if d.cfg.SMSDriver != "http" {
		return verdictWarn, "SMS_DRIVER=log: sign-in codes go to the log (development only)"
	}
	return d.reach(ctx, d.cfg.SMSHTTPURL)
}

// checkFCM reaches the FCM endpoint and reads the service account file, without sending.
func (d *doctor) checkFCM(ctx context.Context) (string, string) {
	p := d.cfg.Push
	if p.ProjectID == "" {
		return verdictSkip, "FCM_PROJECT_ID is not set: push messages stay queued"
	}
	if p.CredentialsFile != "" {
		var sa struct {
			Type        string `json:"type"`
			ClientEmail string `json:"client_email"`
		}
		data, err := os.ReadFile(p.CredentialsFile)
		if err == nil {
			err = json.Unmarshal(data, &sa)
		}
		if err != nil || sa.Type != "service_account" || sa.ClientEmail == "" {
			return verdictFail, fmt.Sprintf("FCM_CREDENTIALS_FILE %s is not a service account key: %v", p.CredentialsFile, err)
		}
	}
	endpoint := p.Endpoint
	if endpoint == "" {
		endpoint = push.DefaultEndpoint
	}
	return d.reach(ctx, endpoint)
}

// reach sends HEAD url and reports whether any HTTP answer came, noting the clock skew its
// Date header shows.
func (d *doctor) reach(ctx context.Context, url string) (string, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, url, nil)
	if err != nil {
		return verdictFail, err.Error()
	}
	start := d.now()
	res, err := d.client.Do(req)
	if err != nil {
		return verdictFail, fmt.Sprintf("%s unreachable: %v", req.URL.Host, err)
	}
	res.Body.Close()
	if date, err := http.ParseTime(res.Header.Get("Date")); err == nil {
		d.skew, d.dated = max(d.skew, start.Sub(date).Abs()), true
	}
	return verdictOK, fmt.Sprintf("%s answers (HTTP %d in %s)", req.URL.Host, res.StatusCode, d.now().Sub(start).Round(time.Millisecond))
}

// checkClock compares this machine's clock with the Date headers of the servers reached above:
// deadlines, token expiry and sign-in codes all depend on it.
func (d *doctor) checkClock(context.Context) (string, string) {
	if d.now().Year() < 2025 {
		return verdictFail, "the clock says " + d.now().Format(time.RFC3339)
	}
	switch {
	case !d.dated:
		return verdictOK, d.now().UTC().Format(time.RFC3339) + "; no server was reached to compare with: keep NTP on"
	case d.skew > 30*time.Second:
		return verdictFail, fmt.Sprintf("%s apart from the SMS or FCM server: fix NTP (tokens and codes expire by the clock)", d.skew.Round(time.Second))
	case d.skew > 2*time.Second:
		return verdictWarn, fmt.Sprintf("%s apart from the SMS or FCM server", d.skew.Round(time.Second))
	}
	return verdictOK, fmt.Sprintf("%s; within 2 s of the servers reached", d.now().UTC().Format(time.RFC3339))
}

// checkBoundarySet: the configured set must be shipped or already imported.
func (d *doctor) checkBoundarySet(ctx context.Context) (string, string) {
	if slices.ContainsFunc(seed.BoundaryFiles(), func(f seed.BoundaryFile) bool { return f.ID == d.cfg.BoundarySet }) {
		return verdictOK, d.cfg.BoundarySet + " is shipped with this release"
	}
	// Opening the store changes nothing once its schema is current; otherwise it would migrate.
	if v, detail := d.checkStore(ctx); v != verdictOK {
		return verdictSkip, "the store is not ready to read (" + detail + ")"
	}
	store, err := openStore(ctx, d.cfg, d.log)
	if err != nil {
		return verdictFail, err.Error()
	}
	defer store.Close()
	sets, err := store.BoundarySets(ctx)
	if err != nil {
		return verdictFail, err.Error()
	}
	for _, s := range sets {
		if s.ID == d.cfg.BoundarySet {
			return verdictOK, fmt.Sprintf("%s is imported (%s)", s.ID, s.Name)
		}
	}
	return verdictFail, d.cfg.BoundarySet + " is neither shipped nor imported: phananh admin boundaries import"
}
