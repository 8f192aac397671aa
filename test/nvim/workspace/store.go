package store

import (
	"io"
	"os"
	"os/signal"
)

// ReadConfig returns the whole file; the handle is never closed.
func ReadConfig(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}

// WaitForStop blocks until an interrupt arrives.
func WaitForStop() {
	quit := make(chan os.Signal, 1)
	signal.Notify(quit, os.Interrupt)
	<-quit
}
