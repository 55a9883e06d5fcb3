package app

import (
	"context"
	"sync"
	"time"

	"phananh/models"
)

// Live tells the officials' open queues what changed, as it happens: the console redraws a queue
// when one of its tickets changes or a new one arrives, and API clients follow the same stream
// (GET /v1/queue/events).
//
// It is built on the change feed rather than on an in-process broadcast, because a ticket filed
// through another instance must reach this instance's listeners too, and the feed is the one
// record of changes every instance reads in the same order. One tailer per instance reads the
// feed while anyone listens and hands each listener the entries it may see: an officer or
// leader the entries of their unit's tickets, the IOC every entry. Entries carry no notes, text
// or identities (FeedEntry), only which ticket changed how, so what a listener receives is
// what its queue shows anyway.
//
// A listener resumes after an interruption from the last position it was given (the event id):
// the tailer keeps the latest LiveBacklog entries, and a listener that fell further behind is
// told to reload its queue instead (LiveEvent.Reset), which loses nothing either.
type Live struct {
	*core
	store interface {
		FeedAfter(ctx context.Context, after int64, limit int) ([]models.FeedEntry, error)
		FeedHead(ctx context.Context) (int64, error)
	}

	mu     sync.Mutex
	subs   map[*LiveSubscription]struct{}
	recent []models.FeedEntry // the last entries read, oldest first, at most LiveBacklog
	head   int64              // the position of the last entry read
	// following: the tailer reads the feed (someone listens, or did within liveLinger).
	following bool
	idleSince time.Time
	closed    bool
}

// Limits of the live stream.
const (
	// LiveBacklog is how many entries an interrupted listener can catch up on.
	LiveBacklog = 1024
	// LiveMaxListeners bounds the open streams of an instance; more are refused as unavailable.
	LiveMaxListeners = 2000
	// LiveInterval is how often the tailer reads the feed: an event reaches a listener within
	// about this much after its change is visible in the feed.
	LiveInterval = 400 * time.Millisecond
	// liveBuffer is how many events wait for a slow listener before it is cut off (it resumes
	// from its last event id when it comes back).
	liveBuffer = 256
	// liveLinger keeps the tailer following after the last listener left, so a console page that
	// reconnects (streams end before the server's write timeout) resumes without a reload.
	liveLinger = 2 * time.Minute
	// liveBatch is the most entries read from the feed at once.
	liveBatch = 500
)

// LiveEvent is what a listener receives: one change of a ticket it may see, or Reset when it
// missed changes the tailer no longer holds and should reload its queue.
type LiveEvent struct {
	Reset bool
	Entry models.FeedEntry // zero with Reset
	// ID names the position after this event, to resume from (Last-Event-ID).
	ID string
}

// LiveSubscription is one listener. C delivers its events and is closed when the subscription
// ends: by Close, when the listener fell liveBuffer events behind, or when the instance stops.
type LiveSubscription struct {
	C <-chan LiveEvent

	c      chan LiveEvent
	live   *Live
	p      models.Principal
	cursor int64 // the last position handed over or skipped as not visible
}

