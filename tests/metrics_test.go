package tests

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"phananh/push/fcmtest"
)

// metricsScrape is one scrape of /metrics, parsed.
type metricsScrape map[string]*dto.MetricFamily

// scrape reads the server's metrics listener and parses the answer as Prometheus does.
func scrape(t *testing.T, s *server) metricsScrape {
	t.Helper()
	if s.metrics == "" {
		t.Fatal("the server logged no \"metrics listening\" line")
	}
	resp, err := s.client.Get(s.metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value is the value of the series of family name whose labels include want ("k=v" each), and
// whether there is one. Counters and gauges give their value, histograms their count.
func (m metricsScrape) value(name string, want ...string) (float64, bool) {
	f := m[name]
	if f == nil {
		return 0, false
	}
	for _, s := range f.Metric {
		labels := map[string]string{}
		for _, l := range s.Label {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for _, w := range want {
			k, v, _ := strings.Cut(w, "=")
			match = match && labels[k] == v
		}
		if !match {
			continue
		}
		switch {
		case s.Counter != nil:
			return s.Counter.GetValue(), true
		case s.Gauge != nil:
			return s.Gauge.GetValue(), true
		case s.Histogram != nil:
			return float64(s.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// must is value for a series that must exist.
func (m metricsScrape) must(t *testing.T, name string, want ...string) float64 {
	t.Helper()
	v, ok := m.value(name, want...)
	if !ok {
		t.Fatalf("no series %s%v in the scrape", name, want)
	}
	return v
}

// TestMetrics runs a resident's report through an official's action with push to a fake FCM,
// scraping the metrics listener before and after, and checks that the series of every part
// moved: requests by route template (never by path), the store's operations, the outbox and
// the sends, the workers' cycles and the lease. The public port does not serve /metrics, nor the
// profiles the metrics listener also serves.
func TestMetrics(t *testing.T) {
	t.Parallel()
	set := loadSet(t, "longxuyen-2023")
	x := ward(set, 4)
	eachStore(t, func(t *testing.T, st storeKind) {
		fake := fcmtest.New()
		defer fake.Close()
		s := startServer(t, st, append(pushEnv(fake), "METRICS_ADDR=127.0.0.1:0", "SLA_INTERVAL=100ms")...)
		s.request(t, "GET", "/metrics", "", nil).expect(t, http.StatusNotFound)
		// Go's profiles are on the metrics listener only.
		s.request(t, "GET", "/debug/pprof/", "", nil).expect(t, http.StatusNotFound)
		if resp, err := s.client.Get(s.metrics + "/debug/pprof/goroutine?debug=1"); err != nil {
			t.Fatal(err)
		} else {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "goroutine profile") {
				t.Errorf("GET /debug/pprof/goroutine on the metrics listener: %d %.80q", resp.StatusCode, body)
			}
		}

		var before metricsScrape
		waitFor(t, "this instance to take the sla lease", 20*time.Second, func() bool {
			before = scrape(t, s)
			v, _ := before.value("phananh_lease_held", "lease=sla")
			return v == 1
		})
		for _, name := range []string{"phananh_build_info", "go_goroutines", "process_resident_memory_bytes", "phananh_ready",
			"phananh_sla_reminders_total", "phananh_sla_auto_closes_total", "phananh_push_outbox_oldest_queued_age_seconds",
			"phananh_effects_pending_tickets", "phananh_effects_oldest_pending_age_seconds"} {
			before.must(t, name)
		}
		before.must(t, "phananh_sla_escalations_total", "level=ioc")
		before.must(t, "phananh_tickets", "state=received")

		rep := s.signInResident("0912300001")
		registerDevice(t, s, rep.AccessToken, "metrics-phone", "android", "vi-VN")
		tk := fileTicket(t, s, rep.AccessToken, wfReport("TTDT", x, "Rác thải đổ trộm bên lề đường.", false))
		officer := s.createOfficial("officer", "officer.metrics", tk.Unit.ID)
		step(t, s, officer.AccessToken, getTicket(t, s, officer.AccessToken, tk.ID), "accept", nil, "assigned")
		waitFor(t, "the pushes of submit and accept", 20*time.Second, func() bool {
			return hasAll(deliveries(fake), []string{"metrics-phone/submit", "metrics-phone/accept"})
		})
		// On MongoDB a scrape reuses the ticket count for twenty times as long as counting took
		// (at most the 3-second scrape timeout): on a busy machine the accepted ticket shows in
		// phananh_tickets up to a minute later.
		var after metricsScrape
		waitFor(t, "the sends and the accepted ticket to show in the metrics", 90*time.Second, func() bool {
			after = scrape(t, s)
			sends, _ := after.value("phananh_push_sends_total", "result=delivered", "code=none")
			sent, _ := after.value("phananh_push_messages_total", "outcome=sent") // counted once recorded
			assigned, _ := after.value("phananh_tickets", "state=assigned")
			return sends >= 2 && sent >= 2 && assigned >= 1
		})

		checkRequestSeries(t, before, after, tk.ID)
		checkWorkSeries(t, st, before, after)
	})
}

// checkRequestSeries checks the request and store series between two scrapes of TestMetrics.
func checkRequestSeries(t *testing.T, before, after metricsScrape, ticketID string) {
	t.Helper()
	moved := func(by float64, name string, labels ...string) {
		t.Helper()
		b, _ := before.value(name, labels...)
		if a := after.must(t, name, labels...); a-b < by {
			t.Errorf("%s%v went from %v to %v, want at least +%v", name, labels, b, a, by)
		}
	}
	moved(1, "phananh_http_requests_total", "route=/v1/auth/otp/verify", "method=POST", "code=200")
	moved(1, "phananh_http_requests_total", "route=/v1/tickets", "method=POST", "code=201")
	moved(1, "phananh_http_requests_total", "route=/v1/tickets/:id", "method=GET", "code=200")
	moved(1, "phananh_http_requests_total", "route=/v1/tickets/:id/actions", "method=POST", "code=200")
	moved(1, "phananh_http_request_duration_seconds", "route=/v1/tickets", "method=POST")
	after.must(t, "phananh_http_requests_total", "route=(unmatched)", "method=GET", "code=404")
	for _, s := range after["phananh_http_requests_total"].Metric {
		for _, l := range s.Label {
			if strings.Contains(l.GetValue(), ticketID) {
				t.Errorf("a request series is labelled with a path: %v", s.Label)
			}
		}
	}
	moved(1, "phananh_store_operation_duration_seconds", "operation=CreateTicket")
	moved(1, "phananh_store_operation_duration_seconds", "operation=UpdateTicket")
	moved(2, "phananh_store_operation_duration_seconds", "operation=EnqueuePush")
	moved(2, "phananh_push_sends_total", "result=delivered", "code=none")
	moved(2, "phananh_push_messages_total", "outcome=sent")
	moved(2, "phananh_push_outbox_messages", "state=sent")
	moved(1, "phananh_tickets", "state=assigned")
}

// checkWorkSeries checks the workers', lease, readiness and store-specific series of TestMetrics.
func checkWorkSeries(t *testing.T, st storeKind, before, after metricsScrape) {
	t.Helper()
	now := float64(time.Now().Unix())
	for _, w := range []string{"sla", "media_gc", "device_pruning", "push"} {
		last := after.must(t, "phananh_worker_last_cycle_timestamp_seconds", "worker="+w)
		if bound := after.must(t, "phananh_worker_stall_bound_seconds", "worker="+w); now-last > bound || now-last < -5 {
			t.Errorf("worker %s: last cycle %.0f s ago, bound %.0f s", w, now-last, bound)
		}
		if after.must(t, "phananh_worker_running", "worker="+w) != 1 {
			t.Errorf("worker %s is not running", w)
		}
	}
	if b, a := before.must(t, "phananh_worker_cycles_total", "worker=sla"), after.must(t, "phananh_worker_cycles_total", "worker=sla"); a <= b {
		t.Errorf("the SLA worker's cycles did not move: %v then %v", b, a)
	}
	if v := after.must(t, "phananh_lease_held", "lease=sla"); v != 1 {
		t.Errorf("phananh_lease_held{lease=sla} = %v, want 1: the only instance holds it", v)
	}
	if v := after.must(t, "phananh_ready"); v != 1 {
		t.Errorf("phananh_ready = %v", v)
	}
	if v := after.must(t, "phananh_push_outbox_messages", "state=queued"); v != 0 {
		t.Errorf("%v messages still queued after every delivery", v)
	}
	_, queue := after.value("phananh_sqlite_write_queue_depth")
	if queue != (st.mongo == nil) {
		t.Errorf("the SQLite write queue series is present: %v, on %s", queue, st.name)
	}
	if st.mongo == nil {
		if b, a := before.must(t, "phananh_sqlite_write_batch_size"), after.must(t, "phananh_sqlite_write_batch_size"); a <= b {
			t.Errorf("no SQLite write batch observed: %v then %v", b, a)
		}
		// Every metric the shipped dashboard and alert rules use exists (on SQLite, which has
		// them all).
		for _, name := range deployMetricNames(t) {
			if after[name] == nil {
				t.Errorf("deploy/ uses %s, which the server does not export", name)
			}
		}
	}
}
