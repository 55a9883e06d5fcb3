package main

import (
	"log/slog"
	"os"
)

// ownerOnlyDir creates dir (with its parents) readable by this account only, and takes the
// group's and others' permissions off it when it already exists with them: the data directory
// holds the database, the token signing key and residents' photos. A directory that belongs to
// another account (a volume mounted by an orchestrator) cannot be changed; the start goes on
// with a warning, since the files inside are still created owner-only.
func ownerOnlyDir(dir string, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		if err := os.Chmod(dir, perm&0o700); err != nil {
			log.Warn("the directory stays readable by other accounts", "dir", dir, "mode", perm.String(), "error", err.Error())
		}
	}
	return nil
}
