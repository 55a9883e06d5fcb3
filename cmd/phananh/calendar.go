package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"phananh/app"
	"phananh/models"
)

// adminCalendar runs `phananh admin calendar list|set`, with the semantics of the admin API's
// /v1/admin/calendar routes (the same service call).
func adminCalendar(ctx context.Context, svc *app.App, verb string, f adminFlags, stdout io.Writer) error {
	by := app.CommandLine()
	switch verb {
	case "list":
		years, err := svc.Calendar.Years(ctx, by)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "YEAR\tSOURCE\tDAYS OFF\tSWAPPED WORKING DAYS")
		for _, y := range years {
			source := "shipped"
			if y.Edited {
				source = "edited " + cliTime(y.UpdatedAt)
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", y.Year, source, orDash(strings.Join(y.DaysOff, " ")), orDash(strings.Join(y.SwappedWorkingDays, " ")))
		}
		return w.Flush()
	case "set":
		if f.year == 0 {
			return fmt.Errorf("admin calendar set needs --year")
		}
		ch, err := svc.Calendar.SetYear(ctx, by, models.CalendarYear{Year: f.year, DaysOff: dateList(f.daysOff), SwappedWorkingDays: dateList(f.swapped)})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "stored %d: %d days off, %d swapped working days; changed days: %s; deadlines moved on %d open tickets\n",
			ch.Year.Year, len(ch.Year.DaysOff), len(ch.Year.SwappedWorkingDays), orDash(strings.Join(ch.ChangedDays, " ")), ch.MovedTickets)
	}
	return nil
}

// dateList splits a comma-separated flag value, ignoring blanks.
func dateList(s string) []string {
	var out []string
	for d := range strings.SplitSeq(s, ",") {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, d)
		}
	}
	return out
}
