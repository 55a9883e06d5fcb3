// Command phananh is the whole backend in one binary: `phananh` (or `phananh serve`) serves the
// API and runs the background workers; `phananh config` prints the effective configuration;
// `phananh admin …` manages accounts, machine keys, statistics and boundary sets, migrates,
// backs up, restores and checks a deployment (`phananh help` lists the commands). The package reads the configuration from the environment (settings.go)
// and wires the other packages together explicitly (buildService, serve); every decision lives
// in them.
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"phananh/app"
	"phananh/handlers"
	"phananh/models"
	"phananh/seed"
	"phananh/sms"
	"phananh/store/mongodb"
	"phananh/store/sqlite"
	"phananh/telemetry"
	"phananh/tokens"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "phananh:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  phananh [serve]                                         serve the API (configuration from the environment)
  phananh config [-markdown]                              print the effective configuration (credentials hidden), or fail
                                                          with what is wrong with it; -markdown: the README's table of settings
  phananh admin user create --role ROLE --username NAME [--unit UNIT_ID]   (password from stdin)
  phananh admin user passwd --username NAME               set a new password (from stdin); signs the account out everywhere
  phananh admin user list [--q TEXT] [--role ROLE] [--unit UNIT_ID] [--disabled true|false]
                                                          list officials: id, username, role, unit, display name, state
  phananh admin user disable --username NAME|PHONE --reason TEXT
                                                          disable an official or block a resident; sessions end within seconds
  phananh admin user enable --username NAME|PHONE         enable an account again
  phananh admin user move --username NAME [--role ROLE] [--unit UNIT_ID]
                                                          move an official to another unit and/or role; its tokens end at once
  phananh admin user reset --username NAME                print a new one-time password (must be changed at the next sign-in)
  phananh admin user reset-2fa --username NAME            turn an official's second factor off (a lost phone); sessions end
  phananh admin apikey create --name NAME --scope open311|stats|feed|export [--expires RFC3339]
                                                          print a new machine key (shown only once)
  phananh admin apikey list                               list machine keys: id, scope, prefix, created, last used, expiry, revocation
  phananh admin apikey revoke --id ID                     revoke a machine key; the next request carrying it is refused
  phananh admin calendar list                             the working calendar in force: each year's days off and swapped working days
  phananh admin calendar set --year YEAR --days-off D,D… [--swapped D,…]
                                                          enter or replace a year (dates YYYY-MM-DD); open tickets' deadlines follow
  phananh admin audit verify                              walk the audit log's hash chain: the number of records and OK, or fail
                                                          naming the first edited record or the one after deleted ones
  phananh admin unit list                                 list units: id, kind, area, state, names
  phananh admin unit create --id ID --kind KIND --name NAME [--name-en NAME] [--area AREA_CODE]
                                                          create a unit (a ward's with --area, else city-level)
  phananh admin unit rename --id ID [--name NAME] [--name-en NAME]
  phananh admin unit disable|enable --id ID               stop or resume routing to a unit; refused while a category
                                                          would be left without a unit in some area
  phananh admin category list                             list categories with deadlines, privacy, policy version, state
  phananh admin category edit --code CODE [--name NAME] [--name-en NAME] [--triage N:UNIT] [--resolve N:UNIT]
                              [--priority normal|urgent] [--private true|false] [--contact true|false]
                              [--info-wait DAYS] [--info-wait-policy close|return]
                                                          edit a category; UNIT is working_hours, working_days or
                                                          clock_hours; a deadline or privacy change is a new policy version;
                                                          --info-wait caps the wait for the resident in working days
  phananh admin category deactivate|activate --code CODE  stop or resume offering a category for new reports
  phananh admin route list                                list routing overrides: category, area, unit
  phananh admin route add --category CODE --area AREA_CODE --unit UNIT_ID
                                                          route a category in an area to a unit
  phananh admin route remove --category CODE --area AREA_CODE
  phananh admin switchover schedule --to SET --at RFC3339 --in-progress stay|follow [--map OLD=NEW,…]
                                                          switch to another boundary set at an instant: received tickets are
                                                          re-routed, officials and (with follow) tickets in progress follow their unit
  phananh admin switchover list                           switch-overs with their state and result
  phananh admin switchover cancel --id ID                 call off a scheduled switch-over
  phananh admin retention run [--now RFC3339]             one pass of the retention worker (RETENTION_*) as of now or --now, under
                                                          its lease: de-identify, delete media, expire codes and tokens, remove old audit records
  phananh admin sla run [--now RFC3339]                   one pass of the SLA worker as of now or --now: reminders, escalations,
                                                          auto-closes and the cap on waiting for the resident (safe beside running servers)
  phananh admin reports run [--now RFC3339]               make last month's periodic reports (by unit and by ward) if they
                                                          are due as of now or --now (the first working day, 07:00) and not archived
  phananh admin stats rebuild                             recompute every statistics fact from the tickets
  phananh admin boundaries check --id ID FILE.geojson[.gz]   the set's overlaps and gaps, and what it changes against the active set
  phananh admin boundaries import --id ID --name NAME FILE.geojson[.gz]   the same report, then store the set
  phananh admin migrate [--dry-run]                       apply (or only list) the store's pending schema migrations
  phananh admin doctor                                    check the deployment: store, key, disk, SMS, FCM, clock, boundary set
  phananh admin backup --out FILE [--include-keys]        a consistent backup of the SQLite store and its media, taken while the
                                                          server runs; --include-keys adds the JWT signing key
  phananh admin restore FILE                              restore a backup into an empty or new DATA_DIR, once every checksum matches`

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "config" {
		// Before loadConfig: the table of settings needs no valid environment, and an invalid
		// one is this command's answer rather than a failure to start it.
		return configCommand(args[1:], getenv, stdout)
	}
	if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "admin" && len(args) < 3 && !oneWordAdmin(args[1:])) {
		// Help needs no valid configuration: it is what a person reads to write one. An admin
		// command without its noun and verb is a person asking which ones exist.
		fmt.Fprintln(stdout, usage)
		return nil
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	switch {
	case len(args) >= 2 && args[0] == "admin":
		// Admin commands talk to a person: only warnings and errors go to stderr unless
		// LOG_LEVEL asks for more.
		if getenv("LOG_LEVEL") == "" {
			cfg.LogLevel = "warn"
		}
		return adminCommand(ctx, cfg, newLogger(cfg, stderr), args[1:], stdin, stdout)
	case len(args) == 0 || args[0] == "serve":
		return serve(ctx, cfg, log, stdout)
	}
	return fmt.Errorf("unknown command %q\n%s", strings.Join(args, " "), usage)
}

// oneWordAdmin reports whether args (after "admin") name an admin command without a verb.
func oneWordAdmin(args []string) bool {
	return len(args) > 0 && (args[0] == "migrate" || args[0] == "doctor" || archiveCommand(args[0]))
}

// adminCommand runs `phananh admin …`: the one-word commands that must not open the store
// first (a dry run, a check, a backup or a restore into an empty directory), or a noun and verb.
func adminCommand(ctx context.Context, cfg config, log *slog.Logger, args []string, stdin io.Reader, stdout io.Writer) error {
	switch {
	case args[0] == "migrate":
		return adminMigrate(ctx, cfg, log, args[1:], stdout)
	case args[0] == "doctor" && len(args) == 1:
		return adminDoctor(ctx, cfg, log, stdout)
	case archiveCommand(args[0]):
		return adminArchive(ctx, cfg, args[0], args[1:], stdout)
	case len(args) < 2:
		return fmt.Errorf("unknown command admin %s\n%s", strings.Join(args, " "), usage)
	}
	return admin(ctx, cfg, log, args[0], args[1], args[2:], stdin, stdout)
}

func newLogger(cfg config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// openStore opens MongoDB when MONGODB_URI is set, else SQLite under the data directory, which
// it makes owner-only either way (it also holds the signing key and staged uploads).
func openStore(ctx context.Context, cfg config, log *slog.Logger) (app.Store, error) {
	if err := ownerOnlyDir(cfg.DataDir, log); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	if cfg.MongoURI != "" {
		s, err := mongodb.Open(ctx, cfg.MongoURI, cfg.MongoDatabase)
		if err != nil {
			return nil, err
		}
		f := s.Features()
		log.Info("store: mongodb", "database", cfg.MongoDatabase, "ferretdb", f.FerretDB, "replica_set", f.ReplicaSet,
			"sharded", f.Sharded, "native_features", f.Native)
		return s, nil
	}
	path := filepath.Join(cfg.DataDir, "phananh.db")
	log.Info("store: sqlite", "path", path, "driver", sqlite.DriverName)
	return sqlite.Open(ctx, path)
}

// bootstrap makes a fresh store usable: the active boundary set with its ward units, the
// city-level units and the default categories, merged once per reference-data version
// (app.MergeReferenceData). It never overwrites what an administrator changed: existing units
// and categories are left as they are.
func bootstrap(ctx context.Context, store app.Store, cfg config, log *slog.Logger, now time.Time) error {
	sets, err := store.BoundarySets(ctx)
	if err != nil {
		return err
	}
	have := false
	for _, s := range sets {
		have = have || s.ID == cfg.BoundarySet
	}
	if !have {
		var name string
		for _, f := range seed.BoundaryFiles() {
			if f.ID == cfg.BoundarySet {
				name = f.Name
			}
		}
		if name == "" {
			return fmt.Errorf("boundary set %q is neither imported nor shipped; import it with `phananh admin boundaries import`", cfg.BoundarySet)
		}
		data, err := seed.BoundaryGeoJSON(cfg.BoundarySet)
		if err != nil {
			return err
		}
		if _, err := app.ImportBoundarySet(ctx, store, cfg.BoundarySet, name, data, now); err != nil {
			return err
		}
		log.Info("imported boundary set", "id", cfg.BoundarySet)
	}
	cats, units, err := app.MergeReferenceData(ctx, store, seed.ReferenceDataVersion, seed.Categories(), seed.CityUnits(), now)
	if err != nil {
		return fmt.Errorf("merge reference data version %d: %w", seed.ReferenceDataVersion, err)
	}
	if cats+units > 0 {
		log.Info("merged shipped reference data", "version", seed.ReferenceDataVersion, "new_categories", cats, "new_units", units)
	}
	return nil
}

// newService opens the store, measured and traced by tel, bootstraps it and builds the app; the
// caller closes the store.
func newService(ctx context.Context, cfg config, log *slog.Logger, tel *telemetry.Telemetry) (*app.App, app.Store, error) {
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	system := "sqlite"
	if cfg.MongoURI != "" {
		system = "mongodb"
	}
	store = tel.InstrumentStore(store, system)
	svc, err := buildService(ctx, store, cfg, log, tel)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return svc, store, nil
}

// buildService bootstraps store and builds the app on it; tel, when not nil, observes and
// traces the app's work.
func buildService(ctx context.Context, store app.Store, cfg config, log *slog.Logger, tel *telemetry.Telemetry) (*app.App, error) {
	if err := bootstrap(ctx, store, cfg, log, time.Now()); err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	set, err := app.LoadBoundarySet(ctx, store, cfg.BoundarySet)
	if err != nil {
		return nil, err
	}
	holidays := seed.HolidayCalendar()
	if cfg.HolidaysFile != "" {
		if holidays, err = os.ReadFile(cfg.HolidaysFile); err != nil {
			return nil, fmt.Errorf("HOLIDAYS_FILE: %w", err)
		}
	}
	shipped, err := models.ParseCalendar(holidays, cfg.OfficeHours)
	if err != nil {
		return nil, err
	}
	cal := app.NewWorkingCalendar(shipped) // with the years administrators entered, once New loads them
	key, err := tokens.LoadOrCreateKey(cfg.JWTKeyFile, nil)
	if err != nil {
		return nil, err
	}
	verifyKeys, err := tokens.LoadVerifyKeys(cfg.JWTVerifyKeys)
	if err != nil {
		return nil, fmt.Errorf("JWT_VERIFY_KEY_FILES: %w", err)
	}
	var sender app.SMSSender = sms.NewLog(log)
	if cfg.SMSDriver == "http" {
		h := map[string]string{}
		if cfg.SMSHTTPAuth != "" {
			h["Authorization"] = cfg.SMSHTTPAuth
		}
		if sender, err = sms.NewHTTP(sms.HTTPConfig{URL: cfg.SMSHTTPURL, Template: cfg.SMSHTTPTmpl, Header: h, Timeout: 10 * time.Second}); err != nil {
			return nil, fmt.Errorf("SMS: %w", err)
		}
	}
	acfg := app.DefaultConfig()
	acfg.CodePrefix = cfg.CodePrefix
	acfg.ReopenWindow = cfg.ReopenWindow
	acfg.ReopenMax = cfg.ReopenMax
	acfg.TransferLimit = cfg.TransferLimit
	// Pseudonyms must be stable across restarts and instances and unguessable: derive their key
	// from the signing key every instance shares.
	pk := sha256.Sum256(append([]byte("phananh pseudonyms\x00"), key.Seed()...))
	acfg.PseudonymKey = pk[:]
	// The officials' TOTP secrets are encrypted in the store with a key derived the same way.
	tk := sha256.Sum256(append([]byte("phananh second factors\x00"), key.Seed()...))
	acfg.TwoFactorKey = tk[:]
	cfg.Security.applyApp(&acfg)
	acfg.PrivacyNoticeVersion = cfg.PrivacyNoticeVersion
	acfg.Media = cfg.Media.appConfig()
	acfg.Retention = cfg.Retention
	if err := ownerOnlyDir(acfg.Media.TempDir, log); err != nil {
		return nil, fmt.Errorf("MEDIA_TEMP_DIR: %w", err)
	}
	deps := app.Deps{
		Store: store, SMS: sender, Tokens: tokens.New(key, cfg.JWTIssuer, cfg.JWTAudience, verifyKeys...),
		Boundaries: set, Calendar: cal, Logger: log, Now: time.Now, Config: acfg,
		// Statistics facts and the change feed follow every ticket change (app/stats_facts.go, app/feed.go).
		Effects: []app.Effect{app.NewFactsEffect(store, cal), app.NewFeedEffect(store), app.NewPushOutbox(store, cfg.Push.appConfig(), time.Now, log)},
	}
	if tel != nil {
		deps.Observer, deps.Spans = tel.Observer(), tel.Spans()
	}
	return app.New(ctx, deps)
}

func serve(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	if cfg.SMSDriver == "log" {
		// Refused outright with ENV=production (loadConfig); elsewhere it must not go unnoticed.
		log.Warn("SMS_DRIVER=log: sign-in codes are written to this log; set SMS_DRIVER=http for production")
	}
	tel, flushTraces, err := newTelemetry(ctx, cfg, log)
	if err != nil {
		return err
	}
	svc, store, err := newService(ctx, cfg, log, tel)
	if err != nil {
		return err
	}
	defer store.Close()
	if user, pass, created, err := svc.Auth.EnsureAdmin(ctx); err != nil {
		return fmt.Errorf("create administrator: %w", err)
	} else if created {
		if err := announceAdminPassword(cfg, log, stdout, user, pass); err != nil {
			return err
		}
	}
	srv, err := handlers.New(svc, log, handlersConfig(cfg, tel))
	if err != nil {
		return err
	}
	if err := tel.WatchApp(svc, store, time.Now); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	stopMetrics, err := serveMetrics(cfg, tel, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	log.Info("listening", "addr", ln.Addr().String(), "boundary_set", svc.Catalog.BoundarySet().ID()) // a switch-over may have replaced BOUNDARY_SET

	workerCtx, stopWorkers := context.WithCancel(context.Background())
	defer stopWorkers()
	var workers sync.WaitGroup
	holder, _ := os.Hostname()
	holder = fmt.Sprintf("%s/%d/%d", holder, os.Getpid(), time.Now().UnixNano())
	workers.Go(func() { svc.Tickets.RunSweeps(workerCtx, holder, cfg.SLAInterval) })
	workers.Go(func() { svc.Calendar.RunRefresh(workerCtx, refreshInterval) })
	workers.Go(func() { svc.Boundaries.RunSwitchOvers(workerCtx, holder, refreshInterval) })
	workers.Go(func() { svc.Media.RunMediaGC(workerCtx, holder, cfg.Media.GCInterval) })
	workers.Go(func() { svc.Erasure.RunRetention(workerCtx, holder) })
	// Catalog changes made on another instance or by the command line are served within this.
	workers.Go(func() { svc.Catalog.WatchCatalog(workerCtx, app.CatalogWatchInterval) })
	workers.Go(func() { runBackups(workerCtx, cfg.Backup, store, log, holder) })
	// The officials' live queues follow the change feed while anyone listens.
	workers.Go(func() { svc.Live.RunLive(workerCtx, app.LiveInterval) })
	// Last month's periodic reports, made on the first working day of each month.
	workers.Go(func() { svc.Reports.RunSchedule(workerCtx, app.ReportScheduleInterval) })
	if err := startPush(workerCtx, cfg.Push, svc, store, log, holder, &workers, tel); err != nil {
		ln.Close()
		return err
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Listener(handlers.Listener(ln)) }()
	var serveErr error
	select {
	case err := <-errc:
		serveErr = fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	stop(cfg, svc, srv, holder, log, stopWorkers, &workers)
	stopMetrics(context.Background())
	flushCtx, cancelFlush := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelFlush()
	flushTraces(flushCtx)
	log.Info("stopped")
	return serveErr
}

// handlersConfig is the transport's configuration from the environment, observed by tel.
func handlersConfig(cfg config, tel *telemetry.Telemetry) handlers.Config {
	hcfg := handlers.DefaultConfig()
	hcfg.BodyLimit = cfg.BodyLimit
	hcfg.RequestTimeout = cfg.RequestTimeout
	hcfg.MaxInFlight = cfg.MaxInFlight
	hcfg.ExportMaxConcurrent = cfg.ExportMaxConc
	cfg.Security.apply(&hcfg)
	hcfg.ConsoleTileURL = cfg.ConsoleTileURL
	if obs := tel.Requests(); obs != nil {
		hcfg.Observer = obs
	}
	return hcfg
}

// stop is the graceful stop of serve: the event streams, the HTTP server within SHUTDOWN_GRACE, then the workers,
// then the effects left pending; the store is closed after it returns.
func stop(cfg config, svc *app.App, srv interface{ ShutdownWithContext(context.Context) error }, holder string, log *slog.Logger, stopWorkers func(), workers *sync.WaitGroup) {
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	svc.Live.Close() // open event streams end now instead of holding the shutdown for minutes
	if err := srv.ShutdownWithContext(shutdownCtx); err != nil {
		log.Error("shutdown", "error", err)
	}
	// Then the workers, then the store (deferred in serve), so nothing writes to a closed store.
	stopWorkers()
	workers.Wait()
	// Effects the requests could not finish within their deadline are completed now, within
	// the grace period less three seconds to close the store and exit in (one second was not
	// enough for a MongoDB disconnect on a loaded machine), instead of waiting for another
	// instance's sweeper (app.FinishEffects).
	grace, _ := shutdownCtx.Deadline()
	finishCtx, cancelFinish := context.WithDeadline(shutdownCtx, grace.Add(-3*time.Second))
	defer cancelFinish()
	if n, err := svc.Tickets.FinishEffects(finishCtx, holder); err != nil {
		log.Warn("effects left pending at stop; another instance's sweeper completes them", "completed", n, "error", err)
	} else if n > 0 {
		log.Info("effects completed at stop", "tickets", n)
	}
}

// adminPasswordFile is where the first administrator's one-time password goes when standard
// output is not a terminal, inside DATA_DIR.
const adminPasswordFile = "admin-password.txt"

// refreshInterval is how often an instance reloads the working calendar and the boundary
// switch-overs: an administrator's change made on another instance is in force here within it.
const refreshInterval = 2 * time.Second

// announceAdminPassword hands the first administrator's one-time password to the operator once,
// never to the log: on a terminal it is printed; otherwise (a container, systemd, a pipe, all of
// which keep standard output in a log store) it is written to DATA_DIR/admin-password.txt,
// readable by the server's account only, and the log says where.
func announceAdminPassword(cfg config, log *slog.Logger, stdout io.Writer, user, pass string) error {
	if f, ok := stdout.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprintf(stdout, "Created administrator %q with one-time password: %s\n", user, pass)
			return nil
		}
	}
	path := filepath.Join(cfg.DataDir, adminPasswordFile)
	line := fmt.Sprintf("Created administrator %q with one-time password: %s\n", user, pass)
	if err := os.WriteFile(path, []byte(line), 0o600); err != nil {
		return fmt.Errorf("write the administrator's one-time password: %w", err)
	}
	log.Warn("created the first administrator; its one-time password is in the file (readable by this account only): sign in, change it, delete the file",
		"username", user, "file", path)
	return nil
}

// adminFlags are the flags of the admin commands; each command declares the ones it takes.
type adminFlags struct {
	role, username, unit, name, scope, id, expires string
	q, reason, disabled                            string
	year                                           int
	daysOff, swapped                               string
	toSet, at, inProgress, unitMap                 string // switch-overs
	// catalog administration (catalog.go)
	kind, nameEN, area, category, code, triage, resolve, private, contact, priority string
	infoWait, infoWaitPolicy                                                        string // the cap on waiting for the resident
}

func admin(ctx context.Context, cfg config, log *slog.Logger, noun, verb string, args []string, stdin io.Reader, stdout io.Writer) error {
	fs, f, err := parseAdminFlags(noun, verb, args)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()

	switch noun {
	case "boundaries":
		return adminImportBoundaries(ctx, store, cfg, verb, fs, f, stdout)
	case "audit":
		return adminAuditVerify(ctx, store, stdout)
	}
	svc, err := buildService(ctx, store, cfg, log, nil)
	if err != nil {
		return err
	}
	switch noun {
	case "user":
		return adminUser(ctx, svc, verb, f, stdin, stdout)
	case "apikey":
		return adminAPIKey(ctx, svc, verb, f, stdout)
	case "calendar":
		return adminCalendar(ctx, svc, verb, f, stdout)
	case "switchover":
		return adminSwitchOver(ctx, svc, verb, f, stdout)
	case "unit", "category", "route":
		return adminCatalog(ctx, svc, noun, verb, f, stdout)
	case "retention":
		return adminRetention(ctx, svc, f, stdout)
	case "sla":
		return adminSLA(ctx, svc, f, stdout)
	case "reports":
		return adminReports(ctx, svc, f, stdout)
	case "stats":
		n, err := svc.Stats.Rebuild(ctx)
		if err != nil {
			return fmt.Errorf("rebuild statistics (after %d tickets): %w", n, err)
		}
		fmt.Fprintf(stdout, "rebuilt the statistics facts of %d tickets\n", n)
	}
	return nil
}

// parseAdminFlags parses the flags of admin noun verb, refusing an unknown command.
func parseAdminFlags(noun, verb string, args []string) (*flag.FlagSet, adminFlags, error) {
	fs := flag.NewFlagSet("admin "+noun+" "+verb, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var f adminFlags
	switch noun + " " + verb {
	case "user create":
		fs.StringVar(&f.role, "role", "", "officer|leader|ioc_operator|ioc_viewer|admin")
		fs.StringVar(&f.username, "username", "", "sign-in name")
		fs.StringVar(&f.unit, "unit", "", "unit id (officers and leaders)")
	case "user passwd", "user enable", "user reset", "user reset-2fa":
		fs.StringVar(&f.username, "username", "", "sign-in name")
	case "user disable":
		fs.StringVar(&f.username, "username", "", "sign-in name, or a resident's phone")
		fs.StringVar(&f.reason, "reason", "", "why (shown to administrators only)")
	case "user move":
		fs.StringVar(&f.username, "username", "", "sign-in name")
		fs.StringVar(&f.role, "role", "", "new role (default: unchanged)")
		fs.StringVar(&f.unit, "unit", "", "new unit id (default: unchanged)")
	case "user list":
		fs.StringVar(&f.q, "q", "", "substring of the username or display name")
		fs.StringVar(&f.role, "role", "", "official role")
		fs.StringVar(&f.unit, "unit", "", "unit id")
		fs.StringVar(&f.disabled, "disabled", "", "true or false")
	case "apikey create":
		fs.StringVar(&f.name, "name", "", "who uses the key")
		fs.StringVar(&f.scope, "scope", "", "open311|stats|feed|export")
		fs.StringVar(&f.expires, "expires", "", "RFC 3339 time the key stops working (default: never)")
	case "apikey list":
	case "apikey revoke":
		fs.StringVar(&f.id, "id", "", "key id (admin apikey list)")
	case "boundaries import", "boundaries check":
		fs.StringVar(&f.id, "id", "", "boundary set id, e.g. angiang-2025")
		fs.StringVar(&f.name, "name", "", "human name")
	case "calendar list":
	case "calendar set":
		fs.IntVar(&f.year, "year", 0, "the year, e.g. 2027")
		fs.StringVar(&f.daysOff, "days-off", "", "the year's official days off, comma-separated YYYY-MM-DD")
		fs.StringVar(&f.swapped, "swapped", "", "weekend days swapped into working days, comma-separated YYYY-MM-DD")
	case "switchover list":
	case "switchover schedule":
		fs.StringVar(&f.toSet, "to", "", "the boundary set to switch to (imported)")
		fs.StringVar(&f.at, "at", "", "the instant, RFC 3339, e.g. 2027-01-01T00:00:00+07:00")
		fs.StringVar(&f.inProgress, "in-progress", "", "stay (tickets already accepted stay with their unit) or follow (they move to its successor)")
		fs.StringVar(&f.unitMap, "map", "", "units mapped otherwise than by geography: OLD=NEW,OLD=NEW")
	case "switchover cancel":
		fs.StringVar(&f.id, "id", "", "switch-over id (admin switchover list)")
	case "retention run":
		fs.StringVar(&f.at, "now", "", "the instant the retention periods are measured from, RFC 3339 (default: now)")
	case "sla run":
		fs.StringVar(&f.at, "now", "", "the instant the deadlines are compared with, RFC 3339 (default: now)")
	case "reports run":
		fs.StringVar(&f.at, "now", "", "the instant the schedule is looked at, RFC 3339 (default: now)")
	case "stats rebuild", "audit verify":
	default:
		if !catalogFlags(fs, &f, noun+" "+verb) {
			return nil, f, fmt.Errorf("unknown command admin %s %s\n%s", noun, verb, usage)
		}
	}
	if err := fs.Parse(args); err != nil {
		return nil, f, fmt.Errorf("%w\n%s", err, usage)
	}
	return fs, f, nil
}

// now is the instant of --now, or the current time without it.
func (f adminFlags) now() (time.Time, error) {
	if f.at == "" {
		return time.Now(), nil
	}
	t, err := time.Parse(time.RFC3339, f.at)
	if err != nil {
		return time.Time{}, fmt.Errorf("--now must be an RFC 3339 time such as 2028-01-01T00:00:00Z")
	}
	return t, nil
}

// adminReports makes the periodic reports due as of --now (admin reports run) that the archive
// lacks: what the servers' schedule does on the first working day of a month, for an operator
// catching up and for the tests.
func adminReports(ctx context.Context, svc *app.App, f adminFlags, stdout io.Writer) error {
	now, err := f.now()
	if err != nil {
		return err
	}
	made, err := svc.Reports.RunDue(ctx, now)
	if err != nil {
		return fmt.Errorf("periodic reports (after %d made): %w", len(made), err)
	}
	fmt.Fprintf(stdout, "reports: %d made %v\n", len(made), made)
	return nil
}

// adminRetention runs one retention pass (admin retention run), as of --now when given: an
// operator catching up after downtime, and the tests, which cannot wait two years.
func adminRetention(ctx context.Context, svc *app.App, f adminFlags, stdout io.Writer) error {
	now, err := f.now()
	if err != nil {
		return err
	}
	holder, _ := os.Hostname()
	holder = fmt.Sprintf("%s/%d/admin", holder, os.Getpid())
	r, ran, err := svc.Erasure.RetainOnce(ctx, holder, now)
	if err != nil {
		return err
	}
	if !ran {
		fmt.Fprintln(stdout, "retention: another instance holds the retention lease; nothing done")
		return nil
	}
	fmt.Fprintf(stdout, "retention: %d tickets de-identified, media deleted from %d tickets (%d media), %d expired records deleted, %d audit records removed\n",
		r.Deidentified, r.MediaTickets, r.MediaDeleted, r.Purged, r.AuditRemoved)
	return nil
}

// adminSLA runs one pass of the SLA worker (admin sla run), as of --now when given: an operator
// catching up after downtime, and the tests, which cannot wait days for a deadline. It needs
// no lease: every step is a compare-and-set on the ticket version (Tickets.SweepSLAAt).
func adminSLA(ctx context.Context, svc *app.App, f adminFlags, stdout io.Writer) error {
	now, err := f.now()
	if err != nil {
		return err
	}
	n, err := svc.Tickets.SweepSLAAt(ctx, now)
	if err != nil {
		return fmt.Errorf("SLA pass (after %d events): %w", n, err)
	}
	fmt.Fprintf(stdout, "sla: %d events\n", n)
	return nil
}

// adminAuditVerify checks the audit log's hash chain (admin audit verify): it prints how many
// records it checked and OK, or fails naming the first broken record, so the exit status says
// whether the log is intact.
func adminAuditVerify(ctx context.Context, store app.Store, stdout io.Writer) error {
	n, err := app.VerifyAuditChain(ctx, store)
	if err != nil {
		return fmt.Errorf("audit log NOT intact after %d good records: %w", n, err)
	}
	anchor, err := store.AuditAnchor(ctx)
	if err != nil {
		return err
	}
	if anchor.Seq > 0 {
		fmt.Fprintf(stdout, "audit log: %d records after record %d (older ones removed by retention on %s), hash chain OK\n",
			n, anchor.Seq, anchor.PrunedAt.Format(time.RFC3339))
		return nil
	}
	fmt.Fprintf(stdout, "audit log: %d records, hash chain OK\n", n)
	return nil
}

// adminImportBoundaries checks the boundary set in the one file argument (plain or gzipped
// GeoJSON) and prints its quality and its changes against the active set (admin boundaries
// check), then, for import, stores it.
func adminImportBoundaries(ctx context.Context, store app.Store, cfg config, verb string, fs *flag.FlagSet, f adminFlags, stdout io.Writer) error {
	if fs.NArg() != 1 || f.id == "" {
		return fmt.Errorf("admin boundaries %s needs --id and one file", verb)
	}
	data, err := readBoundaryFile(fs.Arg(0))
	if err != nil {
		return err
	}
	check, err := app.CheckBoundarySet(ctx, store, cfg.BoundarySet, f.id, data)
	if err != nil {
		return err
	}
	printBoundaryCheck(stdout, f.id, check)
	if verb == "check" {
		return nil
	}
	set, err := app.ImportBoundarySet(ctx, store, f.id, f.name, data, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported boundary set %s with %d areas; serve it with BOUNDARY_SET=%s\n", f.id, len(set.Areas()), f.id)
	return nil
}

// adminAPIKey creates (admin apikey create), lists (list) or revokes (revoke) machine keys as
// app.CommandLine, so creations and revocations are audited like the API's.
func adminAPIKey(ctx context.Context, svc *app.App, verb string, f adminFlags, stdout io.Writer) error {
	by := app.CommandLine()
	switch verb {
	case "create":
		in := app.NewAPIKey{Name: f.name, Scope: models.APIKeyScope(f.scope)}
		if f.expires != "" {
			t, err := time.Parse(time.RFC3339, f.expires)
			if err != nil {
				return fmt.Errorf("--expires must be an RFC 3339 time, e.g. 2027-01-31T17:00:00+07:00")
			}
			in.ExpiresAt = t
		}
		key, k, err := svc.Auth.CreateAPIKey(ctx, by, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created API key %q (scope %s, id %s); it is shown only once:\n%s\n", k.Name, k.Scope, k.ID, key)
	case "list":
		keys, err := svc.Auth.ListAPIKeys(ctx, by)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tNAME\tSCOPE\tPREFIX\tCREATED\tLAST USED\tEXPIRES\tREVOKED")
		for _, k := range keys {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Scope, orDash(k.Prefix), cliTime(k.CreatedAt),
				cliTime(k.LastUsedAt), cliTime(k.ExpiresAt), cliTime(k.RevokedAt))
		}
		return w.Flush()
	case "revoke":
		if f.id == "" {
			return fmt.Errorf("admin apikey revoke needs --id (see admin apikey list)")
		}
		if err := svc.Auth.RevokeAPIKey(ctx, by, f.id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked API key %s\n", f.id)
	}
	return nil
}

// cliTime shows a time for the admin commands, "-" when unset.
func cliTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// orDash shows "-" for an empty value (keys created before prefixes were kept).
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// adminUser creates an official (admin user create) or sets an official's password (admin user
// passwd), reading the password from the first line of stdin.
func adminUser(ctx context.Context, svc *app.App, verb string, f adminFlags, stdin io.Reader, stdout io.Writer) error {
	switch verb {
	case "list":
		return adminListUsers(ctx, svc, f, stdout)
	case "disable", "enable", "move", "reset", "reset-2fa":
		return adminAccount(ctx, svc, verb, f, stdout)
	}
	password, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password from stdin: %w", err)
	}
	password = strings.TrimRight(password, "\r\n")
	if verb == "passwd" {
		if err := svc.Auth.SetPassword(ctx, f.username, password); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "set a new password for %q; every session of the account is signed out\n", f.username)
		return nil
	}
	u, err := svc.Auth.CreateOfficial(ctx, models.Role(f.role), f.username, password, f.unit)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s %q (id %s)\n", u.Role, u.Username, u.ID)
	return nil
}

// adminListUsers prints every official matching the filters (admin user list), page by page.
func adminListUsers(ctx context.Context, svc *app.App, f adminFlags, stdout io.Writer) error {
	q := models.UserQuery{Q: f.q, Role: models.Role(f.role), UnitID: f.unit}
	if f.disabled != "" {
		b, err := strconv.ParseBool(f.disabled)
		if err != nil {
			return fmt.Errorf("--disabled must be true or false")
		}
		q.Disabled = &b
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tUSERNAME\tROLE\tUNIT\tDISPLAY NAME\tSTATE")
	for {
		users, next, err := svc.Auth.ListOfficials(ctx, app.CommandLine(), q)
		if err != nil {
			return err
		}
		for _, u := range users {
			state := "enabled"
			if u.Disabled {
				state = "disabled: " + u.DisabledReason
			} else if u.PasswordChangeRequired {
				state = "enabled, password change required"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Username, u.Role, orDash(u.UnitID), orDash(u.DisplayName), state)
		}
		if next == "" {
			return w.Flush()
		}
		q.After = next
	}
}

// adminAccount disables, enables, moves, resets the password or the second factor of the account named by
// --username (a phone for a resident) as app.CommandLine, audited like the API's.
func adminAccount(ctx context.Context, svc *app.App, verb string, f adminFlags, stdout io.Writer) error {
	if f.username == "" {
		return fmt.Errorf("admin user %s needs --username", verb)
	}
	u, err := svc.Auth.AccountByName(ctx, f.username)
	if err != nil {
		return err
	}
	by := app.CommandLine()
	switch verb {
	case "disable", "enable":
		if _, err := svc.Auth.SetDisabled(ctx, by, u.ID, verb == "disable", f.reason); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%sd %q (id %s)\n", verb, f.username, u.ID)
	case "move":
		var ch app.OfficialChange
		if f.role != "" {
			r := models.Role(f.role)
			ch.Role = &r
		}
		if f.unit != "" {
			ch.UnitID = &f.unit
		}
		if ch.Role == nil && ch.UnitID == nil {
			return fmt.Errorf("admin user move needs --role and/or --unit")
		}
		m, err := svc.Auth.UpdateOfficial(ctx, by, u.ID, ch)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%q is now %s of unit %s; the account's tokens have ended\n", m.Username, m.Role, orDash(m.UnitID))
	case "reset":
		password, _, err := svc.Auth.ResetPassword(ctx, by, u.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "new one-time password for %q (shown only once; it must be changed at the next sign-in):\n%s\n", f.username, password)
	case "reset-2fa":
		if _, err := svc.Auth.ResetTwoFactor(ctx, by, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "turned off the second factor of %q; every session of the account has ended\n", f.username)
	}
	return nil
}
