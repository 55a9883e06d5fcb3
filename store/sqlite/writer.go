package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// Group commit. With synchronous=FULL every COMMIT waits for an fsync of the WAL, and one
// filing is several writes (the ticket, its code sequence, its statistics fact, feed entry and
// push messages, the applied-version mark). Committing each on its own caps the store at a few
// hundred filings per second however fast the CPU is. So every write transaction is handed to
// one committer goroutine, which runs all the transactions waiting at that moment inside one
// SQLite transaction — each in its own SAVEPOINT, so one that fails is rolled back alone — and
// then commits them with one fsync. A caller returns only after the COMMIT that made its work
// durable, so the promise of synchronous=FULL is unchanged; under load, the fsync is shared.

// maxBatch bounds how many transactions share one COMMIT, so that the first of a batch does
// not wait for an unbounded queue behind it.
const maxBatch = 256

// batchTimeout bounds one batch's statements and COMMIT. The callers' own contexts never reach
// the shared transaction: a caller's cancelled context interrupts the connection, and SQLite
// then rolls back the whole transaction, the other callers' work included.
const batchTimeout = time.Minute

// errClosed answers writes after Close.
var errClosed = errors.New("sqlite: store closed")

// writeReq is one caller's write transaction waiting for the committer.
type writeReq struct {
	ctx     context.Context
	fn      func(context.Context, *sql.Tx) error
	done    chan error    // buffered: the committer never blocks on a caller
	timeout time.Duration // the batch's bound when longer than batchTimeout (maintenance)
}

// maintenanceTimeout bounds a transaction that recomputes a whole table (RebuildRollups): at
// 10,000,000 tickets it takes minutes, and writes wait behind it whatever its bound.
const maintenanceTimeout = time.Hour

// committer owns the writer connection's transactions.
type committer struct {
	db       *sql.DB
	requests chan *writeReq // unbuffered: a request is either taken or still its caller's
	stop     chan struct{}
	stopped  chan struct{}
	// waiting counts the write transactions handed to inTx and not yet answered: the queue
	// in front of the one writer (WriteQueue).
	waiting atomic.Int64
	// observe, when set, is told the size of every batch before it is committed (ObserveBatches).
	observe atomic.Pointer[func(n int)]
}

func newCommitter(db *sql.DB) *committer {
	c := &committer{db: db, requests: make(chan *writeReq), stop: make(chan struct{}), stopped: make(chan struct{})}
	go c.run()
	return c
}

// close stops the committer after the batch in progress; later writes get errClosed.
func (c *committer) close() {
	close(c.stop)
	<-c.stopped
}

// inTx runs fn in a write transaction and returns once its work is committed (nil) or not
// done at all (an error). fn must use the context it is given, not its caller's: the
// transaction is shared with other callers' work.
func (s *Store) inTx(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	return s.inTxWithin(ctx, 0, fn)
}

// inTxWithin is inTx with a longer bound than batchTimeout for the batch that carries fn.
func (s *Store) inTxWithin(ctx context.Context, timeout time.Duration, fn func(ctx context.Context, tx *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return nested(ctx, tx, fn)
	}
	c := s.commit
	c.waiting.Add(1)
	defer c.waiting.Add(-1)
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1), timeout: timeout}
	select {
	case c.requests <- req:
	case <-c.stop:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Taken: the outcome comes within the batch's bounded time. A caller whose context ends
	// before its turn in the batch gets that error and its work is skipped, so an error always
	// means the work was not done.
	return <-req.done
}

// saturatedQueue is the write queue at which the store calls itself saturated: four full
// batches waiting means each new write waits for four commits before its own.
const saturatedQueue = 4 * maxBatch

// WriteQueue reports how many write transactions wait for or are in the writer, and the depth
// at which readiness calls the store saturated, so a load balancer can send traffic elsewhere
// before requests time out.
func (s *Store) WriteQueue() (waiting, saturated int) {
	return int(s.commit.waiting.Load()), saturatedQueue
}

// ObserveBatches makes the writer call fn with the number of write transactions of every
// batch it commits, so that metrics can show how much group commit shares each fsync (the
// store itself imports no metrics library). fn runs on the writer's goroutine, before the
// batch: it must be quick and never block. nil stops the calls.
func (s *Store) ObserveBatches(fn func(n int)) {
	if fn == nil {
		s.commit.observe.Store(nil)
		return
	}
	s.commit.observe.Store(&fn)
}

// txKey carries a Batched call's transaction to the store calls made inside it.
type txKey struct{}

// Batched runs fn's store calls in one transaction (app.Store): each call joins it — in a
// savepoint of its own, or as it is when it is one statement — and the whole is committed once,
// or rolled back when fn fails.
func (s *Store) Batched(ctx context.Context, fn func(ctx context.Context) error) error {
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return fn(context.WithValue(ctx, txKey{}, tx))
	})
}

