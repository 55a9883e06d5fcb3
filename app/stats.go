package app

import (
	"context"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"phananh/geo"
	"phananh/models"
)

// StatsFilter is what a caller of the statistics API selects: a period of filing dates in
// Asia/Ho_Chi_Minh (inclusive, "2006-01-02", either end open) and optional area, unit, category
// and group.
//
// An area code names a ward only within its boundary set (the 2025 reform reused codes for other
// wards), so Area and the figures per area refer to one set: BoundarySet, the active set when
// empty. It filters nothing else: figures neither filtered nor grouped by area count the
// tickets of every set.
type StatsFilter struct {
	From, To    string
	BoundarySet string
	Area        string
	Unit        string
	Category    string
	Group       models.Group

	// Channel selects the tickets that came through one channel (models.Channels).
	Channel models.Channel
}

// DefaultMinSample is the number of resolved tickets below which a unit or area is listed but not
// ranked: a 100 % on-time rate over two tickets says nothing.
const DefaultMinSample = 10

// mayReadStats is the statistics policy: IOC roles and administrators, or a machine key with the
// stats scope. The handlers check the same; the app does not rely on them.
func mayReadStats(p models.Principal, scope models.APIKeyScope) error {
	if p.Scope != "" {
		if p.Scope == scope {
			return nil
		}
		return models.Errorf(models.EForbidden, "this API key has the %s scope, not %s", p.Scope, scope)
	}
	if p.Role.SeesAllTickets() {
		return nil
	}
	return models.Errorf(models.EForbidden, "statistics are for the IOC")
}

// query validates f and turns it into a store query at now, with the boundary set that f's area
// filter and the groups by area refer to.
func (s *Stats) query(ctx context.Context, f StatsFilter, by models.StatsDimension) (models.StatsQuery, *geo.BoundarySet, error) {
	for _, d := range []struct{ name, v string }{{"from", f.From}, {"to", f.To}} {
		if d.v == "" {
			continue
		}
		if _, err := time.ParseInLocation(time.DateOnly, d.v, models.VietnamTime); err != nil {
			return models.StatsQuery{}, nil, models.FieldError(models.EInvalid, d.name, "%s must be a date like 2026-11-27 (Asia/Ho_Chi_Minh)", d.name)
		}
	}
	if f.From != "" && f.To != "" && f.To < f.From {
		return models.StatsQuery{}, nil, models.FieldError(models.EInvalid, "to", "to is before from")
	}
	if f.Channel != "" && !f.Channel.Valid() {
		all := models.ChannelList(models.Channels)
		return models.StatsQuery{}, nil, models.Problem("channel", models.ProblemBadEnum, all, "channel must be one of %s", all)
	}
	set, err := s.statsSet(ctx, f.BoundarySet)
	if err != nil {
		return models.StatsQuery{}, nil, err
	}
	q := models.StatsQuery{From: f.From, To: f.To, Area: f.Area, Unit: f.Unit, Category: f.Category, Group: f.Group,
		By: by, Now: s.clock()}
	if f.Area != "" || by == models.ByArea {
		q.BoundarySet = set.ID()
	}
	q.Channel = f.Channel
	return q, set, nil
}

// AreaSet is the boundary set whose areas the statistics of f show (f.BoundarySet, the active
// set when empty), for drawing them; an unknown set is EInvalid on the field boundary_set.
func (s *Stats) AreaSet(ctx context.Context, p models.Principal, f StatsFilter) (*geo.BoundarySet, error) {
	if err := mayReadStats(p, models.ScopeStats); err != nil {
		return nil, err
	}
	return s.statsSet(ctx, f.BoundarySet)
}

// BoundarySets lists the stored boundary sets (sorted by id), whose ids StatsFilter.BoundarySet
// accepts.
func (s *Stats) BoundarySets(ctx context.Context, p models.Principal) ([]models.BoundarySetInfo, error) {
	if err := mayReadStats(p, models.ScopeStats); err != nil {
		return nil, err
	}
	return s.store.BoundarySets(ctx)
}

