package upload

import (
	"os"
	"testing"
)

// Must NOT trigger: test files write scratch fixtures.
func TestWrite(t *testing.T) {
	f, err := os.Create(t.TempDir() + "/x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString("x")
}
