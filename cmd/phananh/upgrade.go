package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"phananh/store/mongodb"
	"phananh/store/sqlite"
)

// adminMigrate runs `phananh admin migrate [--dry-run]`: it lists the schema migrations the
// store lacks and, without --dry-run, applies them (as the server does at start), so an
// operator can see and run an upgrade's data changes before starting the new release. A store
// newer than this program is refused, as at start.
func adminMigrate(ctx context.Context, cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("admin migrate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dryRun := fs.Bool("dry-run", false, "list what would run, change nothing")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return fmt.Errorf("usage: phananh admin migrate [--dry-run]")
	}
	var have int
	var pending []string
	var err error
	if cfg.MongoURI != "" {
		have, pending, err = mongodb.PendingMigrations(ctx, cfg.MongoURI, cfg.MongoDatabase)
	} else {
		have, pending, err = sqlite.PendingMigrations(ctx, filepath.Join(cfg.DataDir, "phananh.db"))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema version %d; %d migration(s) to apply", have, len(pending))
	if len(pending) > 0 {
		fmt.Fprintf(stdout, ": %s", strings.Join(pending, ", "))
	}
	fmt.Fprintln(stdout)
	if *dryRun {
		return nil
	}
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	now, known, err := store.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema version %d of %d: up to date\n", now, known)
	return nil
}
