package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// sequenceValues reads the sequences table, the scratch table of these tests.
func sequenceValues(t *testing.T, s *Store) map[string]int {
	t.Helper()
	rows, err := s.r.QueryContext(t.Context(), `SELECT name, value FROM sequences`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]int{}
	for rows.Next() {
		var name string
		var v int
		if err := rows.Scan(&name, &v); err != nil {
			t.Fatal(err)
		}
		got[name] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

// holdCommitter keeps the committer busy in a transaction until the returned function is
// called; that function then waits for the transaction (which runs stmt first, when given) to
// commit. Writes made meanwhile queue up and share the next batch.
func holdCommitter(t *testing.T, s *Store, stmt string) (release func()) {
	t.Helper()
	proceed, started := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.inTx(t.Context(), func(ctx context.Context, tx *sql.Tx) error {
			close(started)
			<-proceed
			if stmt == "" {
				return nil
			}
			_, err := tx.ExecContext(ctx, stmt)
			return err
		})
	}()
	<-started
	return func() {
		t.Helper()
		close(proceed)
		if err := <-done; err != nil {
			t.Fatalf("the write holding the committer: %v", err)
		}
	}
}

// TestGroupCommitIsolatesFailures queues writes while the committer is busy, so that they share
// one transaction, and checks that a failing and a panicking one are undone alone while the
// others of the same batch commit, and that every caller hears its own outcome.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "w.db"))
	t.Cleanup(func() { s.Close() })
	ctx := t.Context()
	if _, err := s.exec(ctx, `INSERT INTO sequences (name, value) VALUES ('taken', 0)`); err != nil {
		t.Fatal(err)
	}

	release := holdCommitter(t, s, `INSERT INTO sequences (name, value) VALUES ('first', 1)`)

	const n = 20
	var (
		mu  sync.Mutex
		txs = map[*sql.Tx][]string{} // which writes ran in which transaction
		wg  sync.WaitGroup
	)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			name := fmt.Sprintf("w%02d", i)
			errs[i] = s.inTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
				mu.Lock()
				txs[tx] = append(txs[tx], name)
				mu.Unlock()
				if _, err := tx.ExecContext(ctx, `INSERT INTO sequences (name, value) VALUES (?, ?)`, name, i); err != nil {
					return err
				}
				switch i {
				case 3:
					return errors.New("refused after writing")
				case 7:
					panic("broken write")
				case 11: // a constraint violation: the statement fails, the transaction lives on
					_, err := tx.ExecContext(ctx, `INSERT INTO sequences (name, value) VALUES ('taken', 1)`)
					return err
				}
				return nil
			})
		})
	}
	// The writers queue behind the blocked one; give them time to get there (a writer that is
	// late only lands in a later batch, which the shared-transaction check below would show).
	time.Sleep(time.Second)
	release()
	wg.Wait()

	want := map[string]int{"taken": 0, "first": 1}
	for i, err := range errs {
		name := fmt.Sprintf("w%02d", i)
		switch i {
		case 3, 7, 11:
			if err == nil {
				t.Errorf("write %s: no error", name)
			}
		default:
			if err != nil {
				t.Errorf("write %s: %v", name, err)
			}
			want[name] = i
		}
	}
	if diff := cmp.Diff(want, sequenceValues(t, s)); diff != "" {
		t.Errorf("stored rows (-want +got):\n%s", diff)
	}
	shared := 0
	for _, names := range txs {
		shared = max(shared, len(names))
	}
	if shared < 2 {
		t.Errorf("no two writes shared a transaction (%d transactions for %d writes): the batch path was not exercised", len(txs), n)
	}
}

