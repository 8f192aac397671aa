// Command shop serves the shop's HTTP API.
package main

import (
	"io"
	"log"
	"os"
	"os/signal"
)

// Waiter signals completion to everyone waiting on doneCh.
type Waiter struct {
	done   bool
	doneCh chan struct{}
}

func (w *Waiter) markDone() {
	if !w.done {
		w.done = true
		close(w.doneCh)
	}
}

func readConfig(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(f)
}

func waitForStop() {
	quit := make(chan os.Signal, 1)
	signal.Notify(quit, os.Interrupt)
	<-quit
	log.Print("stopping")
}
