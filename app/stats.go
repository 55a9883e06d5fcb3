package app

import (
	"context"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"phananh/models"
)

// StatsFilter is what a caller of the statistics API selects: a period of filing dates in
// Asia/Ho_Chi_Minh (inclusive, "2006-01-02", either end open) and optional area, unit, category
// and group.
type StatsFilter struct {
	From, To string
	Area     string
	Unit     string
	Category string
	Group    models.Group
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

// query validates f and turns it into a store query at now.
func (s *Stats) query(f StatsFilter, by models.StatsDimension) (models.StatsQuery, error) {
	for _, d := range []struct{ name, v string }{{"from", f.From}, {"to", f.To}} {
		if d.v == "" {
			continue
		}
		if _, err := time.ParseInLocation(time.DateOnly, d.v, models.VietnamTime); err != nil {
			return models.StatsQuery{}, models.FieldError(models.EInvalid, d.name, "%s must be a date like 2026-11-27 (Asia/Ho_Chi_Minh)", d.name)
		}
	}
	if f.From != "" && f.To != "" && f.To < f.From {
		return models.StatsQuery{}, models.FieldError(models.EInvalid, "to", "to is before from")
	}
	return models.StatsQuery{From: f.From, To: f.To, Area: f.Area, Unit: f.Unit, Category: f.Category, Group: f.Group,
		By: by, Now: s.clock()}, nil
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
	q, err := s.query(f, models.ByNone)
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
	// The percentiles are the durations at two ranks, which the store finds without handing
	// over every duration of the period (a month is tens of thousands at a city's scale).
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
	q, err := s.query(f, models.ByDay)
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
	Ranked  bool
	Rank    int
}

// Areas is the league table of the areas of the active boundary set (every area is listed,
// with zero counts when it has no tickets; tickets routed under another boundary set are listed
// by their own area code).
func (s *Stats) Areas(ctx context.Context, p models.Principal, f StatsFilter, minSample int) ([]LeagueRow, error) {
	names := map[string]string{}
	for _, a := range s.boundarySet().Areas() {
		names[a.Code] = a.Name
	}
	return s.league(ctx, p, f, models.ByArea, names, minSample)
}

// Units is the league table of units (every unit of the catalog is listed).
func (s *Stats) Units(ctx context.Context, p models.Principal, f StatsFilter, minSample int) ([]LeagueRow, error) {
	names := map[string]string{}
	for _, u := range s.cat.Units() {
		names[u.ID] = u.Name
	}
	return s.league(ctx, p, f, models.ByUnit, names, minSample)
}

// league builds a table: every known key plus every key with data, ranked by on-time rate, then
// satisfaction rate, then more resolved tickets, then key — a total order, so ranks are stable.
func (s *Stats) league(ctx context.Context, p models.Principal, f StatsFilter, by models.StatsDimension, names map[string]string, minSample int) ([]LeagueRow, error) {
	if err := mayReadStats(p, models.ScopeStats); err != nil {
		return nil, err
	}
	if minSample <= 0 {
		minSample = DefaultMinSample
	}
	q, err := s.query(f, by)
	if err != nil {
		return nil, err
	}
	counts, durations, err := s.grouped(ctx, q)
	if err != nil {
		return nil, err
	}
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
		rows = append(rows, LeagueRow{Key: k, Name: names[k], Figures: fig, Ranked: fig.Resolved >= minSample})
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

// Stats answers the IOC: summaries, time series and leagues from the statistics facts, the
// change feed, and the exports of tickets.
type Stats struct {
	*core
	store interface {
		StatsStore
		OpenDataStore
		FindTickets(ctx context.Context, f models.TicketFilter) ([]*models.Ticket, error)
	}
	tickets *Tickets // the public view of exported tickets
	cat     *Catalog // unit names of the leagues
}
