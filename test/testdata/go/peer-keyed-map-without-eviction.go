package limiter

import (
	"net"
	"net/http"
	"sync"
	"time"
)

type Profile struct{ Seen time.Time }

var (
	mu       sync.Mutex
	profiles = map[string]*Profile{}
	hits     = map[string]int{}
	byOrigin = make(map[string][]string)
	byKind   = map[string]int{}
	sessions = map[string]time.Time{}
	visits   = map[string]int{}
)

// The catalogue's example: a package map keyed by the client's IP.
func profileFor(clientIP string) *Profile {
	mu.Lock()
	defer mu.Unlock()
	p := profiles[clientIP]
	if p == nil {
		p = &Profile{}
		profiles[clientIP] = p // want GO501 "profiles gains an entry per clientIP"
	}
	return p
}

// A key bound from net.SplitHostPort(r.RemoteAddr), counted with ++.
func count(w http.ResponseWriter, r *http.Request) {
	h, _, _ := net.SplitHostPort(r.RemoteAddr)
	mu.Lock()
	hits[h]++ // want GO501 "hits gains an entry per h"
	mu.Unlock()
}

// A key from a header, appended to.
func remember(r *http.Request, path string) {
	o := r.Header.Get("Origin")
	mu.Lock()
	byOrigin[o] = append(byOrigin[o], path) // want GO501
	mu.Unlock()
}

// A receiver field keyed by a selector.
type Tracker struct {
	mu      sync.Mutex
	clients map[string]time.Time
	byUser  map[string]int
	names   map[string]string
}

func NewTracker() *Tracker {
	t := &Tracker{}
	t.clients = make(map[string]time.Time)
	t.byUser = make(map[string]int)
	t.names = make(map[string]string)
	return t
}

func (t *Tracker) touch(r *http.Request) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clients[r.RemoteAddr] = time.Now() // want GO501 "t.clients gains an entry per r.RemoteAddr"
}

// A key from a getClientIP-style helper, in a method returning a value.
func (t *Tracker) add(r *http.Request, n int) int {
	k := getClientIP(r)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.byUser[k] += n // want GO501
	return t.byUser[k]
}

// Must NOT trigger: sessions are evicted by a janitor elsewhere in the file.
func login(sessionID string) {
	mu.Lock()
	sessions[sessionID] = time.Now()
	mu.Unlock()
}

func janitor() {
	for range time.Tick(time.Minute) {
		mu.Lock()
		for id, t := range sessions {
			if time.Since(t) > time.Hour {
				delete(sessions, id)
			}
		}
		mu.Unlock()
	}
}

// Must NOT trigger: a map keyed by a bounded enum or config name.
func countKind(kind string) {
	mu.Lock()
	byKind[kind]++
	mu.Unlock()
}

// Must NOT trigger: the insert is guarded by a len comparison.
func visit(ip string) bool {
	mu.Lock()
	defer mu.Unlock()
	if _, ok := visits[ip]; !ok && len(visits) >= 10000 {
		return false
	}
	visits[ip]++
	return true
}

// Must NOT trigger: the map is reset periodically by a method of its own.
func (t *Tracker) setName(user, name string) {
	t.mu.Lock()
	t.names[user] = name
	t.mu.Unlock()
}

func (t *Tracker) reset() {
	t.mu.Lock()
	t.names = make(map[string]string)
	t.mu.Unlock()
}

// Must NOT trigger: a local map lives only as long as the call.
func group(addrs []string) map[string]int {
	seen := map[string]int{}
	for _, addr := range addrs {
		seen[addr]++
	}
	return seen
}

// Must NOT trigger: addr alone is a memory address, user alone a type.
type table struct {
	insts map[uint64]string
	sent  map[string]bool
}

type typeInfo struct{ user string }

func (t *table) record(addr uint64, ut typeInfo) {
	t.insts[addr] = "nop"
	t.sent[ut.user] = true
}

// A user ID and a source address are peers.
func (t *Tracker) rename(userID, srcAddr string) {
	t.names[userID] = srcAddr
	visitsBySource[srcAddr]++ // want GO501 "visitsBySource gains an entry per srcAddr"
}

var visitsBySource = map[string]int{}

func getClientIP(r *http.Request) string { return r.RemoteAddr }
