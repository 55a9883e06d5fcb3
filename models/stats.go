package models

import (
	"math"
	"slices"
	"strings"
	"time"
)

// TicketFact is the statistics row of one ticket: everything the IOC figures need, flattened and
// rewritten (idempotently) after every change of the ticket. It is derived
// data: `phananh admin stats rebuild` recomputes every fact from the tickets.
//
// The Is* indicators are 0 or 1 and are stored beside the raw fields so that both stores can
// aggregate with plain sums ($group/$sum on MongoDB, SUM() on SQLite) instead of conditional
// expressions FerretDB v1 does not have.
type TicketFact struct {
	TicketID    string
	Version     int // the ticket version the fact was computed from; stores never go back to an older one
	BoundarySet string
	AreaCode    string
	UnitID      string
	Category    string
	Group       Group
	// CreatedDay is the date of filing in Asia/Ho_Chi_Minh, "2006-01-02": every figure counts a
	// ticket in the period it was received (a cohort), so a day's figures only change when one of
	// its tickets changes — or, for Overdue, when the clock passes a deadline.
	CreatedDay   string
	CreatedAt    time.Time
	State        State
	Outcome      Outcome
	TriageDueAt  time.Time
	ResolveDueAt time.Time
	DueAt        time.Time // the running deadline (Ticket.DueAt); Overdue compares it with now
	OnTimeClass  OnTimeClass
	// TriageMs and ResolveMs are working time (office hours of the calendar) in milliseconds from
	// filing to the first triage decision and to the (last) resolution; -1 when it has not
	// happened (or was undone by a reopen).
	TriageMs    int64
	ResolveMs   int64
	Rating      int
	ReopenCount int

	IsOpen         int // received, assigned, in_progress or awaiting_info
	IsRunning      int // the deadline clock runs (received, assigned, in_progress)
	IsResolved     int // resolved or closed: a unit recorded an outcome
	IsRejected     int
	IsOnTime       int // resolved within the original deadline
	IsLateExt      int // resolved late, but within an approved extension
	IsRated        int // resolved and rated by the reporter
	IsSatisfied    int // rated 4 or 5
	IsReopened     int // reopened at least once
	IsEverResolved int // resolved now, or resolved once and reopened since

	// E2EDueAt is the ticket's end-to-end deadline (Ticket.E2EDueAt), zero for tickets filed
	// before it existed; E2EClass is on_time or late against it once resolved ("" before),
	// and IsOnTimeE2E its indicator. A transfer never moves it, unlike ResolveDueAt.
	E2EDueAt    time.Time
	E2EClass    OnTimeClass
	IsOnTimeE2E int // resolved within the end-to-end deadline from filing
	// Channel is how the ticket reached the city (Ticket.Channel, never empty).
	Channel Channel
}

// SetIndicators derives the Is* fields from the raw ones; every writer of facts calls it so the
// two can never disagree.
func (f *TicketFact) SetIndicators() {
	b := func(v bool) int {
		if v {
			return 1
		}
		return 0
	}
	resolved := f.State == StateResolved || f.State == StateClosed
	f.IsOpen = b(f.State.Open())
	f.IsRunning = b(f.State.ClockRunning())
	f.IsResolved = b(resolved)
	f.IsRejected = b(f.State == StateRejected)
	f.IsOnTime = b(resolved && f.OnTimeClass == OnTime)
	f.IsLateExt = b(resolved && f.OnTimeClass == LateWithExtension)
	f.IsRated = b(resolved && f.Rating > 0)
	f.IsSatisfied = b(resolved && f.Rating >= 4)
	f.IsReopened = b(f.ReopenCount > 0)
	f.IsEverResolved = b(resolved || f.ReopenCount > 0)
	f.IsOnTimeE2E = b(resolved && f.E2EClass == OnTime)
}

