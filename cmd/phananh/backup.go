package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"phananh/app"
	"phananh/backup"
	"phananh/store/mongodb"
	"phananh/store/sqlite"
)

// backupEnv is the BACKUP_* configuration (settings.go; README, "Backups and restore").
type backupEnv struct {
	Dir      string        // BACKUP_DIR; empty: no scheduled backups
	Interval time.Duration // BACKUP_INTERVAL, from the newest archive in Dir
	Keep     int           // BACKUP_KEEP, archives kept in Dir
}

// backupLease is the lease one instance holds while it takes the scheduled backups.
const backupLease = "backup"

// archiveCommand reports whether `phananh admin VERB` is one of the commands on archives, which
// have a verb and no noun.
func archiveCommand(verb string) bool { return verb == "backup" || verb == "restore" }

// adminArchive runs `phananh admin backup` or `phananh admin restore`. They do not go through
// admin, which opens the store first: a restore must not open — and so create — a store in the
// directory it restores into, and neither needs the service built.
func adminArchive(ctx context.Context, cfg config, verb string, args []string, stdout io.Writer) error {
	if cfg.MongoURI != "" {
		return mongoArchiveRefusal(cfg, verb)
	}
	if verb == "backup" {
		return adminBackup(ctx, cfg, args, stdout)
	}
	return adminRestore(ctx, cfg, args, stdout)
}

// mongoArchiveRefusal says how to back up (or restore) a MongoDB store instead: a replica set
// is backed up consistently by mongodump --oplog, which phananh cannot do better, and the media
// live in the database too. The URI is not printed: it may hold a password.
func mongoArchiveRefusal(cfg config, verb string) error {
	colls := mongodb.MediaCollections()
	return fmt.Errorf("admin %s works on the SQLite store only; with MONGODB_URI set, use MongoDB's own tools:\n"+
		"  mongodump --uri \"$MONGODB_URI\" --oplog --gzip --archive=phananh-$(date -u +%%Y%%m%%dT%%H%%M%%SZ).mongo.gz\n"+
		"  mongorestore --uri \"$MONGODB_URI\" --oplogReplay --gzip --archive=FILE\n"+
		"--oplog (a replica set is needed) dumps every database of the deployment as of one moment; the dump must hold the database %q "+
		"with its media: the records in the collection %q and the photos and videos in the GridFS bucket %q (collections %s). "+
		"Keep a copy of the signing key JWT_KEY_FILE (%s) as well, or every session must sign in again after a restore",
		verb, cfg.MongoDatabase, colls[0], colls[0], strings.Join(colls[1:], " and "), cfg.JWTKeyFile)
}

