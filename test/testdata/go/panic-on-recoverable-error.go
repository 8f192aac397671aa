package upload

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

type Engine struct {
	root string
	jobs chan string
}

type Limits struct {
	Max int
}

// Positive: a full disk kills the whole server; the function returns a string.
func (e *Engine) Dest(name string) string {
	dir := filepath.Join(e.root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		panic(err) // want GO302 "panics on err"
	}
	return dir
}

// Positive: err bound earlier in the function, several results and a struct result.
func parseLimits(s string) (Limits, int) {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic("bad limit: " + s) // want GO302
	}
	return Limits{Max: n}, n
}

// Positive: a validate-style check, in a function with no results.
func (e *Engine) accept(path string) {
	if !validatePath(path) {
		panic(fmt.Sprintf("invalid path %q", path)) // want GO302 "validatePath"
	}
	e.jobs <- path
}

// Positive: nested inside a loop and a second if; the function already returns an error.
func (e *Engine) loadAll(paths []string) error {
	for _, p := range paths {
		data, readErr := os.ReadFile(p)
		if readErr != nil {
			if os.IsNotExist(readErr) {
				panic(readErr) // want GO302 "readErr"
			}
			return readErr
		}
		_ = data
	}
	return nil
}

// Positive (error): store runs in a goroutine started by Start, with no recover().
func (e *Engine) store(path string) {
	f, err := os.Create(path)
	if err != nil {
		panic(err) // want GO302 "crashes the whole process"
	}
	f.Close()
}

// Positive (error): one call deep from the goroutine's target.
func (e *Engine) worker() {
	for p := range e.jobs {
		e.process(p)
	}
}

func (e *Engine) process(p string) {
	if _, err := os.Stat(p); err != nil {
		panic(err) // want GO302 "in a goroutine"
	}
}

func (e *Engine) Start() {
	go e.worker()
	go func() {
		e.store(filepath.Join(e.root, "state"))
	}()
	// Positive (error): inside the goroutine's own func literal.
	go func() {
		if _, err := os.Stat(e.root); err != nil {
			panic(err) // want GO302 "in a goroutine"
		}
	}()
}

// Must NOT trigger: an invariant without an err.
func kind(k int) string {
	switch k {
	case 0:
		return "file"
	default:
		panic("unreachable")
	}
}

// Must NOT trigger: Must* wrappers panic by contract.
func MustDest(e *Engine, name string) string {
	dir := filepath.Join(e.root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		panic(err)
	}
	return dir
}

// Must NOT trigger: panics inside init().
func init() {
	if _, err := os.Getwd(); err != nil {
		panic(err)
	}
}

// Must NOT trigger: main owns the process.
func main() {
	if err := os.MkdirAll("/tmp/x", 0o755); err != nil {
		panic(err)
	}
}

// Must NOT trigger: a call that fails only on a programming error.
func encode(v map[string]int) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// Must NOT trigger: the message asserts an internal invariant.
func pad(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic("internal error: pad called with a non-number")
	}
	return n
}

// Must NOT trigger: ok is not an error.
func lookup(m map[string]string, k string) string {
	v, ok := get(m, k)
	if !ok {
		panic("missing key " + k)
	}
	return v
}

func get(m map[string]string, k string) (string, bool) {
	v, ok := m[k]
	return v, ok
}

func validatePath(p string) bool { return p != "" }
