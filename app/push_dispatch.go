package app

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"phananh/models"
)

// PushOutcome classifies FCM's answer to one message, in the terms the dispatcher acts on.
type PushOutcome int

// Outcomes of sending one message.
const (
	// PushDelivered: FCM accepted the message.
	PushDelivered PushOutcome = iota + 1
	// PushBadToken: the token will never work again (UNREGISTERED, SENDER_ID_MISMATCH,
	// INVALID_ARGUMENT about the token): delete the device and drop the message.
	PushBadToken
	// PushRetryable: FCM or the network is overloaded or failing (QUOTA_EXCEEDED, UNAVAILABLE,
	// INTERNAL, transport errors): try again later, after RetryAfter at least.
	PushRetryable
	// PushAuthFailure: FCM could not authenticate to APNs or Web Push (THIRD_PARTY_AUTH_ERROR).
	// An operator must fix the credentials; the message is retried later meanwhile.
	PushAuthFailure
	// PushRejected: FCM refused the message itself (an invalid payload): retrying cannot help.
	PushRejected
)

// PushResult is FCM's answer to one message.
type PushResult struct {
	Outcome    PushOutcome
	RetryAfter time.Duration // from the Retry-After header, zero when absent
	Reason     string        // FCM's error code and message, for the outbox and logs
	// Code is FCM's error code alone ("UNREGISTERED", "UNAVAILABLE" …; "" when delivered), or
	// one of the sender's own words for failures FCM did not name (package push: "OTHER",
	// "INVALID_MESSAGE"; the dispatcher: "BATCH_FAILED"), so that metrics can count failures
	// by a small, fixed set of values, which Reason is not.
	Code string
}

// Code words for failures FCM did not name (PushResult.Code).
const (
	PushCodeBatchFailed = "BATCH_FAILED" // SendBatch failed as a whole: nothing is known of the batch
)

// PushSender delivers a batch of at most 500 messages (FCM's SendEach limit) and returns one
// result per message, in order. An error means nothing of the batch is known to be delivered;
// the dispatcher retries all of it. Implemented by package push on the Firebase Admin SDK.
type PushSender interface {
	SendBatch(ctx context.Context, msgs []models.PushMessage) ([]PushResult, error)
}

// PushMetrics are the dispatcher's counters since start.
type PushMetrics struct {
	Sent, Retried, Dropped, Dead, Batches int64
	TopicOps                              int64         // topic-membership changes carried out
	SendTime                              time.Duration // total time inside SendBatch
	MaxSendTime                           time.Duration // slowest SendBatch
}

// Dispatcher delivers the push outbox: it claims due messages in batches with a lease (so any
// number of server instances can run one), sends them, and records each outcome. A crash
// after sending and before recording leaves the batch leased; when the lease expires it is
// sent again — the only duplicates possible, bounded by one batch, and they carry the same
// message_id and collapse key so the phone shows one notification. (With Concurrency n, n
// batches are in flight, and a crash may repeat that many.)
type Dispatcher struct {
	store   PushStore
	sender  PushSender
	cfg     PushConfig
	holder  string
	holders []string // one per concurrent batch: Round's lease holders
	now     func() time.Time
	jitter  func() float64 // in [0, 1)
	log     *slog.Logger
	workers *Workers
	obs     Observer // never nil
	spans   Spans    // never nil

	topics TopicManager

	sent, retried, dropped, dead, batches, topicOps atomic.Int64
	sendNanos, maxSendNanos                         atomic.Int64
}

// DispatcherDeps are the collaborators of a Dispatcher.
type DispatcherDeps struct {
	Store  PushStore
	Sender PushSender
	Topics TopicManager // nil: topic changes stay queued
	Config PushConfig
	Holder string // unique per process: the lease holder
	// Concurrency is how many batches Round claims and sends at once (default 1). Each is
	// leased under its own holder (Holder, then Holder/1 …), exactly as if separate instances
	// sent them: one batch's store work overlaps another's sending, and what a crash can repeat
	// grows from one batch to Concurrency batches.
	Concurrency int
	Now         func() time.Time // injected so tests control backoff and Retry-After
	Jitter      func() float64   // injected randomness in [0, 1); nil: math/rand/v2
	Logger      *slog.Logger
	// Workers records the dispatcher's cycles for readiness and metrics (App.Workers); nil
	// records nothing.
	Workers *Workers
	// Observer is told FCM's answer to every message (metrics); nil: nothing.
	Observer Observer
	// Spans traces every SendBatch call; nil: nothing.
	Spans Spans
}

