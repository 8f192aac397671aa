package reaper

import (
	"context"
	"log"
	"sync"
	"time"
)

type Reaper struct {
	mu      sync.Mutex
	entries map[string]time.Time
	ttl     time.Duration
}

type Poller struct {
	ctx    context.Context
	client interface{ Poll() error }
	events chan string
}

// A ticker loop with no context in scope: the fixes are assisted.
func (r *Reaper) run() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for range t.C { // want GO401 "ranging over t.C never ends"
		r.sweep()
	}
}

func (r *Reaper) Start() {
	go r.run()
}

// A context parameter is in scope: the loop becomes a select on ctx.Done().
func (r *Reaper) runCtx(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	// want GO401
	for now := range t.C {
		r.mu.Lock()
		for k, seen := range r.entries {
			if now.Sub(seen) > r.ttl {
				delete(r.entries, k)
			}
		}
		r.mu.Unlock()
		if len(r.entries) == 0 {
			continue
		}
		log.Printf("reaper: %d entries left", len(r.entries))
	}
}

// time.Tick in a func literal, with the context a receiver field: the tick is hoisted out of the select.
func (p *Poller) Start() {
	go func() {
		for range time.Tick(5 * time.Second) { // want GO401 "ranging over time.Tick(5 * time.Second)"
			if err := p.client.Poll(); err != nil {
				log.Printf("poll: %v", err)
			}
		}
	}()
}

// A for-select loop without a cancellation case, with a context bound earlier.
func (p *Poller) forward(out chan<- string) {
	ctx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	go p.loop(ctx)
	heartbeat := time.NewTicker(time.Minute)
	defer heartbeat.Stop()
	for { // want GO401 "for-select loop has no return"
		select {
		case ev := <-p.events:
			out <- ev
		case <-heartbeat.C:
			log.Print("forwarder alive")
		}
	}
}

// The cancellation case logs but does not leave: once ctx is done the loop spins.
func (p *Poller) drain(ctx context.Context) {
	for { // want GO401 "the <-ctx.Done() case does not leave the loop"
		select {
		case <-ctx.Done():
			log.Print("drain: cancelled")
		case ev := <-p.events:
			if ev == "" {
				return
			}
		}
	}
}

// A break inside the select leaves only the select.
func consume(events <-chan string, handle func(string)) {
	for { // want GO401
		select {
		case ev, ok := <-events:
			if !ok {
				break
			}
			handle(ev)
		}
	}
}

// A function with results: the return needs values, so the rewrite is assisted.
func (r *Reaper) count(ctx context.Context) (int, error) {
	n := 0
	t := time.NewTicker(time.Second)
	for range t.C { // want GO401
		n++
	}
	return n, nil
}

// Must NOT trigger: the loop returns when the entry disappears.
func (r *Reaper) watch(key string) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for range t.C {
		r.mu.Lock()
		_, exists := r.entries[key]
		r.mu.Unlock()
		if !exists {
			return
		}
	}
}

// Must NOT trigger: ranging over a data channel ends when the channel is closed.
func (p *Poller) log() {
	for ev := range p.events {
		log.Print(ev)
	}
}

// Must NOT trigger: a for-select loop with a cancellation case that returns.
func (p *Poller) loop(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.client.Poll()
		}
	}
}

// Must NOT trigger: a labeled break leaves the loop.
func (p *Poller) until(deadline <-chan time.Time) {
outer:
	for {
		select {
		case <-deadline:
			break outer
		case ev := <-p.events:
			log.Print(ev)
		}
	}
	log.Print("deadline reached")
}

// Must NOT trigger: a fatal error ends the loop (and the process).
func (p *Poller) mustPoll() {
	for range time.Tick(time.Second) {
		if err := p.client.Poll(); err != nil {
			log.Fatal(err)
		}
	}
}

func (r *Reaper) sweep() {}

// Must NOT trigger: the cancellation channel is set to nil so that it does not fire again.
func (p *Poller) relay(cancelCh <-chan struct{}, out chan<- string) error {
	cancelled := false
	for {
		select {
		case <-cancelCh:
			cancelled = true
			cancelCh = nil
		case ev, ok := <-p.events:
			if !ok || cancelled {
				return nil
			}
			out <- ev
		}
	}
}

// No fix: a package-level function value has no parameters to extend and no receiver.
var heartbeat = func() {
	for range time.Tick(time.Second) { // want GO401
		log.Print("alive")
	}
}
