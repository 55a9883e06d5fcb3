package models

import (
	"math"
	"slices"
	"time"
)

// TicketQuery selects tickets for exports and Open311. Every set field must match; empty fields
// do not filter. Time bounds are half-open: From inclusive, To exclusive.
type TicketQuery struct {
	IDs         []string // one of these ids
	Categories  []string // one of these category codes
	Groups      []Group
	States      []State
	AreaCode    string
	UnitID      string
	PublicOnly  bool // Ticket.Private is false
	CreatedFrom time.Time
	CreatedTo   time.Time
	UpdatedFrom time.Time
	UpdatedTo   time.Time
	BBox        *BBox
	Offset      int
	Limit       int
	// BatchSize is how many tickets StreamTickets reads per query; 0 means the store's default.
	// The contract suite sets it small to cross batch boundaries with a few tickets.
	BatchSize int
}

// BBox is a latitude/longitude box, edges included.
type BBox struct{ MinLat, MinLng, MaxLat, MaxLng float64 }

// Contains reports whether the point lies in the box, edges included.
func (b BBox) Contains(lat, lng float64) bool {
	return lat >= b.MinLat && lat <= b.MaxLat && lng >= b.MinLng && lng <= b.MaxLng
}

// Public is the box of exact coordinates whose public, rounded values (RoundCoord) lie in b: a
// filter on a public route applies to what the route shows, so that narrowing a box around a
// ticket cannot recover its point more precisely than the rounding. A box holding no grid point
// selects nothing. nil stays nil.
func (b *BBox) Public() *BBox {
	if b == nil {
		return nil
	}
	lo, hi := publicRange(b.MinLat, b.MaxLat)
	west, east := publicRange(b.MinLng, b.MaxLng)
	return &BBox{MinLat: lo, MaxLat: hi, MinLng: west, MaxLng: east}
}

// publicRange is the range of exact values that round into [min, max]: from half a grid step
// below the first grid point in it to just under half a step above the last (math.Round rounds
// halves away from zero). The small tolerance absorbs the binary representation of decimal
// bounds (10.386 × 1000 is not exactly 10386).
func publicRange(min, max float64) (float64, float64) {
	const f, tol = 1000, 1e-9 // 10^PublicDecimals
	first, last := math.Ceil(min*f-tol), math.Floor(max*f+tol)
	if first > last {
		return 1, -1 // empty
	}
	return (first - 0.5) / f, math.Nextafter((last+0.5)/f, math.Inf(-1))
}

// Matches reports whether t satisfies q (ignoring Offset and Limit). Stores use it in tests and
// the MongoDB store as the reference for what its filter must select.
func (q TicketQuery) Matches(t *Ticket) bool {
	switch {
	case len(q.IDs) > 0 && !slices.Contains(q.IDs, t.ID),
		len(q.Categories) > 0 && !slices.Contains(q.Categories, t.Category),
		len(q.Groups) > 0 && !slices.Contains(q.Groups, t.Group),
		len(q.States) > 0 && !slices.Contains(q.States, t.State),
		q.AreaCode != "" && t.AreaCode != q.AreaCode,
		q.UnitID != "" && t.UnitID != q.UnitID,
		q.PublicOnly && t.Private,
		!q.CreatedFrom.IsZero() && t.CreatedAt.Before(q.CreatedFrom),
		!q.CreatedTo.IsZero() && !t.CreatedAt.Before(q.CreatedTo),
		!q.UpdatedFrom.IsZero() && t.UpdatedAt.Before(q.UpdatedFrom),
		!q.UpdatedTo.IsZero() && !t.UpdatedAt.Before(q.UpdatedTo),
		q.BBox != nil && !q.BBox.Contains(t.Location.Lat, t.Location.Lng):
		return false
	}
	return true
}

// ExportFilter is what a caller of the exports may choose. Empty fields do not filter.
type ExportFilter struct {
	From, To   time.Time // created_at, From inclusive, To exclusive
	Categories []string
	Groups     []Group
	States     []State
	AreaCode   string
	UnitID     string
}
