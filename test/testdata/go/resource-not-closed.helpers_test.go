package store

import (
	"os"
	"testing"
)

// Tests are analysed too, at info.
func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	f, err := os.Open("testdata/" + name) // want GO203
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, st.Size())
	f.Read(buf)
	return buf
}

// Must NOT trigger: closed with t.Cleanup.
func openFixture(t *testing.T, name string) *os.File {
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
