package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"phananh/app"
	"phananh/models"
)

// config is everything read from the environment; each field has a safe default. The variables,
// their defaults and their rules are the table in settings.go.
type config struct {
	// Env is ENV: development (the default, so `go run ./cmd/phananh` works with no settings)
	// or production, which refuses settings only fit for a developer's machine.
	Env         string
	Addr        string
	MetricsAddr string // METRICS_ADDR: the metrics listener (telemetry.go); empty: none
	// OTLPEndpoint and OTLPTracesEndpoint are OTEL_EXPORTER_OTLP_ENDPOINT and
	// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: either turns tracing on (the exporter reads them, and
	// the other OTEL_* variables, itself).
	OTLPEndpoint       string
	OTLPTracesEndpoint string
	DataDir            string
	MongoURI           string
	MongoDatabase      string
	BoundarySet        string
	SMSDriver          string
	SMSHTTPURL         string
	SMSHTTPTmpl        string
	SMSHTTPAuth        string
	JWTKeyFile         string
	JWTIssuer          string
	JWTAudience        string
	JWTVerifyKeys      string // comma-separated PEM files of keys still trusted for verification (rotation)
	OfficeHours        [][2]string
	HolidaysFile       string
	LogLevel           string
	LogFormat          string
	BodyLimit          int
	RequestTimeout     time.Duration
	MaxInFlight        int
	ExportMaxConc      int // EXPORT_MAX_CONCURRENT: export streams running at once (handlers/export.go)
	CodePrefix         string
	ConsoleTileURL     string // CONSOLE_TILE_URL: base-map tiles under the console's ward maps; none by default
	ReopenWindow       time.Duration
	ReopenMax          int
	TransferLimit      int
	SLAInterval        time.Duration
	ShutdownGrace      time.Duration
	Push               pushEnv     // FCM_* and PUSH_* (push.go)
	Media              mediaEnv    // MEDIA_* (media.go)
	Security           securityEnv // RATE_LIMITS, TRUSTED_PROXIES, *_TIMEOUT (security.go)
	// PrivacyNoticeVersion is PRIVACY_NOTICE_VERSION (app.Config.PrivacyNoticeVersion).
	PrivacyNoticeVersion int
	Backup               backupEnv // BACKUP_* (backup.go)
	// Retention is RETENTION_*: how long personal data is kept (app.RetentionConfig).
	Retention app.RetentionConfig
}

// loadConfig reads the configuration from getenv (os.Getenv in production, a map in tests)
// through the table of settings, then fills the defaults and checks the rules that involve
// more than one variable (relate). A blank variable counts as unset. Every variable the table
// refuses is reported at once, so an operator fixes them in one go.
func loadConfig(getenv func(string) string) (config, error) {
	var c config
	var errs []error
	for _, s := range settings(&c) {
		v := strings.TrimSpace(getenv(s.name))
		if v == "" {
			v = s.def
		}
		if err := s.value.set(v, s); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	return c, c.relate()
}

// relate fills the defaults computed from another variable and checks the rules a single
// setting cannot.
func (c *config) relate() error {
	if c.JWTKeyFile == "" {
		c.JWTKeyFile = filepath.Join(c.DataDir, jwtKeyFileName)
	}
	if c.Media.TempDir == "" {
		c.Media.TempDir = filepath.Join(c.DataDir, mediaStagingName)
	}
	// phananh backs up the SQLite store only; a MongoDB replica set has mongodump --oplog, and
	// silently not backing up would be worse than refusing to start.
	if c.Backup.Dir != "" && c.MongoURI != "" {
		return fmt.Errorf("BACKUP_DIR works with the SQLite store only; with MONGODB_URI, back up with `mongodump --oplog` (`phananh admin backup` prints the command)")
	}
	if err := checkMetricsAddr(c.MetricsAddr, c.Addr); err != nil {
		return err
	}
	if c.SMSDriver == "http" && c.SMSHTTPURL == "" {
		return fmt.Errorf("SMS_DRIVER=http needs SMS_HTTP_URL")
	}
	// The log driver writes every sign-in code, with its phone number, to the log, where anyone
	// who reads the logs can sign in as anyone: acceptable on a laptop only.
	if c.Env == "production" && c.SMSDriver == "log" {
		return fmt.Errorf("ENV=production needs SMS_DRIVER=http (with SMS_HTTP_URL): SMS_DRIVER=log, the default, writes every sign-in code and phone number to the log")
	}
	return nil
}

// configCommand is `phananh config`: it prints the effective configuration read from getenv,
// one NAME=value line per variable with credentials hidden, or fails with what is wrong with
// it; with -markdown it prints the README's table of settings instead, which depends on no
// environment.
func configCommand(args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("config", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	markdown := fs.Bool("markdown", false, "print the README's table of settings")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return fmt.Errorf("usage: phananh config [-markdown]\n%s", usage)
	}
	if *markdown {
		_, err := io.WriteString(stdout, markdownTable())
		return err
	}
	c, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, s := range settings(&c) {
		fmt.Fprintf(&b, "%s=%s\n", s.name, s.secret.mask(s.value.show(), s.def))
	}
	_, err = io.WriteString(stdout, b.String())
	return err
}

// markdownTable is the table of settings under "## Configuration" in the README.
func markdownTable() string {
	var b strings.Builder
	b.WriteString("| variable | default | meaning |\n|---|---|---|\n")
	for _, s := range settings(&config{}) {
		def := s.shownDef
		switch {
		case def != "":
		case s.def == "":
			def = "—"
		default:
			def = "`" + s.def + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", s.name, def, s.doc)
	}
	return b.String()
}

// parseOfficeHours reads "07:00-11:00,13:00-17:00".
func parseOfficeHours(s string) ([][2]string, error) {
	var out [][2]string
	for _, part := range strings.Split(s, ",") {
		from, to, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return nil, fmt.Errorf("OFFICE_HOURS must look like 07:00-11:00,13:00-17:00")
		}
		out = append(out, [2]string{strings.TrimSpace(from), strings.TrimSpace(to)})
	}
	if _, err := models.ParseCalendar([]byte(`{"years":{}}`), out); err != nil {
		return nil, fmt.Errorf("OFFICE_HOURS: %w", err)
	}
	return out, nil
}