// statsSet returns the active boundary set for "" or its id, else the stored set id, parsed
// once per import (sets are replaced by importing them again, which changes their import time).
func (s *Stats) statsSet(ctx context.Context, id string) (*geo.BoundarySet, error) {
	if active := s.boundarySet(); id == "" || id == active.ID() {
		return active, nil
	}
	infos, err := s.store.BoundarySets(ctx)
	if err != nil {
		return nil, err
	}
	ids := []string{}
	for _, info := range infos {
		if info.ID != id {
			ids = append(ids, info.ID)
			continue
		}
		if set, ok := s.sets.get(id, info.ImportedAt); ok {
			return set, nil
		}
		set, err := LoadBoundarySet(ctx, s.store, id)
		if err != nil {
			return nil, err
		}
		s.sets.put(id, info.ImportedAt, set)
		return set, nil
	}
	return nil, models.FieldError(models.EInvalid, "boundary_set", "unknown boundary set %q: the stored sets are %s",
		id, strings.Join(ids, ", "))
}

// setCache holds the stored boundary sets other than the active one that statistics have
// parsed, each with the import time it was parsed at.
type setCache struct {
	mu   sync.Mutex
	sets map[string]cachedSet
}

type cachedSet struct {
	importedAt time.Time
	set        *geo.BoundarySet
}

func (c *setCache) get(id string, importedAt time.Time) (*geo.BoundarySet, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.sets[id]
	return e.set, ok && e.importedAt.Equal(importedAt)
}

func (c *setCache) put(id string, importedAt time.Time, set *geo.BoundarySet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sets == nil {
		c.sets = map[string]cachedSet{}
	}
	c.sets[id] = cachedSet{importedAt: importedAt, set: set}
}

