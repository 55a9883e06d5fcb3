package main

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"phananh/store/sqlite"
)

// printSpace writes the storage measurement: every table and index with its pages, bytes and
// bytes per ticket, then each table with its indexes together, then the file.
func printSpace(w io.Writer, sp sqlite.Space) {
	per := func(b int64) string {
		if sp.Tickets == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f", float64(b)/float64(sp.Tickets))
	}
	fmt.Fprintf(w, "tickets %d, page size %d\n\n", sp.Tickets, sp.PageSize)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "object\tkind\ttable\tpages\tbytes\tB/ticket\t")
	byTable := map[string]int64{}
	for _, o := range sp.Objects {
		kind := "table"
		if o.Index {
			kind = "index"
		}
		byTable[o.Table] += o.Bytes
		if o.Bytes*1000 < sp.FileBytes { // under 0.1 % of the file: summed below only
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t\n", o.Name, kind, o.Table, o.Pages, o.Bytes, per(o.Bytes))
	}
	tw.Flush()
	tables := make([]string, 0, len(byTable))
	for t := range byTable {
		tables = append(tables, t)
	}
	sort.Slice(tables, func(i, j int) bool { return byTable[tables[i]] > byTable[tables[j]] })
	fmt.Fprintln(w, "\ntables with their indexes:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "table\tbytes\tB/ticket\t")
	for _, t := range tables {
		if byTable[t]*1000 >= sp.FileBytes {
			fmt.Fprintf(tw, "%s\t%d\t%s\t\n", t, byTable[t], per(byTable[t]))
		}
	}
	fmt.Fprintf(tw, "file (free pages %d B)\t%d\t%s\t\n", sp.FreeBytes, sp.FileBytes, per(sp.FileBytes))
	tw.Flush()
}