// TestGroupCommitAbandonedAndClosed checks that a write whose caller gave up while it waited is
// never run, and that writes after Close are refused.
func TestGroupCommitAbandonedAndClosed(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "w.db"))
	ctx := t.Context()

	release := holdCommitter(t, s, "")

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	ran := false
	err := s.inTx(short, func(ctx context.Context, tx *sql.Tx) error {
		ran = true
		_, err := tx.ExecContext(ctx, `INSERT INTO sequences (name, value) VALUES ('late', 1)`)
		return err
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("write of a caller that gave up: %v, want DeadlineExceeded", err)
	}
	release()
	// One more write through the committer: the abandoned one, had it been queued, would have
	// run by the time this one is committed.
	if _, err := s.exec(ctx, `INSERT INTO sequences (name, value) VALUES ('after', 1)`); err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Error("the abandoned write ran")
	}
	if diff := cmp.Diff(map[string]int{"after": 1}, sequenceValues(t, s)); diff != "" {
		t.Errorf("stored rows (-want +got):\n%s", diff)
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.exec(ctx, `INSERT INTO sequences (name, value) VALUES ('closed', 1)`); !errors.Is(err, errClosed) {
		t.Errorf("write after Close: %v, want errClosed", err)
	}
}

// TestBatchedIsOneTransaction checks what the SQLite store adds to the Batched contract: a
// batch whose function fails leaves nothing of its calls behind, and a successful one is seen
// whole.
func TestBatchedIsOneTransaction(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "w.db"))
	t.Cleanup(func() { s.Close() })
	ctx := t.Context()

	refused := errors.New("refused")
	err := s.Batched(ctx, func(ctx context.Context) error {
		if _, err := s.NextSequence(ctx, "a"); err != nil {
			return err
		}
		if _, err := s.NextSequence(ctx, "b"); err != nil {
			return err
		}
		return refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("Batched = %v, want the function's error", err)
	}
	if got := sequenceValues(t, s); len(got) != 0 {
		t.Errorf("a failed batch left %v behind", got)
	}

	err = s.Batched(ctx, func(ctx context.Context) error {
		for _, name := range []string{"a", "b", "a"} {
			if _, err := s.NextSequence(ctx, name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"a": 2, "b": 1}, sequenceValues(t, s)); diff != "" {
		t.Errorf("after a successful batch (-want +got):\n%s", diff)
	}
}

// TestObserveBatches checks that the batch observer hears the size of every batch: writes
// queued while the committer is busy arrive as one batch of their number.
func TestObserveBatches(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "w.db"))
	t.Cleanup(func() { s.Close() })
	ctx := t.Context()
	var (
		mu    sync.Mutex
		sizes []int
	)
	s.ObserveBatches(func(n int) { mu.Lock(); sizes = append(sizes, n); mu.Unlock() })
	release := holdCommitter(t, s, "")
	const n = 5
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := s.exec(ctx, `INSERT INTO sequences (name, value) VALUES (?, ?)`, fmt.Sprintf("b%d", i), i); err != nil {
				t.Error(err)
			}
		})
	}
	for s.commit.waiting.Load() < n+1 { // the held write and the n queued behind it
		time.Sleep(time.Millisecond)
	}
	release()
	wg.Wait()
	s.ObserveBatches(nil)
	if _, err := s.exec(ctx, `INSERT INTO sequences (name, value) VALUES ('after', 0)`); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []int{1, n}; !cmp.Equal(sizes, want) {
		t.Errorf("observed batches %v, want %v (the held write alone, then the %d queued behind it)", sizes, want, n)
	}
}

// A transaction that recomputes a whole table (RebuildRollups) runs under maintenanceTimeout,
// not the minute that bounds ordinary batches: at 10,000,000 tickets the rebuild took longer
// than a minute and was rolled back.
func TestMaintenanceTransactionsOutlastTheBatchTimeout(t *testing.T) {
	s := openTemp(t, filepath.Join(t.TempDir(), "w.db"))
	t.Cleanup(func() { s.Close() })
	for _, c := range []struct {
		name     string
		timeout  time.Duration
		min, max time.Duration
	}{
		{"ordinary", 0, batchTimeout - time.Minute/2, batchTimeout},
		{"maintenance", maintenanceTimeout, maintenanceTimeout - time.Minute, maintenanceTimeout},
	} {
		var left time.Duration
		err := s.inTxWithin(t.Context(), c.timeout, func(ctx context.Context, _ *sql.Tx) error {
			d, ok := ctx.Deadline()
			if !ok {
				return fmt.Errorf("no deadline")
			}
			left = time.Until(d)
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if left < c.min || left > c.max {
			t.Errorf("%s: %v left of the batch's time, want %v–%v", c.name, left, c.min, c.max)
		}
	}
}
