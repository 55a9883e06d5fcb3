package app

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"phananh/models"
)

// ReportPeriod is the period of a periodic report: a calendar month ("2026-11"), quarter
// ("2026-Q4") or year ("2026") of filing dates in Asia/Ho_Chi_Minh, the periods Vietnamese
// administrative reporting uses.
type ReportPeriod struct {
	Name     string // as written, e.g. "2026-Q4"
	From, To string // first and last day of filing, "2006-01-02" (inclusive)
}

// ParseReportPeriod reads a month, quarter or year; anything else is EInvalid on the field
// period. Future periods are valid: their report is simply empty.
func ParseReportPeriod(s string) (ReportPeriod, error) {
	bad := models.FieldError(models.EInvalid, "period", "period must be a month (2026-11), a quarter (2026-Q4) or a year (2026)")
	yearText, rest, hasRest := strings.Cut(s, "-")
	year, err := strconv.Atoi(yearText)
	if err != nil || len(yearText) != 4 || year < 1000 {
		return ReportPeriod{}, bad
	}
	first, months := 1, 12
	switch {
	case !hasRest:
	case len(rest) == 2 && rest[0] == 'Q' && rest[1] >= '1' && rest[1] <= '4':
		first, months = 3*int(rest[1]-'1')+1, 3
	case len(rest) == 2:
		m, err := strconv.Atoi(rest)
		if err != nil || m < 1 || m > 12 {
			return ReportPeriod{}, bad
		}
		first, months = m, 1
	default:
		return ReportPeriod{}, bad
	}
	start := time.Date(year, time.Month(first), 1, 0, 0, 0, 0, models.VietnamTime)
	end := start.AddDate(0, months, -1)
	return ReportPeriod{Name: s, From: start.Format(time.DateOnly), To: end.Format(time.DateOnly)}, nil
}

// ReportRow is one unit or ward of a periodic report, whole (Group "") or for one category
// group. Counts are the sums the figures derive from, so a report shows both.
type ReportRow struct {
	Key     string // unit id, or area code in Report.BoundarySet
	Name    string
	Group   models.Group
	Counts  models.StatsCounts
	Figures models.StatsFigures
}

// Report is a periodic report: the figures of the tickets filed in a period, per unit or per
// ward, with their total and their breakdown by category group.
type Report struct {
	Period      ReportPeriod
	By          models.StatsDimension // models.ByUnit or models.ByArea
	BoundarySet string                // the set of the wards (by area)
	GeneratedAt time.Time
	Rows        []ReportRow // every unit or ward of the league, sorted by name then key
	Total       ReportRow   // the sum of Rows
	Groups      []ReportRow // per unit or ward and group, only those with tickets

	// Channels are the city's tickets of the period by the channel they came through (Key: the
	// channel), every channel in the order of models.Channels.
	Channels []ReportRow
}

// Report computes the periodic report of period (see ParseReportPeriod) by unit or by area
// (models.ByUnit, models.ByArea) from the league tables, so its figures are the statistics
// API's. It is for the callers of the statistics.
func (s *Stats) Report(ctx context.Context, p models.Principal, period string, by models.StatsDimension) (Report, error) {
	if err := mayReadStats(p, models.ScopeStats); err != nil {
		return Report{}, err
	}
	per, err := ParseReportPeriod(period)
	if err != nil {
		return Report{}, err
	}
	if by != models.ByUnit && by != models.ByArea {
		return Report{}, models.FieldError(models.EInvalid, "by", "by must be unit or area")
	}
	r := Report{Period: per, By: by, GeneratedAt: s.clock()}
	if by == models.ByArea {
		r.BoundarySet = s.boundarySet().ID()
	}
	f := StatsFilter{From: per.From, To: per.To, BoundarySet: r.BoundarySet}
	if r.Rows, err = s.reportRows(ctx, p, f, by); err != nil {
		return Report{}, err
	}
	var total models.StatsCounts
	for _, row := range r.Rows {
		total.Merge(row.Counts)
	}
	r.Total = ReportRow{Counts: total, Figures: models.Figures(total, nil)}
	for _, g := range s.groups() {
		f.Group = g
		rows, err := s.reportRows(ctx, p, f, by)
		if err != nil {
			return Report{}, err
		}
		for _, row := range rows {
			if row.Counts.Received > 0 {
				row.Group = g
				r.Groups = append(r.Groups, row)
			}
		}
	}
	slices.SortStableFunc(r.Groups, compareRows)
	if r.Channels, err = s.reportChannels(ctx, p, f); err != nil {
		return Report{}, err
	}
	return r, nil
}

// reportChannels are the rows of the report by channel: the tickets of the period (f without
// its group) per channel.
func (s *Stats) reportChannels(ctx context.Context, p models.Principal, f StatsFilter) ([]ReportRow, error) {
	f.Group = ""
	channels, err := s.ByChannel(ctx, p, f)
	if err != nil {
		return nil, err
	}
	rows := make([]ReportRow, len(channels))
	for i, ch := range channels {
		rows[i] = ReportRow{Key: string(ch.Channel), Counts: ch.Counts, Figures: models.Figures(ch.Counts, nil)}
	}
	return rows, nil
}

// reportRows is the league of f by unit or area as report rows, sorted by name then key.
func (s *Stats) reportRows(ctx context.Context, p models.Principal, f StatsFilter, by models.StatsDimension) ([]ReportRow, error) {
	var league []LeagueRow
	var err error
	if by == models.ByArea {
		league, err = s.Areas(ctx, p, f, 0)
	} else {
		league, err = s.Units(ctx, p, f, 0)
	}
	if err != nil {
		return nil, err
	}
	rows := make([]ReportRow, len(league))
	for i, l := range league {
		rows[i] = ReportRow{Key: l.Key, Name: l.Name, Counts: l.Counts, Figures: l.Figures}
	}
	slices.SortFunc(rows, compareRows)
	return rows, nil
}

// compareRows orders report rows by name, then key (the row of tickets without a unit or
// ward, with neither, comes first).
func compareRows(a, b ReportRow) int {
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	return strings.Compare(a.Key, b.Key)
}

// groups are the category groups of the catalog, sorted.
func (s *Stats) groups() []models.Group {
	var out []models.Group
	for _, c := range s.cat.Categories() {
		if !slices.Contains(out, c.Group) {
			out = append(out, c.Group)
		}
	}
	slices.Sort(out)
	return out
}
