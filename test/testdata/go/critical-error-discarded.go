package store

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
)

type Store struct {
	path string
	db   *sql.DB
}

func (s *Store) Open() error { return nil }

func (s *Store) Name() string { return s.path }

// Positive: the spec's example; Open's error is lost and nothing can report it.
func NewStore(p string) *Store {
	s := &Store{path: p}
	s.Open() // want GO301 "s.Open returns an error"
	return s
}

// Positive (safe fix): MkdirAll in a function whose last result is error.
func (s *Store) Dir(name string) (string, error) {
	dir := filepath.Join(s.path, name)
	os.MkdirAll(dir, 0o755) // want GO301 "os.MkdirAll can fail"
	return dir, nil
}

// Positive (assisted fix): Rename in a function with no error result.
func (s *Store) publish(tmp string) {
	os.Rename(tmp, s.path) // want GO301 "os.Rename"
}

// Positive: a transaction commit, and row scans, inside a loop.
func (s *Store) Count(q string) (int, error) {
	tx, err := s.db.Begin()
	if err != nil {
		return 0, err
	}
	rows, err := tx.Query(q)
	if err != nil {
		tx.Rollback()
		return 0, err
	}
	n := 0
	for rows.Next() {
		var v int
		rows.Scan(&v) // want GO301 "Scan leaves the destination"
		n += v
	}
	tx.Commit() // want GO301 "rolled back"
	return n, nil
}

// Positive: QueryRow(...).Scan(...), returning a struct.
type Stats struct{ Rows int }

func (s *Store) Stats() (Stats, error) {
	var st Stats
	s.db.QueryRow("SELECT count(*) FROM t").Scan(&st.Rows) // want GO301
	return st, nil
}

// Positive: a written file's Close and Sync.
func (s *Store) Save(data []byte) error {
	f, err := os.Create(s.path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	_ = f.Sync() // want GO301 "failed Sync"
	f.Close()    // want GO301 "f was written"
	return nil
}

// Positive: a blank-discarded marshal error whose result is persisted.
func (s *Store) Snapshot(v map[string]int) error {
	data, _ := json.Marshal(v) // want GO301 "data is empty"
	return os.WriteFile(s.path, data, 0o644)
}

// Positive: a same-file function, a command start and a buffered flush.
func save(path string, b []byte) error { return os.WriteFile(path, b, 0o600) }

func (s *Store) Export(lines []string) {
	save(s.path+".bak", nil) // want GO301 "save returns an error"
	cmd := exec.Command("sync")
	cmd.Start() // want GO301 "cmd.Start"
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	for _, l := range lines {
		fmt.Fprintln(bw, l)
	}
	bw.Flush() // want GO301 "buffered data"
}

// Must NOT trigger: tx.Rollback() and os.Remove inside an error branch (best-effort cleanup).
func (s *Store) replace(tmp string) error {
	tx, err := s.db.Begin()
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, s.path); err != nil {
		tx.Rollback()
		os.RemoveAll(tmp)
		return err
	}
	return tx.Commit()
}

// Must NOT trigger: fmt.Print* and writes to an http.ResponseWriter.
func (s *Store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fmt.Println("serving", r.URL.Path)
	w.Write([]byte(s.Name()))
	writeJSON(w, s.Name())
}

func writeJSON(w http.ResponseWriter, v any) error { return json.NewEncoder(w).Encode(v) }

// Must NOT trigger: defer f.Close() on a read-only file, and Close of a file that was only read.
func (s *Store) Load() ([]byte, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	g, err := os.Open(s.path + ".idx")
	if err == nil {
		g.Close()
	}
	sc := bufio.NewScanner(f)
	sc.Scan() // skip the header line
	return []byte(sc.Text()), nil
}

// Must NOT trigger: calls explicitly discarded with a comment.
func (s *Store) tidy() {
	os.Chmod(s.path, 0o600) // best-effort: the file may already be gone
	// ignore the error: a missing directory is created on the next Save.
	os.MkdirAll(filepath.Dir(s.path), 0o755)
}

// Must NOT trigger: a best-effort notification right before returning another error.
var errRejected = fmt.Errorf("rejected")

func (s *Store) notify(reason string) error { return nil }

func (s *Store) reject() error {
	s.notify("rejected")
	return errRejected
}

// Must NOT trigger: a marshal result that is not persisted, and a temp file discarded after Close.
func (s *Store) debug(v any) string {
	b, _ := json.Marshal(v)
	f, err := os.CreateTemp("", "probe")
	if err != nil {
		return ""
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return string(b)
}
