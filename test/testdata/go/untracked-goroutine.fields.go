package cache

import (
	"log"
	"time"
)

// The new field joins the aligned block of fields, and sync is imported.
type Cache struct {
	m    map[string]string
	ttl  time.Duration
	stop chan struct{} // closed by Close
}

func (c *Cache) Start() {
	go c.janitor() // want GO402 "Close returns before"
}

func (c *Cache) janitor() {
	t := time.NewTicker(c.ttl)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			log.Print("sweep")
		}
	}
}

func (c *Cache) Close() { close(c.stop) }

// A struct whose only name is shorter than wg: the new field re-aligns the block.
type Loader struct {
	q chan string
}

// A one-line func literal body and a one-line Stop body.
func (l *Loader) Run() {
	go func() { l.loop() }() // want GO402 "runs until the process exits"
}

func (l *Loader) loop() {
	for s := range l.q {
		log.Print(s)
	}
}

func (l *Loader) Stop() { log.Print("stopping") }

// An argument that calls a function is evaluated at the go statement, so it is passed as a parameter.
type Feeder struct {
	out  chan int
	next func() int
	quit chan struct{}
}

func (f *Feeder) Start() {
	go f.feed(f.next()) // want GO402
}

func (f *Feeder) feed(first int) {
	for v := first; ; v++ {
		select {
		case f.out <- v:
		case <-f.quit:
			return
		}
	}
}

func (f *Feeder) Shutdown() { close(f.quit) }