// grouped aggregates the facts of q and returns the figures per group key.
func (s *Stats) grouped(ctx context.Context, q models.StatsQuery) (map[string]models.StatsCounts, map[string][]int64, error) {
	counts, err := s.store.AggregateFacts(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	times, err := s.store.ResolveTimes(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	byKey := make(map[string]models.StatsCounts, len(counts))
	for _, c := range counts {
		byKey[c.Key] = c
	}
	durations := map[string][]int64{}
	for _, d := range times {
		durations[d.Key] = append(durations[d.Key], d.Ms)
	}
	return byKey, durations, nil
}

// Summary returns the figures of the tickets filed in the period matching the filters.
func (s *Stats) Summary(ctx context.Context, p models.Principal, f StatsFilter) (models.StatsFigures, error) {
	if err := mayReadStats(p, models.ScopeStats); err != nil {
		return models.StatsFigures{}, err
	}
	q, _, err := s.query(ctx, f, models.ByNone)
	if err != nil {
		return models.StatsFigures{}, err
	}
	counts, err := s.store.AggregateFacts(ctx, q)
	if err != nil {
		return models.StatsFigures{}, err
	}
	var c models.StatsCounts
	if len(counts) > 0 {
		c = counts[0]
	}
	return s.figures(ctx, q, c)
}

// figures are the figures of counts c of the tickets q selects: the percentiles are the
// durations at two ranks, which the store finds without handing over every duration of the
// period (a month is tens of thousands at a city's scale).
func (s *Stats) figures(ctx context.Context, q models.StatsQuery, c models.StatsCounts) (models.StatsFigures, error) {
	fig := models.Figures(c, nil)
	if c.Resolved > 0 {
		v, err := s.store.ResolveRanks(ctx, q, []int{nearestRank(0.5, c.Resolved), nearestRank(0.9, c.Resolved)})
		if err != nil {
			return models.StatsFigures{}, err
		}
		fig.MedianResolveHours, fig.P90ResolveHours = msToHours(v[0]), msToHours(v[1])
	}
	return fig, nil
}

// ChannelCounts are the counts of the tickets of one channel (ByChannel).
type ChannelCounts struct {
	Channel models.Channel
	Counts  models.StatsCounts
}

// ByChannel breaks the tickets Summary counts down by the channel they came through, every
// channel listed (zero counts included) in the order of models.Channels, so the IOC sees where
// residents turn — and which channels nobody uses.
func (s *Stats) ByChannel(ctx context.Context, p models.Principal, f StatsFilter) ([]ChannelCounts, error) {
	if err := mayReadStats(p, models.ScopeStats); err != nil {
		return nil, err
	}
	q, _, err := s.query(ctx, f, models.ByChannel)
	if err != nil {
		return nil, err
	}
	counts, err := s.store.AggregateFacts(ctx, q)
	if err != nil {
		return nil, err
	}
	return channelList(counts, f), nil
}

// SummaryByChannel is Summary and ByChannel together, from one aggregation by channel whose sum
// is the summary's counts: the statistics summary shows both, and each aggregation also counts
// the running tickets past their deadline, the costly part of a filtered summary.
func (s *Stats) SummaryByChannel(ctx context.Context, p models.Principal, f StatsFilter) (models.StatsFigures, []ChannelCounts, error) {
	if err := mayReadStats(p, models.ScopeStats); err != nil {
		return models.StatsFigures{}, nil, err
	}
	q, _, err := s.query(ctx, f, models.ByChannel)
	if err != nil {
		return models.StatsFigures{}, nil, err
	}
	counts, err := s.store.AggregateFacts(ctx, q)
	if err != nil {
		return models.StatsFigures{}, nil, err
	}
	var total models.StatsCounts
	for _, c := range counts {
		total.Merge(c) // the counters; Key stays "", as Summary's
	}
	q.By = models.ByNone
	fig, err := s.figures(ctx, q, total)
	if err != nil {
		return models.StatsFigures{}, nil, err
	}
	return fig, channelList(counts, f), nil
}

// channelList lists counts by channel in the order of models.Channels, every channel (zero
// counts included) or only the one of f's channel filter.
func channelList(counts []models.StatsCounts, f StatsFilter) []ChannelCounts {
	byKey := make(map[models.Channel]models.StatsCounts, len(counts))
	for _, c := range counts {
		byKey[models.Channel(c.Key)] = c
	}
	out := make([]ChannelCounts, 0, len(models.Channels))
	for _, ch := range models.Channels {
		if f.Channel != "" && ch != f.Channel {
			continue
		}
		c := byKey[ch]
		c.Key = string(ch)
		out = append(out, ChannelCounts{Channel: ch, Counts: c})
	}
	return out
}

// nearestRank is the 1-based rank of the nearest-rank percentile p of n values: ceil(p·n),
// as models.Figures computes it.
func nearestRank(p float64, n int) int {
	return min(max(int(math.Ceil(p*float64(n))), 1), n)
}

// msToHours converts a duration in milliseconds to hours as models.Figures does.
func msToHours(ms int64) *float64 {
	h := float64(ms) / float64(time.Hour/time.Millisecond)
	return &h
}

// Intervals of a time series.
const (
	IntervalDay   = "day"
	IntervalWeek  = "week"
	IntervalMonth = "month"
)

// SeriesPoint is one period of a time series: Period is the first day of the period
// ("2006-01-02"; weeks start on Monday), Value the metric over the tickets filed in it.
type SeriesPoint struct {
	Period string
	Value  *float64
}

// maxSeriesDays bounds the gap filling of a series, so a period of centuries cannot make a
// response of millions of empty points.
const maxSeriesDays = 3 * 366

// Timeseries returns one metric per day, week or month of filing. Periods without tickets
// are included (with zero counts and null rates) between the first and last day of the
// requested period, or of the data when an end is open.
func (s *Stats) Timeseries(ctx context.Context, p models.Principal, f StatsFilter, interval, metric string) ([]SeriesPoint, error) {
	if err := mayReadStats(p, models.ScopeStats); err != nil {
		return nil, err
	}
	if interval == "" {
		interval = IntervalDay
	}
	if interval != IntervalDay && interval != IntervalWeek && interval != IntervalMonth {
		return nil, models.FieldError(models.EInvalid, "interval", "interval must be day, week or month")
	}
	if metric == "" {
		metric = "received"
	}
	if !slices.Contains(models.StatsMetrics, metric) {
		return nil, models.FieldError(models.EInvalid, "metric", "metric must be one of %s", strings.Join(models.StatsMetrics, ", "))
	}
	q, _, err := s.query(ctx, f, models.ByDay)
	if err != nil {
		return nil, err
	}
	counts, durations, err := s.grouped(ctx, q)
	if err != nil {
		return nil, err
	}
	// The days to cover: the requested period, its open ends closed by the data.
	first, last := f.From, f.To
	for day := range counts {
		if f.From == "" && (first == "" || day < first) {
			first = day
		}
		if f.To == "" && (last == "" || day > last) {
			last = day
		}
	}
	if first == "" || last == "" {
		return []SeriesPoint{}, nil
	}
	start, _ := time.ParseInLocation(time.DateOnly, first, models.VietnamTime)
	end, _ := time.ParseInLocation(time.DateOnly, last, models.VietnamTime)
	if end.Sub(start) > maxSeriesDays*24*time.Hour {
		return nil, models.FieldError(models.EInvalid, "from", "a time series covers at most %d days; narrow from and to", maxSeriesDays)
	}
	type bucket struct {
		c models.StatsCounts
		d []int64
	}
	buckets := map[string]*bucket{}
	var order []string
	for day := start; !day.After(end); day = day.AddDate(0, 0, 1) {
		key := PeriodOf(day, interval)
		b, ok := buckets[key]
		if !ok {
			b = &bucket{}
			buckets[key] = b
			order = append(order, key)
		}
		d := day.Format(time.DateOnly)
		b.c.Merge(counts[d])
		b.d = append(b.d, durations[d]...)
	}
	out := make([]SeriesPoint, 0, len(order))
	for _, key := range order {
		v, _ := models.Figures(buckets[key].c, buckets[key].d).Metric(metric)
		out = append(out, SeriesPoint{Period: key, Value: v})
	}
	return out, nil
}

// PeriodOf names the period of interval that contains day (a date in Vietnamese time): the day
// itself, the Monday of its ISO week, or the first of its month.
func PeriodOf(day time.Time, interval string) string {
	switch interval {
	case IntervalWeek:
		back := (int(day.Weekday()) + 6) % 7 // days since Monday
		return day.AddDate(0, 0, -back).Format(time.DateOnly)
	case IntervalMonth:
		return time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, day.Location()).Format(time.DateOnly)
	}
	return day.Format(time.DateOnly)
}

// LeagueRow is one area or unit in a league table. Rank is 1 for the best on-time rate; it is
// 0 (unranked) when the row has fewer than MinSample resolved tickets.
type LeagueRow struct {
	Key     string
	Name    string
	Figures models.StatsFigures
	Counts  models.StatsCounts // what Figures derive from, for reports that show counts beside rates
	Ranked  bool
	Rank    int
}

// Areas is the league table of the areas of boundary set f.BoundarySet (the active set by
// default), keyed by area code: every area of the set is listed, with zero counts when it has no
// tickets. Only tickets routed under that set count: another set may use the same code for
// another ward.
func (s *Stats) Areas(ctx context.Context, p models.Principal, f StatsFilter, minSample int) ([]LeagueRow, error) {
	return s.league(ctx, p, f, models.ByArea, func(set *geo.BoundarySet) map[string]string {
		names := map[string]string{}
		for _, a := range set.Areas() {
			names[a.Code] = a.Name
		}
		return names
	}, minSample)
}

// Units is the league table of units (every unit of the catalog is listed).
func (s *Stats) Units(ctx context.Context, p models.Principal, f StatsFilter, minSample int) ([]LeagueRow, error) {
	return s.league(ctx, p, f, models.ByUnit, func(*geo.BoundarySet) map[string]string {
		names := map[string]string{}
		for _, u := range s.cat.Units() {
			names[u.ID] = u.Name
		}
		return names
	}, minSample)
}

// league builds a table: every known key (names, of the boundary set of f) plus every key with
// data, ranked by on-time rate, then satisfaction rate, then more resolved tickets, then key — a
// total order, so ranks are stable. Areas are keyed by their code within the set.
func (s *Stats) league(ctx context.Context, p models.Principal, f StatsFilter, by models.StatsDimension,
	known func(*geo.BoundarySet) map[string]string, minSample int) ([]LeagueRow, error) {
	if err := mayReadStats(p, models.ScopeStats); err != nil {
		return nil, err
	}
	if minSample <= 0 {
		minSample = DefaultMinSample
	}
	q, set, err := s.query(ctx, f, by)
	if err != nil {
		return nil, err
	}
	counts, durations, err := s.grouped(ctx, q)
	if err != nil {
		return nil, err
	}
	if by == models.ByArea {
		counts, durations = byAreaCode(counts, durations)
	}
	names := known(set)
	keys := map[string]bool{}
	// Without a filter on the dimension itself, every known area or unit gets a row.
	if (by == models.ByArea && f.Area == "") || (by == models.ByUnit && f.Unit == "") {
		for k := range names {
			keys[k] = true
		}
	}
	for k := range counts {
		keys[k] = true
	}
	rows := make([]LeagueRow, 0, len(keys))
	for k := range keys {
		fig := models.Figures(counts[k], durations[k])
		rows = append(rows, LeagueRow{Key: k, Name: names[k], Figures: fig, Counts: counts[k], Ranked: fig.Resolved >= minSample})
	}
	val := func(v *float64) float64 {
		if v == nil {
			return -1
		}
		return *v
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		switch {
		case a.Ranked != b.Ranked:
			return a.Ranked
		case !a.Ranked:
			return a.Key < b.Key
		case val(a.Figures.OnTimeRate) != val(b.Figures.OnTimeRate):
			return val(a.Figures.OnTimeRate) > val(b.Figures.OnTimeRate)
		case val(a.Figures.SatisfactionRate) != val(b.Figures.SatisfactionRate):
			return val(a.Figures.SatisfactionRate) > val(b.Figures.SatisfactionRate)
		case a.Figures.Resolved != b.Figures.Resolved:
			return a.Figures.Resolved > b.Figures.Resolved
		}
		return a.Key < b.Key
	})
	for i := range rows {
		if rows[i].Ranked {
			rows[i].Rank = i + 1
		}
	}
	return rows, nil
}

