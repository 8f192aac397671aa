package worker

import "os"

// Must NOT lose the import: os is still used by Path after the fix.
func Path() string { return os.TempDir() }

func Stop(code int) error {
	if code != 0 {
		os.Exit(code) // want GO403
	}
	return nil
}