// NewDispatcher builds a Dispatcher.
func NewDispatcher(d DispatcherDeps) *Dispatcher {
	x := &Dispatcher{store: d.Store, sender: d.Sender, cfg: d.Config, holder: d.Holder, now: d.Now, jitter: d.Jitter, log: d.Logger,
		topics: d.Topics, workers: d.Workers, obs: observerOr(d.Observer), spans: spansOr(d.Spans)}
	if x.now == nil {
		x.now = time.Now
	}
	if x.jitter == nil {
		x.jitter = rand.Float64
	}
	if x.log == nil {
		x.log = slog.New(slog.DiscardHandler)
	}
	if x.cfg.Batch <= 0 || x.cfg.Batch > 500 {
		x.cfg.Batch = 500
	}
	x.holders = []string{x.holder}
	for i := 1; i < d.Concurrency; i++ {
		x.holders = append(x.holders, x.holder+"/"+strconv.Itoa(i))
	}
	return x
}

// Metrics returns the counters.
func (d *Dispatcher) Metrics() PushMetrics {
	return PushMetrics{Sent: d.sent.Load(), Retried: d.retried.Load(), Dropped: d.dropped.Load(), Dead: d.dead.Load(),
		Batches: d.batches.Load(), TopicOps: d.topicOps.Load(), SendTime: time.Duration(d.sendNanos.Load()), MaxSendTime: time.Duration(d.maxSendNanos.Load())}
}

func (d *Dispatcher) clock() time.Time { return d.now().UTC().Truncate(time.Millisecond) }

// Cycle claims and sends one batch, and returns how many messages it handled (0: nothing due).
func (d *Dispatcher) Cycle(ctx context.Context) (int, error) { return d.cycle(ctx, d.holder) }

// Round runs Concurrency cycles at once, each under its own lease holder, and returns how many
// messages they handled together. One batch's store work (claim, outcomes) then overlaps the
// others' sending, and FCM sees Concurrency × 50 requests in flight (the SDK's SendEach runs 50).
func (d *Dispatcher) Round(ctx context.Context) (int, error) {
	if len(d.holders) == 1 {
		return d.cycle(ctx, d.holder)
	}
	handled := make([]int, len(d.holders))
	errs := make([]error, len(d.holders))
	var wg sync.WaitGroup
	for i, h := range d.holders {
		wg.Go(func() { handled[i], errs[i] = d.cycle(ctx, h) })
	}
	wg.Wait()
	n := 0
	for _, k := range handled {
		n += k
	}
	return n, errors.Join(errs...)
}

