package main

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"phananh/app"
)

// env is an environment for loadConfig.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// compareConfig compares configs; netip.Prefix is compared with ==, its fields being unexported.
var compareConfig = cmpopts.EquateComparable(netip.Prefix{})

// TestConfigDefaults pins every default: an empty environment gives this configuration, and
// so does one whose variables are all blank.
func TestConfigDefaults(t *testing.T) {
	const window = 15 * time.Minute
	want := config{
		Env:            "development",
		Addr:           ":8080",
		DataDir:        "./data",
		MongoDatabase:  "phananh",
		BoundarySet:    "longxuyen-2023",
		SMSDriver:      "log",
		SMSHTTPTmpl:    `{"to":{{json .Phone}},"message":{{json .Text}}}`,
		JWTKeyFile:     "data/jwt-ed25519.pem",
		JWTIssuer:      "phananh",
		JWTAudience:    "phananh-api",
		OfficeHours:    [][2]string{{"07:00", "11:30"}, {"13:00", "17:00"}},
		LogLevel:       "info",
		LogFormat:      "json",
		BodyLimit:      1 << 20,
		RequestTimeout: 10 * time.Second,
		MaxInFlight:    512,
		ExportMaxConc:  2,
		CodePrefix:     "LX",
		ReopenWindow:   168 * time.Hour,
		ReopenMax:      1,
		TransferLimit:  3,
		SLAInterval:    time.Minute,
		ShutdownGrace:  20 * time.Second,
		Push: pushEnv{Endpoint: "https://fcm.googleapis.com/v1", Batch: 500, Interval: time.Second,
			Lease: 2 * time.Minute, Concurrency: 1},
		Media: mediaEnv{MaxImageBytes: 10 << 20, MaxVideoBytes: 50 << 20, MaxPixels: 40_000_000,
			OrphanTTL: 24 * time.Hour, GCInterval: 10 * time.Minute, Processing: 4, TempDir: "data/media-staging",
			PendingMaxBytes: 200 << 20, DailyMaxBytes: 1 << 30},
		Security: securityEnv{
			RateLimits: app.RateLimits{
				"intake_user": {Max: 30, Window: window}, "intake_ip": {Max: 1000, Window: window},
				"login_ip":    {Max: 100, Window: window},
				"nearby_user": {Max: 60, Window: window}, "nearby_ip": {Max: 2000, Window: window},
				"upload_user": {Max: 120, Window: window}, "upload_ip": {Max: 3000, Window: window},
				"upload_patch_user": {Max: 600, Window: window}, "upload_patch_ip": {Max: 15000, Window: window},
				"action_user": {Max: 600, Window: window}, "action_ip": {Max: 15000, Window: window},
				"export_user": {Max: 5, Window: 24 * time.Hour}, "export_ip": {Max: 200, Window: time.Hour},
			},
			ReadTimeout: 15 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second,
			LoginUserMaxFailures: 50, OTPPerPhoneDay: 10, Require2FA: "false",
		},
		PrivacyNoticeVersion: 1,
		Backup:               backupEnv{Interval: 24 * time.Hour, Keep: 7},
		Retention:            app.RetentionConfig{IdentityMonths: 24, MediaMonths: 12, AuditMonths: 60, Interval: time.Hour},
	}
	blank := map[string]string{}
	for _, s := range settings(&config{}) {
		blank[s.name] = " \t"
	}
	for name, vars := range map[string]map[string]string{"empty": nil, "blank": blank} {
		t.Run(name, func(t *testing.T) {
			got, err := loadConfig(env(vars))
			if err != nil {
				t.Fatalf("loadConfig: %v", err)
			}
			if diff := cmp.Diff(want, got, compareConfig); diff != "" {
				t.Errorf("defaults (-want +got):\n%s", diff)
			}
		})
	}
}

