package mongotest

import (
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	_ "modernc.org/sqlite" // FerretDB's own SQLite driver, to add the index it lacks
)

// FerretDB v1.24's SQLite backend keeps each collection in a table of JSON documents with a
// unique index on the expression _ferretdb_sjson->"_id", but looks documents up by _id with
// _ferretdb_sjson->'$._id'. SQLite only uses an index on an expression written the same way, so
// every lookup by _id scans the whole table, parsing every document — and FerretDB writes each
// updated document back with one such lookup. An update or findAndModify therefore costs a scan
// of the collection per document it changes, which makes a few thousand documents take minutes
// (a 5,000-message push fan-out rewrites each message twice: its lease, then its outcome).
//
// idIndexer adds the index FerretDB's queries can use, on _ferretdb_sjson->'$._id', to each
// collection's table the first time a command that may look documents up by _id (find, update,
// findAndModify, delete …) reaches the collection. It only changes how SQLite finds a row:
// FerretDB does not know about it (listIndexes is unchanged), the unique index FerretDB made
// still enforces _id uniqueness, and dropping the collection drops both.
type idIndexer struct {
	dir string // FerretDB's SQLite directory: one <database>.sqlite file per database

	mu   sync.Mutex
	dbs  map[string]*sql.DB // one connection per database file, closed when it is dropped
	done map[string]bool    // "database.collection" known to be indexed
}

func newIDIndexer(dir string) *idIndexer {
	return &idIndexer{dir: dir, dbs: map[string]*sql.DB{}, done: map[string]bool{}}
}

// looksUpByID reports whether FerretDB may look documents up by _id while running cmd.
func looksUpByID(cmd string) bool {
	switch cmd {
	case "find", "update", "findAndModify", "findandmodify", "delete", "count", "distinct", "aggregate":
		return true
	}
	return false
}

// after looks at a command FerretDB has just answered: the first lookup in a collection indexes
// it; a drop forgets what it removed. Failures are ignored (the collection then stays slow and
// is tried again next time): the index is only an optimisation.
func (x *idIndexer) after(req []byte) {
	cmd, db, coll, ok := commandOf(req)
	if !ok || db == "" {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	switch {
	case cmd == "dropDatabase":
		if c := x.dbs[db]; c != nil {
			_ = c.Close()
			delete(x.dbs, db)
		}
		for k := range x.done {
			if strings.HasPrefix(k, db+".") {
				delete(x.done, k)
			}
		}
	case cmd == "drop":
		delete(x.done, db+"."+coll)
	case looksUpByID(cmd) && coll != "" && !x.done[db+"."+coll]:
		if ok, err := x.index(db, coll); err == nil && ok {
			x.done[db+"."+coll] = true
		}
	}
}

// index adds the _id path index to the table of collection coll in database db, and reports
// false when the collection does not exist (yet).
func (x *idIndexer) index(db, coll string) (bool, error) {
	conn := x.dbs[db]
	if conn == nil {
		path := filepath.Join(x.dir, db+".sqlite")
		if _, err := os.Stat(path); err != nil {
			return false, err // no such database yet: do not create its file
		}
		c, err := sql.Open("sqlite", "file:"+path+"?mode=rw&_pragma=busy_timeout(10000)")
		if err != nil {
			return false, err
		}
		c.SetMaxOpenConns(1)
		x.dbs[db], conn = c, c
	}
	var table string
	err := conn.QueryRow(`SELECT table_name FROM _ferretdb_collections WHERE name = ?`, coll).Scan(&table)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	_, err = conn.Exec(fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, "_mongotest_id_"+table, table))
	return err == nil, err
}

// close closes the connections; the proxy must be closed first.
func (x *idIndexer) close() {
	x.mu.Lock()
	defer x.mu.Unlock()
	for db, c := range x.dbs {
		_ = c.Close()
		delete(x.dbs, db)
	}
}

// commandOf reads the command name, its collection (the command's value, when a string) and
// $db from an OP_MSG request's body section.
func commandOf(msg []byte) (cmd, db, coll string, ok bool) {
	if len(msg) < headerLen+5 || binary.LittleEndian.Uint32(msg[12:16]) != opMsg {
		return "", "", "", false
	}
	end := len(msg)
	if binary.LittleEndian.Uint32(msg[16:20])&1 != 0 { // checksumPresent
		end -= 4
	}
	for i := headerLen + 4; i+5 <= end; {
		kind := msg[i]
		n := int(int32(binary.LittleEndian.Uint32(msg[i+1 : i+5])))
		if n < 5 || i+1+n > end {
			return "", "", "", false
		}
		if kind != 0 { // a document sequence: its size covers itself
			i += 1 + n
			continue
		}
		body := bson.Raw(msg[i+1 : i+1+n])
		elems, err := body.Elements()
		if err != nil || len(elems) == 0 {
			return "", "", "", false
		}
		cmd = elems[0].Key()
		coll, _ = elems[0].Value().StringValueOK()
		db, _ = body.Lookup("$db").StringValueOK()
		return cmd, db, coll, true
	}
	return "", "", "", false
}
