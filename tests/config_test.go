package tests

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestConfigRefused starts the binary with one bad setting at a time: it must exit with an
// error naming the setting before it opens a store or listens.
func TestConfigRefused(t *testing.T) {
	t.Parallel()
	tests := []struct{ setting, message string }{
		{"BODY_LIMIT=12", "BODY_LIMIT must be a number of bytes ≥ 1024"},
		{"REQUEST_TIMEOUT=-1s", "REQUEST_TIMEOUT must be a positive duration"},
		{"MAX_IN_FLIGHT=0", "MAX_IN_FLIGHT must be a number ≥ 1"},
		{"EXPORT_MAX_CONCURRENT=0", "EXPORT_MAX_CONCURRENT must be a number ≥ 1"},
		{"PUBLIC_BASE_URL=phananh.example.gov.vn", "PUBLIC_BASE_URL must be an http(s) URL"},
		{"PUBLIC_BASE_URL=https://phananh.example.gov.vn/?x=1", "PUBLIC_BASE_URL must be an http(s) URL"},
		{"HSTS_MAX_AGE=1y", "HSTS_MAX_AGE must be a number of seconds"},
		{"REOPEN_WINDOW=soon", "REOPEN_WINDOW must be a positive duration"},
		{"SLA_INTERVAL=1ms", "SLA_INTERVAL must be a duration of at least 50ms"},
		{"SHUTDOWN_GRACE=1s", "SHUTDOWN_GRACE must be a duration of at least 5s"},
		{"SHUTDOWN_GRACE=20", "SHUTDOWN_GRACE must be a duration of at least 5s"},
	}
	for _, tc := range tests {
		t.Run(tc.setting, func(t *testing.T) {
			refusedStart(t, tc.message, tc.setting)
		})
	}
}

// refusedStart starts the server with env added to a minimal environment and wants it to exit
// non-zero saying message, without leaving a file in its data directory.
func refusedStart(t *testing.T, message string, env ...string) {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "ADDR=127.0.0.1:0", "DATA_DIR=" + dir}, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); !ok {
		t.Fatalf("run: %v, want a non-zero exit; stderr:\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), message) {
		t.Errorf("stderr %q, want it to say %q", stderr.String(), message)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("the refused start left files in DATA_DIR: %v", left)
	}
}
