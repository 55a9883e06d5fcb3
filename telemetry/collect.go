package telemetry

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"phananh/app"
	"phananh/models"
)

// scrapeTimeout bounds the store queries of one scrape: a slow store shows as missing series
// and phananh_metrics_query_errors_total, not as a scrape that hangs.
const scrapeTimeout = 3 * time.Second

// pendingLimit is how many pending tickets a scrape reads at most: the effects gauge saturates
// there. Pending tickets are the sweeper's backlog, near zero in steady state; when it is
// not, the oldest one's age (the sweeper's lag) is the figure to act on.
const pendingLimit = 100

// ticketStates are the states phananh_tickets always reports, 0 when no ticket is in one.
var ticketStates = []models.State{models.StateReceived, models.StateAssigned, models.StateInProgress, models.StateAwaitingInfo,
	models.StateResolved, models.StateClosed, models.StateRejected, models.StateDuplicate, models.StateWithdrawn}

// scrapeMetrics counts the failures of the queries made at scrape time.
type scrapeMetrics struct{ errors *prometheus.CounterVec }

func newScrapeMetrics() *scrapeMetrics {
	m := &scrapeMetrics{errors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "metrics", Name: "query_errors_total",
		Help: "Store queries made for a scrape that failed or timed out, by query; their series are missing from that scrape."}, []string{"query"})}
	for _, q := range []string{"count_push", "oldest_queued_push", "find_unapplied", "count_by_state"} {
		m.errors.WithLabelValues(q)
	}
	return m
}

func (m *scrapeMetrics) collectors() []prometheus.Collector { return []prometheus.Collector{m.errors} }

// Scraped is what the scrape-time collector reads: the store's views behind the outbox, the
// effects and the ticket counts.
type Scraped interface {
	CountPush(ctx context.Context) (map[models.PushState]int, error)
	OldestQueuedPush(ctx context.Context) (time.Time, error)
	FindUnapplied(ctx context.Context, limit int) ([]*models.Ticket, error)
	CountByState(ctx context.Context, f models.QueueFilter) (map[models.State]int, error)
}

// WatchApp registers the series read at scrape time from a and st: each worker's last cycle,
// readiness, the SQLite write queue, the push outbox, the effects backlog and tickets by state.
// now is the clock the ages are measured with. Without metrics it does nothing.
func (t *Telemetry) WatchApp(a *app.App, st Scraped, now func() time.Time) error {
	if t.reg == nil {
		return nil
	}
	return t.reg.Register(&appCollector{t: t, app: a, store: st, now: now})
}

// WatchDispatcher registers the dispatcher's counters (app.Dispatcher.Metrics). Without
// metrics it does nothing.
func (t *Telemetry) WatchDispatcher(d *app.Dispatcher) error {
	if t.reg == nil || d == nil {
		return nil
	}
	return t.reg.Register(dispatcherCollector{d})
}

var (
	descWorkerLast = prometheus.NewDesc(namespace+"_worker_last_cycle_timestamp_seconds",
		"When the background loop last finished a cycle (its start, before the first), Unix time.", []string{"worker"}, nil)
	descWorkerBound = prometheus.NewDesc(namespace+"_worker_stall_bound_seconds",
		"How long the loop may go without a cycle before readiness calls it stopped.", []string{"worker"}, nil)
	descWorkerCycles = prometheus.NewDesc(namespace+"_worker_cycles_total",
		"Cycles the loop finished since it (re)started.", []string{"worker"}, nil)
	descWorkerRunning = prometheus.NewDesc(namespace+"_worker_running",
		"1 while the loop runs, 0 once it returned.", []string{"worker"}, nil)
	descReady = prometheus.NewDesc(namespace+"_ready",
		"1 when /readyz answers 200 (this instance should get traffic), 0 otherwise.", nil, nil)
	descReadyCheck = prometheus.NewDesc(namespace+"_readiness_check_ok",
		"1 when the readiness check passes, 0 when it fails (see /readyz for why).", []string{"check"}, nil)
	descWriteQueue = prometheus.NewDesc(namespace+"_sqlite_write_queue_depth",
		"Write transactions waiting for or inside the SQLite writer.", nil, nil)
	descWriteQueueMax = prometheus.NewDesc(namespace+"_sqlite_write_queue_saturation_depth",
		"The write queue depth at which readiness calls the store saturated.", nil, nil)
	descOutbox = prometheus.NewDesc(namespace+"_push_outbox_messages",
		"Messages in the push outbox, by state (queued is the backlog).", []string{"state"}, nil)
	descOutboxAge = prometheus.NewDesc(namespace+"_push_outbox_oldest_queued_age_seconds",
		"Age of the oldest message still queued in the outbox (0 when none is).", nil, nil)
	descPending = prometheus.NewDesc(namespace+"_effects_pending_tickets",
		"Tickets whose effects (push, statistics, feed) are not applied yet; counts up to 100.", nil, nil)
	descPendingAge = prometheus.NewDesc(namespace+"_effects_oldest_pending_age_seconds",
		"Time since the oldest ticket with pending effects changed: the sweeper's lag (0 when none).", nil, nil)
	descTickets = prometheus.NewDesc(namespace+"_tickets",
		"Tickets by state, in the whole store.", []string{"state"}, nil)
)

