package handlers

import (
	"encoding/json"
	"testing"
	"time"

	"phananh/models"
)

// benchTicket is a ticket as a unit's queue shows it: a few history events, deadlines, routing.
func benchTicket() *models.Ticket {
	at := time.Date(2026, time.November, 27, 2, 5, 12, 0, time.UTC)
	return &models.Ticket{
		ID: "0192f3a4b5c6d7e8f90a1b2c3d4e5f60", Code: "LX-2026-000123", State: models.StateInProgress, Version: 3,
		Category: "ANTT.01", Group: "antt", Description: "Nhóm thanh niên đánh nhau trước quán karaoke, gây mất trật tự.",
		Address: "Đường Hai Bà Trưng", Location: models.Location{Lat: 10.386, Lng: 105.435, AccuracyM: 15},
		AllowContact: true, Private: true, ReporterID: "user-1", BoundarySet: "longxuyen-2023", AreaCode: "30280",
		AreaName: "Mỹ Bình", UnitID: "longxuyen-2023.30280.cong_an", UnitName: "Công an phường Mỹ Bình", UnitKind: "cong_an",
		CreatedAt: at, UpdatedAt: at.Add(time.Hour), TriageDueAt: at.Add(time.Hour), ResolveDueAt: at.Add(3 * time.Hour),
		DueAt: at.Add(3 * time.Hour), AssignedTo: "officer-7",
		History: []models.Event{
			{At: at, ActorRole: models.RoleResident, ActorID: "user-1", Action: "submit", To: models.StateReceived, Visibility: models.Public},
			{At: at.Add(10 * time.Minute), ActorRole: models.RoleOfficer, ActorID: "officer-7", Action: "accept", From: models.StateReceived, To: models.StateAssigned, Visibility: models.Public},
			{At: at.Add(20 * time.Minute), ActorRole: models.RoleOfficer, ActorID: "officer-7", Action: "start", From: models.StateAssigned, To: models.StateInProgress, Visibility: models.Public, Note: "Đang cử lực lượng đến hiện trường."},
		},
	}
}

// BenchmarkTicketJSON measures what every ticket answer costs besides the store: building the
// view a caller may see, and encoding it as JSON.
func BenchmarkTicketJSON(b *testing.B) {
	t := benchTicket()
	for _, tt := range []struct {
		name string
		view func() ticketBody
	}{
		{"public", func() ticketBody { return ticketView(t, false) }},
		{"internal", func() ticketBody { return internalView(t, false, "Cư dân #3f2a") }},
	} {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				out, err := json.Marshal(tt.view())
				if err != nil {
					b.Fatal(err)
				}
				n = len(out)
			}
			b.SetBytes(int64(n))
		})
	}
}