// Overdue reports whether the fact's running deadline has passed at now (as Ticket.Overdue).
func (f *TicketFact) Overdue(now time.Time) bool { return f.IsRunning == 1 && now.After(f.DueAt) }

// StatsDimension is what an aggregation groups by.
type StatsDimension string

// Dimensions of StatsQuery.By.
const (
	ByNone StatsDimension = ""
	ByArea StatsDimension = "area"
	ByUnit StatsDimension = "unit"
	ByDay  StatsDimension = "day"
	// ByChannel groups by how the tickets reached the city (Ticket.Channel).
	ByChannel StatsDimension = "channel"
)

// StatsQuery selects facts for aggregation. Empty fields do not filter. From and To are
// inclusive Vietnamese dates ("2006-01-02") compared with TicketFact.CreatedDay.
//
// An area code names a ward only within its boundary set (the 2025 reform reused codes for
// other wards), so callers that filter or group by area also filter by BoundarySet.
type StatsQuery struct {
	From, To    string
	BoundarySet string // TicketFact.BoundarySet, the set the ticket was routed under
	Area        string
	Unit        string
	Category    string
	Group       Group
	By          StatsDimension
	Now         time.Time // Overdue counts running deadlines strictly before it
	// Channel selects the tickets of one channel (TicketFact.Channel).
	Channel Channel
}

// Matches reports whether f passes the filters of q (the stores' WHERE, for recounts and tests).
func (q StatsQuery) Matches(f *TicketFact) bool {
	return (q.From == "" || f.CreatedDay >= q.From) && (q.To == "" || f.CreatedDay <= q.To) &&
		(q.BoundarySet == "" || f.BoundarySet == q.BoundarySet) &&
		(q.Area == "" || f.AreaCode == q.Area) && (q.Unit == "" || f.UnitID == q.Unit) &&
		(q.Category == "" || f.Category == q.Category) && (q.Group == "" || f.Group == q.Group) &&
		(q.Channel == "" || f.Channel.OrApp() == q.Channel)
}

// KeyOf is the group key of f under q.By ("" when not grouped). Areas are keyed by boundary
// set and code (AreaKey), so a code reused by another set is another group.
func (q StatsQuery) KeyOf(f *TicketFact) string {
	switch q.By {
	case ByArea:
		return AreaKey(f.BoundarySet, f.AreaCode)
	case ByUnit:
		return f.UnitID
	case ByDay:
		return f.CreatedDay
	case ByChannel:
		return string(f.Channel.OrApp())
	}
	return ""
}

// AreaKeySeparator joins the boundary set and the area code of an area's group key; it is the
// ASCII unit separator, a control character no set id holds (app.ImportBoundarySet refuses
// them), so the first one in a key ends the set.
const AreaKeySeparator = "\x1f"

// AreaKey is the group key of an area: its boundary set and its code.
func AreaKey(set, code string) string { return set + AreaKeySeparator + code }

// SplitAreaKey splits an AreaKey into the boundary set and the area code (a key without the
// separator is a code of no set).
func SplitAreaKey(key string) (set, code string) {
	set, code, ok := strings.Cut(key, AreaKeySeparator)
	if !ok {
		return "", key
	}
	return set, code
}

// StatsCounts are the sums of the indicators over one group of facts.
type StatsCounts struct {
	Key               string
	Received          int
	Open              int
	Resolved          int
	Rejected          int
	Overdue           int
	OnTime            int
	LateWithExtension int
	Rated             int
	Satisfied         int
	Reopened          int
	EverResolved      int
	// OnTimeE2E counts the resolved tickets within their end-to-end deadline from filing.
	OnTimeE2E int
}

// Late is the number of resolved tickets counted neither on time nor late within an approved
// extension: resolved past their deadline. The facts store no separate indicator for it because
// it follows from the three sums (every resolved ticket has one of the three classes).
func (c StatsCounts) Late() int { return c.Resolved - c.OnTime - c.LateWithExtension }

