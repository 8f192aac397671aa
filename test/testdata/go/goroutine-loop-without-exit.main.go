package main

import (
	"log"
	"net/http"
	"time"
)

type cache struct {
	data  map[string]string
	quit  chan struct{}
	every time.Duration
}

func main() {
	c := &cache{data: map[string]string{}, every: time.Minute}
	go c.refresh()
	go flushStats()
	go func() {
		// Must NOT trigger: loops in main() of package main run for the life of the process.
		for range time.Tick(time.Second) {
			log.Print("tick")
		}
	}()
	log.Fatal(http.ListenAndServe(":8080", nil))
}

func init() {
	// Must NOT trigger: loops in init() of package main.
	go func() {
		t := time.NewTicker(time.Hour)
		for range t.C {
			log.Print("hourly")
		}
	}()
}

// Started only with go from main: a process-lifetime helper, reported at hint. The struct already has a quit
// channel, which the assisted fix uses.
func (c *cache) refresh() {
	t := time.NewTicker(c.every)
	for range t.C { // want GO401 "started from main"
		c.data = map[string]string{}
	}
}

func flushStats() {
	for { // want GO401 "started from main"
		select {
		case <-time.After(time.Second):
			log.Print("flush")
		}
	}
}

// Called from another function too, so not a main-only helper: a warning.
func poll() {
	for range time.Tick(time.Minute) { // want GO401 "never ends"
		log.Print("poll")
	}
}

func startPolling() {
	go poll()
}
