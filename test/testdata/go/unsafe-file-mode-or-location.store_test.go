package store

import (
	"os"
	"path/filepath"
	"testing"
)

// Must NOT trigger: secrets written under t.TempDir() in a test.
func TestSaveToken(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "token.json")
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(t.TempDir(), "id_rsa.key"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
}

// A test that writes a credential into the real home directory is still reported.
func TestHomeCredentials(t *testing.T) {
	home, _ := os.UserHomeDir()
	if err := os.WriteFile(filepath.Join(home, ".netrc"), []byte("machine x"), 0o644); err != nil { // want GO801 "readable by group and others"
		t.Fatal(err)
	}
}
