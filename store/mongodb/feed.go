package mongodb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"phananh/models"
)

// The change feed on MongoDB. Positions are the _id of the feed collection: 1, 2, 3 … with no
// gap, each written only after the one before it is majority-committed, so a reader that has
// seen position n has seen everything before it (see app/feed.go).
//
// Appending does not take a position: an effect inserts its entry into feed_pending, keyed
// "<ticket>:<version>" (a repeated effect finds the key taken), and returns — one write in the
// user's request, without contending for the feed's last position with every other writer.
// One sequencer at a time, the holder of the feed_sequencer lease, moves pending entries into
// the feed at the next positions, in the order they happened. Every instance runs a sequencer
// loop (woken by its own appends, and every second for the others'), and readers sequence
// before they read, so an entry is in the feed as soon as any instance gets to it.
//
// Exactly once: the feed's key is unique, so an entry sequenced before (a sequencer that died
// between inserting it and deleting it from pending, an effect applied twice) is only deleted
// from pending. Dense under takeover: a sequencer writes position p only when it saw or wrote
// p-1, and the unique _id refuses a second writer of p — a sequencer whose lease was taken over
// while it stalled gets a duplicate position and stops.
const (
	collFeed        = "feed"
	collFeedPending = "feed_pending"

	feedLease         = "feed_sequencer"
	feedLeaseTTL      = 5 * time.Second
	feedSweepInterval = time.Second
	feedBatch         = 500
)

func feedIndexes() []indexSpec {
	return []indexSpec{
		{collFeed, "key_unique", bson.D{{Key: "key", Value: 1}}, true},
		{collFeedPending, "order", bson.D{{Key: "at", Value: 1}, {Key: "ticket_id", Value: 1}, {Key: "version", Value: 1}}, false},
	}
}

// feedFields are what an entry says, pending or sequenced.
type feedFields struct {
	TicketID string    `bson:"ticket_id"`
	Code     string    `bson:"code"`
	Version  int       `bson:"version"`
	At       time.Time `bson:"at"`
	Action   string    `bson:"action"`
	From     string    `bson:"from"`
	To       string    `bson:"to"`
	AreaCode string    `bson:"area_code"`
	UnitID   string    `bson:"unit_id"`
	Category string    `bson:"category"`
}

// feedDoc is a sequenced entry; _id is its position.
type feedDoc struct {
	Position int64      `bson:"_id"`
	Key      string     `bson:"key"`
	Entry    feedFields `bson:",inline"`
}

// pendingFeedDoc is an entry waiting for its position; _id is its key.
type pendingFeedDoc struct {
	Key   string     `bson:"_id"`
	Entry feedFields `bson:",inline"`
}

// feedSequencer is the state of a Store's sequencer loop.
type feedSequencer struct {
	holder string        // this Store's lease holder name
	wake   chan struct{} // an append asks for a round
	mu     sync.Mutex    // one round at a time in this Store
	stop   context.CancelFunc
	done   chan struct{}
}

// startFeedSequencer starts the loop; Close stops it.
func (s *Store) startFeedSequencer() error {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("mongodb: feed sequencer id: %w", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	s.seq = &feedSequencer{holder: "feed/" + hex.EncodeToString(b[:]), wake: make(chan struct{}, 1), stop: stop, done: make(chan struct{})}
	go s.runFeedSequencer(ctx)
	return nil
}

func (s *Store) runFeedSequencer(ctx context.Context) {
	defer close(s.seq.done)
	tick := time.NewTicker(feedSweepInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.seq.wake:
		case <-tick.C:
		}
		// Errors are left for the next round: the entries wait in feed_pending, and readers
		// sequence too. The operation timeout bounds a round on a stalled server.
		_ = s.sequenceFeed(ctx)
	}
}

// stopFeedSequencer ends the loop and hands the lease back, so another instance sequences at
// once rather than after the lease's expiry.
func (s *Store) stopFeedSequencer(ctx context.Context) {
	if s.seq == nil {
		return
	}
	s.seq.stop()
	<-s.seq.done
	_, _ = s.coll(collLeases).UpdateOne(ctx, bson.D{{Key: "_id", Value: feedLease}, {Key: "holder", Value: s.seq.holder}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "expires_at", Value: time.Unix(0, 0).UTC()}}}})
}

// AppendFeed records e in feed_pending unless an entry for (e.TicketID, e.Version) is there
// already; the sequencer gives it its position. e.Position is ignored.
func (s *Store) AppendFeed(ctx context.Context, e *models.FeedEntry) error {
	d := pendingFeedDoc{Key: e.TicketID + ":" + strconv.Itoa(e.Version), Entry: feedFields{TicketID: e.TicketID, Code: e.Code,
		Version: e.Version, At: utc(e.At), Action: e.Action, From: string(e.From), To: string(e.To), AreaCode: e.AreaCode,
		UnitID: e.UnitID, Category: e.Category}}
	if _, err := s.coll(collFeedPending).InsertOne(ctx, d); err != nil && !mongo.IsDuplicateKeyError(err) {
		return translate(err, "append feed", "feed entry")
	}
	if s.seq != nil {
		select {
		case s.seq.wake <- struct{}{}:
		default: // a round is asked for already
		}
	}
	return nil
}

