package export

import (
	"encoding/csv"
	"io"
	"net"
	"os"
	"path/filepath"
)

// A created file whose close error matters: the fix reports it through a named error result.
func writeReport(dir string, rows [][]string) error {
	f, err := os.Create(filepath.Join(dir, "report.csv")) // want GO203 "f from os.Create is never closed"
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		return err
	}
	w.Flush()
	return w.Error()
}

// Several results: the others are named _ so that the error can be named.
func appendLine(path, line string) (int, error) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o600) // want GO203 "f from os.OpenFile"
	if err != nil {
		return 0, err
	}
	return io.WriteString(f, line+"\n")
}

// An already named error result is reused.
func copyTo(dst string, r io.Reader) (n int64, err error) {
	out, err := os.Create(dst) // want GO203
	if err != nil {
		return 0, err
	}
	return io.Copy(out, r)
}

// The body declares err at its top level, so the named result is called retErr.
func saveTemp(data []byte) (string, error) {
	var err error
	tmp, err := os.CreateTemp("", "save-*") // want GO203 "tmp from os.CreateTemp"
	if err != nil {
		return "", err
	}
	_, err = tmp.Write(data)
	return tmp.Name(), err
}

// No error result: only the plain deferred close, as an assisted fix.
func touch(path string) {
	f, _ := os.Create(path) // want GO203
	f.WriteString("")
}

// A read-only OpenFile is not a written file: the safe fix applies.
func readMode(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY, 0) // want GO203
	if err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}

// The error is checked two statements later: the close goes after that check.
func dialLate(addr string) error {
	conn, err := net.Dial("tcp", addr) // want GO203
	attempts := 1
	if err != nil {
		return err
	}
	_ = attempts
	_, err = conn.Write([]byte("ping"))
	return err
}

// The error branch does not leave, so the handle may be nil at the close: it is guarded.
func dialLogged(addr string, logf func(string, ...any)) {
	conn, err := net.Dial("tcp", addr) // want GO203
	if err != nil {
		logf("dial %s: %v", addr, err)
	}
	if conn != nil {
		conn.Write([]byte("hello"))
	}
}

// The error is not checked before use: the close goes right after the open, past its comment, guarded.
func dialBlind(addr string) {
	// want GO203
	conn, err := net.Dial("tcp", addr) // best effort
	_ = err
	conn.Write([]byte("x"))
}

// The unchecked open of a file keeps its trailing comment on its line.
func peek(path string) byte {
	// want GO203
	f, _ := os.Open(path) // best effort
	var b [1]byte
	f.Read(b[:])
	return b[0]
}