func (d *Dispatcher) cycle(ctx context.Context, holder string) (int, error) {
	if ctx.Err() != nil {
		return 0, nil // stopping: claim nothing more
	}
	// From the claim on, the store work runs with a context that survives shutdown: a batch
	// claimed and then abandoned would stay leased to this stopped server for the whole lease
	// (two minutes) before another instance could send it, and a batch sent and not recorded
	// would be sent again after it.
	rctx := context.WithoutCancel(ctx)
	now := d.clock()
	claimed, err := d.store.ClaimPush(rctx, holder, now, d.cfg.Lease, d.cfg.Batch)
	if err != nil || len(claimed) == 0 {
		return 0, err
	}
	msgs, stale, err := d.stillRegistered(rctx, claimed)
	if err != nil {
		return 0, err
	}
	results, took := d.send(ctx, msgs)
	stopping := ctx.Err() != nil
	now = d.clock()
	var sent, dropped, dead []string
	for i, m := range msgs {
		r := results[i]
		d.obs.PushResult(r)
		switch r.Outcome {
		case PushDelivered:
			sent = append(sent, m.ID)
		case PushBadToken:
			if m.Token == "" { // a topic message FCM refused
				dead = append(dead, m.ID)
				continue
			}
			if err := d.store.DeleteDevice(rctx, m.Token, ""); err != nil {
				return len(claimed), err
			}
			dropped = append(dropped, m.ID)
		case PushRejected:
			d.log.LogAttrs(ctx, slog.LevelWarn, "push rejected by FCM", slog.String("message", m.ID), slog.String("reason", r.Reason))
			dead = append(dead, m.ID)
		default: // retryable, auth failure
			if r.Outcome == PushAuthFailure {
				d.log.LogAttrs(ctx, slog.LevelError, "FCM cannot authenticate to APNs or Web Push: check the credentials uploaded to Firebase",
					slog.String("message", m.ID), slog.String("reason", r.Reason))
			}
			expired, err := d.retry(rctx, holder, m, r, now, stopping)
			if err != nil {
				return len(claimed), err
			}
			if expired {
				dead = append(dead, m.ID)
			}
		}
	}
	for _, g := range []struct {
		ids   []string
		state models.PushState
		n     *atomic.Int64
		why   string
	}{{sent, models.PushSent, &d.sent, ""}, {dropped, models.PushDropped, &d.dropped, "token no longer valid"},
		{stale, models.PushDropped, &d.dropped, "device no longer registered to the recipient"}, {dead, models.PushDead, &d.dead, "dead-lettered"}} {
		n, err := d.store.CompletePush(rctx, holder, g.ids, g.state, now, g.why)
		if err != nil {
			return len(claimed), err
		}
		g.n.Add(int64(n))
	}
	if len(dead) > 0 {
		d.log.LogAttrs(ctx, slog.LevelWarn, "push messages dead-lettered", slog.Int("count", len(dead)))
	}
	d.log.LogAttrs(ctx, slog.LevelDebug, "push batch", slog.Int("claimed", len(claimed)), slog.Int("sent", len(sent)),
		slog.Int("dropped", len(dropped)+len(stale)), slog.Int("dead", len(dead)), slog.Int("retried", len(msgs)-len(sent)-len(dropped)-len(dead)),
		slog.Duration("send", took))
	return len(claimed), nil
}

// retry puts a message that was not delivered back in the queue after its backoff, or reports
// that it has outlived MaxAge and must be dead-lettered instead.
func (d *Dispatcher) retry(ctx context.Context, holder string, m models.PushMessage, r PushResult, now time.Time, stopping bool) (expired bool, err error) {
	next := now.Add(max(d.backoff(m.Attempts), r.RetryAfter))
	if stopping && r.Outcome == PushRetryable {
		// Most likely not answered because this server is stopping: back in the queue at once,
		// for another instance or this one's successor.
		next = now
	}
	if next.Sub(m.CreatedAt) > d.cfg.MaxAge {
		return true, nil
	}
	ok, err := d.store.ReschedulePush(ctx, holder, m.ID, next, r.Reason)
	if ok {
		d.retried.Add(1)
	}
	return false, err
}

// send sends msgs (none: nothing to do) and returns one result per message; a failed batch
// counts as retryable for each of its messages.
func (d *Dispatcher) send(ctx context.Context, msgs []models.PushMessage) ([]PushResult, time.Duration) {
	if len(msgs) == 0 {
		return nil, 0
	}
	// The send must end well before the lease does, or another instance would claim the batch
	// again while this one is still sending it (the SDK itself retries 503s, honouring
	// Retry-After up to two minutes): what has not been answered by then counts as retryable.
	sendCtx, cancel := context.WithTimeout(ctx, d.cfg.Lease*3/4)
	defer cancel()
	sendCtx, end := d.spans.Start(sendCtx, "push.send_batch")
	start := time.Now()
	results, err := d.sender.SendBatch(sendCtx, msgs)
	took := time.Since(start)
	end(err)
	d.batches.Add(1)
	d.sendNanos.Add(int64(took))
	for {
		old := d.maxSendNanos.Load()
		if int64(took) <= old || d.maxSendNanos.CompareAndSwap(old, int64(took)) {
			break
		}
	}
	if err != nil || len(results) != len(msgs) {
		reason := "batch failed"
		if err != nil {
			reason = err.Error()
		}
		results = make([]PushResult, len(msgs))
		for i := range results {
			results[i] = PushResult{Outcome: PushRetryable, Reason: reason, Code: PushCodeBatchFailed}
		}
	}
	return results, took
}

