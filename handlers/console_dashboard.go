package handlers

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"

	"phananh/app"
	"phananh/geo"
	"phananh/models"
)

// consoleDashboardRefresh is how often the wall screen reloads its figures.
const consoleDashboardRefresh = 60

// consoleDashboard is the IOC dashboard: the statistics API's figures (app.Stats) for a
// period of filing dates, drawn as SVG on the server so the page needs no chart library and
// works offline. Category, Group and Channel narrow every figure, the chart, the map and the
// tables the way the same query parameters narrow /v1/stats/*: they go into one StatsFilter.
type consoleDashboard struct {
	From, To string
	Colour   string   // backlog or on_time_rate
	Set      string   // the boundary set of the map (the active one unless boundary_set names another)
	Sets     []string // the stored boundary sets, to choose from when there are several
	Summary  models.StatsFigures
	Series   consoleChart
	Map      *consoleMap
	League   []dashUnitRow
	Overdue  []consoleRow
	Updated  string
	Refresh  int
	Month    string // the current month, the periodic report's default period

	// Channels are the period's tickets by the channel they came through (those with tickets).
	Channels []consoleChannelRow

	// The filters and their choices.
	Category, Group, Channel                      string
	CategoryOptions, GroupOptions, ChannelOptions []consoleOption

	// Figures are the summary's headline figures, each beside the previous period's.
	Figures          []dashFigure
	PrevFrom, PrevTo string

	// HotspotCell is the cell size of the hotspot layer in metres (0: off), of HotspotCells;
	// HotspotMin the fewest reports a drawn cell has; HotspotsTooLong: the period is longer
	// than the grid allows, so the layer is not drawn.
	HotspotCell     int
	HotspotCells    []int
	HotspotMin      int
	HotspotsTooLong bool
	// Archive are the periodic reports made on schedule, newest first.
	Archive []models.ArchivedReport
}

// consoleChannelRow is one channel of the dashboard's table by channel.
type consoleChannelRow struct {
	Channel, Name              string
	Received, Backlog, Overdue int
}

// dashboardChannels are the rows of the table by channel: the channels with tickets in f.
func (s *consoleUI) dashboardChannels(c *fiber.Ctx, lang string, f app.StatsFilter) ([]consoleChannelRow, error) {
	chans, err := s.svc.Stats.ByChannel(c.UserContext(), principal(c), f)
	if err != nil {
		return nil, err
	}
	var out []consoleChannelRow
	for _, ch := range chans {
		if ch.Counts.Received > 0 {
			out = append(out, consoleChannelRow{Channel: string(ch.Channel), Name: translate(lang, "channel."+string(ch.Channel)),
				Received: ch.Counts.Received, Backlog: ch.Counts.Open, Overdue: ch.Counts.Overdue})
		}
	}
	return out, nil
}

// dashboardParams reads the dashboard's query: the period (the last 30 days by default), the
// map's colour and the filters, and the StatsFilter they make.
func dashboardParams(c *fiber.Ctx, today time.Time) (*consoleDashboard, app.StatsFilter) {
	d := &consoleDashboard{From: c.Query("from"), To: c.Query("to"), Colour: c.Query("colour"), Refresh: consoleDashboardRefresh,
		Updated: today.Format("15:04:05 02/01/2006"), Month: today.Format("2006-01"),
		Category: strings.TrimSpace(c.Query("category")), Group: strings.TrimSpace(c.Query("group")), Channel: strings.TrimSpace(c.Query("channel"))}
	if d.From == "" {
		d.From = today.AddDate(0, 0, -29).Format(time.DateOnly)
	}
	if d.To == "" {
		d.To = today.Format(time.DateOnly)
	}
	if d.Colour != "on_time_rate" {
		d.Colour = "backlog"
	}
	d.HotspotCells, d.HotspotCell = dashHotspotCells, app.DefaultHotspotCellM
	if v, err := strconv.Atoi(c.Query("hotspots", "-")); err == nil && slices.Contains(dashHotspotCells, v) {
		d.HotspotCell = v
	}
	f := app.StatsFilter{From: d.From, To: d.To, BoundarySet: strings.TrimSpace(c.Query("boundary_set")),
		Category: d.Category, Group: models.Group(d.Group), Channel: models.Channel(d.Channel)}
	return d, f
}

