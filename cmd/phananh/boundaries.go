package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"

	"phananh/app"
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