// stillRegistered splits claimed messages into those to send and the ids of those whose device
// is no longer registered to their recipient: deleted since the message was queued (an
// UNREGISTERED answer in an earlier batch, the resident unregistering, pruning) or moved to
// another user who signed in on that phone. Those are dropped unsent: the token is dead, or the
// phone now shows someone else's account and must not see this resident's report. The check
// closes the window between a fan-out reading the recipients' devices and the dispatcher
// deleting a dead one, in which a second message to a dead token could otherwise be queued.
func (d *Dispatcher) stillRegistered(ctx context.Context, claimed []models.PushMessage) ([]models.PushMessage, []string, error) {
	var users []string
	for _, m := range claimed {
		if m.Token != "" {
			users = append(users, m.UserID)
		}
	}
	if len(users) == 0 {
		return claimed, nil, nil
	}
	slices.Sort(users)
	devs, err := d.store.DevicesOfUsers(ctx, slices.Compact(users))
	if err != nil {
		return nil, nil, err
	}
	type owned struct{ user, token string }
	current := make(map[owned]bool, len(devs))
	for _, dev := range devs {
		current[owned{dev.UserID, dev.Token}] = true
	}
	send := make([]models.PushMessage, 0, len(claimed))
	var stale []string
	for _, m := range claimed {
		if m.Token != "" && !current[owned{m.UserID, m.Token}] {
			stale = append(stale, m.ID)
			continue
		}
		send = append(send, m)
	}
	return send, stale, nil
}

// backoff is the delay before attempt attempts+1: BaseBackoff doubled per earlier attempt,
// capped at MaxBackoff, of which a random 50–100 % is used so that a burst of failures does not
// come back as a burst.
func (d *Dispatcher) backoff(attempts int) time.Duration {
	b := d.cfg.BaseBackoff
	for i := 0; i < attempts && b < d.cfg.MaxBackoff; i++ {
		b *= 2
	}
	b = min(b, d.cfg.MaxBackoff)
	return time.Duration(float64(b) * (0.5 + 0.5*d.jitter())).Truncate(time.Millisecond)
}

// Run dispatches until ctx ends: round after round while messages or topic changes are due,
// then a pause of Interval. It logs its counters at MetricsEvery (and after every cycle that
// did something). Store or sender failures are logged and retried on the next cycle. (Device
// pruning runs apart, in Devices.RunDevicePruning, since it needs no FCM.)
func (d *Dispatcher) Run(ctx context.Context) {
	var lastLog time.Time
	var prev PushMetrics
	cycle, stopped := d.workers.started("push", d.cfg.Interval)
	defer stopped()
	for ctx.Err() == nil {
		n, err := d.Round(ctx)
		if err != nil && ctx.Err() == nil {
			d.log.Error("push dispatch", "error", err)
		}
		k, terr := d.TopicCycle(ctx)
		if terr != nil && ctx.Err() == nil {
			d.log.Error("push topic changes", "error", terr)
		}
		n += k
		err = errors.Join(err, terr)
		cycle()
		now := d.now()
		// Counters go to the log when a burst of sending ends and at least every MetricsEvery,
		// so an idle server logs once a minute and a busy one does not log per batch.
		m := d.Metrics()
		periodic := d.cfg.MetricsEvery > 0 && now.Sub(lastLog) >= d.cfg.MetricsEvery
		if periodic || (n == 0 && m != prev) {
			lastLog, prev = now, m
			d.logMetrics(ctx, m)
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(d.cfg.Interval):
		}
	}
	d.logMetrics(context.WithoutCancel(ctx), d.Metrics())
}

func (d *Dispatcher) logMetrics(ctx context.Context, m PushMetrics) {
	var avg time.Duration
	if m.Batches > 0 {
		avg = m.SendTime / time.Duration(m.Batches)
	}
	attrs := []slog.Attr{slog.Int64("sent", m.Sent), slog.Int64("retried", m.Retried), slog.Int64("dropped", m.Dropped),
		slog.Int64("dead", m.Dead), slog.Int64("batches", m.Batches), slog.Int64("topic_ops", m.TopicOps), slog.Duration("send_avg", avg), slog.Duration("send_max", m.MaxSendTime)}
	if counts, err := d.store.CountPush(ctx); err == nil {
		attrs = append(attrs, slog.Int("queued", counts[models.PushQueued]))
	}
	d.log.LogAttrs(ctx, slog.LevelInfo, "push metrics", attrs...)
}
