//go:build sqlite_cgo

package sqlite

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"strings"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// DriverName says which SQLite the binary carries; the server logs it when it opens the store.
//
// This file is built with -tags sqlite_cgo: SQLite's C library through github.com/mattn/go-sqlite3,
// which needs a C compiler, for measuring against the pure-Go default (bench/RESULTS.md).
const DriverName = "github.com/mattn/go-sqlite3 (C, cgo)"

// sqliteDriver is a private instance of the cgo driver carrying the store's SQL functions, not
// registered with database/sql, as in the default build.
var sqliteDriver = &sqlite3.SQLiteDriver{
	ConnectHook: func(c *sqlite3.SQLiteConn) error {
		return c.RegisterFunc(foldFunc, func(v any) string { return textfold(v) }, true)
	},
}

// openConn opens one connection. The store writes its DSNs in modernc's form; the _pragma
// parameters, which mattn does not know, run as PRAGMA statements on the new connection, and
// the rest (_txlock, _query_only, a file: URI's mode) mean the same to both drivers.
func openConn(dsn string) (driver.Conn, error) {
	base, query, _ := strings.Cut(dsn, "?")
	params, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("sqlite dsn: %w", err)
	}
	var pragmas []string
	for _, p := range params["_pragma"] {
		name, value, ok := strings.Cut(strings.TrimSuffix(p, ")"), "(")
		if !ok {
			return nil, fmt.Errorf("sqlite dsn: pragma %q: want name(value)", p)
		}
		pragmas = append(pragmas, "PRAGMA "+name+" = "+value)
	}
	params.Del("_pragma")
	if len(params) > 0 {
		base += "?" + params.Encode()
	}
	conn, err := sqliteDriver.Open(base)
	if err != nil {
		return nil, err
	}
	for _, p := range pragmas {
		if _, err := conn.(*sqlite3.SQLiteConn).Exec(p, nil); err != nil {
			conn.Close()
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	return conn, nil
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY constraint violation.
func isUnique(err error) bool {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
}
