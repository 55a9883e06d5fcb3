package sqlite

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"

	"modernc.org/sqlite"
)

// sqliteDriver is a private instance of the modernc driver carrying the store's SQL functions.
// It is not registered with database/sql (the store opens it through connector), so its
// functions reach only this store's connections and never clash with another package's
// registrations. It is filled once, before any connection is opened, and never changed.
var sqliteDriver = newDriver()

// foldFunc names the SQL function casefold(x): x in Unicode lower case.
const foldFunc = "casefold"

func newDriver() *sqlite.Driver {
	d := &sqlite.Driver{}
	// SQLite's lower() and LIKE fold ASCII letters only, which would make "đường" miss the
	// "Đường" that starts most Vietnamese addresses; MongoDB's case-insensitive $regex folds
	// every letter. casefold gives the SQLite store the same search semantics.
	d.MustRegisterDeterministicScalarFunction(foldFunc, 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case nil:
			return "", nil
		case string:
			return strings.ToLower(v), nil
		case []byte:
			return strings.ToLower(string(v)), nil
		default:
			return strings.ToLower(fmt.Sprint(v)), nil
		}
	})
	return d
}

// connector opens connections to one DSN through sqliteDriver, for sql.OpenDB.
type connector struct{ dsn string }

func (c connector) Connect(context.Context) (driver.Conn, error) { return sqliteDriver.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return sqliteDriver }
