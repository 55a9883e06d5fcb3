package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"phananh/handlers"
	"phananh/models"
)

// config is everything read from the environment; each field has a safe default.
type config struct {
	// Env is ENV: development (the default, so `go run ./cmd/phananh` works with no settings)
	// or production, which refuses settings only fit for a developer's machine.
	Env            string
	Addr           string
	DataDir        string
	MongoURI       string
	MongoDatabase  string
	BoundarySet    string
	SMSDriver      string
	SMSHTTPURL     string
	SMSHTTPTmpl    string
	SMSHTTPAuth    string
	JWTKeyFile     string
	JWTIssuer      string
	JWTAudience    string
	JWTVerifyKeys  string // comma-separated PEM files of keys still trusted for verification (rotation)
	OfficeHours    [][2]string
	HolidaysFile   string
	LogLevel       string
	LogFormat      string
	BodyLimit      int
	RequestTimeout time.Duration
	MaxInFlight    int
	ExportMaxConc  int // EXPORT_MAX_CONCURRENT: export streams running at once (handlers/export.go)
	CodePrefix     string
	ConsoleTileURL string // CONSOLE_TILE_URL: base-map tiles under the console's ward maps; none by default
	ReopenWindow   time.Duration
	ReopenMax      int
	SLAInterval    time.Duration
	ShutdownGrace  time.Duration
	Push           pushEnv     // FCM_* and PUSH_* (push.go)
	Media          mediaEnv    // MEDIA_* (media.go)
	Security       securityEnv // RATE_LIMITS, TRUSTED_PROXIES, *_TIMEOUT (security.go)
}

// loadConfig reads the configuration from getenv (os.Getenv in production, a map in tests).
func loadConfig(getenv func(string) string) (config, error) {
	get := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	c := config{
		Env:            get("ENV", "development"),
		Addr:           get("ADDR", ":8080"),
		DataDir:        get("DATA_DIR", "./data"),
		MongoURI:       get("MONGODB_URI", ""),
		MongoDatabase:  get("MONGODB_DATABASE", "phananh"),
		BoundarySet:    get("BOUNDARY_SET", "longxuyen-2023"),
		SMSDriver:      get("SMS_DRIVER", "log"),
		SMSHTTPURL:     get("SMS_HTTP_URL", ""),
		SMSHTTPTmpl:    get("SMS_HTTP_TEMPLATE", ""),
		SMSHTTPAuth:    get("SMS_HTTP_AUTHORIZATION", ""),
		JWTIssuer:      get("JWT_ISSUER", "phananh"),
		JWTAudience:    get("JWT_AUDIENCE", "phananh-api"),
		JWTVerifyKeys:  get("JWT_VERIFY_KEY_FILES", ""),
		HolidaysFile:   get("HOLIDAYS_FILE", ""),
		LogLevel:       get("LOG_LEVEL", "info"),
		LogFormat:      get("LOG_FORMAT", "json"),
		CodePrefix:     get("TICKET_CODE_PREFIX", "LX"),
		ConsoleTileURL: get("CONSOLE_TILE_URL", ""),
	}
	c.JWTKeyFile = get("JWT_KEY_FILE", filepath.Join(c.DataDir, "jwt-ed25519.pem"))
	var err error
	if c.BodyLimit, err = strconv.Atoi(get("BODY_LIMIT", "1048576")); err != nil || c.BodyLimit < 1024 {
		return c, fmt.Errorf("BODY_LIMIT must be a number of bytes ≥ 1024")
	}
	if c.RequestTimeout, err = time.ParseDuration(get("REQUEST_TIMEOUT", "10s")); err != nil || c.RequestTimeout <= 0 {
		return c, fmt.Errorf("REQUEST_TIMEOUT must be a positive duration such as 10s")
	}
	if c.MaxInFlight, err = strconv.Atoi(get("MAX_IN_FLIGHT", "512")); err != nil || c.MaxInFlight < 1 {
		return c, fmt.Errorf("MAX_IN_FLIGHT must be a number ≥ 1")
	}
	if c.ExportMaxConc, err = strconv.Atoi(get("EXPORT_MAX_CONCURRENT", strconv.Itoa(handlers.DefaultConfig().ExportMaxConcurrent))); err != nil || c.ExportMaxConc < 1 {
		return c, fmt.Errorf("EXPORT_MAX_CONCURRENT must be a number ≥ 1")
	}
	if c.ReopenWindow, err = time.ParseDuration(get("REOPEN_WINDOW", "168h")); err != nil || c.ReopenWindow <= 0 {
		return c, fmt.Errorf("REOPEN_WINDOW must be a positive duration such as 168h")
	}
	if c.ReopenMax, err = strconv.Atoi(get("REOPEN_MAX", "1")); err != nil || c.ReopenMax < 0 {
		return c, fmt.Errorf("REOPEN_MAX must be a number ≥ 0")
	}
	if c.SLAInterval, err = time.ParseDuration(get("SLA_INTERVAL", "1m")); err != nil || c.SLAInterval < 50*time.Millisecond {
		return c, fmt.Errorf("SLA_INTERVAL must be a duration of at least 50ms, such as 1m")
	}
	if c.ShutdownGrace, err = time.ParseDuration(get("SHUTDOWN_GRACE", "20s")); err != nil || c.ShutdownGrace < 5*time.Second {
		return c, fmt.Errorf("SHUTDOWN_GRACE must be a duration of at least 5s, such as 20s")
	}
	if c.Push, err = loadPushEnv(get); err != nil {
		return c, err
	}
	if c.Media, err = loadMediaEnv(get, c.DataDir); err != nil {
		return c, err
	}
	if c.Security, err = loadSecurityEnv(get); err != nil {
		return c, err
	}
	if c.OfficeHours, err = parseOfficeHours(get("OFFICE_HOURS", "07:00-11:30,13:00-17:00")); err != nil {
		return c, err
	}
	switch c.SMSDriver {
	case "log":
	case "http":
		if c.SMSHTTPURL == "" {
			return c, fmt.Errorf("SMS_DRIVER=http needs SMS_HTTP_URL")
		}
	default:
		return c, fmt.Errorf("SMS_DRIVER must be log or http, not %q", c.SMSDriver)
	}
	switch c.Env {
	case "development":
	case "production":
		// The log driver writes every sign-in code, with its phone number, to the log, where
		// anyone who reads the logs can sign in as anyone: acceptable on a laptop only.
		if c.SMSDriver == "log" {
			return c, fmt.Errorf("ENV=production needs SMS_DRIVER=http (with SMS_HTTP_URL): SMS_DRIVER=log, the default, writes every sign-in code and phone number to the log")
		}
	default:
		return c, fmt.Errorf("ENV must be development or production, not %q", c.Env)
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return c, fmt.Errorf("LOG_FORMAT must be json or text")
	}
	return c, nil
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