// sequenceFeed moves pending entries into the feed while this Store holds the sequencer lease.
func (s *Store) sequenceFeed(ctx context.Context) error {
	if s.seq == nil {
		return nil
	}
	s.seq.mu.Lock()
	defer s.seq.mu.Unlock()
	for {
		var pending []pendingFeedDoc
		cur, err := s.coll(collFeedPending).Find(ctx, bson.D{}, options.Find().
			SetSort(bson.D{{Key: "at", Value: 1}, {Key: "ticket_id", Value: 1}, {Key: "version", Value: 1}}).SetLimit(feedBatch))
		if err == nil {
			err = cur.All(ctx, &pending)
		}
		if err != nil || len(pending) == 0 {
			return translate(err, "sequence feed", "feed entry")
		}
		ok, err := s.AcquireLease(ctx, feedLease, s.seq.holder, time.Now(), feedLeaseTTL)
		if err != nil || !ok {
			return err
		}
		more, err := s.sequenceBatch(ctx, pending)
		if err != nil || !more {
			return err
		}
	}
}

// sequenceBatch gives the pending entries the next positions in order and deletes them from
// pending. It reports whether the batch was full (more may wait), and stops without error when
// another sequencer took a position (this one's lease was taken over).
func (s *Store) sequenceBatch(ctx context.Context, pending []pendingFeedDoc) (bool, error) {
	feed := s.feed()
	var last feedDoc
	err := feed.FindOne(ctx, bson.D{}, options.FindOne().SetSort(bson.D{{Key: "_id", Value: -1}}).
		SetProjection(bson.D{{Key: "_id", Value: 1}})).Decode(&last)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return false, translate(err, "sequence feed", "feed entry")
	}
	inTicketOrder(pending)
	done := make(bson.A, 0, len(pending))
	for _, p := range pending {
		_, err := feed.InsertOne(ctx, feedDoc{Position: last.Position + 1, Key: p.Key, Entry: p.Entry})
		if err != nil && !mongo.IsDuplicateKeyError(err) {
			return false, translate(err, "sequence feed", "feed entry")
		}
		if err != nil { // the key is in the feed already, or the position is taken
			n, cerr := feed.CountDocuments(ctx, bson.D{{Key: "key", Value: p.Key}})
			if cerr != nil {
				return false, translate(cerr, "sequence feed", "feed entry")
			}
			if n == 0 {
				break // another sequencer holds the feed now
			}
		} else {
			last.Position++
		}
		done = append(done, p.Key)
	}
	if len(done) > 0 {
		if _, err := s.coll(collFeedPending).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: done}}}}); err != nil {
			return false, translate(err, "sequence feed", "feed entry")
		}
	}
	return len(done) == feedBatch, nil
}

// inTicketOrder puts each ticket's entries of a batch in version order, in the slots they
// hold in time order: the times of two versions come from the instances that made them, and a
// clock behind by a moment must not put version 3 before version 2.
func inTicketOrder(batch []pendingFeedDoc) {
	slots := map[string][]int{}
	for i, p := range batch {
		slots[p.Entry.TicketID] = append(slots[p.Entry.TicketID], i)
	}
	for _, idx := range slots {
		if len(idx) < 2 {
			continue
		}
		entries := make([]pendingFeedDoc, len(idx))
		for j, i := range idx {
			entries[j] = batch[i]
		}
		slices.SortFunc(entries, func(a, b pendingFeedDoc) int { return a.Entry.Version - b.Entry.Version })
		for j, i := range idx {
			batch[i] = entries[j]
		}
	}
}

// feed is the feed collection. The database's majority read concern (databaseOptions) means a
// reader never sees a position that a failover could roll back and hand to another entry.
func (s *Store) feed() *mongo.Collection { return s.coll(collFeed) }

// FeedHead returns the highest position given so far (0 for an empty feed). Entries still
// pending get positions above it, so a reader starting after the head misses nothing.
func (s *Store) FeedHead(ctx context.Context) (int64, error) {
	var doc struct {
		Position int64 `bson:"_id"`
	}
	err := s.feed().FindOne(ctx, bson.D{}, options.FindOne().SetSort(bson.D{{Key: "_id", Value: -1}}).
		SetProjection(bson.D{{Key: "_id", Value: 1}})).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	if err != nil {
		return 0, translate(err, "feed head", "feed entry")
	}
	return doc.Position, nil
}

// FeedAfter lists entries after a position in position (_id) order, after sequencing what is
// pending if this Store can take the sequencer lease.
func (s *Store) FeedAfter(ctx context.Context, after int64, limit int) ([]models.FeedEntry, error) {
	if err := s.sequenceFeed(ctx); err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: 1}})
	if limit > 0 {
		opts.SetLimit(int64(limit))
	}
	cur, err := s.feed().Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}}, opts)
	if err != nil {
		return nil, translate(err, "feed", "feed entry")
	}
	var docs []feedDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, translate(err, "feed", "feed entry")
	}
	out := make([]models.FeedEntry, len(docs))
	for i, doc := range docs {
		d := doc.Entry
		out[i] = models.FeedEntry{Position: doc.Position, TicketID: d.TicketID, Code: d.Code, Version: d.Version,
			At: utc(d.At), Action: d.Action, From: models.State(d.From), To: models.State(d.To), AreaCode: d.AreaCode,
			UnitID: d.UnitID, Category: d.Category}
	}
	return out, nil
}
