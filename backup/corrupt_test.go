package backup_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"phananh/backup"
	"phananh/store/sqlite"
)

// damage is one way an archive goes bad: it rewrites the good archive at path.
type damage struct {
	name string
	do   func(t *testing.T, path string)
	want string // in the error
}

// rewrite applies f to the archive's entries.
func rewrite(f func(t *testing.T, es []entry) []entry) func(t *testing.T, path string) {
	return func(t *testing.T, path string) { writeArchive(t, path, f(t, readArchive(t, path))) }
}

// bytesOf applies f to the archive's bytes.
func bytesOf(f func(b []byte) []byte) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, f(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// withManifest edits the manifest (the last entry) of es.
func withManifest(t *testing.T, es []entry, f func(m *backup.Manifest)) []entry {
	last := &es[len(es)-1]
	var m backup.Manifest
	if err := json.Unmarshal([]byte(last.data), &m); err != nil {
		t.Fatal(err)
	}
	f(&m)
	data, _ := json.Marshal(m)
	last.data = string(data)
	return es
}

// firstBlob is the index of the archive's first media entry.
func firstBlob(es []entry) int {
	return slices.IndexFunc(es, func(e entry) bool { return strings.HasPrefix(e.name, "media/") })
}

// changeFile replaces an entry's content and, with listed, its manifest row as well.
func changeFile(t *testing.T, es []entry, i int, data string, listed bool) []entry {
	es[i].data = data
	if !listed {
		return es
	}
	return withManifest(t, es, func(m *backup.Manifest) {
		for j := range m.Files {
			if m.Files[j].Path == es[i].name {
				m.Files[j].Size, m.Files[j].SHA256 = int64(len(data)), sha(data)
			}
		}
	})
}

func damages(latest int) []damage {
	return []damage{
		{"not gzip", bytesOf(func([]byte) []byte { return []byte("hello") }), "not a phananh backup"},
		{"truncated", bytesOf(func(b []byte) []byte { return b[:len(b)/2] }), "damaged"},
		{"a flipped byte", bytesOf(func(b []byte) []byte { b[len(b)/2] ^= 0xff; return b }), ""},
		{"trailing garbage", bytesOf(func(b []byte) []byte { return append(b, "garbage"...) }), "damaged"},
		{"a changed blob", rewrite(func(t *testing.T, es []entry) []entry { return changeFile(t, es, firstBlob(es), "khác", false) }), "the manifest says"},
		{"a changed blob listed so", rewrite(func(t *testing.T, es []entry) []entry { return changeFile(t, es, firstBlob(es), "khác", true) }), "hashes to"},
		{"a manifest that lies", rewrite(func(t *testing.T, es []entry) []entry {
			return withManifest(t, es, func(m *backup.Manifest) { m.Files[0].SHA256 = sha("x") })
		}), "the manifest says"},
		{"an unlisted entry", rewrite(func(t *testing.T, es []entry) []entry {
			k := sha("thêm")
			return slices.Insert(es, 0, entry{"media/" + k[:2] + "/" + k[2:4] + "/" + k, "thêm"})
		}), "not in its manifest"},
		{"a listed entry missing", rewrite(func(t *testing.T, es []entry) []entry { return slices.Delete(es, firstBlob(es), firstBlob(es)+1) }),
			"not in the archive"},
		{"a path outside", rewrite(func(t *testing.T, es []entry) []entry { return slices.Insert(es, 0, entry{"../evil", "x"}) }), "unexpected entry"},
		{"no manifest", rewrite(func(t *testing.T, es []entry) []entry { return es[:len(es)-1] }), "no manifest"},
		{"an entry after the manifest", rewrite(func(t *testing.T, es []entry) []entry { return append(es, entry{backup.DatabaseName, "x"}) }),
			"after the manifest"},
		{"a newer format", rewrite(func(t *testing.T, es []entry) []entry {
			return withManifest(t, es, func(m *backup.Manifest) { m.Version = 2 })
		}), "newer phananh"},
		{"a newer schema", rewrite(func(t *testing.T, es []entry) []entry {
			return withManifest(t, es, func(m *backup.Manifest) { m.SchemaVersion = latest + 1 })
		}), "newer phananh"},
		{"a damaged database listed so", rewrite(func(t *testing.T, es []entry) []entry {
			i := slices.IndexFunc(es, func(e entry) bool { return e.name == backup.DatabaseName })
			db := []byte(es[i].data)
			copy(db[len(db)-8192:], bytes.Repeat([]byte{0xA5}, 4096))
			return changeFile(t, es, i, string(db), true)
		}), "damaged"},
		{"a referenced blob left out, manifest and all", rewrite(func(t *testing.T, es []entry) []entry {
			i := firstBlob(es)
			name := es[i].name
			es = slices.Delete(es, i, i+1)
			return withManifest(t, es, func(m *backup.Manifest) {
				m.Files = slices.DeleteFunc(m.Files, func(f backup.File) bool { return f.Path == name })
			})
		}), "not in the archive"},
	}
}

// TestDamagedArchiveChangesNothing: every kind of damage is refused, and the refused restore
// leaves no trace — neither in a DATA_DIR that did not exist (nor its parent) nor in an empty
// one.
func TestDamagedArchiveChangesNothing(t *testing.T) {
	fx := newFixture(t)
	good, _ := fx.create(t, true)
	latest, err := sqlite.LatestSchemaVersion()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range damages(latest) {
		t.Run(d.name, func(t *testing.T) {
			data, err := os.ReadFile(good)
			if err != nil {
				t.Fatal(err)
			}
			bad := filepath.Join(t.TempDir(), "bad.tar.gz")
			if err := os.WriteFile(bad, data, 0o600); err != nil {
				t.Fatal(err)
			}
			d.do(t, bad)
			parent := t.TempDir()
			absent := filepath.Join(parent, "data")
			empty := t.TempDir()
			for _, dir := range []string{absent, empty} {
				_, err := backup.Restore(t.Context(), bad, restoreOptions(t, dir))
				if err == nil || !strings.Contains(err.Error(), d.want) {
					t.Errorf("Restore into %s: %v, want an error saying %q", dir, err, d.want)
				}
			}
			if left, _ := os.ReadDir(parent); len(left) != 0 {
				t.Errorf("the refused restore left %s next to the absent DATA_DIR", left[0].Name())
			}
			if left, _ := os.ReadDir(empty); len(left) != 0 {
				t.Errorf("the refused restore left %s in the empty DATA_DIR", left[0].Name())
			}
		})
	}
}
