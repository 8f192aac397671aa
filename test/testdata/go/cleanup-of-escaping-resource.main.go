package main

import (
	"fmt"
	"os"
)

var workDir string

// Must NOT trigger: main returns only to end the process, so nothing outlives the cleanup.
func main() {
	dir, err := os.MkdirTemp("", "tool")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	workDir = dir
	os.Setenv("TOOL_DIR", dir)
	fmt.Println(workDir)
}
