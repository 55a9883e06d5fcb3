package models

import (
	"os"
	"testing"
	"time"
)

// BenchmarkCalendar measures the deadline arithmetic done at every filing (AddWorkingTime via
// SLA.Due) and every statistics fact (WorkingTimeBetween), from a Friday afternoon before a
// holiday weekend (the long walk) and from a plain Tuesday morning.
func BenchmarkCalendar(b *testing.B) {
	data, err := os.ReadFile("../seed/data/calendar/vn-holidays.json")
	if err != nil {
		b.Fatal(err)
	}
	c, err := ParseCalendar(data, DefaultOfficeHours)
	if err != nil {
		b.Fatal(err)
	}
	starts := map[string]time.Time{
		"tuesday":         time.Date(2026, time.March, 10, 9, 15, 0, 0, VietnamTime),
		"before-tet-2026": time.Date(2026, time.February, 13, 16, 30, 0, 0, VietnamTime),
	}
	for name, start := range starts {
		b.Run("AddWorkingTime/3d/"+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.AddWorkingDays(start, 3)
			}
		})
		b.Run("AddWorkingTime/4h/"+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.AddWorkingTime(start, 4*time.Hour)
			}
		})
		end := start.Add(10 * 24 * time.Hour)
		b.Run("WorkingTimeBetween/10d/"+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.WorkingTimeBetween(start, end)
			}
		})
	}
}
