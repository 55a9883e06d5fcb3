package fsblob_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"phananh/store/fsblob"
)

// TestOpenRemovesCrashLeftovers: a temporary file of an interrupted put is removed at the next
// start once it is stale, while a fresh one — another process's put in progress, as when an
// admin command or a backup opens the store the server writes to — is left alone; blobs are
// sharded by their key's first bytes.
func TestOpenRemovesCrashLeftovers(t *testing.T) {
	root := t.TempDir()
	d, err := fsblob.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := d.PutBlob(t.Context(), bytes.NewReader([]byte("ảnh")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, key[:2], key[2:4], key)); err != nil {
		t.Fatalf("blob not at its content address: %v", err)
	}
	leftover := filepath.Join(root, "tmp", "put-123")
	inProgress := filepath.Join(root, "tmp", "put-456")
	for _, p := range []string{leftover, inProgress} {
		if err := os.WriteFile(p, []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(leftover, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := fsblob.Open(root); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(leftover); !os.IsNotExist(err) {
		t.Errorf("leftover temporary file survived: %v", err)
	}
	if _, err := os.Stat(inProgress); err != nil {
		t.Errorf("another process's put in progress was removed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, key[:2], key[2:4], key)); err != nil {
		t.Errorf("blob lost: %v", err)
	}
}
