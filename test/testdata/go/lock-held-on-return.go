package store

import (
	"errors"
	"fmt"
	"sync"
)

var (
	errTooBig   = errors.New("value too big")
	errNotFound = errors.New("not found")
	errClosed   = errors.New("closed")
)

// Store is an in-memory key-value store.
type Store struct {
	mu       sync.Mutex
	rw       sync.RWMutex
	max      int
	data     map[string][]byte
	fallback []byte
	closed   bool
	queue    []string
}

// Put stores v under k.
func (s *Store) Put(k string, v []byte) error {
	s.mu.Lock()
	// Größe prüfen: zu große Werte ablehnen (non-ASCII keeps the UTF-16 offsets honest).
	if len(v) > s.max {
		return errTooBig // want GO102 "returns with s.mu still locked"
	}
	s.data[k] = v
	s.mu.Unlock()
	return nil
}

// Get returns the value under k, or the fallback.
func (s *Store) Get(k string) ([]byte, error) {
	s.rw.RLock()
	v, ok := s.data[k]
	if !ok {
		if s.fallback != nil {
			return s.fallback, nil // want GO102 "the next s.rw.Lock() blocks forever"
		}
		return nil, fmt.Errorf("get %q: %w", k, errNotFound) // want GO102 "s.rw still read-locked"
	}
	s.rw.RUnlock()
	return v, nil
}

// Enqueue adds the keys that are not stored yet.
func (s *Store) Enqueue(keys []string) {
	for _, k := range keys {
		s.mu.Lock()
		if _, ok := s.data[k]; ok {
			continue // want GO102 "continues past the critical section"
		}
		s.queue = append(s.queue, k)
		s.mu.Unlock()
	}
}

// Drain empties the queue until it finds an empty key.
func (s *Store) Drain() (n int) {
outer:
	for {
		s.mu.Lock()
		for len(s.queue) > 0 {
			if s.queue[0] == "" {
				break outer // want GO102 "breaks out of the critical section"
			}
			s.queue = s.queue[1:]
			n++
		}
		s.mu.Unlock()
		return
	}
	return
}

// Compact rewrites the values, bailing out to a cleanup label on failure.
func (s *Store) Compact() error {
	s.mu.Lock()
	for k, v := range s.data {
		if v == nil {
			goto fail // want GO102 "jumps out of the critical section"
		}
		s.data[k] = v[:len(v):len(v)]
	}
	s.mu.Unlock()
	return nil
fail:
	return errors.New("nil value")
}

// mustGet panics on a missing key.
func (s *Store) mustGet(k string) []byte {
	s.mu.Lock()
	v, ok := s.data[k]
	if !ok {
		panic("missing key " + k) // want GO102 "panics with s.mu still locked"
	}
	s.mu.Unlock()
	return v
}

// Kind reports how k is stored.
func (s *Store) Kind(k string) string {
	s.mu.Lock()
	switch v := s.data[k]; {
	case v == nil:
		return "absent" // want GO102
	case len(v) > s.max:
		s.mu.Unlock()
		return "large"
	}
	s.mu.Unlock()
	return "small"
}

var (
	regMu    sync.Mutex
	registry = map[string]func(){}
)

// Register adds a named hook.
func Register(name string, hook func()) error {
	regMu.Lock()
	if _, dup := registry[name]; dup {
		return fmt.Errorf("hook %s: %w", name, errClosed) // want GO102 "regMu still locked"
	}
	registry[name] = hook
	regMu.Unlock()
	return nil
}

// Lookup returns a hook.
func Lookup(name string) func() {
	regMu.Lock()
	if h, ok := registry[name]; ok {
		return h // want GO102 "regMu still locked"
	}
	regMu.Unlock()
	return nil
}

// Must NOT trigger: each early return unlocks first.
func (s *Store) Delete(k string) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errClosed
	}
	if _, ok := s.data[k]; !ok {
		s.mu.Unlock()
		// Nothing to delete.
		return errNotFound
	}
	delete(s.data, k)
	s.mu.Unlock()
	return nil
}

// Must NOT trigger: the unlock is deferred.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0
	}
	return len(s.data)
}

// Must NOT trigger: a deferred func literal unlocks.
func (s *Store) Size() int {
	s.rw.RLock()
	defer func() {
		s.rw.RUnlock()
	}()
	if s.closed {
		return 0
	}
	return len(s.data)
}

// Must NOT trigger: the name says the caller takes over the lock.
func (s *Store) lookupLocked(k string) []byte {
	s.mu.Lock()
	if v, ok := s.data[k]; ok {
		return v
	}
	s.mu.Unlock()
	return nil
}

// acquireIfOpen locks s.mu and returns with the lock held when the store is open.
// Must NOT trigger: the doc comment declares the hand-off.
func (s *Store) acquireIfOpen() bool {
	s.mu.Lock()
	if !s.closed {
		return true
	}
	s.mu.Unlock()
	return false
}

func (s *Store) unlockAndLog(msg string) {
	s.mu.Unlock()
	fmt.Println(msg)
}

// Must NOT trigger: a helper releases the lock before the return.
func (s *Store) Reset() {
	s.mu.Lock()
	if s.closed {
		s.unlockAndLog("reset of a closed store")
		return
	}
	s.data = map[string][]byte{}
	s.mu.Unlock()
}

// Must NOT trigger: a return inside a func literal belongs to another function.
func (s *Store) Keys() []string {
	var keys []string
	s.mu.Lock()
	each := func(k string) bool {
		if k == "" {
			return false
		}
		keys = append(keys, k)
		return true
	}
	for k := range s.data {
		if !each(k) {
			break
		}
	}
	s.mu.Unlock()
	return keys
}

// Must NOT trigger: break leaves a switch and a select inside the critical section, not the section.
func (s *Store) Poll(ch chan string) {
	s.mu.Lock()
	switch len(s.queue) {
	case 0:
		break
	default:
		s.queue = s.queue[:0]
	}
	select {
	case k := <-ch:
		if k == "" {
			break
		}
		s.queue = append(s.queue, k)
	default:
	}
	s.mu.Unlock()
}

// Must NOT trigger: a deferred unlock in the branch covers its return.
func (s *Store) Close() error {
	s.mu.Lock()
	if !s.closed {
		defer s.mu.Unlock()
		s.closed = true
		return nil
	}
	s.mu.Unlock()
	return errClosed
}

// Must NOT trigger: the lock is released on every branch, so the section has no closing sibling unlock to judge.
func (s *Store) Touch(k string) bool {
	s.mu.Lock()
	if _, ok := s.data[k]; ok {
		s.mu.Unlock()
		return true
	} else {
		s.mu.Unlock()
		return false
	}
}
