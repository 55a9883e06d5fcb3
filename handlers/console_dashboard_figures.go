package handlers

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/paulmach/orb"

	"phananh/app"
	"phananh/models"
)

// dashMetrics are the dashboard's headline figures, in order: names of models.StatsMetrics.
var dashMetrics = []string{"received", "backlog", "resolved", "overdue", "on_time_rate", "on_time_e2e_rate",
	"satisfaction_rate", "median_resolve_hours"}

// dashFigure is one headline figure of the period beside the same figure of the previous period
// of equal length. Counts change by a percentage of the previous count; rates by percentage
// points, since "on time up 50 %" from 40 % to 60 % would mislead.
type dashFigure struct {
	Metric  string
	Value   string // as shown
	Raw     string // data-value: the number the API gives ("" for null)
	Alert   bool
	Prev    string // the previous period's, as shown
	PrevRaw string
	Change  string // "↑ 12 %", "↓ 3 điểm %", "=" or "" when there is nothing to compare with
}

// previousPeriod is the period of equal length that ends the day before from.
func previousPeriod(from, to string) (string, string, bool) {
	f, err1 := time.ParseInLocation(time.DateOnly, from, models.VietnamTime)
	t, err2 := time.ParseInLocation(time.DateOnly, to, models.VietnamTime)
	if err1 != nil || err2 != nil || t.Before(f) {
		return "", "", false
	}
	days := int(math.Round(t.Sub(f).Hours()/24)) + 1
	prevTo := f.AddDate(0, 0, -1)
	return prevTo.AddDate(0, 0, 1-days).Format(time.DateOnly), prevTo.Format(time.DateOnly), true
}

// dashboardCompare fills d.Figures from d.Summary and the summary of the previous period with
// the same filters: the same Stats.Summary, only the dates differ.
func (s *consoleUI) dashboardCompare(ctx context.Context, p models.Principal, f app.StatsFilter, lang string, d *consoleDashboard) error {
	prev := models.StatsFigures{}
	from, to, ok := previousPeriod(f.From, f.To)
	if ok {
		pf := f
		pf.From, pf.To = from, to
		var err error
		if prev, err = s.svc.Stats.Summary(ctx, p, pf); err != nil {
			return err
		}
		d.PrevFrom, d.PrevTo = from, to
	}
	for _, m := range dashMetrics {
		cur, _ := d.Summary.Metric(m)
		old, _ := prev.Metric(m)
		fig := dashFigure{Metric: m, Value: showMetric(m, cur), Raw: rawMetric(cur), Alert: m == "overdue" && d.Summary.Overdue > 0}
		if ok {
			fig.Prev, fig.PrevRaw, fig.Change = showMetric(m, old), rawMetric(old), change(m, cur, old, lang)
		}
		d.Figures = append(d.Figures, fig)
	}
	return nil
}

// isRate reports whether a metric is a fraction in [0, 1].
func isRate(metric string) bool {
	return metric != "median_resolve_hours" && metric != "p90_resolve_hours" && !isCount(metric)
}

func isCount(metric string) bool {
	switch metric {
	case "received", "backlog", "resolved", "rejected", "overdue":
		return true
	}
	return false
}