// Subscribe starts a listener for p, an official with a queue. lastEventID, when not empty, is
// the id of the last event the listener received on an earlier stream: it resumes after it.
func (l *Live) Subscribe(ctx context.Context, p models.Principal, lastEventID string) (*LiveSubscription, error) {
	if !p.Role.NeedsUnit() && !p.Role.SeesAllTickets() {
		return nil, models.Errorf(models.EForbidden, "queue events are for officials with a queue")
	}
	after, err := decodeFeedCursor(lastEventID)
	if err != nil {
		return nil, models.FieldError(models.EInvalid, "Last-Event-ID", "not an event id of this stream")
	}
	if err := l.follow(ctx); err != nil {
		return nil, err
	}
	var missed []models.FeedEntry // what the backlog lacks, read from the feed
	if lastEventID != "" {
		if missed, err = l.catchUp(ctx, after); err != nil {
			return nil, err
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || len(l.subs) >= LiveMaxListeners {
		return nil, models.Errorf(models.EUnavailable, "too many open event streams; try again later")
	}
	c := make(chan LiveEvent, liveBuffer)
	s := &LiveSubscription{C: c, c: c, live: l, p: p, cursor: l.head}
	if l.subs == nil {
		l.subs = map[*LiveSubscription]struct{}{}
	}
	l.subs[s] = struct{}{}
	if lastEventID == "" {
		return s, nil
	}
	// Resuming: the missed entries, then the backlog. A catch-up longer than the buffer ends
	// this stream early (C closes); the listener resumes again from where it got to.
	s.cursor = after
	if l.deliver(s, missed) {
		if oldest := l.head - int64(len(l.recent)); s.cursor < oldest { // recent holds oldest+1 … head
			s.cursor = l.head
			l.send(s, LiveEvent{Reset: true, ID: encodeFeedCursor(l.head)})
		}
		l.deliver(s, l.recent)
	}
	return s, nil
}

// follow starts the tailer at the feed's head if it is not following already.
func (l *Live) follow(ctx context.Context) error {
	l.mu.Lock()
	following := l.following
	l.mu.Unlock()
	if following {
		return nil
	}
	head, err := l.store.FeedHead(ctx)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.following {
		l.head, l.recent, l.following, l.idleSince = head, nil, true, l.now()
	}
	return nil
}

// catchUp reads the entries after a resuming listener's position that the backlog no longer
// holds (this instance started following after the listener's last event, or the listener
// comes from another instance), when they are at most LiveBacklog: beyond that a reload is
// cheaper than the replay.
func (l *Live) catchUp(ctx context.Context, after int64) ([]models.FeedEntry, error) {
	l.mu.Lock()
	head, oldest := l.head, l.head-int64(len(l.recent))
	l.mu.Unlock()
	if after >= oldest || head-after > LiveBacklog {
		return nil, nil
	}
	return l.store.FeedAfter(ctx, after, int(head-after))
}

// Cursor is the id to resume from after the events received so far, including the entries
// skipped as not visible to this listener, so a listener of a quiet unit does not fall behind
// the backlog while its queue does not change.
func (s *LiveSubscription) Cursor() string {
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	return encodeFeedCursor(s.cursor)
}

// Close ends the subscription; C is closed. Closing twice is harmless.
func (s *LiveSubscription) Close() {
	s.live.mu.Lock()
	defer s.live.mu.Unlock()
	s.live.drop(s)
}

// drop removes s and closes its channel; l.mu is held.
func (l *Live) drop(s *LiveSubscription) {
	if _, ok := l.subs[s]; !ok {
		return
	}
	delete(l.subs, s)
	close(s.c)
	if len(l.subs) == 0 {
		l.idleSince = l.now()
	}
}

// deliver hands s the entries after its cursor that it may see and reports whether s is still
// subscribed; l.mu is held.
func (l *Live) deliver(s *LiveSubscription, es []models.FeedEntry) bool {
	for _, e := range es {
		if e.Position <= s.cursor {
			continue
		}
		if s.sees(e) && !l.send(s, LiveEvent{Entry: e, ID: encodeFeedCursor(e.Position)}) {
			return false
		}
		s.cursor = e.Position
	}
	return true
}

// send queues ev for s without waiting; a listener that cannot take more is dropped (it
// resumes from its last event id). l.mu is held.
func (l *Live) send(s *LiveSubscription, ev LiveEvent) bool {
	if _, ok := l.subs[s]; !ok {
		return false
	}
	select {
	case s.c <- ev:
		return true
	default:
		l.drop(s)
		return false
	}
}

// sees reports whether the listener's queue holds the entry's ticket: its unit's for a unit's
// officials, every ticket for the IOC.
func (s *LiveSubscription) sees(e models.FeedEntry) bool {
	return s.p.Role.SeesAllTickets() || (s.p.Role.NeedsUnit() && e.UnitID == s.p.UnitID)
}

// RunLive follows the feed every interval while anyone listens, until ctx ends; then every
// stream is ended (Close).
func (l *Live) RunLive(ctx context.Context, interval time.Duration) {
	cycle, stopped := l.workers.started("live", interval)
	defer stopped()
	defer l.Close()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := l.read(ctx); err != nil && ctx.Err() == nil {
			l.log.Warn("live: reading the change feed", "error", err)
		}
		cycle()
	}
}

// read takes the entries after the head from the feed and hands them to the listeners.
func (l *Live) read(ctx context.Context) error {
	l.mu.Lock()
	if l.following && len(l.subs) == 0 && l.now().Sub(l.idleSince) > liveLinger {
		l.following, l.recent = false, nil
	}
	following, from := l.following && !l.closed, l.head
	l.mu.Unlock()
	if !following {
		return nil
	}
	es, err := l.store.FeedAfter(ctx, from, liveBatch)
	if err != nil || len(es) == 0 {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.following || l.head != from { // stopped and restarted meanwhile: this read is stale
		return nil
	}
	l.head = es[len(es)-1].Position
	l.recent = append(l.recent, es...)
	if n := len(l.recent) - LiveBacklog; n > 0 {
		l.recent = append([]models.FeedEntry(nil), l.recent[n:]...)
	}
	for s := range l.subs {
		l.deliver(s, es)
	}
	return nil
}

// Close ends every stream and refuses new ones: the instance is stopping, and open streams
// would hold its HTTP server's graceful shutdown until they end by themselves.
func (l *Live) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	for s := range l.subs {
		l.drop(s)
	}
}
