// Package worker runs the inventory service's background jobs.
package worker

import (
	"context"
	"time"

	"example.com/inventory/internal/store"
)

// Source is the part of the store the poller reads.
type Source interface {
	LowStock(ctx context.Context, threshold int) ([]store.Item, error)
}

// Cache is the part of the catalogue cache the poller refreshes.
type Cache interface {
	Invalidate(sku string)
	Sweep(now time.Time) int
}

// Poller periodically finds low-stock items and drops them from the cache, so
// that buyers see the real count of the items most likely to sell out.
type Poller struct {
	src       Source
	cache     Cache
	every     time.Duration
	timeout   time.Duration
	threshold int
	logf      func(format string, args ...any)

	stopCh  chan struct{}
	stopped bool
}

// NewPoller returns a poller that runs every interval once started.
func NewPoller(src Source, cache Cache, every time.Duration, logf func(string, ...any)) *Poller {
	return &Poller{
		src:       src,
		cache:     cache,
		every:     every,
		timeout:   every / 2,
		threshold: 10,
		logf:      logf,
		stopCh:    make(chan struct{}),
	}
}

// Start launches the polling loop.
func (p *Poller) Start() {
	go p.loop()
}

func (p *Poller) loop() {
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		select {
		case <-p.stopCh:
			return
		case now := <-t.C:
			if err := p.refresh(context.Background()); err != nil {
				p.logf("poller: refresh: %v", err)
			}
			if n := p.cache.Sweep(now); n > 0 {
				p.logf("poller: swept %d stale items", n)
			}
		}
	}
}

// refresh invalidates the cached copy of every low-stock item.
func (p *Poller) refresh(parent context.Context) error {
	ctx, _ := context.WithTimeout(parent, p.timeout)
	items, err := p.src.LowStock(ctx, p.threshold)
	if err != nil {
		return err
	}
	for _, it := range items {
		p.cache.Invalidate(it.SKU)
	}
	return nil
}

// Stop ends the polling loop. It may be called more than once.
func (p *Poller) Stop() {
	if !p.stopped {
		p.stopped = true
		close(p.stopCh)
	}
}
