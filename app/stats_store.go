package app

import (
	"context"

	"phananh/models"
)

// StatsStore keeps statistics facts and the change feed. Both are derived from the
// tickets by Effects (facts.go, feed.go), so every write here is idempotent.
//
// Reads are grouped in the store (SQL GROUP BY, MongoDB $group with plain $sum). The SQLite
// store sums daily rollups that it maintains in the transaction that rewrites each fact (exact
// by construction); the MongoDB store, without multi-document transactions, aggregates the facts
// directly. Either way "overdue now" is counted from the facts (it needs the current time) and
// percentiles from the individual durations, which no sum can give.
type StatsStore interface {
	// PutFact creates or replaces the fact of f.TicketID unless the stored one was computed from a
	// newer ticket version (f.Version below the stored Version: a late writer must not undo a
	// newer fact). An equal version overwrites, so a rebuild with corrected logic takes effect.
	PutFact(ctx context.Context, f *models.TicketFact) error
	// DeleteFacts removes every fact and any rollup of them (before a rebuild, and in tests).
	DeleteFacts(ctx context.Context) error
	// RebuildRollups recomputes whatever the store pre-sums from the facts (`stats rebuild`);
	// a store that keeps no rollups returns nil.
	RebuildRollups(ctx context.Context) error
	// AggregateFacts sums the indicators of the facts matching q per group of q.By, sorted by
	// key; Overdue counts facts with IsRunning = 1 and DueAt strictly before q.Now. Groups
	// without any fact are absent.
	AggregateFacts(ctx context.Context, q models.StatsQuery) ([]models.StatsCounts, error)
	// ResolveTimes lists ResolveMs of the resolved facts (IsResolved = 1) matching q, each with
	// its group key under q.By, in any order.
	ResolveTimes(ctx context.Context, q models.StatsQuery) ([]models.KeyedDuration, error)
	// ResolveRanks returns the values at the given 1-based ranks of the ascending ResolveMs of
	// the resolved facts matching q, all of them as one group (q.By is ignored), so that a
	// summary's exact nearest-rank percentiles need not read every duration. Every rank is
	// between 1 and the number of those facts.
	ResolveRanks(ctx context.Context, q models.StatsQuery, ranks []int) ([]int64, error)

	// AppendFeed records e at the next feed position unless an entry for (e.TicketID,
	// e.Version) exists (then it is a no-op returning nil). A store may give the position a
	// moment later (MongoDB sequences pending entries in the background, and before FeedAfter
	// reads); once an entry is recorded it is never lost. Positions are 1, 2, 3 … with no gap,
	// and position n+1 is only ever written after position n is visible to readers, so a reader
	// that has seen position n has seen everything before it. e.Position is ignored.
	AppendFeed(ctx context.Context, e *models.FeedEntry) error
	// FeedAfter lists the entries with Position above after, in position order, at most limit.
	FeedAfter(ctx context.Context, after int64, limit int) ([]models.FeedEntry, error)
	// FeedHead returns the highest position visible to readers, 0 when the feed is empty: a
	// reader that starts after it sees every entry recorded from then on.
	FeedHead(ctx context.Context) (int64, error)
}
