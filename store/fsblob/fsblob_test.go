package fsblob_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"phananh/store/fsblob"
)

// TestOpenRemovesCrashLeftovers: a temporary file of an interrupted put is removed at the next
// start, and blobs are sharded by their key's first bytes.
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
	if err := os.WriteFile(leftover, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := fsblob.Open(root); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(leftover); !os.IsNotExist(err) {
		t.Errorf("leftover temporary file survived: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, key[:2], key[2:4], key)); err != nil {
		t.Errorf("blob lost: %v", err)
	}
}
