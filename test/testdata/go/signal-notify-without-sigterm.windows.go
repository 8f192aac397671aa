//go:build windows

package main

import (
	"os"
	"os/signal"
)

// Must NOT trigger: Windows has no SIGTERM to trap.
func waitForInterrupt() {
	quit := make(chan os.Signal, 1)
	signal.Notify(quit, os.Interrupt)
	<-quit
}
