package app

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"phananh/models"
)

// ReportArchiveStore keeps the scheduled periodic reports.
type ReportArchiveStore interface {
	// PutArchivedReport stores r unless a report with its id exists; created says which. Two
	// instances making the same report store it once.
	PutArchivedReport(ctx context.Context, r *models.ArchivedReport) (created bool, err error)
	// ArchivedReports lists the stored reports without their data, newest period first, at most limit.
	ArchivedReports(ctx context.Context, limit int) ([]models.ArchivedReport, error)
	// ArchivedReport returns one report with its data; ENotFound when there is none.
	ArchivedReport(ctx context.Context, id string) (*models.ArchivedReport, error)
}

// Reports schedules the province's periodic reports: on the first working day of each month,
// from ReportScheduleHour (Vietnam time), the previous month's report by unit and by ward is made
// and archived, once whatever the number of instances (the archive's id is unique). The IOC
// downloads it from the archive as it was made, in XLSX or CSV.
type Reports struct {
	*core
	store ReportArchiveStore
	stats *Stats
}

// ReportScheduleHour is the hour of the first working day from which last month's reports are
// made: the start of office hours, so they wait on the IOC's desk when it opens.
const ReportScheduleHour = 7

// ReportScheduleInterval is how often the schedule looks whether a report is due.
const ReportScheduleInterval = 10 * time.Minute

// reportScheduler is who the schedule acts as: the administrators who run the deployment.
var reportScheduler = models.Principal{UserID: "scheduler", Role: models.RoleAdmin}

// RunDue makes the reports due at now that the archive lacks, and returns the ids made. Before
// the first working day of now's month (from ReportScheduleHour) nothing is due.
func (s *Reports) RunDue(ctx context.Context, now time.Time) ([]string, error) {
	period, due := s.dueAt(now)
	if now.Before(due) {
		return nil, nil
	}
	var made []string
	for _, by := range []models.StatsDimension{models.ByUnit, models.ByArea} {
		id := period + "-" + string(by)
		if _, err := s.store.ArchivedReport(ctx, id); err == nil {
			continue
		} else if !models.IsCode(err, models.ENotFound) {
			return made, err
		}
		r, err := s.stats.Report(ctx, reportScheduler, period, by)
		if err != nil {
			return made, err
		}
		data, err := json.Marshal(r)
		if err != nil {
			return made, fmt.Errorf("encode report %s: %w", id, err)
		}
		created, err := s.store.PutArchivedReport(ctx, &models.ArchivedReport{ID: id, Period: period, By: by,
			GeneratedAt: r.GeneratedAt, Data: data})
		if err != nil {
			return made, err
		}
		if created {
			made = append(made, id)
			s.log.Info("periodic report archived", "report", id)
		}
	}
	return made, nil
}

// dueAt is the month before now's month ("2026-11") and when its report is due: the first
// working day of now's month at ReportScheduleHour, Vietnam time.
func (s *Reports) dueAt(now time.Time) (period string, due time.Time) {
	vn := now.In(models.VietnamTime)
	first := time.Date(vn.Year(), vn.Month(), 1, ReportScheduleHour, 0, 0, 0, models.VietnamTime)
	cal := s.cal()
	for i := 0; i < 31 && !cal.IsWorkingDay(first); i++ {
		first = first.AddDate(0, 0, 1)
	}
	return first.AddDate(0, -1, 0).Format("2006-01"), first
}

// RunSchedule looks every interval whether a report is due, until ctx ends.
func (s *Reports) RunSchedule(ctx context.Context, interval time.Duration) {
	cycle, stopped := s.workers.started("reports", interval)
	defer stopped()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if _, err := s.RunDue(ctx, s.now()); err != nil && ctx.Err() == nil {
			s.log.Warn("periodic reports", "error", err)
		}
		cycle()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Archive lists the archived reports, newest first, for the callers of the statistics.
func (s *Reports) Archive(ctx context.Context, p models.Principal) ([]models.ArchivedReport, error) {
	if err := mayReadStats(p, models.ScopeStats); err != nil {
		return nil, err
	}
	return s.store.ArchivedReports(ctx, 48)
}

// Archived returns one archived report as it was made.
func (s *Reports) Archived(ctx context.Context, p models.Principal, id string) (Report, error) {
	if err := mayReadStats(p, models.ScopeStats); err != nil {
		return Report{}, err
	}
	a, err := s.store.ArchivedReport(ctx, id)
	if err != nil {
		return Report{}, err
	}
	var r Report
	if err := json.Unmarshal(a.Data, &r); err != nil {
		return Report{}, fmt.Errorf("decode archived report %s: %w", id, err)
	}
	return r, nil
}
