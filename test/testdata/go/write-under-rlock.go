package registry

import (
	"sync"
	"sync/atomic"
)

// Entry is one registered item.
type Entry struct {
	ID   string
	hits int
}

func load(id string) *Entry { return &Entry{ID: id} }

// Registry caches entries by ID.
type Registry struct {
	mu      sync.RWMutex
	statsMu sync.Mutex
	byID    map[string]*Entry
	order   []string
	misses  int
	lookups atomic.Int64
	last    *Entry
}

// Get returns the entry for id, loading it on a miss.
func (s *Registry) Get(id string) *Entry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.byID[id]
	if !ok {
		e = load(id)
		s.byID[id] = e // want GO104 "concurrent map writes"
	}
	return e
}

// Miss records a miss and forgets the ID.
func (s *Registry) Miss(id string) {
	s.mu.RLock()
	s.misses++ // want GO104 "s.misses is written while only s.mu.RLock() is held"
	delete(s.byID, id) // want GO104 "delete from s.byID"
	s.order = append(s.order, id) // want GO104 "appended to"
	s.mu.RUnlock()
}

// Touch counts a hit on every entry with the prefix.
func (s *Registry) Touch(prefix string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for id, e := range s.byID {
		if len(id) >= len(prefix) && id[:len(prefix)] == prefix {
			e.hits++ // want GO104 "range variable e"
			s.last = e // want GO104 "s.last is written"
		}
	}
}

// Order returns the IDs, resetting the first slot on an early path.
func (s *Registry) Order() []string {
	s.mu.RLock()
	if len(s.order) == 0 {
		s.mu.RUnlock()
		return nil
	}
	s.order[0] = "" // want GO104 "s.order[0] is written while only"
	out := append([]string(nil), s.order...)
	s.mu.RUnlock()
	return out
}

// Refresh reloads every entry, calling a method that takes the read lock itself.
func (s *Registry) Refresh() {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for id := range s.byID {
		s.byID[id] = load(s.Name(id)) // want GO104 "concurrent map writes"
	}
}

// Name reports the canonical name of id.
func (s *Registry) Name(id string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if e, ok := s.byID[id]; ok {
		return e.ID
	}
	return id
}

// Must NOT trigger: a copied value and locals are written, not shared state.
func (s *Registry) Snapshot() map[string]Entry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string]Entry, len(s.byID))
	for id, e := range s.byID {
		v := *e
		v.hits++
		out[id] = v
	}
	return out
}

// Must NOT trigger: the write runs in a func literal started from the section.
func (s *Registry) Prefetch(ids []string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, id := range ids {
		if _, ok := s.byID[id]; !ok {
			go func(id string) {
				s.mu.Lock()
				s.byID[id] = load(id)
				s.mu.Unlock()
			}(id)
		}
	}
}

// Must NOT trigger: a second, exclusive lock protects the counter.
func (s *Registry) Lookup(id string) *Entry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.statsMu.Lock()
	s.misses++
	s.statsMu.Unlock()
	s.lookups.Add(1)
	return s.byID[id]
}

// Must NOT trigger: the read lock is released and the write lock taken before the write.
func (s *Registry) Ensure(id string) *Entry {
	s.mu.RLock()
	e, ok := s.byID[id]
	if !ok {
		s.mu.RUnlock()
		s.mu.Lock()
		e = load(id)
		s.byID[id] = e
		s.mu.Unlock()
		return e
	}
	s.mu.RUnlock()
	return e
}

// Must NOT trigger: writes under the exclusive lock.
func (s *Registry) Put(e *Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byID[e.ID] = e
}

var (
	tableMu sync.RWMutex
	table   = map[string]int{}
	version int
)

// Bump increments the version of a key and the table.
func Bump(k string) int {
	tableMu.RLock()
	defer tableMu.RUnlock()
	table[k]++ // want GO104 "table[k] is written under tableMu.RLock()"
	version++ // want GO104 "version is written while only tableMu.RLock() is held"
	return table[k]
}

// Counters are read through a reader that is called with the lock held.
type Counters struct {
	mu sync.RWMutex
	n  map[string]int
}

// Sum adds up the counters under the read lock, using get.
func (c *Counters) Sum(keys []string) int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	total := 0
	for _, k := range keys {
		total += c.get(k)
	}
	return total
}

func (c *Counters) get(k string) int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	c.n[k] += 0 // want GO104 "c.n[k] is written"
	return c.n[k]
}
