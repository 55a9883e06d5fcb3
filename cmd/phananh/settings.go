package main

import (
	"fmt"
	"maps"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"phananh/app"
	"phananh/handlers"
	"phananh/push"
	"phananh/sms"
)

// setting is one environment variable. The list of them (settings) is the only place a variable
// is named, defaulted, checked and explained: loadConfig reads the environment through it,
// `phananh config` prints the effective values from it and the README's table is rendered from
// it, so the three cannot disagree.
type setting struct {
	name string
	// def is used when the variable is unset or blank. It is written as an operator would write
	// the value and goes through the same parser, so a default can never be a value the
	// variable refuses. Where a package has a DefaultConfig, def is formatted from it: the
	// default lives in that package only.
	def string
	// shownDef is the README's default cell when def alone would mislead: a default computed
	// from another variable, or an empty value that means something ("" shows def).
	shownDef string
	secret   secrecy
	doc      string // the README's "meaning" cell, markdown on one line
	value    field
}

// field binds a setting to its place in a config.
type field struct {
	// set parses and checks v (the variable's value, or its default) and stores it; its error
	// names the variable and says what is expected.
	set func(v string, s setting) error
	// show is the stored value in the variable's own syntax: setting the variable to it
	// configures the same thing.
	show func() string
}

// secrecy says what `phananh config` must not print of a value.
type secrecy int

const (
	public secrecy = iota
	// secret: the whole value is a credential.
	secret
	// secretInURL: a URL that may carry credentials, in its userinfo or its query.
	secretInURL
)

// hidden replaces what `phananh config` does not print; it is what net/url.URL.Redacted uses.
const hidden = "xxxxx"

// mask is v as `phananh config` prints it. A default is printed as it is: it is no secret,
// since the README shows every default.
func (k secrecy) mask(v, def string) string {
	switch {
	case v == "" || v == def || k == public:
		return v
	case k == secret:
		return hidden
	}
	return maskURL(v)
}

// maskURL hides the password of a URL's userinfo and the values of its query parameters named
// like credentials (SMS gateways take API keys in the query; MongoDB URIs take
// tlsCertificateKeyFilePassword and authMechanismProperties there). The userinfo is taken to
// end at the last '@', so a password with an unescaped '/', '?' or '@', which the drivers would
// refuse, is still hidden, at the price of hiding more than needed when a query holds an '@'.
func maskURL(v string) string {
	scheme, rest, ok := strings.Cut(v, "://")
	if !ok {
		scheme, rest = "", v
	} else {
		scheme += "://"
	}
	userinfo := ""
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		userinfo, rest = rest[:at+1], rest[at+1:]
		if user, _, ok := strings.Cut(userinfo, ":"); ok {
			userinfo = user + ":" + hidden + "@"
		}
	}
	base, query, ok := strings.Cut(rest, "?")
	if !ok {
		return scheme + userinfo + rest
	}
	params := strings.Split(query, "&")
	for i, p := range params {
		if name, _, ok := strings.Cut(p, "="); ok && credentialName(name) {
			params[i] = name + "=" + hidden
		}
	}
	return scheme + userinfo + base + "?" + strings.Join(params, "&")
}