// byAreaCode rekeys figures grouped by area (models.AreaKey) by area code: the query filtered by
// one boundary set, so the codes are unique.
func byAreaCode(counts map[string]models.StatsCounts, durations map[string][]int64) (map[string]models.StatsCounts, map[string][]int64) {
	c := make(map[string]models.StatsCounts, len(counts))
	for k, v := range counts {
		_, code := models.SplitAreaKey(k)
		v.Key = code
		c[code] = v
	}
	d := make(map[string][]int64, len(durations))
	for k, v := range durations {
		_, code := models.SplitAreaKey(k)
		d[code] = v
	}
	return c, d
}

// Stats answers the IOC: summaries, time series and leagues from the statistics facts, the
// change feed, and the exports of tickets.
type Stats struct {
	*core
	store interface {
		StatsStore
		OpenDataStore
		FindTickets(ctx context.Context, f models.TicketFilter) ([]*models.Ticket, error)
		BoundarySets(ctx context.Context) ([]models.BoundarySetInfo, error)
		BoundarySetGeoJSON(ctx context.Context, id string) ([]byte, error)
	}
	tickets *Tickets // the public view of exported tickets
	cat     *Catalog // unit names of the leagues
	sets    setCache // stored boundary sets other than the active one, parsed for area statistics
}
