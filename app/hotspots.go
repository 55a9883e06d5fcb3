package app

import (
	"cmp"
	"context"
	"math"
	"slices"
	"time"

	"phananh/models"
)

// Limits of the hotspot grid. A cell of at least MinHotspotCellM metres is coarser than the
// public rounding of a location (RoundCoord, about 100 m), and a cell with fewer than
// HotspotMinCount reports is left out, so the grid never places a single report — a private one
// included — more precisely than a count among a few. The period is at most a year, since the
// reports are read one by one (the statistics facts hold no locations).
const (
	MinHotspotCellM     = 250
	MaxHotspotCellM     = 5000
	DefaultHotspotCellM = 500
	HotspotMinCount     = 3
	// MaxHotspotDays is the longest period of a hotspot grid, in days.
	MaxHotspotDays  = 366
	maxHotspotCells = 5000
)

// metresPerDegree is the length of a degree of latitude (and of longitude at the equator).
const metresPerDegree = 111320.0

// HotspotCell is one grid cell with the number of reports filed in it: Row and Col index the
// grid (Row·LatStep ≤ latitude < (Row+1)·LatStep, likewise Col and LngStep), and South, West,
// North and East are its edges.
type HotspotCell struct {
	Row, Col                 int
	South, West, North, East float64
	Count                    int
}

// Hotspots are the reports of a period counted per grid cell: the cells holding at least
// MinCount reports, most reports first, at most maxHotspotCells of them (Truncated when more).
// Counted is every report of the filters, Suppressed those in the cells left out.
type Hotspots struct {
	CellM            int
	LatStep, LngStep float64
	MinCount         int
	Cells            []HotspotCell
	Counted          int
	Suppressed       int
	Truncated        bool
}

// hotspotGrid returns the steps of a grid of cellM-metre cells: square at refLat, the latitude
// of the middle of the boundary set (a city spans too little latitude for the squares to skew).
func hotspotGrid(cellM int, refLat float64) (latStep, lngStep float64) {
	latStep = float64(cellM) / metresPerDegree
	return latStep, latStep / math.Cos(refLat*math.Pi/180)
}

// Hotspots counts the reports filed in f's period per grid cell of cellM metres (0: the
// default), filtered as Summary filters them. A report is placed by its public location
// (RoundCoord), never its exact point. Both ends of the period are required, at most a year
// apart.
func (s *Stats) Hotspots(ctx context.Context, p models.Principal, f StatsFilter, cellM int) (Hotspots, error) {
	if err := mayReadStats(p, models.ScopeStats); err != nil {
		return Hotspots{}, err
	}
	if cellM == 0 {
		cellM = DefaultHotspotCellM
	}
	if cellM < MinHotspotCellM || cellM > MaxHotspotCellM {
		return Hotspots{}, models.FieldError(models.EInvalid, "cell", "cell must be between %d and %d metres", MinHotspotCellM, MaxHotspotCellM)
	}
	q, set, err := s.query(ctx, f, models.ByNone)
	if err != nil {
		return Hotspots{}, err
	}
	tq, err := hotspotQuery(f)
	if err != nil {
		return Hotspots{}, err
	}
	h := Hotspots{CellM: cellM, MinCount: HotspotMinCount}
	h.LatStep, h.LngStep = hotspotGrid(cellM, set.Bound().Center().Lat())
	counts := map[[2]int]int{}
	err = s.store.StreamTickets(ctx, tq, func(t *models.Ticket) error {
		if (q.Channel != "" && t.Channel.OrApp() != q.Channel) || (q.BoundarySet != "" && t.BoundarySet != q.BoundarySet) {
			return nil
		}
		lat, lng := RoundCoord(t.Location.Lat), RoundCoord(t.Location.Lng)
		counts[[2]int{int(math.Floor(lat / h.LatStep)), int(math.Floor(lng / h.LngStep))}]++
		h.Counted++
		return nil
	})
	if err != nil {
		return Hotspots{}, err
	}
	h.collect(counts)
	return h, nil
}

// hotspotQuery is the store query of f's reports: both dates required, at most a year apart.
func hotspotQuery(f StatsFilter) (models.TicketQuery, error) {
	for _, d := range []struct{ name, v string }{{"from", f.From}, {"to", f.To}} {
		if d.v == "" {
			return models.TicketQuery{}, models.FieldError(models.EInvalid, d.name, "hotspots need from and to, at most %d days apart", MaxHotspotDays)
		}
	}
	start, _ := time.ParseInLocation(time.DateOnly, f.From, models.VietnamTime) // checked by query
	end, _ := time.ParseInLocation(time.DateOnly, f.To, models.VietnamTime)
	end = end.AddDate(0, 0, 1)
	if end.Sub(start) > MaxHotspotDays*24*time.Hour {
		return models.TicketQuery{}, models.FieldError(models.EInvalid, "from", "hotspots cover at most %d days; narrow from and to", MaxHotspotDays)
	}
	tq := models.TicketQuery{CreatedFrom: start, CreatedTo: end, AreaCode: f.Area, UnitID: f.Unit}
	if f.Category != "" {
		tq.Categories = []string{f.Category}
	}
	if f.Group != "" {
		tq.Groups = []models.Group{f.Group}
	}
	return tq, nil
}

// collect keeps the cells of at least MinCount reports, most first (then by row and column).
func (h *Hotspots) collect(counts map[[2]int]int) {
	h.Cells = []HotspotCell{}
	for k, n := range counts {
		if n < h.MinCount {
			h.Suppressed += n
			continue
		}
		h.Cells = append(h.Cells, HotspotCell{Row: k[0], Col: k[1], Count: n,
			South: float64(k[0]) * h.LatStep, North: float64(k[0]+1) * h.LatStep,
			West: float64(k[1]) * h.LngStep, East: float64(k[1]+1) * h.LngStep})
	}
	slices.SortFunc(h.Cells, func(a, b HotspotCell) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Row, b.Row), cmp.Compare(a.Col, b.Col))
	})
	if len(h.Cells) > maxHotspotCells {
		h.Cells, h.Truncated = h.Cells[:maxHotspotCells], true
	}
}
