package backup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Scheduled backups (BACKUP_DIR) are named phananh-<UTC time>.tar.gz, so that the names sort
// by time and the newest tells when the next one is due, whichever instance or process wrote it.
const (
	archivePrefix = "phananh-"
	archiveExt    = ".tar.gz"
	stampLayout   = "20060102T150405Z"
)

// staleTemp is how old a temporary file of Create must be before Prune takes it for the
// leftover of a crash: a backup in progress keeps writing to its own.
const staleTemp = time.Hour

// ArchiveName is the file name of a scheduled backup begun at t.
func ArchiveName(t time.Time) string {
	return archivePrefix + t.UTC().Format(stampLayout) + archiveExt
}

// Archive is a scheduled backup found in a directory.
type Archive struct {
	Path string
	Time time.Time // from its name
}

// Archives lists the scheduled backups in dir, oldest first; other files are not theirs.
func Archives(dir string) ([]Archive, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	var out []Archive
	for _, e := range entries {
		stamp, prefixed := strings.CutPrefix(e.Name(), archivePrefix)
		stamp, suffixed := strings.CutSuffix(stamp, archiveExt)
		if !prefixed || !suffixed || !e.Type().IsRegular() {
			continue
		}
		if t, err := time.Parse(stampLayout, stamp); err == nil {
			out = append(out, Archive{Path: filepath.Join(dir, e.Name()), Time: t})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}

// Prune keeps the newest keep scheduled backups in dir and removes the older ones, and removes
// the temporary files Create left behind when it was interrupted (those not written to for
// staleTemp). It returns the paths removed.
func Prune(dir string, keep int, now time.Time) ([]string, error) {
	archives, err := Archives(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	for len(archives) > keep {
		if err := os.Remove(archives[0].Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("backup: prune: %w", err)
		}
		removed = append(removed, archives[0].Path)
		archives = archives[1:]
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return removed, fmt.Errorf("backup: prune: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, "."+archivePrefix) || !strings.Contains(name, archiveExt+".tmp-") && !strings.Contains(name, archiveExt+".db-") {
			continue
		}
		if fi, err := e.Info(); err != nil || !fi.ModTime().Before(now.Add(-staleTemp)) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, fmt.Errorf("backup: prune: %w", err)
		}
		removed = append(removed, filepath.Join(dir, name))
	}
	return removed, nil
}