// Add counts one fact.
func (c *StatsCounts) Add(f *TicketFact, now time.Time) {
	c.Received++
	c.Open += f.IsOpen
	c.Resolved += f.IsResolved
	c.Rejected += f.IsRejected
	if f.Overdue(now) {
		c.Overdue++
	}
	c.OnTime += f.IsOnTime
	c.LateWithExtension += f.IsLateExt
	c.Rated += f.IsRated
	c.Satisfied += f.IsSatisfied
	c.Reopened += f.IsReopened
	c.EverResolved += f.IsEverResolved
	c.OnTimeE2E += f.IsOnTimeE2E
}

// Merge adds the counts of o (folding days into weeks or months).
func (c *StatsCounts) Merge(o StatsCounts) {
	c.Received += o.Received
	c.Open += o.Open
	c.Resolved += o.Resolved
	c.Rejected += o.Rejected
	c.Overdue += o.Overdue
	c.OnTime += o.OnTime
	c.LateWithExtension += o.LateWithExtension
	c.Rated += o.Rated
	c.Satisfied += o.Satisfied
	c.Reopened += o.Reopened
	c.EverResolved += o.EverResolved
	c.OnTimeE2E += o.OnTimeE2E
}

// KeyedDuration is one resolved ticket's ResolveMs with its group key.
type KeyedDuration struct {
	Key string
	Ms  int64
}

// StatsFigures are the IOC figures of one set of tickets: those received (filed) in the period
// that match the filters. Rates are fractions in [0, 1]; a rate or percentile whose denominator
// is zero is nil (JSON null), never 0, so "no data" is not mistaken for "all late".
type StatsFigures struct {
	Received int `json:"received"` // tickets filed
	Backlog  int `json:"backlog"`  // of them, open now (received, assigned, in_progress, awaiting_info)
	Resolved int `json:"resolved"` // resolved or closed now (a unit recorded an outcome)
	Rejected int `json:"rejected"` // rejected at triage
	Overdue  int `json:"overdue"`  // open with a running deadline that has passed now
	// OnTimeRate = resolved within the original deadline / resolved.
	OnTimeRate *float64 `json:"on_time_rate" jsonschema:"nullable" jsonschema_description:"resolved within the original deadline / resolved; null when nothing is resolved"`
	// LateWithExtensionRate = resolved after the original deadline but within an approved
	// extension / resolved.
	LateWithExtensionRate *float64 `json:"late_with_extension_rate" jsonschema:"nullable" jsonschema_description:"resolved late but within an approved extension / resolved"`
	// MedianResolveHours and P90ResolveHours: nearest-rank percentiles (the value at rank
	// ceil(p·n) of the sorted list) of the working hours from filing to resolution over the
	// resolved tickets.
	MedianResolveHours *float64 `json:"median_resolve_hours" jsonschema:"nullable" jsonschema_description:"working hours from filing to resolution, nearest-rank median"`
	P90ResolveHours    *float64 `json:"p90_resolve_hours" jsonschema:"nullable" jsonschema_description:"the same, 90th percentile"`
	// SatisfactionRate = rated 4 or 5 / rated (resolved tickets with a rating).
	SatisfactionRate *float64 `json:"satisfaction_rate" jsonschema:"nullable" jsonschema_description:"rated 4 or 5 / rated"`
	// RatingRate = rated / resolved.
	RatingRate *float64 `json:"rating_rate" jsonschema:"nullable" jsonschema_description:"rated / resolved"`
	// ReopenRate = reopened at least once / ever resolved (resolved now, or reopened since).
	ReopenRate *float64 `json:"reopen_rate" jsonschema:"nullable" jsonschema_description:"reopened at least once / ever resolved"`
	// OnTimeE2ERate = resolved within the end-to-end deadline from filing (which transfers do
	// not restart; approved extensions and capped waits for the resident extend it) / resolved:
	// the city's figure. OnTimeRate is each ticket's last unit against its own deadline.
	OnTimeE2ERate *float64 `json:"on_time_e2e_rate" jsonschema:"nullable" jsonschema_description:"resolved within the end-to-end deadline from filing (the category's allowance, plus approved extensions and the waits for the resident up to their caps; transfers never restart it) / resolved: the city's figure, where on_time_rate judges each ticket's last unit against its own deadline"`
}