// TestConfigBadValues sets one variable at a time to a value it must refuse: the error names the
// variable and says what it expects. Every variable is either here or in unchecked, so a new
// setting cannot go untested by accident.
func TestConfigBadValues(t *testing.T) {
	unchecked := []string{ // free text, checked where it is used (or never)
		"ADDR", "DATA_DIR", "MONGODB_URI", "MONGODB_DATABASE", "BOUNDARY_SET", "TICKET_CODE_PREFIX",
		"SMS_HTTP_URL", "SMS_HTTP_TEMPLATE", "SMS_HTTP_AUTHORIZATION", "JWT_KEY_FILE", "JWT_ISSUER",
		"JWT_AUDIENCE", "JWT_VERIFY_KEY_FILES", "HOLIDAYS_FILE", "CONSOLE_TILE_URL",
		"FCM_PROJECT_ID", "FCM_CREDENTIALS_FILE", "FCM_ENDPOINT", "MEDIA_TEMP_DIR", "BACKUP_DIR",
		"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", // read and checked by the exporter
	}
	tests := badConfigValues()
	tested := map[string]bool{}
	for _, tc := range tests {
		tested[tc.name] = true
	}
	for _, s := range settings(&config{}) {
		if tested[s.name] == slices.Contains(unchecked, s.name) {
			t.Errorf("%s must be either tested with bad values or listed as unchecked, not both or neither", s.name)
		}
	}
	for _, tc := range tests {
		for _, bad := range tc.bad {
			t.Run(tc.name+"="+bad, func(t *testing.T) {
				_, err := loadConfig(env(map[string]string{tc.name: bad}))
				if err == nil {
					t.Fatalf("loadConfig accepted %s=%q", tc.name, bad)
				}
				if !strings.Contains(err.Error(), tc.name) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("error %q, want it to name %s and say %q", err, tc.name, tc.want)
				}
			})
		}
	}
}

// badValues are values of one variable that loadConfig must refuse with an error naming it and
// saying want.
type badValues struct {
	name string
	bad  []string
	want string
}