func rawMetric(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func showMetric(metric string, v *float64) string {
	switch {
	case v == nil:
		return "–"
	case isCount(metric):
		return strconv.Itoa(int(*v))
	case isRate(metric):
		return fmt.Sprintf("%.0f %%", *v*100)
	}
	return fmt.Sprintf("%.1f", *v)
}

// change is the move from old to cur: percent of old for counts and hours, percentage points
// for rates; "" when either is missing or old is zero (no percentage of nothing).
func change(metric string, cur, old *float64, lang string) string {
	if cur == nil || old == nil {
		return ""
	}
	diff := *cur - *old
	var amount string
	switch {
	case diff == 0:
		return "="
	case isRate(metric):
		amount = fmt.Sprintf("%.0f %s", math.Abs(diff)*100, translate(lang, "dash.points"))
	case *old == 0:
		amount = translate(lang, "dash.from_none")
	default:
		amount = fmt.Sprintf("%.0f %%", math.Abs(diff / *old * 100))
	}
	if diff > 0 {
		return "↑ " + amount
	}
	return "↓ " + amount
}

// dashUnitRow is one unit of the dashboard's SLA table: its league-table row and the counts
// the rates derive from.
type dashUnitRow struct {
	leagueRow
	Counts models.StatsCounts
}

// dashboardUnits is the per-unit SLA table: the league table of f (Stats.Units, the API's
// /v1/stats/units), the units with tickets or a rank, at most 15.
func (s *consoleUI) dashboardUnits(ctx context.Context, p models.Principal, f app.StatsFilter, lang string) ([]dashUnitRow, error) {
	units, err := s.svc.Stats.Units(ctx, p, f, app.DefaultMinSample)
	if err != nil {
		return nil, err
	}
	var out []dashUnitRow
	for i, r := range leagueView(units, false) {
		if len(out) < 15 && (r.Ranked || r.Figures.Received > 0) {
			if u, ok := s.svc.Catalog.Unit(r.ID); ok {
				r.Name = localName(lang, u.Name, u.NameEN)
			}
			out = append(out, dashUnitRow{leagueRow: r, Counts: units[i].Counts})
		}
	}
	return out, nil
}

// channelGroupOptions are the choices of the channel and category group filters: every channel,
// and the groups of the categories offered.
func (s *consoleUI) channelGroupOptions(lang string) (channels, groups []consoleOption) {
	for _, ch := range models.Channels {
		channels = append(channels, consoleOption{string(ch), translate(lang, "channel."+string(ch))})
	}
	seen := map[models.Group]bool{}
	for _, cat := range s.svc.Catalog.Categories() {
		if !seen[cat.Group] {
			seen[cat.Group] = true
			groups = append(groups, consoleOption{string(cat.Group), groupName(cat.Group)})
		}
	}
	return channels, groups
}

// consoleHotspot is one grid cell of the dashboard's hotspot layer, projected onto the ward map.
type consoleHotspot struct {
	X, Y, W, H float64
	Fill       string
	Count      int
}

// dashHotspotCells are the cell sizes the dashboard offers, in metres (0: no layer).
var dashHotspotCells = []int{0, 250, 500, 1000}

// dashboardHotspots draws the reports per grid cell (Stats.Hotspots, the API's
// /v1/stats/hotspots with the same filters) over the ward map, unless the layer is off or the
// period is longer than the grid allows (then d.HotspotsTooLong says so).
func (s *consoleUI) dashboardHotspots(ctx context.Context, p models.Principal, f app.StatsFilter, d *consoleDashboard) error {
	if d.HotspotCell == 0 {
		return nil
	}
	from, err1 := time.ParseInLocation(time.DateOnly, f.From, models.VietnamTime)
	to, err2 := time.ParseInLocation(time.DateOnly, f.To, models.VietnamTime)
	if err1 == nil && err2 == nil && to.Sub(from) >= app.MaxHotspotDays*24*time.Hour {
		d.HotspotsTooLong = true
		return nil
	}
	h, err := s.svc.Stats.Hotspots(ctx, p, f, d.HotspotCell)
	if err != nil {
		return err
	}
	set, err := s.svc.Stats.AreaSet(ctx, p, f)
	if err != nil {
		return err
	}
	d.Map.Hotspots = hotspotLayer(newProjection(set.Bound(), 800), h)
	d.HotspotMin = h.MinCount
	return nil
}

// hotspotLayer projects the cells as the ward map's areas are (wardMap's projection), coloured
// from pale yellow to dark purple by their count relative to the busiest cell.
func hotspotLayer(pr projection, h app.Hotspots) []consoleHotspot {
	most := 0
	for _, c := range h.Cells {
		most = max(most, c.Count)
	}
	out := make([]consoleHotspot, 0, len(h.Cells))
	for _, c := range h.Cells {
		x0, y0 := pr.point(orb.Point{c.West, c.North})
		x1, y1 := pr.point(orb.Point{c.East, c.South})
		out = append(out, consoleHotspot{X: x0, Y: y0, W: round1(x1 - x0), H: round1(y1 - y0), Count: c.Count,
			Fill: ramp(float64(c.Count)/float64(most), [3]float64{255, 237, 160}, [3]float64{240, 59, 32}, [3]float64{84, 39, 143})})
	}
	return out
}
