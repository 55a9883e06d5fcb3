package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestArchiveCommandsOnMongoDB: with MONGODB_URI set, backup and restore refuse before touching
// anything, and say what to run instead — mongodump --oplog with the media collections —
// without printing the URI, which may hold a password.
func TestArchiveCommandsOnMongoDB(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"MONGODB_URI": "mongodb://phananh:s3cret@db1/?replicaSet=rs0", "MONGODB_DATABASE": "phananh_lx",
		"DATA_DIR": filepath.Join(dir, "data")}
	for _, args := range [][]string{{"admin", "backup", "--out", filepath.Join(dir, "b.tar.gz")}, {"admin", "restore", filepath.Join(dir, "b.tar.gz")}} {
		var out bytes.Buffer
		err := run(context.Background(), args, env(vars), nil, &out, &out)
		if err == nil {
			t.Fatalf("phananh %s on MongoDB succeeded", strings.Join(args, " "))
		}
		for _, want := range []string{"SQLite store only", "mongodump --uri \"$MONGODB_URI\" --oplog", "mongorestore", `"phananh_lx"`,
			`collection "media"`, `GridFS bucket "media" (collections media.files and media.chunks)`, "JWT_KEY_FILE"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("phananh %s: %q does not say %q", args[1], err, want)
			}
		}
		if strings.Contains(err.Error()+out.String(), "s3cret") {
			t.Errorf("phananh %s printed the MongoDB password", args[1])
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the refused commands created %s", left[0].Name())
	}
}

// TestArchiveCommandLines: backup without --out and restore without one archive are refused
// with the usage, and nothing is created.
func TestArchiveCommandLines(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"DATA_DIR": filepath.Join(dir, "data")}
	for _, args := range [][]string{{"admin", "backup"}, {"admin", "backup", "--include-keys"}, {"admin", "backup", "--out"},
		{"admin", "restore"}, {"admin", "restore", "a", "b"}, {"admin", "backup", "--out", "x", "extra"}} {
		err := run(context.Background(), args, env(vars), nil, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "phananh admin restore FILE") {
			t.Errorf("phananh %s: %v, want the usage", strings.Join(args, " "), err)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the refused commands created %s", left[0].Name())
	}
}
