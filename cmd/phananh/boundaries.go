package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"phananh/app"
	"phananh/models"
)

// readBoundaryFile reads a GeoJSON file, unzipping it when it is gzipped (the national file is
// shipped as 43 MB of gzip for 163 MB of GeoJSON).
func readBoundaryFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// printBoundaryCheck writes the report of admin boundaries check|import.
func printBoundaryCheck(w io.Writer, id string, c app.BoundaryCheck) {
	r := c.Report
	fmt.Fprintf(w, "boundary set %s: %d areas\n", id, r.Areas)
	fmt.Fprintf(w, "sampled %d grid points: %d in no area but within 200 m of one (gaps, or just outside the outline); %d overlapping pairs\n",
		r.Sampled, r.NearMisses, len(r.Overlaps))
	for _, o := range r.Overlaps {
		fmt.Fprintf(w, "  overlap %s / %s: %d points (the lower code gets them)\n", o.A, o.B, o.Points)
	}
	if c.Diff == nil {
		return
	}
	d := c.Diff
	fmt.Fprintf(w, "against the active set %s: %d unchanged, %d reshaped, %d added, %d removed, %d reused codes\n",
		c.Against, d.Unchanged, len(d.Reshaped), len(d.Added), len(d.Removed), len(d.Reused))
	for _, l := range []struct {
		what  string
		codes []string
	}{{"reshaped", d.Reshaped}, {"added", d.Added}, {"removed", d.Removed}} {
		if len(l.codes) > 0 {
			fmt.Fprintf(w, "  %s: %s\n", l.what, strings.Join(l.codes, " "))
		}
	}
	for _, u := range d.Reused {
		fmt.Fprintf(w, "  reused code %s: was %s, now %s (a different place under the same code)\n", u.Code, u.OldName, u.NewName)
	}
}

// adminSwitchOver runs `phananh admin switchover schedule|list|cancel` with the semantics of
// /v1/admin/switchovers (the same service calls).
func adminSwitchOver(ctx context.Context, svc *app.App, verb string, f adminFlags, stdout io.Writer) error {
	by := app.CommandLine()
	switch verb {
	case "schedule":
		at, err := time.Parse(time.RFC3339, f.at)
		if err != nil {
			return fmt.Errorf("--at must be an RFC 3339 time, e.g. 2027-01-01T00:00:00+07:00")
		}
		in := app.SwitchOverRequest{ToSet: f.toSet, At: at, InProgress: f.inProgress, UnitMap: map[string]string{}}
		for _, pair := range dateList(f.unitMap) {
			old, succ, ok := strings.Cut(pair, "=")
			if !ok {
				return fmt.Errorf("--map takes OLD=NEW pairs, not %q", pair)
			}
			in.UnitMap[old] = succ
		}
		so, err := svc.Boundaries.Schedule(ctx, by, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "scheduled switch-over %s: %s → %s at %s, tickets in progress %s, %d units mapped\n",
			so.ID, so.FromSet, so.ToSet, so.At.In(models.VietnamTime).Format(time.RFC3339), so.InProgress, len(so.UnitMap))
	case "list":
		all, err := svc.Boundaries.List(ctx, by)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tFROM\tTO\tAT\tIN PROGRESS\tSTATE\tRESULT")
		for _, so := range all {
			r := so.Result
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\trerouted %d, followed %d, stayed %d, officials %d\n", so.ID, so.FromSet, so.ToSet,
				cliTime(so.At), so.InProgress, so.State, r.Rerouted, r.Followed, r.Stayed, r.Officials)
		}
		return w.Flush()
	case "cancel":
		so, err := svc.Boundaries.Cancel(ctx, by, f.id)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "cancelled switch-over %s to %s\n", so.ID, so.ToSet)
	}
	return nil
}
