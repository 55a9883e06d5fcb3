package main

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDeploymentFilesUseKnownSettings reads the environment the deployment files give the
// server — the x-phananh-env block of deploy/compose.yaml, and deploy/phananh.service with its
// example EnvironmentFile — and checks that every name is a setting (or a standard OTEL_
// variable, which the OpenTelemetry SDK reads itself) and that the whole environment is a valid
// configuration, so a renamed or misspelled setting cannot hide in a file nobody runs in CI.
func TestDeploymentFilesUseKnownSettings(t *testing.T) {
	known := map[string]bool{}
	for _, s := range settings(&config{}) {
		known[s.name] = true
	}
	for name, env := range map[string]map[string]string{
		"compose.yaml": composeEnv(t, filepath.Join("..", "..", "deploy", "compose.yaml")),
		"phananh.service": mergeEnv(systemdEnv(t, filepath.Join("..", "..", "deploy", "phananh.service")),
			envFile(t, filepath.Join("..", "..", "deploy", "phananh.env.example"))),
	} {
		t.Run(name, func(t *testing.T) {
			if len(env) < 5 {
				t.Fatalf("found only %v: the file's layout changed under this test", env)
			}
			for k := range env {
				if !known[k] && !strings.HasPrefix(k, "OTEL_") {
					t.Errorf("%s sets %s, which is not a setting", name, k)
				}
			}
			if _, err := loadConfig(func(k string) string { return env[k] }); err != nil {
				t.Errorf("%s is not a valid configuration: %v", name, err)
			}
		})
	}
}

// placeholder matches Compose's ${NAME:?message} and ${NAME:-default}.
var placeholder = regexp.MustCompile(`\$\{([A-Z0-9_]+):([?-])([^}]*)\}`)

// composeEnv reads the mapping under "x-phananh-env:" (two-space indented KEY: value lines),
// filling required placeholders with example values and optional ones with their defaults.
func composeEnv(t *testing.T, path string) map[string]string {
	t.Helper()
	env := map[string]string{}
	in := false
	for _, line := range readLines(t, path) {
		if strings.HasPrefix(line, "x-phananh-env:") {
			in = true
			continue
		}
		if in && line != "" && !strings.HasPrefix(line, " ") {
			break
		}
		trimmed := strings.TrimSpace(line)
		if !in || trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		k, v, ok := strings.Cut(trimmed, ":")
		if !ok {
			t.Fatalf("%s: %q is not KEY: value", path, line)
		}
		v = placeholder.ReplaceAllStringFunc(strings.TrimSpace(v), func(p string) string {
			m := placeholder.FindStringSubmatch(p)
			if m[2] == "-" {
				return m[3]
			}
			return "https://phananh.example.gov.vn/" + strings.ToLower(m[1])
		})
		env[k] = strings.Trim(v, `"`)
	}
	return env
}

// systemdEnv reads the Environment=NAME=value lines of a unit file.
func systemdEnv(t *testing.T, path string) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, line := range readLines(t, path) {
		if kv, ok := strings.CutPrefix(line, "Environment="); ok {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
	}
	return env
}

// envFile reads NAME=value lines, skipping comments and blank lines.
func envFile(t *testing.T, path string) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, line := range readLines(t, path) {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: %q is not NAME=value", path, line)
		}
		env[k] = v
	}
	return env
}

func mergeEnv(a, b map[string]string) map[string]string {
	for k, v := range b {
		a[k] = v
	}
	return a
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