// appCollector reads the app's and the store's state at each scrape.
type appCollector struct {
	t     *Telemetry
	app   *app.App
	store Scraped
	now   func() time.Time

	mu      sync.Mutex // collectTickets' last count, reused while fresh
	tickets map[models.State]int
	counted time.Time
	took    time.Duration
}

// Describe implements prometheus.Collector.
func (c *appCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descWorkerLast, descWorkerBound, descWorkerCycles, descWorkerRunning, descReady, descReadyCheck,
		descWriteQueue, descWriteQueueMax, descOutbox, descOutboxAge, descPending, descPendingAge, descTickets} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *appCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	now := c.now()
	for _, w := range c.app.Workers.Status() {
		last := w.Started
		if w.LastCycle.After(last) {
			last = w.LastCycle
		}
		ch <- prometheus.MustNewConstMetric(descWorkerLast, prometheus.GaugeValue, unixSeconds(last), w.Name)
		ch <- prometheus.MustNewConstMetric(descWorkerBound, prometheus.GaugeValue, w.Bound.Seconds(), w.Name)
		ch <- prometheus.MustNewConstMetric(descWorkerCycles, prometheus.CounterValue, float64(w.Cycles), w.Name)
		ch <- prometheus.MustNewConstMetric(descWorkerRunning, prometheus.GaugeValue, boolValue(w.Running), w.Name)
	}
	r := c.app.Ready(ctx)
	ch <- prometheus.MustNewConstMetric(descReady, prometheus.GaugeValue, boolValue(r.Ready))
	for _, check := range r.Checks {
		ch <- prometheus.MustNewConstMetric(descReadyCheck, prometheus.GaugeValue, boolValue(check.Problem == ""), check.Name)
	}
	if q, ok := c.store.(writeQueue); ok {
		waiting, saturated := q.WriteQueue()
		ch <- prometheus.MustNewConstMetric(descWriteQueue, prometheus.GaugeValue, float64(waiting))
		ch <- prometheus.MustNewConstMetric(descWriteQueueMax, prometheus.GaugeValue, float64(saturated))
	}
	c.collectOutbox(ctx, ch, now)
	c.collectEffects(ctx, ch, now)
	c.collectTickets(ctx, ch, now)
}

func (c *appCollector) collectOutbox(ctx context.Context, ch chan<- prometheus.Metric, now time.Time) {
	if counts, err := c.store.CountPush(ctx); c.ok("count_push", err) {
		for _, st := range models.PushStates {
			ch <- prometheus.MustNewConstMetric(descOutbox, prometheus.GaugeValue, float64(counts[st]), string(st))
		}
	}
	if oldest, err := c.store.OldestQueuedPush(ctx); c.ok("oldest_queued_push", err) {
		ch <- prometheus.MustNewConstMetric(descOutboxAge, prometheus.GaugeValue, age(now, oldest))
	}
}

