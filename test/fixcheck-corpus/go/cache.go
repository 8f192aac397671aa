// Package catalog keeps a read-through, time-bounded cache of inventory items
// in front of the database.
package catalog

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"example.com/inventory/internal/store"
)

// Loader fetches one item from the backing store.
type Loader func(ctx context.Context, sku string) (store.Item, error)

type entry struct {
	item   store.Item
	loaded time.Time
}

// Stats is a point-in-time view of the cache's size and hit rate.
type Stats struct {
	Items  int
	Hits   int64
	Misses int64
}

// Cache maps SKUs to items. It is read-mostly and safe for concurrent use.
type Cache struct {
	mu    sync.RWMutex
	items map[string]entry
	load  Loader
	ttl   time.Duration

	hits   atomic.Int64
	misses atomic.Int64
}

// New returns an empty cache that loads misses with load and keeps entries
// for ttl.
func New(load Loader, ttl time.Duration) *Cache {
	return &Cache{items: make(map[string]entry), load: load, ttl: ttl}
}

// Lookup returns the item for sku, loading it from the store on a miss or
// when the cached copy is older than the TTL.
func (c *Cache) Lookup(ctx context.Context, sku string) (store.Item, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if e, ok := c.items[sku]; ok && time.Since(e.loaded) < c.ttl {
		c.hits.Add(1)
		return e.item, nil
	}
	c.misses.Add(1)
	item, err := c.load(ctx, sku)
	if err != nil {
		return store.Item{}, err
	}
	c.items[sku] = entry{item: item, loaded: time.Now()}
	return item, nil
}

// Put stores item, replacing any cached copy.
func (c *Cache) Put(item store.Item) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items[item.SKU] = entry{item: item, loaded: time.Now()}
}

// Reserve takes n units of sku out of the cached stock, refusing to oversell.
func (c *Cache) Reserve(sku string, n int) error {
	c.mu.Lock()
	e, ok := c.items[sku]
	if !ok {
		c.mu.Unlock()
		return fmt.Errorf("catalog: reserve %s: %w", sku, store.ErrNotFound)
	}
	if e.item.Stock < n {
		return fmt.Errorf("catalog: reserve %d of %s: only %d left", n, sku, e.item.Stock)
	}
	e.item.Stock -= n
	c.items[sku] = e
	c.mu.Unlock()
	return nil
}

// Invalidate drops the cached copy of sku so the next Lookup reloads it.
func (c *Cache) Invalidate(sku string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.items, sku)
}

// Sweep drops every entry older than the TTL and returns how many it dropped.
func (c *Cache) Sweep(now time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	dropped := 0
	for sku, e := range c.items {
		if now.Sub(e.loaded) > c.ttl {
			c.Invalidate(sku)
			dropped++
		}
	}
	return dropped
}

// Snapshot copies the cached items, for the admin dump endpoint.
func (c *Cache) Snapshot() map[string]store.Item {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make(map[string]store.Item, len(c.items))
	for sku, e := range c.items {
		out[sku] = e.item
	}
	return out
}

// Stats reports the cache's size and hit counters.
func (c *Cache) Stats() Stats {
	c.mu.RLock()
	n := len(c.items)
	c.mu.RUnlock()
	return Stats{Items: n, Hits: c.hits.Load(), Misses: c.misses.Load()}
}