func (s *consoleUI) consoleDashboard(c *fiber.Ctx) error {
	p := principal(c)
	lang := s.consoleLang(c)
	d, f := dashboardParams(c, time.Now().In(models.VietnamTime))
	d.CategoryOptions = s.consoleCategories(lang)
	d.ChannelOptions, d.GroupOptions = s.channelGroupOptions(lang)
	ctx := c.UserContext()
	if err := s.dashboardMap(ctx, p, f, d); err != nil {
		return err
	}
	if err := s.dashboardHotspots(ctx, p, f, d); err != nil {
		return err
	}
	var err error
	if d.Summary, err = s.svc.Stats.Summary(ctx, p, f); err != nil {
		return err
	}
	if err := s.dashboardCompare(ctx, p, f, lang, d); err != nil {
		return err
	}
	if d.Channels, err = s.dashboardChannels(c, lang, f); err != nil {
		return err
	}
	pts, err := s.svc.Stats.Timeseries(ctx, p, f, app.IntervalDay, "received")
	if err != nil {
		return err
	}
	d.Series = barChart(pts)
	if d.League, err = s.dashboardUnits(ctx, p, f, lang); err != nil {
		return err
	}
	over, err := s.svc.Tickets.Queue(ctx, p, app.QueueParams{Overdue: true, Limit: 20,
		Category: f.Category, Group: f.Group, Channel: f.Channel})
	if err != nil {
		return err
	}
	if d.Overdue, err = s.queueRows(c, lang, over.Tickets); err != nil {
		return err
	}
	if d.Archive, err = s.svc.Reports.Archive(ctx, p); err != nil {
		return err
	}
	return s.consoleRender(c, fiber.StatusOK, "dashboard", "dash.title", nil, d)
}

// dashboardMap draws the ward map of f's boundary set and lists the stored sets.
func (s *consoleUI) dashboardMap(ctx context.Context, p models.Principal, f app.StatsFilter, d *consoleDashboard) error {
	set, err := s.svc.Stats.AreaSet(ctx, p, f)
	if err != nil {
		return err
	}
	d.Set = set.ID()
	sets, err := s.svc.Stats.BoundarySets(ctx, p)
	if err != nil {
		return err
	}
	for _, info := range sets {
		d.Sets = append(d.Sets, info.ID)
	}
	areas, err := s.svc.Stats.Areas(ctx, p, f, app.DefaultMinSample)
	if err != nil {
		return err
	}
	d.Map = s.pages.wardMap(set, areas, d.Colour)
	return nil
}

// consoleChart is a bar chart in a 600×160 viewBox.
type consoleChart struct {
	Bars        []consoleBar
	Max         int
	First, Last string
}

type consoleBar struct {
	X, Y, W, H float64
	Period     string
	Value      int
}

func barChart(pts []app.SeriesPoint) consoleChart {
	ch := consoleChart{}
	if len(pts) == 0 {
		return ch
	}
	ch.First, ch.Last = pts[0].Period, pts[len(pts)-1].Period
	for _, p := range pts {
		if p.Value != nil && int(*p.Value) > ch.Max {
			ch.Max = int(*p.Value)
		}
	}
	const width, height = 600.0, 140.0
	step := width / float64(len(pts))
	for i, p := range pts {
		v := 0
		if p.Value != nil {
			v = int(*p.Value)
		}
		h := 0.0
		if ch.Max > 0 {
			h = height * float64(v) / float64(ch.Max)
		}
		ch.Bars = append(ch.Bars, consoleBar{X: round1(float64(i)*step + step*0.1), Y: round1(height - h), W: round1(step * 0.8), H: round1(h), Period: p.Period, Value: v})
	}
	return ch
}

// consoleMap is an SVG map: area outlines projected with Web Mercator (so optional base-map
// tiles line up), an optional pin, and a legend.
type consoleMap struct {
	Width, Height float64
	Areas         []consoleMapArea
	Tiles         []consoleTile
	Pin           *[2]float64
	Hotspots      []consoleHotspot // the dashboard's reports per grid cell, over the areas
	LegendLow     string
	LegendHigh    string
}

type consoleMapArea struct {
	Code, Name string
	D          string
	Fill       string
	Value      string // data-value: the figure the colour shows ("" when none)
	LabelX     float64
	LabelY     float64
}

type consoleTile struct {
	Href       string
	X, Y, W, H float64
}

// mercator projects lon/lat to Web Mercator in [0,1]², y down.
func mercator(p orb.Point) (float64, float64) {
	lat := math.Max(-85.05, math.Min(85.05, p[1])) * math.Pi / 180
	return (p[0] + 180) / 360, (1 - math.Log(math.Tan(lat)+1/math.Cos(lat))/math.Pi) / 2
}

// projection maps a bound onto an SVG of the given width.
type projection struct {
	x0, y0, k float64
	w, h      float64
}

func newProjection(b orb.Bound, width float64) projection {
	pad := 0.05 * math.Max(b.Max[0]-b.Min[0], b.Max[1]-b.Min[1])
	x0, y1 := mercator(orb.Point{b.Min[0] - pad, b.Min[1] - pad})
	x1, y0 := mercator(orb.Point{b.Max[0] + pad, b.Max[1] + pad})
	k := width / math.Max(x1-x0, 1e-12)
	return projection{x0: x0, y0: y0, k: k, w: width, h: round1((y1 - y0) * k)}
}

func (pr projection) point(p orb.Point) (float64, float64) {
	x, y := mercator(p)
	return round1((x - pr.x0) * pr.k), round1((y - pr.y0) * pr.k)
}

