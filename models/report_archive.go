package models

import "time"

// ArchivedReport is a periodic report as the schedule made it on the first working day after its
// period: the figures frozen at that moment (Data, the report encoded by the app), so the IOC can
// download the report the province was sent, whatever was corrected since.
type ArchivedReport struct {
	ID          string // Period + "-" + By, e.g. "2026-11-unit": one per period and view
	Period      string // "2026-11"
	By          StatsDimension
	GeneratedAt time.Time
	Data        []byte
}
