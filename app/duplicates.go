package app

import (
	"context"
	"math"
	"sort"

	"phananh/models"
)

// Duplicate candidates: what an official handling a ticket sees before merging it into another.
// Residents' Nearby is the public "me too" (public reports, public rounded points); officials
// need more — their own unit's private reports too, exact distances, the internal description —
// so the candidates are a separate use case with the officials' read policy.

// Defaults and caps of Candidates.
const (
	// DuplicateRadiusM is the radius when the caller names none: the residents' "me too" radius.
	DuplicateRadiusM = 250.0
	// MaxDuplicateRadiusM caps the radius a caller may ask for: wider than a street block the
	// list stops being about one problem, and the store's bounding box grows quadratically.
	MaxDuplicateRadiusM = 1000.0
	// MaxDuplicateCandidates is how many candidates are listed, nearest first.
	MaxDuplicateCandidates = 10
)

// Duplicates lists the tickets an official may merge a ticket into (Candidates); the merge
// itself is the merge action of Tickets.Act.
type Duplicates struct {
	*core
	store interface {
		TicketByID(ctx context.Context, id string) (*models.Ticket, error)
		FindNearby(ctx context.Context, f models.NearbyFilter) ([]*models.Ticket, error)
	}
}

// Candidate is an open ticket near the one asked about, with its exact distance in metres.
type Candidate struct {
	Ticket    *models.Ticket
	DistanceM float64
}

// Candidates lists the open tickets of the same category within radiusM metres (0: the default
// DuplicateRadiusM; at most MaxDuplicateRadiusM) of ticket id, filed within the nearby window
// (Config.NearbyMaxAge), nearest first, at most MaxDuplicateCandidates. Only the officials
// handling the ticket ask (its unit's officers and leaders, the IOC), and each sees only tickets
// they handle themselves: a unit its own tickets, private ones included, since it may merge only
// into those; the IOC every unit's. The same category, not the same group: a group mixes
// problems (a pothole and a broken street light) that are never one report.
func (s *Duplicates) Candidates(ctx context.Context, p models.Principal, id string, radiusM float64) ([]Candidate, error) {
	switch {
	case radiusM == 0:
		radiusM = DuplicateRadiusM
	case radiusM < 0 || radiusM > MaxDuplicateRadiusM || math.IsNaN(radiusM):
		return nil, models.FieldError(models.EInvalid, "radius", "radius must be a positive number of metres, at most %.0f", MaxDuplicateRadiusM)
	}
	t, err := s.store.TicketByID(ctx, id)
	if err != nil {
		return nil, err
	}
	access := p.TicketAccess(t)
	switch {
	case access == models.AccessNone:
		return nil, models.Errorf(models.ENotFound, "ticket not found")
	case access != models.AccessUnit && access != models.AccessIOC:
		return nil, models.Errorf(models.EForbidden, "duplicate candidates are for the officials handling the ticket")
	}
	dLat := radiusM / 111320
	dLng := radiusM / (111320 * math.Cos(t.Location.Lat*math.Pi/180))
	found, err := s.store.FindNearby(ctx, models.NearbyFilter{
		MinLat: t.Location.Lat - dLat, MaxLat: t.Location.Lat + dLat,
		MinLng: t.Location.Lng - dLng, MaxLng: t.Location.Lng + dLng,
		Category: t.Category, CreatedAfter: s.now().Add(-s.cfg.NearbyMaxAge), Limit: 500,
		States: models.OpenStates,
	})
	if err != nil {
		return nil, err
	}
	out := []Candidate{}
	for _, c := range found {
		if c.ID == t.ID || p.TicketAccess(c) != access {
			continue // itself; one another unit handles (a unit official's read-only ones included)
		}
		if d := distanceM(t.Location, c.Location); d <= radiusM {
			out = append(out, Candidate{Ticket: c, DistanceM: math.Round(d)})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].DistanceM != out[j].DistanceM {
			return out[i].DistanceM < out[j].DistanceM
		}
		return out[i].Ticket.ID < out[j].Ticket.ID
	})
	if len(out) > MaxDuplicateCandidates {
		out = out[:MaxDuplicateCandidates]
	}
	return out, nil
}
