package store

import (
	"archive/zip"
	"bufio"
	"compress/gzip"
	"database/sql"
	"encoding/json"
	"io"
	"net"
	"os"
	"strings"

	"example.com/tools/modload"
)

type Store struct {
	db   *sql.DB
	logf *os.File
	out  io.Writer
}

type Entry struct {
	Key   string
	Value string
}

// The catalogue's example: read and never close.
func readConfig(path string) ([]byte, error) {
	f, err := os.Open(path) // want GO203 "f from os.Open is never closed: each call leaks a file descriptor"
	if err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}

// A decoder over the file does not take it over.
func (s *Store) loadEntries(path string) ([]Entry, error) {
	var entries []Entry
	in, err := os.Open(path) // want GO203 "in from os.Open"
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(in)
	if err := dec.Decode(&entries); err != nil {
		return nil, err
	}
	return entries, nil
}

// Scanning lines in a nested block, with a comment trailing the open.
func countLines(paths []string, verbose bool) int {
	n := 0
	if verbose {
		// want GO203 "each call leaks"
		f, err := os.Open(paths[0]) // first file only
		if err != nil {
			return 0
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			n++
		}
	}
	return n
}

// The error is checked with == nil: the close goes at the top of the success branch.
func firstLine(path string) string {
	f, err := os.Open(path) // want GO203
	if err == nil {
		r := bufio.NewReader(f)
		line, _ := r.ReadString('\n')
		return strings.TrimSpace(line)
	}
	return ""
}

// Opened in an if initializer.
func probe(path string) bool {
	if f, err := os.Open(path); err == nil { // want GO203
		var b [1]byte
		_, err = f.Read(b[:])
		return err == nil
	}
	return false
}

// A connection: its Close does not accept a nil handle, so an unchecked dial gets a guard.
func send(addr string, msg []byte) error {
	conn, err := net.Dial("tcp", addr) // want GO203 "conn from net.Dial is never closed: each call leaks a connection"
	if err != nil {
		return err
	}
	_, err = conn.Write(msg)
	return err
}

func sendUnchecked(addr string, msg []byte) {
	conn, _ := net.Dial("udp", addr) // want GO203
	conn.Write(msg)
}

// A listener that is never closed keeps the port bound.
func (s *Store) freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0") // want GO203 "the port stays bound"
	if err != nil {
		return 0, err
	}
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Rows hold a pooled connection until closed.
func (s *Store) Keys() ([]string, error) {
	rows, err := s.db.Query("SELECT k FROM kv") // want GO203 "rows from s.db.Query is never closed: each call leaks a pooled database connection"
	if err != nil {
		return nil, err
	}
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// A prepared statement, in a loop: the fix is assisted there.
func (s *Store) PutAll(entries []Entry) error {
	for _, e := range entries {
		stmt, err := s.db.Prepare("INSERT INTO kv VALUES (?, ?)") // want GO203 "each iteration leaks a prepared statement"
		if err != nil {
			return err
		}
		if _, err := stmt.Exec(e.Key, e.Value); err != nil {
			return err
		}
	}
	return nil
}

// An archive and a decompressor.
func listZip(path string) ([]string, error) {
	zr, err := zip.OpenReader(path) // want GO203 "zr from zip.OpenReader"
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	return names, nil
}

func gunzip(r io.Reader) ([]byte, error) {
	gz, err := gzip.NewReader(r) // want GO203 "gz from gzip.NewReader"
	if err != nil {
		return nil, err
	}
	return io.ReadAll(gz)
}

// A plain assignment to a local declared earlier.
func readSmall(path string) []byte {
	var f *os.File
	var err error
	f, err = os.Open(path) // want GO203
	if err != nil {
		return nil
	}
	buf := make([]byte, 512)
	n, _ := f.Read(buf)
	return buf[:n]
}

// In a function literal (a handler).
func (s *Store) handler() func(name string) int64 {
	return func(name string) int64 {
		f, err := os.Open(name) // want GO203
		if err != nil {
			return -1
		}
		st, err := f.Stat()
		if err != nil {
			return -1
		}
		return st.Size()
	}
}

// Must NOT trigger: closed by a deferred call after the error check.
func readClosed(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// Must NOT trigger: closed inside a deferred func_literal.
func readClosedInLiteral(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() {
		_ = f.Close()
	}()
	return io.ReadAll(f)
}

// Must NOT trigger: closed directly.
func readDirect(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(f)
	f.Close()
	return b, err
}

// Must NOT trigger: the handle is returned.
func openLog(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Must NOT trigger: the handle is stored in a field.
func (s *Store) OpenLog(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	s.logf = f
	return nil
}

// Must NOT trigger: stored in a struct literal that is returned.
func newStore(dsn string) (*Store, error) {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

// Must NOT trigger: sent on a channel.
func dialAll(addrs []string, out chan<- net.Conn) {
	for _, a := range addrs {
		c, err := net.Dial("tcp", a)
		if err != nil {
			continue
		}
		out <- c
	}
}

// Must NOT trigger: handed to a constructor defined elsewhere, which may own it.
func (s *Store) Attach(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return s.adopt(newReader(f))
}

// Must NOT trigger: handed to a goroutine that serves and closes it.
func serve(addr string, handle func(net.Conn)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	for {
		conn, err := ln.Accept()
		if err != nil {
			return err
		}
		go handle(conn)
	}
}

// Must NOT trigger: a wrapper that carries the file away is returned.
func lineReader(path string) (*bufio.Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return bufio.NewReader(f), nil
}

// Must NOT trigger: the close is registered as a method value.
func withCleanup(path string, cleanups *[]func() error) (*bufio.Scanner, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	*cleanups = append(*cleanups, f.Close)
	return bufio.NewScanner(f), nil
}

// Must NOT trigger: os.Stdout is a process-lifetime stream, and the same name may hold it.
func (s *Store) output(path string) error {
	out := os.Stdout
	if path != "" {
		var err error
		out, err = os.Create(path)
		if err != nil {
			return err
		}
	}
	s.out = out
	return nil
}

// Must NOT trigger: a url-style Query with a single result is not a database query.
func query(u interface{ Query() map[string][]string }) int {
	q := u.Query()
	return len(q)
}

// Must NOT trigger: a package-level Query function, not a method of a database handle.
func latest(path string) (string, error) {
	rev, err := modload.Query(path, "latest")
	if err != nil {
		return "", err
	}
	return rev.Version, nil
}

// Must NOT trigger: a Query method whose result is not used as rows.
func (s *Store) search(idx interface {
	Query(string) ([]string, error)
}) int {
	hits, err := idx.Query("k")
	if err != nil {
		return 0
	}
	return len(hits)
}

func (s *Store) adopt(r io.Reader) error { return nil }

func newReader(f *os.File) io.Reader { return f }

// No fix: the success branch is an else-if chain, with no block of its own to hold the close.
func sizeOf(path string) (int64, error) {
	if f, err := os.Open(path); err != nil { // want GO203
		return 0, err
	} else if st, err := f.Stat(); err == nil {
		return st.Size(), nil
	}
	return 0, nil
}
