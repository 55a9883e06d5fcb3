package tests

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestAlertRules checks deploy/prometheus/alerts.yml with promtool, the checker of the
// Prometheus that will load it, and runs its unit tests (alerts_test.yml). .ci/run installs
// Debian's prometheus package for promtool; without it the test skips.
func TestAlertRules(t *testing.T) {
	t.Parallel()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed (Debian: apt-get install prometheus)")
	}
	for _, args := range [][]string{{"check", "rules", "../deploy/prometheus/alerts.yml"}, {"test", "rules", "../deploy/prometheus/alerts_test.yml"}} {
		out, err := exec.Command(promtool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

var metricNameRE = regexp.MustCompile(`\bphananh_[a-z0-9_]+`)

// deployMetricNames lists the phananh_ metric families the dashboard and the alert rules use
// (histogram series names reduced to their family), checking that the dashboard is JSON.
func deployMetricNames(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, path := range []string{"../deploy/grafana/phananh.json", "../deploy/prometheus/alerts.yml"} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(path, ".json") && !json.Valid(data) {
			t.Fatalf("%s is not JSON", path)
		}
		for _, n := range metricNameRE.FindAllString(string(data), -1) {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if f, ok := strings.CutSuffix(n, suffix); ok && f != "phananh_push_send_seconds" {
					n = f
				}
			}
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}
