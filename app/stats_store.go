package app

import (
	"context"

	"phananh/models"
)

// StatsStore keeps statistics facts and the change feed (issue 5). Both are derived from the
// tickets by Effects (facts.go, feed.go), so every write here is idempotent.
//
// Reads aggregate the facts directly, grouped in the store (SQL GROUP BY, MongoDB $group with
// plain $sum), instead of reading pre-summed daily rollups: every figure is then a recount by
// construction, "overdue now" needs the current time anyway, and percentiles need the individual
// durations, which no sum can give.
type StatsStore interface {
	// PutFact creates or replaces the fact of f.TicketID unless the stored one was computed from a
	// newer ticket version (f.Version below the stored Version: a late writer must not undo a
	// newer fact). An equal version overwrites, so a rebuild with corrected logic takes effect.
	PutFact(ctx context.Context, f *models.TicketFact) error
	// DeleteFacts removes every fact (before a rebuild, and in tests).
	DeleteFacts(ctx context.Context) error
	// AggregateFacts sums the indicators of the facts matching q per group of q.By, sorted by
	// key; Overdue counts facts with IsRunning = 1 and DueAt strictly before q.Now. Groups
	// without any fact are absent.
	AggregateFacts(ctx context.Context, q models.StatsQuery) ([]models.StatsCounts, error)
	// ResolveTimes lists ResolveMs of the resolved facts (IsResolved = 1) matching q, each with
	// its group key under q.By, in any order.
	ResolveTimes(ctx context.Context, q models.StatsQuery) ([]models.KeyedDuration, error)

	// AppendFeed records e at the next feed position unless an entry for (e.TicketID,
	// e.Version) exists (then it is a no-op returning nil). Positions are 1, 2, 3 … with no gap,
	// and position n+1 is only ever written after position n is visible to readers, so a reader
	// that has seen position n has seen everything before it. e.Position is ignored.
	AppendFeed(ctx context.Context, e *models.FeedEntry) error
	// FeedAfter lists the entries with Position above after, in position order, at most limit.
	FeedAfter(ctx context.Context, after int64, limit int) ([]models.FeedEntry, error)
}