// badConfigValues is the table of TestConfigBadValues.
func badConfigValues() []badValues {
	return []badValues{
		{"ENV", []string{"staging", "Production"}, "ENV must be development or production, not"},
		{"SMS_DRIVER", []string{"twilio", "HTTP"}, "SMS_DRIVER must be log or http, not"},
		{"OFFICE_HOURS", []string{"morning", "07:00", "07:00 11:30"}, "OFFICE_HOURS must look like 07:00-11:00,13:00-17:00"},
		{"OFFICE_HOURS", []string{"25:00-26:00", "11:30-07:00", "07:00-11:30,10:00-12:00", "07:00-", "07:00-11:30;13:00-17:00"}, "OFFICE_HOURS: calendar: bad office hours"},
		{"REOPEN_WINDOW", []string{"soon", "0", "-1h", "7d"}, "REOPEN_WINDOW must be a positive duration such as 168h"},
		{"REOPEN_MAX", []string{"-1", "one", "1.5"}, "REOPEN_MAX must be a number ≥ 0"},
		{"TRANSFER_LIMIT", []string{"0", "-2", "three"}, "TRANSFER_LIMIT must be a number ≥ 1"},
		{"RETENTION_IDENTITY", []string{"0", "-1", "two years", "1201"}, "RETENTION_IDENTITY must be a number of months ≥ 1"}, {"RETENTION_MEDIA", []string{"0", "12m"}, "RETENTION_MEDIA must be a number of months ≥ 1"}, {"RETENTION_AUDIT", []string{"0", "5y"}, "RETENTION_AUDIT must be a number of months ≥ 1"},
		{"RETENTION_INTERVAL", []string{"0", "1ms", "hourly"}, "RETENTION_INTERVAL must be a duration of at least 50ms"},
		{"SLA_INTERVAL", []string{"1ms", "49ms", "60", "often"}, "SLA_INTERVAL must be a duration of at least 50ms, such as 1m"},
		{"BODY_LIMIT", []string{"12", "1023", "-1", "1MB"}, "BODY_LIMIT must be a number of bytes ≥ 1024"},
		{"REQUEST_TIMEOUT", []string{"0s", "-1s", "10"}, "REQUEST_TIMEOUT must be a positive duration such as 10s"},
		{"SHUTDOWN_GRACE", []string{"1s", "4999ms", "20"}, "SHUTDOWN_GRACE must be a duration of at least 5s, such as 20s"},
		{"MAX_IN_FLIGHT", []string{"0", "-1", "many", "99999999999999999999"}, "MAX_IN_FLIGHT must be a number ≥ 1"},
		{"EXPORT_MAX_CONCURRENT", []string{"0", "two"}, "EXPORT_MAX_CONCURRENT must be a number ≥ 1"},
		{"READ_TIMEOUT", []string{"99ms", "0", "15"}, "READ_TIMEOUT must be a duration of at least 100ms, such as 15s"},
		{"WRITE_TIMEOUT", []string{"99ms", "-30s", "30"}, "WRITE_TIMEOUT must be a duration of at least 100ms, such as 30s"},
		{"IDLE_TIMEOUT", []string{"1ns", "forever"}, "IDLE_TIMEOUT must be a duration of at least 100ms, such as 2m"},
		{"PRIVACY_NOTICE_VERSION", []string{"0", "-1", "one"}, "PRIVACY_NOTICE_VERSION must be a number ≥ 1"},
		{"RATE_LIMITS", []string{"bogus=1/1m", "intake_user", "login-ip=off"}, "RATE_LIMITS: "},
		{"RATE_LIMITS", []string{"intake_user=30", "login_ip=0/15m", "login_ip=10/25h", "login_ip=10/500ms", "login_ip=ten/1m"}, "must be name=max/window"},
		{"LOGIN_USER_MAX_FAILURES", []string{"4", "0", "fifty"}, "LOGIN_USER_MAX_FAILURES must be a number ≥ 5 (the per-address limit), such as 50"},
		{"OTP_PER_PHONE_DAY", []string{"0", "-3", "ten"}, "OTP_PER_PHONE_DAY must be a number ≥ 1, such as 10"},
		{"TRUSTED_PROXIES", []string{"proxy.local", "10.0.0.0/33", "10.0.0.1,,x"}, "TRUSTED_PROXIES: "},
		{"PUBLIC_BASE_URL", []string{"phananh.example.gov.vn", "https://phananh.example.gov.vn/?x=1", "ftp://x.vn", "https://u:p@x.vn", "https://x.vn/#top"}, "PUBLIC_BASE_URL must be an http(s) URL"},
		{"HSTS_MAX_AGE", []string{"-1", "1y"}, "HSTS_MAX_AGE must be a number of seconds ≥ 0, such as 31536000 (0: off)"},
		{"LOG_LEVEL", []string{"verbose", "INFO", "warn+2", "-4"}, "LOG_LEVEL must be debug or info or warn or error, not"},
		{"LOG_FORMAT", []string{"xml", "JSON"}, "LOG_FORMAT must be json or text"},
		{"REQUIRE_2FA", []string{"yes", "TRUE", "1"}, "REQUIRE_2FA must be false or true"},
		{"PUSH_BATCH", []string{"0", "501", "many"}, "PUSH_BATCH must be a number from 1 to 500"},
		{"PUSH_INTERVAL", []string{"9ms", "1", "-1s"}, "PUSH_INTERVAL must be a duration of at least 10ms, such as 1s"},
		{"PUSH_LEASE", []string{"999ms", "2"}, "PUSH_LEASE must be a duration of at least 1s, such as 2m"},
		{"PUSH_CONCURRENCY", []string{"0", "17", "all"}, "PUSH_CONCURRENCY must be a number from 1 to 16"},
		{"MEDIA_MAX_IMAGE_BYTES", []string{"0", "-1", "10MB"}, "MEDIA_MAX_IMAGE_BYTES must be a positive number"},
		{"MEDIA_MAX_VIDEO_BYTES", []string{"0", "50MB"}, "MEDIA_MAX_VIDEO_BYTES must be a positive number"},
		{"MEDIA_MAX_PIXELS", []string{"0", "4e7"}, "MEDIA_MAX_PIXELS must be a positive number"},
		{"MEDIA_ORPHAN_TTL", []string{"0", "-24h", "1d"}, "MEDIA_ORPHAN_TTL must be a positive duration such as 24h"},
		{"MEDIA_GC_INTERVAL", []string{"49ms", "10"}, "MEDIA_GC_INTERVAL must be a duration of at least 50ms, such as 10m"},
		{"MEDIA_PROCESSING", []string{"0", "four"}, "MEDIA_PROCESSING must be a positive number"},
		{"MEDIA_PENDING_MAX_BYTES", []string{"-1", "200MB"}, "MEDIA_PENDING_MAX_BYTES must be a number of bytes, or 0 for no limit"},
		{"MEDIA_DAILY_MAX_BYTES", []string{"-1", "1GB"}, "MEDIA_DAILY_MAX_BYTES must be a number of bytes, or 0 for no limit"},
		{"BACKUP_INTERVAL", []string{"0", "999ms", "1d", "-24h"}, "BACKUP_INTERVAL must be a duration of at least 1s, such as 24h"},
		{"BACKUP_KEEP", []string{"0", "-1", "seven"}, "BACKUP_KEEP must be a number ≥ 1"},
		{"METRICS_ADDR", []string{"9464", "localhost:metrics", "127.0.0.1:70000"}, "METRICS_ADDR must be host:port"},
		{"METRICS_ADDR", []string{":8080", "127.0.0.1:8080"}, "must not use ADDR's port"},
	}
}

