package mongodb_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"phananh/models"
	"phananh/store/mongodb"
	"phananh/store/mongodb/mongotest"
)

// TestFeedSequencerInstances appends from two instances of the store on one database, with
// repeats, and closes one of them halfway: the other sequences everything, and the feed holds
// every entry once, at positions 1…n, each ticket's versions in order.
func TestFeedSequencerInstances(t *testing.T) {
	uri, name := mongotest.URI(t)
	open := func() *mongodb.Store {
		s, err := mongodb.Open(t.Context(), uri, name)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := open(), open()
	t.Cleanup(func() { b.Close() })
	const writers, versions = 4, 30
	// Versions 1…15 of even writers' tickets go through a, the rest through b; a closes
	// between the halves, with what it appended perhaps still pending.
	write := func(from, to int) {
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for v := from; v <= to; v++ {
					st := b
					if w%2 == 0 && v <= versions/2 {
						st = a
					}
					e := &models.FeedEntry{TicketID: fmt.Sprintf("t%d", w), Code: "LX", Version: v, At: time.Now(), Action: "note"}
					for range 1 + v%2 { // every other version twice: a repeated effect
						if err := st.AppendFeed(t.Context(), e); err != nil {
							t.Error(err)
						}
					}
				}
			}()
		}
		wg.Wait()
	}
	write(1, versions/2)
	a.Close()
	write(versions/2+1, versions)
	var all []models.FeedEntry
	deadline := time.Now().Add(20 * time.Second)
	for len(all) < writers*versions && time.Now().Before(deadline) {
		var err error
		if all, err = b.FeedAfter(t.Context(), 0, 0); err != nil {
			t.Fatal(err)
		}
	}
	if len(all) != writers*versions {
		t.Fatalf("%d entries in the feed, want %d", len(all), writers*versions)
	}
	next := map[string]int{}
	for i, e := range all {
		if e.Position != int64(i+1) || e.Version != next[e.TicketID]+1 {
			t.Fatalf("entry %d: position %d, %s version %d after %d", i, e.Position, e.TicketID, e.Version, next[e.TicketID])
		}
		next[e.TicketID] = e.Version
	}
}
