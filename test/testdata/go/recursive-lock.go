package cache

import (
	"sync"
	"time"
)

type entry struct {
	value   string
	expires time.Time
}

func (e entry) expired() bool { return time.Now().After(e.expires) }

// Cache is a TTL cache.
type Cache struct {
	mu    sync.Mutex
	stats sync.Mutex
	items map[string]entry
	hits  int
}

// Sweep evicts expired entries.
func (c *Cache) Sweep() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.items {
		if e.expired() {
			c.Evict(k) // want GO103 "c.Evict(…) takes c.mu.Lock() (line 1 of Evict)"
		}
	}
}

// Evict removes k.
func (c *Cache) Evict(k string) { c.mu.Lock(); defer c.mu.Unlock(); delete(c.items, k) }

// Put stores v and reports the new size.
func (c *Cache) Put(k, v string, ttl time.Duration) int {
	c.mu.Lock()
	c.items[k] = entry{value: v, expires: time.Now().Add(ttl)}
	n := c.Len() // want GO103 "Go mutexes are not reentrant"
	c.mu.Unlock()
	return n
}

// Len reports the number of entries.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Expired entries still count until the next sweep.
	return len(c.items)
}

// Refresh re-reads every entry through Get.
func (c *Cache) Refresh(keys []string) {
	c.mu.Lock()
	go c.Sweep() // Must NOT trigger: runs on another goroutine and just waits.
	for _, k := range keys {
		if _, ok := c.get(k); !ok {
			c.Touch(k) // want GO103 "c.Touch(…)"
		}
	}
	c.mu.Unlock()
}

// Touch extends an entry, in a helper that has its own lock-free variant.
func (c *Cache) Touch(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.touchLocked(k)
}

func (c *Cache) touchLocked(k string) {
	e := c.items[k]
	e.expires = e.expires.Add(time.Minute)
	c.items[k] = e
}

// Must NOT trigger: get expects the lock to be held and releases it around the slow path.
func (c *Cache) get(k string) (entry, bool) {
	c.mu.Unlock()
	defer c.mu.Lock()
	e, ok := c.items[k]
	return e, ok
}

// Must NOT trigger: count locks a different field.
func (c *Cache) count() {
	c.stats.Lock()
	c.hits++
	c.stats.Unlock()
}

// Lookup counts a hit under the cache lock.
func (c *Cache) Lookup(k string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[k]
	if ok {
		c.count()
	}
	return e.value, ok
}

// Close flushes on return through a deferred call, which runs while the deferred unlock is still pending.
func (c *Cache) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.Sweep() // want GO103 "c.Sweep(…)"
	c.items = nil
}

// Must NOT trigger: the deferred call runs after the explicit unlock.
func (c *Cache) Reset() {
	c.mu.Lock()
	defer c.Sweep()
	c.items = map[string]entry{}
	c.mu.Unlock()
}

// Must NOT trigger: the lock was released before the call.
func (c *Cache) Trim(k string) {
	c.mu.Lock()
	if _, ok := c.items[k]; ok {
		c.mu.Unlock()
		c.Evict(k)
		return
	}
	c.mu.Unlock()
}

// Registry maps names to handlers under a read-write lock.
type Registry struct {
	sync.RWMutex
	rw       sync.RWMutex
	handlers map[string]func()
}

// Names lists the registered names.
func (r *Registry) Names() []string {
	r.rw.RLock()
	defer r.rw.RUnlock()
	var out []string
	for name := range r.handlers {
		if r.Has(name) { // want GO103 "a recursive read lock deadlocks behind a waiting writer"
			out = append(out, name)
		}
	}
	return out
}

// Has reports whether name is registered.
func (r *Registry) Has(name string) bool {
	r.rw.RLock()
	defer r.rw.RUnlock()
	_, ok := r.handlers[name]
	return ok
}

// Ensure adds a default handler while holding the read lock.
func (r *Registry) Ensure(name string) {
	r.rw.RLock()
	defer r.rw.RUnlock()
	if !r.Has(name) { // want GO103 "recursive read lock"
		r.Add(name, func() {}) // want GO103 "r.Add(…) takes r.rw.Lock()"
	}
}

// Add registers h under name.
func (r *Registry) Add(name string, h func()) {
	r.rw.Lock()
	defer r.rw.Unlock()
	r.handlers[name] = h
}

// Snapshot copies the handlers under the embedded lock.
func (r *Registry) Snapshot() map[string]func() {
	r.Lock()
	defer r.Unlock()
	out := make(map[string]func(), r.size()) // want GO103 "r.size(…) takes r.Lock()"
	for k, v := range r.handlers {
		out[k] = v
	}
	return out
}

func (r *Registry) size() int {
	r.Lock()
	n := len(r.handlers)
	r.Unlock()
	return n
}

var (
	cfgMu  sync.Mutex
	config = map[string]string{}
)

// Set stores a setting and reloads dependants.
func Set(k, v string) {
	cfgMu.Lock()
	defer cfgMu.Unlock()
	config[k] = v
	reload(k) // want GO103 "reload(…) takes cfgMu.Lock()"
}

func reload(k string) {
	cfgMu.Lock()
	defer cfgMu.Unlock()
	_ = config[k]
}

// Must NOT trigger: a func literal started from the critical section runs on its own goroutine.
func Watch(keys <-chan string) {
	cfgMu.Lock()
	go func() {
		for k := range keys {
			reload(k)
		}
	}()
	cfgMu.Unlock()
}

// Must NOT trigger: a local mutex with the same name as another function's is a different mutex.
func localLocks() {
	var mu sync.Mutex
	mu.Lock()
	other()
	mu.Unlock()
}

func other() {
	var mu sync.Mutex
	mu.Lock()
	mu.Unlock()
}

// Worker holds its lock inside a goroutine started by Start.
type Worker struct {
	mu    sync.Mutex
	queue []string
}

// Start runs the worker loop.
func (w *Worker) Start() {
	go func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.flush() // want GO103 "w.flush(…)"
	}()
}

func (w *Worker) flush() {
	w.mu.Lock()
	w.queue = w.queue[:0]
	w.mu.Unlock()
}