// TestConfigRelated checks the defaults computed from DATA_DIR and the rules between variables.
func TestConfigRelated(t *testing.T) {
	tests := []struct {
		name    string
		vars    map[string]string
		wantErr string
		check   func(config) string
	}{
		{name: "files under DATA_DIR", vars: map[string]string{"DATA_DIR": "/srv/phananh"},
			check: func(c config) string {
				return cmp.Diff([]string{"/srv/phananh/jwt-ed25519.pem", "/srv/phananh/media-staging"}, []string{c.JWTKeyFile, c.Media.TempDir})
			}},
		{name: "files set explicitly", vars: map[string]string{"DATA_DIR": "/srv/phananh", "JWT_KEY_FILE": "/etc/k.pem", "MEDIA_TEMP_DIR": "/tmp/m"},
			check: func(c config) string {
				return cmp.Diff([]string{"/etc/k.pem", "/tmp/m"}, []string{c.JWTKeyFile, c.Media.TempDir})
			}},
		{name: "http driver without URL", vars: map[string]string{"SMS_DRIVER": "http"}, wantErr: "SMS_DRIVER=http needs SMS_HTTP_URL"},
		{name: "production with the log driver", vars: map[string]string{"ENV": "production"},
			wantErr: "ENV=production needs SMS_DRIVER=http (with SMS_HTTP_URL)"},
		{name: "production with the log driver set", vars: map[string]string{"ENV": "production", "SMS_DRIVER": "log"},
			wantErr: "ENV=production needs SMS_DRIVER=http (with SMS_HTTP_URL)"},
		{name: "production with the http driver", vars: map[string]string{"ENV": "production", "SMS_DRIVER": "http", "SMS_HTTP_URL": "https://gw.example.vn"},
			check: func(c config) string { return cmp.Diff("production", c.Env) }},
		{name: "scheduled backups with MongoDB", vars: map[string]string{"BACKUP_DIR": "/srv/backups", "MONGODB_URI": "mongodb://db1/"},
			wantErr: "BACKUP_DIR works with the SQLite store only; with MONGODB_URI, back up with `mongodump --oplog`"},
		{name: "metrics on the public port", vars: map[string]string{"ADDR": "0.0.0.0:8080", "METRICS_ADDR": "127.0.0.1:8080"},
			wantErr: "METRICS_ADDR (127.0.0.1:8080) must not use ADDR's port (0.0.0.0:8080)"},
		{name: "metrics and the API on free ports", vars: map[string]string{"ADDR": "127.0.0.1:0", "METRICS_ADDR": "127.0.0.1:0"},
			check: func(c config) string { return cmp.Diff("127.0.0.1:0", c.MetricsAddr) }},
		{name: "metrics on their own port", vars: map[string]string{"METRICS_ADDR": ":9464"},
			check: func(c config) string { return cmp.Diff(":9464", c.MetricsAddr) }},
		{name: "every bad variable at once", vars: map[string]string{"BODY_LIMIT": "1", "PUSH_BATCH": "0", "SMS_DRIVER": "http"},
			wantErr: "BODY_LIMIT must be a number of bytes ≥ 1024\nPUSH_BATCH must be a number from 1 to 500"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := loadConfig(env(tc.vars))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("loadConfig: %v", err)
			}
			if diff := tc.check(c); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestConfigCommand runs `phananh config`: the printed lines, read back as an environment, give
// the same configuration (so they show what is in effect), credentials are hidden, and an
// invalid environment is an error.
func TestConfigCommand(t *testing.T) {
	vars := map[string]string{
		"ENV": "production", "SMS_DRIVER": "http", "SMS_HTTP_URL": "https://gw.example.vn/send",
		"DATA_DIR": "/srv/phananh", "OFFICE_HOURS": " 07:30-11:30 , 13:30-17:00 ", "REOPEN_WINDOW": "72h",
		"IDLE_TIMEOUT": "90s", "RATE_LIMITS": "login_ip=off,intake_user=10/1h", "TRUSTED_PROXIES": "10.0.0.1, fd00::/8",
		"PUBLIC_BASE_URL": "https://phananh.example.gov.vn/api/", "HSTS_MAX_AGE": "31536000", "PUSH_CONCURRENCY": "4",
		"MEDIA_DAILY_MAX_BYTES": "0", "LOG_FORMAT": "text", "FCM_PROJECT_ID": "phananh-test",
	}
	want, err := loadConfig(env(vars))
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"config"}, env(vars), nil, &out, nil); err != nil {
		t.Fatalf("phananh config: %v", err)
	}
	printed := map[string]string{}
	var names []string
	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("line %q is not NAME=value", line)
		}
		printed[name] = value
		names = append(names, name)
	}
	var all []string
	for _, s := range settings(&config{}) {
		all = append(all, s.name)
	}
	if diff := cmp.Diff(all, names); diff != "" {
		t.Errorf("printed variables (-want +got):\n%s", diff)
	}
	got, err := loadConfig(env(printed))
	if err != nil {
		t.Fatalf("loadConfig of the printed configuration: %v", err)
	}
	if diff := cmp.Diff(want, got, compareConfig); diff != "" {
		t.Errorf("configuration read back (-want +got):\n%s", diff)
	}

	secrets := map[string]string{
		"MONGODB_URI":            "mongodb://phananh:s3cret@db1,db2/?replicaSet=rs0",
		"SMS_HTTP_URL":           "https://gw.example.vn/send?api_key=k3y",
		"SMS_HTTP_TEMPLATE":      `{"ApiKey":"k3y","to":{{json .Phone}},"text":{{json .Text}}}`,
		"SMS_HTTP_AUTHORIZATION": "Bearer t0ken",
		"SMS_DRIVER":             "http",
	}
	out.Reset()
	if err := run(context.Background(), []string{"config"}, env(secrets), nil, &out, nil); err != nil {
		t.Fatalf("phananh config: %v", err)
	}
	for _, s := range []string{"s3cret", "k3y", "t0ken"} {
		if strings.Contains(out.String(), s) {
			t.Errorf("phananh config printed the credential %q:\n%s", s, out.String())
		}
	}
	for _, line := range []string{"MONGODB_URI=mongodb://phananh:xxxxx@db1,db2/?replicaSet=rs0\n", "SMS_HTTP_AUTHORIZATION=xxxxx\n"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("phananh config did not print %q:\n%s", line, out.String())
		}
	}

	err = run(context.Background(), []string{"config"}, env(map[string]string{"PUSH_LEASE": "1ms"}), nil, &out, nil)
	if err == nil || !strings.Contains(err.Error(), "PUSH_LEASE must be a duration of at least 1s") {
		t.Errorf("phananh config with PUSH_LEASE=1ms: %v, want the error", err)
	}
}

