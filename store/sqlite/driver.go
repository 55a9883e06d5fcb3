package sqlite

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"

	"phananh/models"
)

// foldFunc names the SQL function textfold(x): models.FoldText(x), x in lower case without
// Vietnamese diacritics. SQLite's lower() and LIKE fold ASCII letters only, which would make
// "đường" miss the "Đường" that starts most Vietnamese addresses, and nothing strips the tone
// marks a search typed without accents leaves out. textfold gives the SQLite store the search
// semantics of the MongoDB store's per-letter character classes (store/mongodb/workflow.go).
// Each driver file registers it on its private driver instance.
const foldFunc = "textfold"

// textfold is foldFunc's body for any SQL value.
func textfold(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return models.FoldText(v)
	case []byte:
		return models.FoldText(string(v))
	default:
		return models.FoldText(fmt.Sprint(v))
	}
}

// connector opens connections to one DSN through sqliteDriver, for sql.OpenDB.
type connector struct{ dsn string }

func (c connector) Connect(context.Context) (driver.Conn, error) {
	conn, err := openConn(c.dsn)
	if err != nil {
		return nil, err
	}
	return newStmtCache(conn), nil
}

func (c connector) Driver() driver.Driver { return sqliteDriver }

// maxCachedStmts bounds a connection's statement cache. The store's SQL is a fixed set of
// texts plus variants by filter and IN-list length, so a few hundred cover it.
const maxCachedStmts = 512

// stmtCache keeps the statements run on one connection prepared, keyed by their SQL text.
// database/sql prepares, runs and closes a statement for every call; preparing — parsing and
// planning the SQL — was a fifth of the CPU time of a filing. The cache hides the driver's
// QueryContext and, except for scripts, ExecContext, so database/sql goes through
// PrepareContext, which answers from the cache, and the statement's Close only hands it back.
// A statement still in use (rows being read while the same SQL runs again) is prepared afresh
// instead. database/sql never uses one connection from two goroutines at once, so the cache
// needs no lock.
type stmtCache struct {
	conn  driver.Conn // the driver's connection, with its context variants
	stmts map[string]*cachedStmt
}

type cachedStmt struct {
	driver.Stmt
	busy bool
}

// stmtConn is the part of the driver's connection the cache needs; Ping, ResetSession and
// IsValid are forwarded when the driver has them.
type stmtConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
}

func newStmtCache(conn driver.Conn) *stmtCache {
	return &stmtCache{conn: conn, stmts: map[string]*cachedStmt{}}
}

func (c *stmtCache) inner() stmtConn { return c.conn.(stmtConn) }

func (c *stmtCache) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *stmtCache) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if cs, ok := c.stmts[query]; ok && !cs.busy {
		cs.busy = true
		return lease{cs}, nil
	}
	st, err := c.inner().PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if _, taken := c.stmts[query]; taken {
		return st, nil // the cached one is in use: this one is closed after use
	}
	if len(c.stmts) >= maxCachedStmts {
		for q, cs := range c.stmts {
			if !cs.busy {
				cs.Stmt.Close()
				delete(c.stmts, q)
				break
			}
		}
	}
	cs := &cachedStmt{Stmt: st, busy: true}
	c.stmts[query] = cs
	return lease{cs}, nil
}

func (c *stmtCache) Close() error {
	for q, cs := range c.stmts {
		cs.Stmt.Close()
		delete(c.stmts, q)
	}
	return c.conn.Close()
}

// ExecContext runs a script of several statements without arguments (a migration) on the
// driver's connection, which runs them all, where a prepared statement would hold only the
// first with the C driver; anything else is prepared through the cache (driver.ErrSkip).
func (c *stmtCache) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	ex, ok := c.conn.(driver.ExecerContext)
	if !ok || len(args) > 0 || !strings.Contains(strings.TrimRight(query, "; \t\r\n"), ";") {
		return nil, driver.ErrSkip
	}
	return ex.ExecContext(ctx, query, args)
}

func (c *stmtCache) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}
func (c *stmtCache) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.inner().BeginTx(ctx, opts)
}
func (c *stmtCache) Ping(ctx context.Context) error {
	if p, ok := c.conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *stmtCache) ResetSession(ctx context.Context) error {
	if r, ok := c.conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *stmtCache) IsValid() bool {
	if v, ok := c.conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// lease is a cached statement lent to database/sql until it closes it.
type lease struct{ cs *cachedStmt }

func (l lease) Close() error  { l.cs.busy = false; return nil }
func (l lease) NumInput() int { return l.cs.NumInput() }
func (l lease) Exec(args []driver.Value) (driver.Result, error) {
	return l.ExecContext(context.Background(), namedValues(args))
}
func (l lease) Query(args []driver.Value) (driver.Rows, error) {
	return l.QueryContext(context.Background(), namedValues(args))
}
func (l lease) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return l.cs.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}
func (l lease) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return l.cs.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}

// namedValues turns positional arguments into the context variants' form.
func namedValues(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}