func (c *appCollector) collectEffects(ctx context.Context, ch chan<- prometheus.Metric, now time.Time) {
	pending, err := c.store.FindUnapplied(ctx, pendingLimit)
	if !c.ok("find_unapplied", err) {
		return
	}
	var oldest time.Time
	if len(pending) > 0 {
		oldest = pending[0].UpdatedAt // FindUnapplied lists the oldest update first
	}
	ch <- prometheus.MustNewConstMetric(descPending, prometheus.GaugeValue, float64(len(pending)))
	ch <- prometheus.MustNewConstMetric(descPendingAge, prometheus.GaugeValue, age(now, oldest))
}

// collectTickets counts tickets by state with the queue's count (WorkflowStore.CountByState
// without a filter). On SQLite that sums per-state counts kept by triggers (migration 0011): a
// fraction of a millisecond. On MongoDB it is a $group over the whole tickets collection, so a
// count is reused for twenty times as long as it took: however large the city, counting takes
// at most 5 % of the store's time, and a dashboard shows a count at most that old.
func (c *appCollector) collectTickets(ctx context.Context, ch chan<- prometheus.Metric, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tickets == nil || now.Sub(c.counted) >= 20*c.took {
		start := time.Now()
		counts, err := c.store.CountByState(ctx, models.QueueFilter{})
		if !c.ok("count_by_state", err) {
			return
		}
		c.tickets, c.counted, c.took = counts, now, time.Since(start)
	}
	for _, st := range ticketStates {
		ch <- prometheus.MustNewConstMetric(descTickets, prometheus.GaugeValue, float64(c.tickets[st]), string(st))
	}
}

// ok counts and logs a failed scrape query and reports whether there was none.
func (c *appCollector) ok(query string, err error) bool {
	if err == nil {
		return true
	}
	c.t.scrape.errors.WithLabelValues(query).Inc()
	c.t.log.Warn("metrics: store query failed", "query", query, "error", err)
	return false
}

var (
	descPushMessages = prometheus.NewDesc(namespace+"_push_messages_total",
		"Outbox messages this instance's dispatcher finished, by outcome: sent, retried (rescheduled), dropped (dead token or device gone), dead (dead-lettered).", []string{"outcome"}, nil)
	descPushBatches = prometheus.NewDesc(namespace+"_push_batches_total",
		"SendBatch calls this instance's dispatcher made.", nil, nil)
	descPushSendTime = prometheus.NewDesc(namespace+"_push_send_seconds_total",
		"Time spent inside SendBatch (divide by phananh_push_batches_total for the mean).", nil, nil)
	descPushTopicOps = prometheus.NewDesc(namespace+"_push_topic_operations_total",
		"Topic-membership changes this instance's dispatcher carried out.", nil, nil)
)

// dispatcherCollector exports app.Dispatcher.Metrics.
type dispatcherCollector struct{ d *app.Dispatcher }

// Describe implements prometheus.Collector.
func (c dispatcherCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descPushMessages
	ch <- descPushBatches
	ch <- descPushSendTime
	ch <- descPushTopicOps
}

// Collect implements prometheus.Collector.
func (c dispatcherCollector) Collect(ch chan<- prometheus.Metric) {
	m := c.d.Metrics()
	for outcome, n := range map[string]int64{"sent": m.Sent, "retried": m.Retried, "dropped": m.Dropped, "dead": m.Dead} {
		ch <- prometheus.MustNewConstMetric(descPushMessages, prometheus.CounterValue, float64(n), outcome)
	}
	ch <- prometheus.MustNewConstMetric(descPushBatches, prometheus.CounterValue, float64(m.Batches))
	ch <- prometheus.MustNewConstMetric(descPushSendTime, prometheus.CounterValue, m.SendTime.Seconds())
	ch <- prometheus.MustNewConstMetric(descPushTopicOps, prometheus.CounterValue, float64(m.TopicOps))
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// age is the seconds from then to now, 0 for the zero time (nothing waiting).
func age(now, then time.Time) float64 {
	if then.IsZero() {
		return 0
	}
	return max(now.Sub(then).Seconds(), 0)
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
