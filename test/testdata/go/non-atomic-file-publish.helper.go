package config

import (
	"os"
	"strings"
)

// Two rewrites in one file share one appended helper; ioutil-free files get the filepath import.
func SetKey(path, key, value string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines := strings.Split(string(data), "\n")
	lines = append(lines, key+"="+value)
	return os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600) // want GO703
}

func Clear(path string) error {
	if _, err := os.ReadFile(path); err != nil {
		return err
	}
	return os.WriteFile(path, nil, 0o600) // want GO703
}
