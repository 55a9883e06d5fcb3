//go:build !sqlite_cgo

package sqlite

import (
	"database/sql/driver"
	"errors"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// DriverName says which SQLite the binary carries; the server logs it when it opens the store.
const DriverName = "modernc.org/sqlite (pure Go)"

// sqliteDriver is a private instance of the modernc driver carrying the store's SQL functions.
// It is not registered with database/sql (the store opens it through connector), so its
// functions reach only this store's connections and never clash with another package's
// registrations. It is filled once, before any connection is opened, and never changed.
var sqliteDriver = newDriver()

func newDriver() *sqlite.Driver {
	d := &sqlite.Driver{}
	d.MustRegisterDeterministicScalarFunction(foldFunc, 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		return textfold(args[0]), nil
	})
	return d
}

// openConn opens one connection; the DSN's _pragma and _txlock parameters are modernc's own.
func openConn(dsn string) (driver.Conn, error) { return sqliteDriver.Open(dsn) }

// isUnique reports whether err is a UNIQUE or PRIMARY KEY constraint violation.
func isUnique(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return true
	}
	return false
}
