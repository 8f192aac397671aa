package store

import (
	"log"
	"os"
	"testing"
)

// (d) in TestMain: os.Exit skips the deferred teardown.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "store")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Exit(m.Run()) // want GO403 "skips the deferred os.RemoveAll(dir)"
}

// Must NOT trigger: t.Fatal stops the test, not the process, and tests are not library code.
func TestLoad(t *testing.T) {
	if _, err := Load("testdata/ok.json"); err != nil {
		t.Fatal(err)
	}
}

// Must NOT trigger: a testing.TB helper.
func mustOpen(tb testing.TB, path string) *os.File {
	f, err := os.Open(path)
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	return f
}
