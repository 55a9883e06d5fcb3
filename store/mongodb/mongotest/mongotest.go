// Package mongotest gives tests a MongoDB wire-protocol server without anything to install. It is
// test support: import it from _test.go files and black-box tests only, never from production
// code (it links a whole FerretDB).
//
// With MONGODB_TEST_URI set (e.g. mongodb://localhost:27017/?replicaSet=rs0) tests run against
// that real MongoDB, each in a fresh database dropped afterwards. Otherwise they run against
// FerretDB v1.24 embedded in the test process with its SQLite backend in a temporary directory
// (the engine whose features the MongoDB store limits itself to): a real wire-protocol server,
// good for correctness, far too slow (every query scans its collection) for benchmarks.
package mongotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// EnvURI names the environment variable with the URI of a real MongoDB to test against.
const EnvURI = "MONGODB_TEST_URI"

// EnvFerretDBLog, when set to anything, sends the embedded FerretDB's warnings to stderr, and
// names every command that kept it busy for more than a second.
const EnvFerretDBLog = "MONGOTEST_FERRETDB_LOG"

// Server is a MongoDB-compatible server that tests create databases on. Starting FerretDB takes a
// moment, so one Server is meant to be shared by many subtests, each with its own database.
type Server struct {
	uri      string
	ferretDB bool
	dir      string        // the embedded FerretDB's SQLite directory
	client   *mongo.Client // for dropping databases at cleanup
}

// URI returns a server URI and a fresh database name for one test: the MongoDB of
// MONGODB_TEST_URI if set, else a FerretDB started for this test alone. Everything is cleaned up
// when t ends.
func URI(t testing.TB) (uri, database string) {
	t.Helper()
	return Start(t).NewDatabase(t)
}

// Start returns the server tests should use: the MongoDB of MONGODB_TEST_URI if set, else a new
// embedded FerretDB. It stops (or disconnects) when t ends, so start it in the parent test of the
// subtests that share it.
func Start(t testing.TB) *Server {
	t.Helper()
	if s := External(t); s != nil {
		return s
	}
	return StartFerretDB(t)
}

// External returns the MongoDB of MONGODB_TEST_URI, or nil when the variable is unset (callers
// usually t.Skip then).
func External(t testing.TB) *Server {
	t.Helper()
	uri := os.Getenv(EnvURI)
	if uri == "" {
		return nil
	}
	return newServer(t, uri, false)
}

// StartFerretDB starts FerretDB v1.24 inside the test process, listening on a free loopback port
// with its SQLite files in a temporary directory, whatever MONGODB_TEST_URI says. The returned
// URI points at an in-process proxy that serialises commands, because FerretDB v1 alone does not
// make single-document updates atomic (see serializer), and that gives each collection the index
// FerretDB's lookups by _id need (see idIndexer). When t ends both are stopped and the
// cleanup waits for FerretDB to shut down. Its log is discarded (it would drown the test output);
// set MONGOTEST_FERRETDB_LOG=1 to see its warnings and errors, and its slow commands, on stderr.
func StartFerretDB(t testing.TB) *Server {
	t.Helper()
	dir := t.TempDir()
	var logOut io.Writer = io.Discard
	var slowLog io.Writer // nil: slow commands go unreported
	if os.Getenv(EnvFerretDBLog) != "" {
		logOut, slowLog = os.Stderr, os.Stderr
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Logger:   slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Handler:  "sqlite",
		// No fsync: these files die with the test, and with several tests at once on one disk,
		// waiting for each commit's fsync held the proxy — and every request behind it — for
		// seconds (past the server's 10-second request deadline in CI).
		SQLiteURL: "file:" + dir + "/?_pragma=synchronous(OFF)",
	})
	if err != nil {
		t.Fatalf("mongotest: start FerretDB: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx) // returns nil once ctx is cancelled and every connection is closed
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Errorf("mongotest: FerretDB did not stop within 30s")
		}
	})
	// MongoDBURI blocks until Run has bound the listener; it looks like mongodb://127.0.0.1:PORT/.
	u, err := url.Parse(f.MongoDBURI())
	if err != nil {
		t.Fatalf("mongotest: FerretDB URI: %v", err)
	}
	// Tests talk to FerretDB through a proxy that runs one command at a time, which gives
	// FerretDB MongoDB's single-document atomicity (see serializer), and that gives each
	// collection, at its first lookup, an index FerretDB's lookups by _id can use (see idIndexer).
	ix := newIDIndexer(dir)
	t.Cleanup(ix.close) // runs after the proxy is closed, before FerretDB stops
	p, err := startSerializer(u.Host, ix.after, slowLog)
	if err != nil {
		t.Fatalf("mongotest: start proxy: %v", err)
	}
	t.Cleanup(p.Close) // runs before FerretDB stops
	// One host and no replicaSet: the driver discovers a standalone server, so no
	// directConnection option is needed, and retryable writes are not used against it.
	s := newServer(t, "mongodb://"+p.Addr()+"/", true)
	s.dir = dir
	return s
}

func newServer(t testing.TB, uri string, ferretDB bool) *Server {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatalf("mongotest: connect to %s: %v", redact(uri), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.Disconnect(ctx)
	})
	return &Server{uri: uri, ferretDB: ferretDB, client: client}
}

// URI is the connection string of the server, without a database.
func (s *Server) URI() string { return s.uri }

// FerretDB reports whether the server is the embedded FerretDB (some tests scale their data
// down for it: every query scans the whole collection).
func (s *Server) FerretDB() bool { return s.ferretDB }

// NewDatabase returns the server's URI and the name of a database no other test uses; the
// database is dropped when t ends. Names are random so that concurrent test processes sharing one
// MongoDB do not collide, and valid for both MongoDB and FerretDB ([A-Za-z0-9_-], ≤ 63 bytes).
func (s *Server) NewDatabase(t testing.TB) (uri, database string) {
	t.Helper()
	database = databaseName(t.Name())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.client.Database(database).Drop(ctx); err != nil {
			t.Logf("mongotest: drop database %s: %v", database, err)
		}
	})
	return s.uri, database
}

// databaseName builds "t_<test name>_<random>" within FerretDB's and MongoDB's name rules.
func databaseName(testName string) string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, testName)
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	return "t_" + name + "_" + hex.EncodeToString(b[:])
}

// redact hides the password of a URI in failure messages.
func redact(uri string) string {
	if i, j := strings.Index(uri, "://"), strings.LastIndex(uri, "@"); i >= 0 && j > i {
		return uri[:i+3] + "…" + uri[j:]
	}
	return uri
}