// TestMaskURL pins what `phananh config` hides of a URL.
func TestMaskURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"mongodb://db1,db2,db3/?replicaSet=rs0", "mongodb://db1,db2,db3/?replicaSet=rs0"},
		{"mongodb://user:p%40ss@db1:27017,db2/phananh?replicaSet=rs0", "mongodb://user:xxxxx@db1:27017,db2/phananh?replicaSet=rs0"},
		{"mongodb://user@db1/?authSource=admin&authMechanismProperties=AWS_SESSION_TOKEN:t", "mongodb://user@db1/?authSource=admin&authMechanismProperties=xxxxx"},
		{"mongodb+srv://u:pa/ss?w@cluster.example.net/?tls=true&tlsCertificateKeyFilePassword=pw", "mongodb+srv://u:xxxxx@cluster.example.net/?tls=true&tlsCertificateKeyFilePassword=xxxxx"},
		{"https://gw.example.vn/send?api_key=abc&sender=UBND", "https://gw.example.vn/send?api_key=xxxxx&sender=UBND"},
		{"https://tile.example.com/{z}/{x}/{y}.png?apikey=abc", "https://tile.example.com/{z}/{x}/{y}.png?apikey=xxxxx"},
		{"https://fcm.googleapis.com/v1", "https://fcm.googleapis.com/v1"},
	}
	for _, tc := range tests {
		if got := maskURL(tc.in); got != tc.want {
			t.Errorf("maskURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestReadmeConfigurationTable keeps the README's table of settings the one rendered from the
// settings: a variable, default or meaning changes in settings.go, and the README with it.
func TestReadmeConfigurationTable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Configuration\n")
	if !ok {
		t.Fatal(`README.md has no "## Configuration" section`)
	}
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	var table []string
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, "|") {
			table = append(table, line)
		} else if len(table) > 0 {
			break
		}
	}
	want := strings.Split(strings.TrimSuffix(markdownTable(), "\n"), "\n")
	if diff := cmp.Diff(want, table); diff != "" {
		t.Errorf("the table under \"## Configuration\" in README.md is not the one rendered from settings.go (-rendered +README):\n%s\n"+
			"Regenerate it: run `go run ./cmd/phananh config -markdown` and paste its output over the table.", diff)
	}
}

// TestHelpNeedsNoConfiguration: help, and an admin command without its noun and verb, print the
// usage and succeed even when the environment holds a bad value — a person reads help to fix it.
func TestHelpNeedsNoConfiguration(t *testing.T) {
	bad := env(map[string]string{"BODY_LIMIT": "lots"})
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}, {"admin"}, {"admin", "user"}} {
		var out bytes.Buffer
		if err := run(context.Background(), args, bad, nil, &out, nil); err != nil {
			t.Errorf("phananh %s: %v", strings.Join(args, " "), err)
		}
		if !strings.Contains(out.String(), "phananh admin user create") {
			t.Errorf("phananh %s printed %q, want the usage", strings.Join(args, " "), out.String())
		}
	}
	if err := run(context.Background(), []string{"admin", "user", "frobnicate"}, env(nil), nil, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Error("phananh admin user frobnicate succeeded")
	}
}