// openSnapshot opens a database copy for package backup.
func openSnapshot(ctx context.Context, path string) (backup.Database, error) {
	f, err := sqlite.OpenSnapshot(ctx, path)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// adminBackup is `phananh admin backup --out FILE [--include-keys]`: a backup of the store in
// DATA_DIR, taken while the server (another process) serves and writes.
func adminBackup(ctx context.Context, cfg config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("admin backup", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "", "the archive to write")
	keys := fs.Bool("include-keys", false, "include the JWT signing key")
	if err := fs.Parse(args); err != nil || *out == "" || fs.NArg() != 0 {
		return fmt.Errorf("admin backup needs --out FILE (and takes --include-keys); %w\n%s", flagErr(err), usage)
	}
	o := backup.Options{Open: openSnapshot}
	if *keys {
		if _, err := os.Stat(cfg.JWTKeyFile); err != nil {
			return fmt.Errorf("--include-keys: JWT_KEY_FILE: %w", err)
		}
		o.KeyFile = cfg.JWTKeyFile
	}
	dbPath := filepath.Join(cfg.DataDir, backup.DatabaseName)
	if _, err := os.Stat(dbPath); err != nil {
		return fmt.Errorf("no database to back up in DATA_DIR: %w", err)
	}
	store, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	o.Source = store
	start := time.Now()
	sum, err := backup.Create(ctx, *out, o)
	if err != nil {
		return err
	}
	m := sum.Manifest
	fmt.Fprintf(stdout, "wrote %s (%s) in %s\n  database: %s, schema %d, %d tickets\n  media: %d files, %s\n",
		sum.Path, megabytes(sum.ArchiveBytes), time.Since(start).Round(time.Millisecond), megabytes(sum.DatabaseBytes),
		m.SchemaVersion, m.Tickets, sum.Blobs, megabytes(sum.BlobBytes))
	if m.KeysIncluded {
		fmt.Fprintf(stdout, "  signing key: included; keep the archive as secret as the key itself\n")
	} else {
		fmt.Fprintf(stdout, "  signing key: not included; a server restored from it makes a new one, and every session must sign in again\n")
	}
	if sum.Forgotten > 0 {
		fmt.Fprintf(stdout, "  %d unattached uploads were collected while the backup ran and are left out\n", sum.Forgotten)
	}
	if len(m.MissingBlobs) > 0 {
		fmt.Fprintf(stdout, "  WARNING: %d media files that reports refer to were already missing from DATA_DIR/media; "+
			"the manifest lists them as missing_blobs\n", len(m.MissingBlobs))
	}
	return nil
}

// flagErr is the reason a command line was refused, for the usage message.
func flagErr(err error) error {
	if err == nil {
		return fmt.Errorf("see the usage")
	}
	return err
}

// adminRestore is `phananh admin restore FILE`: the archive into DATA_DIR, which must be empty or
// absent, and its key (if it has one) to JWT_KEY_FILE.
func adminRestore(ctx context.Context, cfg config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("admin restore", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return fmt.Errorf("admin restore needs one archive; %w\n%s", flagErr(err), usage)
	}
	latest, err := sqlite.LatestSchemaVersion()
	if err != nil {
		return err
	}
	res, err := backup.Restore(ctx, fs.Arg(0), backup.RestoreOptions{Dir: cfg.DataDir, KeyFile: cfg.JWTKeyFile, Open: openSnapshot, LatestSchema: latest})
	if err != nil {
		return err
	}
	m := res.Manifest
	fmt.Fprintf(stdout, "restored %s (taken %s, schema %d) into %s; every checksum matched\n  database: %s, %d tickets\n  media: %d files, %s\n",
		fs.Arg(0), m.CreatedAt.Format(time.RFC3339), m.SchemaVersion, cfg.DataDir, megabytes(res.DatabaseBytes), m.Tickets, res.Blobs, megabytes(res.BlobBytes))
	if res.KeyFile != "" {
		fmt.Fprintf(stdout, "  signing key: written to %s\n", res.KeyFile)
	} else {
		fmt.Fprintf(stdout, "  signing key: not in the backup. The server creates a new one when it starts: every session must sign in again "+
			"(residents with a new SMS code, officials with their password), and the pseudonyms officials see for reporters change. "+
			"Machine API keys stay valid.\n")
	}
	if len(m.MissingBlobs) > 0 {
		fmt.Fprintf(stdout, "  WARNING: %d media files were already missing when the backup was taken; their reports show no photo\n", len(m.MissingBlobs))
	}
	return nil
}

// megabytes writes a size for a person.
func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

// runBackups is the scheduled backup worker (BACKUP_DIR): while this instance holds the backup
// lease it writes an archive into BACKUP_DIR whenever the newest there is BACKUP_INTERVAL old (or
// there is none), then keeps the newest BACKUP_KEEP. Due-ness comes from the archives' names, not
// from a timer, so a restart neither repeats a backup nor skips one, and instances sharing the
// store and the directory take turns without two writing the same one. The lease outlasts a long
// backup (an hour at least): losing it halfway would let a second instance start another. The
// archives leave the signing key out (README, "Backups and restore"); a failed backup is logged and tried again
// no sooner than 15 minutes later (or one interval, if shorter).
func runBackups(ctx context.Context, b backupEnv, store app.Store, log *slog.Logger, holder string) {
	if b.Dir == "" {
		return
	}
	src, ok := store.(backup.Source)
	if !ok { // loadConfig refuses BACKUP_DIR with MongoDB
		log.Error("scheduled backups: this store cannot be backed up by phananh")
		return
	}
	if err := ownerOnlyDir(b.Dir, log); err != nil {
		log.Error("scheduled backups disabled: BACKUP_DIR", "error", err.Error())
		return
	}
	check := min(b.Interval, time.Minute)
	ttl := max(3*check, time.Hour)
	log.Info("scheduled backups", "dir", b.Dir, "interval", formatDuration(b.Interval), "keep", b.Keep)
	defer func() { // hand the lease back at a stop, so another instance need not wait for it
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, _ = store.AcquireLease(ctx, backupLease, holder, time.Now(), 0)
	}()
	tick := time.NewTicker(check)
	defer tick.Stop()
	var failed time.Time
	for {
		ok, err := store.AcquireLease(ctx, backupLease, holder, time.Now(), ttl)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("backup lease", "error", err.Error())
		case ok && backupDue(b, failed, time.Now(), log):
			if err := scheduledBackup(ctx, b, src, log); err != nil && ctx.Err() == nil {
				failed = time.Now()
				log.Error("scheduled backup failed", "error", err.Error())
			} else {
				failed = time.Time{}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// backupDue reports whether the newest archive in BACKUP_DIR is an interval old, or missing,
// and the last failure (failed, zero if none) is long enough ago.
func backupDue(b backupEnv, failed, now time.Time, log *slog.Logger) bool {
	if !failed.IsZero() && now.Sub(failed) < min(b.Interval, 15*time.Minute) {
		return false
	}
	archives, err := backup.Archives(b.Dir)
	if err != nil {
		log.Error("scheduled backups: read BACKUP_DIR", "error", err.Error())
		return false
	}
	return len(archives) == 0 || now.Sub(archives[len(archives)-1].Time) >= b.Interval
}

// scheduledBackup writes one archive into BACKUP_DIR and prunes the old ones.
func scheduledBackup(ctx context.Context, b backupEnv, src backup.Source, log *slog.Logger) error {
	start := time.Now()
	out := filepath.Join(b.Dir, backup.ArchiveName(start))
	sum, err := backup.Create(ctx, out, backup.Options{Source: src, Open: openSnapshot, Now: func() time.Time { return start }})
	if err != nil {
		return err
	}
	log.Info("backup written", "path", out, "bytes", sum.ArchiveBytes, "tickets", sum.Manifest.Tickets, "media_files", sum.Blobs,
		"took", time.Since(start).Round(time.Millisecond).String(), "collected_meanwhile", sum.Forgotten)
	if n := len(sum.Manifest.MissingBlobs); n > 0 {
		log.Warn("backup: media files that reports refer to are missing from DATA_DIR/media", "count", n, "path", out)
	}
	removed, err := backup.Prune(b.Dir, b.Keep, time.Now())
	if len(removed) > 0 {
		log.Info("backups pruned", "removed", removed)
	}
	return err
}
