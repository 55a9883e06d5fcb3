package app

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"

	"phananh/models"
)

// The change feed lets the IOC data platform sync ticket changes incrementally.
//
// Ordering. The hard part of a feed is that a reader must never skip an entry that becomes
// visible later below its cursor. A sequence number taken at insert time does not guarantee
// that: writer A takes 41, writer B takes 42 and commits first, a reader pages past 42, then 41
// appears behind its cursor. A safety lag (only hand out entries older than a few seconds) only
// makes that unlikely. Instead, the store assigns positions so that position n+1 can only be
// written after position n is visible (StatsStore.AppendFeed): on SQLite the position is the
// rowid taken inside the single-writer transaction, so commits and positions have the same
// order; on MongoDB an effect writes its entry to a pending collection and one sequencer at a
// time (a lease holder) gives pending entries the next _ids, each inserted after the one before
// it, the unique _id refusing a second writer. Positions therefore form a gap-free prefix 1..N at every
// moment, and "everything after my cursor" never misses or repeats an entry — across restarts,
// because positions are stored, and across instances, because the database arbitrates.
//
// Exactly once per change: the entry is an Effect keyed by (ticket, version); re-applying it
// (the sweeper after a crash, two instances racing) finds the key taken and adds nothing.
// In order per ticket: applyEffects applies versions in ascending order and stops at the first
// failure, so version v+1 is only appended after v is.

// feedEffect appends one feed entry per ticket version.
type feedEffect struct{ store StatsStore }

// NewFeedEffect returns the Effect that records every ticket change in the change feed.
func NewFeedEffect(store StatsStore) Effect { return feedEffect{store: store} }

func (e feedEffect) Apply(ctx context.Context, t *models.Ticket, version int, ev models.Event) error {
	return e.store.AppendFeed(ctx, &models.FeedEntry{
		TicketID: t.ID, Code: t.Code, Version: version, At: ev.At, Action: string(ev.Action), From: ev.From, To: ev.To,
		AreaCode: t.AreaCode, UnitID: t.UnitID, Category: t.Category,
	})
}

// FeedPage is one page of the change feed. NextCursor is always set: the position after the
// last entry returned, or the caller's cursor when nothing is new, so a client can poll with it.
type FeedPage struct {
	Changes    []models.FeedEntry
	NextCursor string
	HasMore    bool
}

// Feed page sizes.
const (
	DefaultFeedLimit = 100
	MaxFeedLimit     = 1000
)

// Feed returns the changes after cursor ("" for the beginning) in commit order.
func (s *Stats) Feed(ctx context.Context, p models.Principal, cursor string, limit int) (FeedPage, error) {
	if err := mayReadStats(p, models.ScopeFeed); err != nil {
		return FeedPage{}, err
	}
	after, err := decodeFeedCursor(cursor)
	if err != nil {
		return FeedPage{}, err
	}
	switch {
	case limit <= 0:
		limit = DefaultFeedLimit
	case limit > MaxFeedLimit:
		limit = MaxFeedLimit
	}
	es, err := s.store.FeedAfter(ctx, after, limit+1)
	if err != nil {
		return FeedPage{}, err
	}
	page := FeedPage{Changes: es, HasMore: len(es) > limit}
	if page.HasMore {
		page.Changes = es[:limit]
	}
	if n := len(page.Changes); n > 0 {
		after = page.Changes[n-1].Position
	}
	page.NextCursor = encodeFeedCursor(after)
	return page, nil
}

// Feed cursors are opaque to clients: base64url("f1:<position>"); the prefix versions the format.
func encodeFeedCursor(pos int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("f1:" + strconv.FormatInt(pos, 10)))
}

func decodeFeedCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	bad := models.FieldError(models.EInvalid, "cursor", "invalid cursor")
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, bad
	}
	num, ok := strings.CutPrefix(string(raw), "f1:")
	pos, err := strconv.ParseInt(num, 10, 64)
	if !ok || err != nil || pos < 0 {
		return 0, bad
	}
	return pos, nil
}
