package store

import "os"

// SaveToken writes the API token for the next run.
func SaveToken(path string, token []byte) error {
	return os.WriteFile(path, token, 0644)
}
