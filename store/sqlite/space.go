package sqlite

import (
	"context"
)

// ObjectSpace is what one table or index takes in the database file.
type ObjectSpace struct {
	Name  string // the table or index (sqlite_autoindex_… for a PRIMARY KEY or UNIQUE constraint)
	Table string // the table it belongs to (its own name for a table)
	Index bool
	Pages int64
	Bytes int64 // whole pages, free space in them included: what the file grows by
}

// Space is the database file's use by table and index, for the storage measurement of the
// benchmarks (bench/cmd/gen -dbstat): how many bytes a ticket costs, and where.
type Space struct {
	PageSize  int64
	FileBytes int64 // page_count × page_size, free pages included
	FreeBytes int64 // the free pages (freelist_count × page_size): reused before the file grows
	Tickets   int64
	Objects   []ObjectSpace // largest first
}

// Space measures the database with SQLite's dbstat virtual table (compiled into the driver),
// aggregated per b-tree: each table and index with its overflow pages. It reads every page of
// the file, so it is for offline measurement, not for a serving instance.
func (s *Store) Space(ctx context.Context) (Space, error) {
	var sp Space
	var pages, free int64
	err := s.r.QueryRowContext(ctx, `SELECT (SELECT page_size FROM pragma_page_size), (SELECT page_count FROM pragma_page_count),
		(SELECT freelist_count FROM pragma_freelist_count), (SELECT count(*) FROM tickets)`).Scan(&sp.PageSize, &pages, &free, &sp.Tickets)
	if err != nil {
		return Space{}, translate(err, "space", "database")
	}
	sp.FileBytes, sp.FreeBytes = pages*sp.PageSize, free*sp.PageSize
	rows, err := s.r.QueryContext(ctx, `SELECT d.name, coalesce(m.tbl_name, d.name), coalesce(m.type, 'table') = 'index',
		d.pageno, d.pgsize FROM dbstat AS d LEFT JOIN sqlite_schema AS m ON m.name = d.name
		WHERE d.aggregate = TRUE ORDER BY d.pgsize DESC, d.name`)
	if err != nil {
		return Space{}, translate(err, "space", "database")
	}
	defer rows.Close()
	for rows.Next() {
		var o ObjectSpace
		if err := rows.Scan(&o.Name, &o.Table, &o.Index, &o.Pages, &o.Bytes); err != nil {
			return Space{}, translate(err, "space", "database")
		}
		sp.Objects = append(sp.Objects, o)
	}
	return sp, translate(rows.Err(), "space", "database")
}