func (pr projection) path(mp orb.MultiPolygon) string {
	var b strings.Builder
	for _, poly := range mp {
		for _, ring := range poly {
			for i, pt := range ring {
				x, y := pr.point(pt)
				if i == 0 {
					b.WriteString("M")
				} else {
					b.WriteString("L")
				}
				b.WriteString(strconv.FormatFloat(x, 'f', -1, 64) + "," + strconv.FormatFloat(y, 'f', -1, 64))
			}
			b.WriteString("Z")
		}
	}
	return b.String()
}

// tiles lists the base-map tiles under the projected bound, at the zoom whose pixels are closest
// to the SVG's units; none when no tile URL is configured.
func (con *console) tiles(pr projection) []consoleTile {
	if con.tileURL == "" {
		return nil
	}
	z := int(math.Round(math.Log2(pr.w / (256 * (pr.w / pr.k)))))
	z = max(0, min(19, z))
	n := math.Exp2(float64(z))
	x0, x1 := int(math.Floor(pr.x0*n)), int(math.Floor((pr.x0+pr.w/pr.k)*n))
	y0, y1 := int(math.Floor(pr.y0*n)), int(math.Floor((pr.y0+pr.h/pr.k)*n))
	var out []consoleTile
	for x := x0; x <= x1 && len(out) < 100; x++ {
		for y := y0; y <= y1 && len(out) < 100; y++ {
			href := strings.NewReplacer("{z}", strconv.Itoa(z), "{x}", strconv.Itoa(x), "{y}", strconv.Itoa(y)).Replace(con.tileURL)
			size := pr.k / n
			out = append(out, consoleTile{Href: href, X: round1((float64(x)/n - pr.x0) * pr.k), Y: round1((float64(y)/n - pr.y0) * pr.k),
				W: round1(size) + 0.5, H: round1(size) + 0.5})
		}
	}
	return out
}

// wardMap colours every area of the set by its backlog (white to dark red, relative to the
// largest) or by its on-time rate (red to green; grey without resolved tickets).
func (con *console) wardMap(set *geo.BoundarySet, rows []app.LeagueRow, colour string) *consoleMap {
	byCode := map[string]models.StatsFigures{}
	for _, r := range rows {
		byCode[r.Key] = r.Figures
	}
	pr := newProjection(set.Bound(), 800)
	m := &consoleMap{Width: pr.w, Height: pr.h, Tiles: con.tiles(pr)}
	maxBacklog := 0
	for _, f := range byCode {
		maxBacklog = max(maxBacklog, f.Backlog)
	}
	for _, a := range set.Areas() {
		f := byCode[a.Code]
		ma := consoleMapArea{Code: a.Code, Name: a.Name, D: pr.path(a.Geometry)}
		ma.LabelX, ma.LabelY = pr.point(a.Bound.Center())
		if colour == "on_time_rate" {
			if f.OnTimeRate == nil {
				ma.Fill = "#d9d9d9"
			} else {
				ma.Fill = ramp(*f.OnTimeRate, [3]float64{215, 48, 39}, [3]float64{254, 224, 139}, [3]float64{26, 152, 80})
				ma.Value = strconv.FormatFloat(*f.OnTimeRate, 'f', -1, 64)
			}
		} else {
			ratio := 0.0
			if maxBacklog > 0 {
				ratio = float64(f.Backlog) / float64(maxBacklog)
			}
			ma.Fill = ramp(ratio, [3]float64{255, 247, 236}, [3]float64{252, 141, 89}, [3]float64{179, 0, 0})
			ma.Value = strconv.Itoa(f.Backlog)
		}
		m.Areas = append(m.Areas, ma)
	}
	if colour == "on_time_rate" {
		m.LegendLow, m.LegendHigh = "0 %", "100 %"
	} else {
		m.LegendLow, m.LegendHigh = "0", strconv.Itoa(maxBacklog)
	}
	return m
}

// pinMap draws one area with a pin at the ticket's location.
func (con *console) pinMap(a geo.Area, loc models.Location) *consoleMap {
	b := a.Bound.Extend(orb.Point{loc.Lng, loc.Lat})
	pr := newProjection(b, 360)
	x, y := pr.point(orb.Point{loc.Lng, loc.Lat})
	lx, ly := pr.point(a.Bound.Center())
	return &consoleMap{Width: pr.w, Height: pr.h, Pin: &[2]float64{x, y}, Tiles: con.tiles(pr),
		Areas: []consoleMapArea{{Code: a.Code, Name: a.Name, D: pr.path(a.Geometry), Fill: "#e8f1fb", LabelX: lx, LabelY: ly}}}
}

// ramp interpolates low → mid → high for v in [0,1] and returns an #rrggbb colour.
func ramp(v float64, low, mid, high [3]float64) string {
	v = math.Max(0, math.Min(1, v))
	a, b, t := low, mid, v*2
	if v > 0.5 {
		a, b, t = mid, high, (v-0.5)*2
	}
	return fmt.Sprintf("#%02x%02x%02x", int(a[0]+(b[0]-a[0])*t), int(a[1]+(b[1]-a[1])*t), int(a[2]+(b[2]-a[2])*t))
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
