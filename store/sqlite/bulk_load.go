package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// WithIndexesDeferred runs load with the secondary indexes of tables dropped and creates them
// again afterwards from their own definitions. SQLite builds an index from sorted keys in one
// pass, where a bulk insert updates each index at a random place per row; the benchmark
// generator's millions of tickets load several times faster so. Unique indexes stay (inserts
// rely on them for ON CONFLICT, and they keep checking the rows), as do those behind a PRIMARY
// KEY or UNIQUE constraint. The caller must be the only user of the database: queries meanwhile
// would scan.
func (s *Store) WithIndexesDeferred(ctx context.Context, tables []string, load func() error) error {
	if len(tables) == 0 {
		return load()
	}
	rows, err := s.r.QueryContext(ctx, `SELECT name, sql FROM sqlite_master
		WHERE type = 'index' AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE %' AND tbl_name IN (?`+strings.Repeat(", ?", len(tables)-1)+`)`, anys(tables)...)
	if err != nil {
		return translate(err, "list indexes", "index")
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return translate(err, "list indexes", "index")
		}
		names, defs = append(names, name), append(defs, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return translate(err, "list indexes", "index")
	}
	for _, name := range names {
		if _, err := s.exec(ctx, `DROP INDEX "`+name+`"`); err != nil {
			return translate(err, "drop index "+name, "index")
		}
	}
	loadErr := load()
	for i, def := range defs { // also after a failed load: the schema stays whole
		if _, err := s.exec(ctx, def); err != nil {
			return errors.Join(loadErr, fmt.Errorf("create index %s again: %w", names[i], translate(err, "create index", "index")))
		}
	}
	return loadErr
}

// anys converts strings to query arguments.
func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