// nested runs fn inside the transaction of an enclosing Batched call, in a savepoint, so that
// a failing call undoes only its own work, as it would alone.
func nested(ctx context.Context, tx *sql.Tx, fn func(ctx context.Context, tx *sql.Tx) error) error {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT nested`); err != nil {
		return err
	}
	if err := call(ctx, tx, fn); err != nil {
		if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO nested`); rerr != nil {
			return fmt.Errorf("%w (after: %w)", rerr, err)
		}
		if _, rerr := tx.ExecContext(ctx, `RELEASE nested`); rerr != nil {
			return fmt.Errorf("%w (after: %w)", rerr, err)
		}
		return err
	}
	_, err := tx.ExecContext(ctx, `RELEASE nested`)
	return err
}

// exec runs one write statement as a transaction of its own, or as part of the enclosing
// Batched call's: one statement is atomic by itself, so it needs no savepoint there.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return tx.ExecContext(ctx, query, args...)
	}
	var res sql.Result
	err := s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		res, err = tx.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

func (c *committer) run() {
	defer close(c.stopped)
	batch := make([]*writeReq, 0, maxBatch)
	for {
		select {
		case r := <-c.requests:
			batch = append(batch[:0], r)
		case <-c.stop:
			return
		}
	collect:
		for len(batch) < maxBatch {
			select {
			case r := <-c.requests:
				batch = append(batch, r)
			default:
				break collect
			}
		}
		if fn := c.observe.Load(); fn != nil {
			(*fn)(len(batch))
		}
		c.commitBatch(batch)
		clear(batch)
	}
}

// commitBatch runs the batch's transactions in one SQLite transaction and commits it.
func (c *committer) commitBatch(live []*writeReq) {
	timeout := batchTimeout
	for _, r := range live {
		timeout = max(timeout, r.timeout)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		for _, r := range live {
			r.done <- err
		}
		return
	}
	if len(live) == 1 {
		// Alone: no savepoint needed, a failure rolls back the transaction.
		r := live[0]
		if err := r.ctx.Err(); err != nil {
			_ = tx.Rollback()
			r.done <- err
			return
		}
		rctx, cancel := callerCtx(ctx, r)
		defer cancel()
		if err := call(rctx, tx, r.fn); err != nil {
			_ = tx.Rollback()
			r.done <- err
			return
		}
		r.done <- tx.Commit()
		return
	}
	errs := make([]error, len(live))
	for i, r := range live {
		if errs[i] = r.ctx.Err(); errs[i] != nil {
			continue // its caller has given up: do not start work it will not hear about
		}
		if _, err := tx.ExecContext(ctx, `SAVEPOINT tx`); err != nil {
			abort(tx, live, err)
			return
		}
		rctx, cancel := callerCtx(ctx, r)
		errs[i] = call(rctx, tx, r.fn)
		cancel()
		if errs[i] != nil {
			// A failed statement normally undoes only itself; some errors (I/O, a full disk)
			// end the whole transaction, and then the rollback to the savepoint fails too.
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO tx`); err != nil {
				abort(tx, live, fmt.Errorf("%w (after: %w)", err, errs[i]))
				return
			}
		}
		if _, err := tx.ExecContext(ctx, `RELEASE tx`); err != nil {
			abort(tx, live, err)
			return
		}
	}
	err = tx.Commit()
	for i, r := range live {
		if errs[i] != nil {
			r.done <- errs[i]
		} else {
			r.done <- err
		}
	}
}

// call runs one request's function; a panic becomes its error instead of killing the
// committer, which every other write depends on.
func call(ctx context.Context, tx *sql.Tx, fn func(context.Context, *sql.Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sqlite: write transaction panicked: %v", p)
		}
	}()
	return fn(ctx, tx)
}

// callerCtx is the context a request's function runs with: its caller's values (for logs)
// under the batch's deadline, without the caller's cancellation (see batchTimeout).
func callerCtx(batch context.Context, r *writeReq) (context.Context, context.CancelFunc) {
	deadline, _ := batch.Deadline()
	return context.WithDeadline(context.WithoutCancel(r.ctx), deadline)
}

// abort rolls the whole batch back and gives every caller the reason.
func abort(tx *sql.Tx, live []*writeReq, err error) {
	_ = tx.Rollback()
	for _, r := range live {
		r.done <- err
	}
}

// writeScan runs one write statement that returns a row (RETURNING, or an upsert's result) as
// a transaction of its own, or in the enclosing batch, and scans the row into dest.
func (s *Store) writeScan(ctx context.Context, dest []any, query string, args ...any) error {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return tx.QueryRowContext(ctx, query, args...).Scan(dest...) // atomic alone, as exec
	}
	return s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, query, args...).Scan(dest...)
	})
}