// credentialName reports whether a query parameter's name suggests its value is a credential:
// api_key, access_token, signature, tlsCertificateKeyFilePassword, authMechanismProperties
// (which holds AWS session tokens) and the like.
func credentialName(name string) bool {
	name = strings.ToLower(name)
	for _, w := range []string{"key", "token", "secret", "pass", "sig", "cred", "properties"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// File names under DATA_DIR that two variables default to (config.relate).
const (
	jwtKeyFileName   = "jwt-ed25519.pem"
	mediaStagingName = "media-staging"
)

// settings is every environment variable, in the order of the README's table, bound to its
// field in c. It is built per call so that each config is filled through its own table and no
// table is shared.
func settings(c *config) []setting {
	hdef := handlers.DefaultConfig()
	adef := app.DefaultConfig()
	rdef := app.DefaultRetentionConfig()
	mdef := app.DefaultMediaConfig()
	pdef := app.DefaultPushConfig()
	s := &c.Security
	m := &c.Media
	p := &c.Push
	return []setting{
		{name: "ENV", def: "development", value: oneOf(&c.Env, "development", "production"),
			doc: "`production` refuses to start while `SMS_DRIVER` is `log` (sign-in codes would go to the log); in `development` the log driver is allowed with a warning at start"},
		{name: "ADDR", def: ":8080", value: text(&c.Addr),
			doc: "listen address (`127.0.0.1:0` picks a free port; the log line `listening` tells which)"},
		{name: "METRICS_ADDR", value: parsed(&c.MetricsAddr, parseMetricsAddr, verbatim),
			doc: "listen address of a second HTTP server with Prometheus metrics at `/metrics` and Go's profiles at `/debug/pprof/` (e.g. `127.0.0.1:9464`; `127.0.0.1:0` picks a free port, the log line `metrics listening` tells which); unset: no metrics. Refused on `ADDR`'s port: metrics never go on the public listener"},
		{name: "DATA_DIR", def: "./data", value: text(&c.DataDir),
			doc: "SQLite database, JWT signing key, media; the directory is made owner-only (0700) and the database files 0600 at every start"},
		{name: "MONGODB_URI", secret: secretInURL, value: text(&c.MongoURI),
			doc: "use MongoDB instead of SQLite, e.g. `mongodb://db1,db2,db3/?replicaSet=rs0`"},
		{name: "MONGODB_DATABASE", def: "phananh", value: text(&c.MongoDatabase),
			doc: "database name on MongoDB"},
		{name: "BACKUP_DIR", value: text(&c.Backup.Dir),
			doc: "scheduled backups of the SQLite store: one worker writes `phananh-<UTC time>.tar.gz` (database, media, manifest; no signing key) into this directory (made owner-only) every `BACKUP_INTERVAL` and keeps the newest `BACKUP_KEEP`; empty: off. Refused with `MONGODB_URI` (use `mongodump --oplog`); see \"Backups and restore\""},
		{name: "BACKUP_INTERVAL", def: "24h", value: duration(&c.Backup.Interval, time.Second),
			doc: "time between scheduled backups, counted from the newest archive in `BACKUP_DIR`, so a restart neither repeats nor skips one"},
		{name: "BACKUP_KEEP", def: "7", value: number(&c.Backup.Keep, 1, math.MaxInt, "a number ≥ 1"),
			doc: "scheduled backups kept in `BACKUP_DIR`; older ones are deleted after each new one"},
		{name: "BOUNDARY_SET", def: "longxuyen-2023", value: text(&c.BoundarySet),
			doc: "active boundary set: `longxuyen-2023`, `angiang-2025` (shipped) or one imported"},
		{name: "TICKET_CODE_PREFIX", def: adef.CodePrefix, value: text(&c.CodePrefix),
			doc: "human ticket codes `LX-2026-000123`"},
		{name: "SMS_DRIVER", def: "log", value: oneOf(&c.SMSDriver, "log", "http"),
			doc: "`log` writes each SMS to the log (development only: warned at start, refused with `ENV=production`); `http` posts it to a gateway"},
		{name: "SMS_HTTP_URL", secret: secretInURL, value: text(&c.SMSHTTPURL),
			doc: "the gateway webhook for `SMS_DRIVER=http`"},
		// Secret because gateways that authenticate in the body get their key from the template.
		{name: "SMS_HTTP_TEMPLATE", def: sms.DefaultTemplate, secret: secret, value: text(&c.SMSHTTPTmpl),
			doc: "request body (Go template)"},
		{name: "SMS_HTTP_AUTHORIZATION", secret: secret, value: text(&c.SMSHTTPAuth),
			doc: "`Authorization` header sent to the gateway"},
		{name: "JWT_KEY_FILE", shownDef: "`$DATA_DIR/" + jwtKeyFileName + "`", value: text(&c.JWTKeyFile),
			doc: "Ed25519 signing key (PKCS#8 PEM), generated on first start; share it between instances"},
		{name: "JWT_ISSUER", def: "phananh", value: text(&c.JWTIssuer),
			doc: "issuer written into every token and checked on every token"},
		{name: "JWT_AUDIENCE", def: "phananh-api", value: text(&c.JWTAudience),
			doc: "audience written into every token and checked on every token"},
		{name: "JWT_VERIFY_KEY_FILES", value: text(&c.JWTVerifyKeys),
			doc: "key rotation: comma-separated PEM files (public keys, or the old private key file) whose tokens are still accepted until they expire; new tokens are signed with `JWT_KEY_FILE` only"},
		{name: "OFFICE_HOURS", def: "07:00-11:30,13:00-17:00", value: parsed(&c.OfficeHours, parseOfficeHours, formatOfficeHours),
			doc: "working hours of ward offices (unverified for An Giang, hence configurable)"},
		{name: "HOLIDAYS_FILE", shownDef: "shipped `vn-holidays.json`", value: text(&c.HolidaysFile),
			doc: "the base calendar: days off and swapped working Saturdays per year; years entered by administrators replace its years"},
		{name: "REOPEN_WINDOW", def: formatDuration(adef.ReopenWindow), value: duration(&c.ReopenWindow, 0),
			doc: "how long after resolution the resident may rate or reopen; unrated tickets close after it"},
		{name: "REOPEN_MAX", def: strconv.Itoa(adef.ReopenMax), value: number(&c.ReopenMax, 0, math.MaxInt, "a number ≥ 0"),
			doc: "how many times a resident may reopen a ticket"},
		{name: "TRANSFER_LIMIT", def: strconv.Itoa(adef.TransferLimit), value: number(&c.TransferLimit, 1, math.MaxInt, "a number ≥ 1"),
			doc: "how many transfers between units a ticket may go through; the next one escalates it to the IOC at once"},
		{name: "RETENTION_IDENTITY", def: strconv.Itoa(rdef.IdentityMonths), value: number(&c.Retention.IdentityMonths, 1, 1200, "a number of months ≥ 1"),
			doc: "months after a ticket is closed (its last change in a final state) when it is de-identified: reporter erased, phone numbers removed from its texts, the reporter's photos deleted; a ticket under a legal hold waits for the release. Statistics do not change"},
		{name: "RETENTION_MEDIA", def: strconv.Itoa(rdef.MediaMonths), value: number(&c.Retention.MediaMonths, 1, 1200, "a number of months ≥ 1"),
			doc: "months after closing when a ticket's media are deleted, except the officials' result photos of a public ticket"},
		{name: "RETENTION_AUDIT", def: strconv.Itoa(rdef.AuditMonths), value: number(&c.Retention.AuditMonths, 1, 1200, "a number of months ≥ 1"),
			doc: "months audit records are kept; older ones are removed from the start of the hash chain, and `admin audit verify` checks it from the newest removed record (the anchor)"},
		{name: "RETENTION_INTERVAL", def: formatDuration(rdef.Interval), value: duration(&c.Retention.Interval, 50*time.Millisecond),
			doc: "how often the retention worker runs (one instance at a time, under a lease); it also deletes expired sign-in codes, refresh tokens and rate counters"},
		{name: "SLA_INTERVAL", def: "1m", value: duration(&c.SLAInterval, 50*time.Millisecond),
			doc: "how often the worker looks for reminders, escalations and auto-closes"},
		{name: "BODY_LIMIT", def: strconv.Itoa(hdef.BodyLimit), value: number(&c.BodyLimit, 1024, math.MaxInt, "a number of bytes ≥ 1024"),
			doc: "largest request body, bytes"},
		{name: "REQUEST_TIMEOUT", def: formatDuration(hdef.RequestTimeout), value: duration(&c.RequestTimeout, 0),
			doc: "deadline of each request's work"},
		{name: "SHUTDOWN_GRACE", def: "20s", value: duration(&c.ShutdownGrace, 5*time.Second),
			doc: "on SIGINT/SIGTERM, how long requests in flight may take to finish before the store closes (keep it below the orchestrator's kill timeout)"},
		{name: "MAX_IN_FLIGHT", def: strconv.Itoa(hdef.MaxInFlight), value: number(&c.MaxInFlight, 1, math.MaxInt, "a number ≥ 1"),
			doc: "requests served at once; more get 503 with `Retry-After: 1` at once instead of queueing (bounds memory and latency under a burst). An export counts until its last byte is sent"},
		{name: "EXPORT_MAX_CONCURRENT", def: strconv.Itoa(hdef.ExportMaxConcurrent), value: number(&c.ExportMaxConc, 1, math.MaxInt, "a number ≥ 1"),
			doc: "CSV/GeoJSON exports (`/v1/export/*`, `/v1/opendata/*`) streaming at once, each a full scan of the store; more get 503 with `Retry-After: 30`"},
		{name: "READ_TIMEOUT", def: formatDuration(hdef.ReadTimeout), value: duration(&s.ReadTimeout, 100*time.Millisecond),
			doc: "a request (headers and body) must arrive within this; slower clients are cut"},
		{name: "WRITE_TIMEOUT", def: formatDuration(hdef.WriteTimeout), value: duration(&s.WriteTimeout, 100*time.Millisecond),
			doc: "a response must be written within this"},
		{name: "IDLE_TIMEOUT", def: formatDuration(hdef.IdleTimeout), value: duration(&s.IdleTimeout, 100*time.Millisecond),
			doc: "an idle keep-alive connection closes after this"},
		{name: "RATE_LIMITS", def: formatRateLimits(adef.RateLimits), value: parsed(&s.RateLimits, app.ParseRateLimits, formatRateLimits),
			doc: "store-backed limits (shared by every instance) as `name=max/window`, or `name=off`; a name left out keeps its default; past one: 429 with `Retry-After`; every answer they count says what is left (`RateLimit-Policy`, `RateLimit`). Per-address limits count an IPv6 client by its /64 and are high because carriers put many phones behind one address. A retry of a report already filed (same `Idempotency-Key`) answers with its ticket whatever the limits"},
		// The bound is the per-address limit: below it, one address could lock a username for
		// everyone.
		{name: "LOGIN_USER_MAX_FAILURES", def: strconv.Itoa(adef.LoginUserMaxFailures),
			value: number(&s.LoginUserMaxFailures, adef.LoginMaxFailures, math.MaxInt,
				fmt.Sprintf("a number ≥ %d (the per-address limit), such as %d", adef.LoginMaxFailures, adef.LoginUserMaxFailures)),
			doc: fmt.Sprintf("failed password sign-ins of one username from all addresses together, per 15-minute window, after which it is locked for every address (one address is locked out of a username after %d; an IPv6 client counts by its /64)", adef.LoginMaxFailures)},
		{name: "REQUIRE_2FA", def: "false", value: oneOf(&s.Require2FA, "false", "true"),
			doc: "`true`: administrators and the IOC roles must have a second factor (TOTP); until they enrol one, their tokens reach only `POST /v1/me/2fa/enroll`, `POST /v1/me/2fa/confirm`, `GET /v1/me` and sign-out, and every other route answers 403 `second_factor_enrolment_required`. Officers and leaders may enrol either way"},
		{name: "PRIVACY_NOTICE_VERSION", def: strconv.Itoa(app.PrivacyNoticeVersion),
			value: number(&c.PrivacyNoticeVersion, app.PrivacyNoticeVersion, math.MaxInt, fmt.Sprintf("a number ≥ %d (the notice this release ships)", app.PrivacyNoticeVersion)),
			doc:   "version of the privacy notice in force (`GET /v1/privacy`); raising it asks every resident to accept the notice again before filing, uploading or registering a device (403 `consent_required`). Releases that change the notice's text raise the default; set it for tests and staging"},
		{name: "OTP_PER_PHONE_DAY", def: strconv.Itoa(adef.OTPPerPhoneDay),
			value: number(&s.OTPPerPhoneDay, 1, math.MaxInt, fmt.Sprintf("a number ≥ 1, such as %d", adef.OTPPerPhoneDay)),
			doc:   fmt.Sprintf("sign-in codes sent to one phone per day (UTC) from all addresses together, against SMS bombing; the 15-minute limit of %d per phone counts per phone and address", adef.OTPPerPhone)},
		{name: "TRUSTED_PROXIES", value: parsed(&s.TrustedProxies, handlers.ParseTrustedProxies, formatPrefixes),
			doc: "addresses or CIDRs of your reverse proxies; only from them are `X-Forwarded-For` (read from the right, so it cannot dodge per-address limits), `X-Forwarded-Host` and `X-Forwarded-Proto` (which the proxy must set, not append to) believed"},
		{name: "PUBLIC_BASE_URL", value: parsed(&s.PublicBaseURL, handlers.ParsePublicBaseURL, verbatim),
			doc: "e.g. `https://phananh.angiang.gov.vn`: when set, the only base of absolute URLs (Open311 discovery, `media_url`), whatever the request's headers, and console cookies are `Secure` if it is https"},
		{name: "HSTS_MAX_AGE", def: strconv.Itoa(hdef.HSTSMaxAge), shownDef: "`0` (off)",
			value: number(&s.HSTSMaxAge, 0, math.MaxInt, "a number of seconds ≥ 0, such as 31536000 (0: off)"),
			doc:   "seconds; when set, every response carries `Strict-Transport-Security: max-age=N; includeSubDomains` (set it only once the whole domain and its subdomains are served over HTTPS)"},
		{name: "LOG_LEVEL", def: "info", value: oneOf(&c.LogLevel, "debug", "info", "warn", "error"),
			doc: "`log/slog` level: `debug`, `info`, `warn` or `error`"},
		{name: "LOG_FORMAT", def: "json", value: oneOf(&c.LogFormat, "json", "text"),
			doc: "`json` or `text`"},
		{name: "CONSOLE_TILE_URL", secret: secretInURL, value: text(&c.ConsoleTileURL),
			doc: "base-map tiles under the console's ward maps, `{z}/{x}/{y}` template; unset: outlines only (offline)"},
		{name: "OTEL_EXPORTER_OTLP_ENDPOINT", secret: secretInURL, value: text(&c.OTLPEndpoint),
			doc: "base URL of an OpenTelemetry collector (OTLP over HTTP, e.g. `http://otel-collector:4318`); set, it or the next turns tracing on; unset: no tracing, at no cost. The exporter reads the other standard variables itself: `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_TRACES_SAMPLER`, `OTEL_BSP_SCHEDULE_DELAY`, `OTEL_SERVICE_NAME` …"},
		{name: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", secret: secretInURL, value: text(&c.OTLPTracesEndpoint),
			doc: "full URL for traces only (e.g. `http://otel-collector:4318/v1/traces`), instead of the base URL above"},
		{name: "FCM_PROJECT_ID", value: text(&p.ProjectID),
			doc: "Firebase project for push notifications; unset: push disabled (logged at start), messages stay queued"},
		{name: "FCM_CREDENTIALS_FILE", value: text(&p.CredentialsFile),
			doc: "service-account JSON; unset: Application Default Credentials"},
		{name: "FCM_ENDPOINT", def: push.DefaultEndpoint, secret: secretInURL, value: text(&p.Endpoint),
			doc: "FCM base URL; set without credentials, requests go unauthenticated (the fake server `push/fcmtest`, local development)"},
		{name: "PUSH_BATCH", def: strconv.Itoa(pdef.Batch),
			value: number(&p.Batch, 1, push.MaxBatch, fmt.Sprintf("a number from 1 to %d", push.MaxBatch)),
			doc:   fmt.Sprintf("messages per `SendEach` call (1–%d)", push.MaxBatch)},
		{name: "PUSH_INTERVAL", def: formatDuration(pdef.Interval), value: duration(&p.Interval, 10*time.Millisecond),
			doc: "pause between outbox polls when idle"},
		{name: "PUSH_LEASE", def: formatDuration(pdef.Lease), value: duration(&p.Lease, time.Second),
			doc: "how long a claimed batch belongs to one instance (after a crash, its batch is sent again once this expires)"},
		{name: "PUSH_CONCURRENCY", def: "1",
			value: number(&p.Concurrency, 1, maxPushConcurrency, fmt.Sprintf("a number from 1 to %d", maxPushConcurrency)),
			doc:   fmt.Sprintf("batches one instance claims and sends at once (1–%d), each under its own lease, 50 requests in flight per batch; more overlaps the store's work with sending, but a crash may then repeat that many batches instead of one", maxPushConcurrency)},
		{name: "MEDIA_MAX_IMAGE_BYTES", def: strconv.FormatInt(mdef.MaxImageBytes, 10), value: number(&m.MaxImageBytes, 1, math.MaxInt64, "a positive number"),
			doc: "largest photo upload, bytes"},
		{name: "MEDIA_MAX_VIDEO_BYTES", def: strconv.FormatInt(mdef.MaxVideoBytes, 10), value: number(&m.MaxVideoBytes, 1, math.MaxInt64, "a positive number"),
			doc: "largest video upload, bytes"},
		{name: "MEDIA_MAX_PIXELS", def: strconv.FormatInt(mdef.MaxPixels, 10), value: number(&m.MaxPixels, 1, math.MaxInt64, "a positive number"),
			doc: "larger images are refused from their header, before decoding"},
		{name: "MEDIA_ORPHAN_TTL", def: formatDuration(mdef.OrphanTTL), value: duration(&m.OrphanTTL, 0),
			doc: "unattached uploads older than this are deleted"},
		{name: "MEDIA_GC_INTERVAL", def: "10m", value: duration(&m.GCInterval, 50*time.Millisecond),
			doc: "how often the collector looks for unattached uploads"},
		{name: "MEDIA_PROCESSING", def: strconv.Itoa(mdef.Processing), value: number(&m.Processing, 1, math.MaxInt, "a positive number"),
			doc: "uploads decoded or stored at the same time (a 40-megapixel decode takes ~160 MB)"},
		{name: "MEDIA_TEMP_DIR", shownDef: "`$DATA_DIR/" + mediaStagingName + "`", value: text(&m.TempDir),
			doc: "uploads being received and resumable uploads (local disk)"},
		{name: "MEDIA_PENDING_MAX_BYTES", def: strconv.FormatInt(mdef.PendingMaxBytes, 10),
			value: number(&m.PendingMaxBytes, 0, math.MaxInt64, "a number of bytes, or 0 for no limit"),
			doc:   "bytes one account may hold in uploads not yet attached to a report (resumable ones by declared length); past it 413 until they are filed or expire; `0` = no bound"},
		{name: "MEDIA_DAILY_MAX_BYTES", def: strconv.FormatInt(mdef.DailyMaxBytes, 10),
			value: number(&m.DailyMaxBytes, 0, math.MaxInt64, "a number of bytes, or 0 for no limit"),
			doc:   "bytes one account may store per 24 h window (UTC days), counted in the store; past it 429 with `Retry-After`; `0` = no bound"},
	}
}

// text is a variable taken as it is.
func text(p *string) field {
	return parsed(p, func(v string) (string, error) { return v, nil }, verbatim)
}

// verbatim shows a string setting as it is stored.
func verbatim(v string) string { return v }

// oneOf is a variable with a few allowed words.
func oneOf(p *string, words ...string) field {
	return field{
		set: func(v string, s setting) error {
			if !slices.Contains(words, v) {
				return fmt.Errorf("%s must be %s, not %q", s.name, strings.Join(words, " or "), v)
			}
			*p = v
			return nil
		},
		show: func() string { return *p },
	}
}

// number is a decimal integer from lo to hi; rule completes "NAME must be …" when it is not.
func number[T int | int64](p *T, lo, hi T, rule string) field {
	return field{
		set: func(v string, s setting) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < int64(lo) || n > int64(hi) {
				return fmt.Errorf("%s must be %s", s.name, rule)
			}
			*p = T(n)
			return nil
		},
		show: func() string { return strconv.FormatInt(int64(*p), 10) },
	}
}

// duration is a Go duration of at least min, or any positive one when min is 0; the error gives
// the default as the example.
func duration(p *time.Duration, min time.Duration) field {
	return field{
		set: func(v string, s setting) error {
			d, err := time.ParseDuration(v)
			switch {
			case min == 0 && (err != nil || d <= 0):
				return fmt.Errorf("%s must be a positive duration such as %s", s.name, s.def)
			case err != nil || d < min:
				return fmt.Errorf("%s must be a duration of at least %s, such as %s", s.name, formatDuration(min), s.def)
			}
			*p = d
			return nil
		},
		show: func() string { return formatDuration(*p) },
	}
}

// parsed is a variable read by a parser that checks it and names the variable in its errors.
func parsed[T any](p *T, parse func(string) (T, error), format func(T) string) field {
	return field{
		set: func(v string, _ setting) error {
			x, err := parse(v)
			if err != nil {
				return err
			}
			*p = x
			return nil
		},
		show: func() string { return format(*p) },
	}
}

// formatDuration is d as a person writes it: 168h and 2m rather than 168h0m0s and 2m0s.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// formatRateLimits writes limits as RATE_LIMITS reads them, every known name in order, the ones
// absent as name=off: ParseRateLimits starts from the defaults, so leaving a name out would
// bring its default back.
func formatRateLimits(limits app.RateLimits) string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(app.DefaultRateLimits())) {
		if l, ok := limits[name]; ok {
			parts = append(parts, fmt.Sprintf("%s=%d/%s", name, l.Max, formatDuration(l.Window)))
		} else {
			parts = append(parts, name+"=off")
		}
	}
	return strings.Join(parts, ",")
}

// formatPrefixes writes TRUSTED_PROXIES back; a single address shows as its /32 or /128.
func formatPrefixes(ps []netip.Prefix) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

// formatOfficeHours writes OFFICE_HOURS back.
func formatOfficeHours(hours [][2]string) string {
	parts := make([]string, len(hours))
	for i, h := range hours {
		parts[i] = h[0] + "-" + h[1]
	}
	return strings.Join(parts, ",")
}