// Figures turns counts and the resolve durations of the same tickets into the figures.
func Figures(c StatsCounts, resolveMs []int64) StatsFigures {
	rate := func(n, d int) *float64 {
		if d == 0 {
			return nil
		}
		v := float64(n) / float64(d)
		return &v
	}
	sorted := slices.Clone(resolveMs)
	slices.Sort(sorted)
	return StatsFigures{
		Received: c.Received, Backlog: c.Open, Resolved: c.Resolved, Rejected: c.Rejected, Overdue: c.Overdue,
		OnTimeRate:            rate(c.OnTime, c.Resolved),
		LateWithExtensionRate: rate(c.LateWithExtension, c.Resolved),
		MedianResolveHours:    percentileHours(sorted, 0.5),
		P90ResolveHours:       percentileHours(sorted, 0.9),
		SatisfactionRate:      rate(c.Satisfied, c.Rated),
		RatingRate:            rate(c.Rated, c.Resolved),
		ReopenRate:            rate(c.Reopened, c.EverResolved),
		OnTimeE2ERate:         rate(c.OnTimeE2E, c.Resolved),
	}
}

// percentileHours is the nearest-rank percentile p of sorted milliseconds, in hours.
func percentileHours(sorted []int64, p float64) *float64 {
	if len(sorted) == 0 {
		return nil
	}
	rank := int(math.Ceil(p * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	h := float64(sorted[rank-1]) / float64(time.Hour/time.Millisecond)
	return &h
}

// StatsMetrics names the figures a time series can plot, in the order of StatsFigures.
var StatsMetrics = []string{"received", "backlog", "resolved", "rejected", "overdue", "on_time_rate",
	"late_with_extension_rate", "median_resolve_hours", "p90_resolve_hours", "satisfaction_rate", "rating_rate", "reopen_rate",
	"on_time_e2e_rate"}

// Metric returns one figure by name (nil for an empty rate); ok is false for an unknown name.
func (f StatsFigures) Metric(name string) (v *float64, ok bool) {
	n := func(i int) *float64 { x := float64(i); return &x }
	switch name {
	case "received":
		return n(f.Received), true
	case "backlog":
		return n(f.Backlog), true
	case "resolved":
		return n(f.Resolved), true
	case "rejected":
		return n(f.Rejected), true
	case "overdue":
		return n(f.Overdue), true
	case "on_time_rate":
		return f.OnTimeRate, true
	case "on_time_e2e_rate":
		return f.OnTimeE2ERate, true
	case "late_with_extension_rate":
		return f.LateWithExtensionRate, true
	case "median_resolve_hours":
		return f.MedianResolveHours, true
	case "p90_resolve_hours":
		return f.P90ResolveHours, true
	case "satisfaction_rate":
		return f.SatisfactionRate, true
	case "rating_rate":
		return f.RatingRate, true
	case "reopen_rate":
		return f.ReopenRate, true
	}
	return nil, false
}

// FeedEntry is one ticket change in the change feed: the event of one version of one ticket,
// at the feed position the store assigned. Position is dense and increasing (1, 2, 3 …) in the
// order entries were committed; (TicketID, Version) is unique. Notes are left out: the feed goes
// to machines outside the unit, and internal notes must not leak through it.
type FeedEntry struct {
	Position int64
	TicketID string
	Code     string
	Version  int
	At       time.Time
	Action   string
	From     State
	To       State
	// AreaCode, UnitID and Category are the ticket's when the entry was recorded (normally right
	// after the change).
	AreaCode string
	UnitID   string
	Category string
}
