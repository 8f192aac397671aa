package upload

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
)

// A named error result: the safe fix reports the close error through it.
func saveUpload(dir string, r io.Reader) (n int64, err error) {
	dst, err := os.Create(filepath.Join(dir, "upload.bin"))
	if err != nil {
		return 0, err
	}
	defer dst.Close() // want GO701 "dst was opened for writing but its Close error is discarded"
	return io.Copy(dst, r)
}

// Appending through OpenFile, with a buffered writer.
func appendLog(path string, lines []string) (err error) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close() // want GO701
	w := bufio.NewWriter(f)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	return w.Flush()
}

// The result is called cerr: the closure's own variable takes another name.
func writeState(path string, v any) (cerr error) {
	f, cerr := os.Create(path)
	if cerr != nil {
		return cerr
	}
	defer f.Close() // want GO701
	return json.NewEncoder(f).Encode(v)
}

// An unnamed error result ending in return nil: the check before it is an assisted fix.
func exportCSV(path string, rows []string) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer out.Close() // want GO701
	for _, r := range rows {
		if _, err := out.WriteString(r + "\n"); err != nil {
			return err
		}
	}
	return nil
}

// Several results ending in return …, nil: the assisted fix keeps the other values.
func writeAll(path string, chunks [][]byte) (int, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return 0, err
	}
	defer f.Close() // want GO701
	total := 0
	for _, c := range chunks {
		n, err := f.Write(c)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// An HTTP handler has no error result: no fix, the failure needs a response of its own.
func handleUpload(w http.ResponseWriter, r *http.Request) {
	dst, err := os.Create(filepath.Join("uploads", filepath.Base(r.URL.Path)))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer dst.Close() // want GO701
	if _, err := io.Copy(dst, r.Body); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

// The named result is shadowed where the defer stands: only the assisted fix would fit, and there is no final return nil.
func shadowedErr(paths []string, data []byte) (err error) {
	for _, p := range paths {
		if f, err := os.Create(p); err == nil {
			defer f.Close() // want GO701
			_, err = f.Write(data)
			_ = err
		}
	}
	return err
}

// Discarding the Close error explicitly is still discarding it.
func blank(path string, data []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close() // want GO701
	if _, err := f.Write(data); err != nil {
		return err
	}
	_ = f.Close()
	return nil
}

// Must NOT trigger: read-only opens.
func readAll(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// Must NOT trigger: OpenFile without a write flag.
func readOnlyOpenFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// Must NOT trigger: the close is checked explicitly before reporting success; the defer stays as a safety net.
func checkedClose(path string, data []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Close()
}

// Must NOT trigger: the close error is captured by a named-result closure.
func captured(path string, data []byte) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	_, err = f.Write(data)
	return err
}

// Must NOT trigger: Sync's error is checked, so the data reached the disk before the deferred close.
func synced(path string, data []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return nil
}

// Must NOT trigger: a temp file discarded on every path.
func scratch(dir string, data []byte) error {
	f, err := os.Create(filepath.Join(dir, "scratch"))
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	_, err = f.Write(data)
	return err
}

// Must NOT trigger: created but never written (a lock or marker file).
func touch(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Println("created", f.Name())
	return nil
}
