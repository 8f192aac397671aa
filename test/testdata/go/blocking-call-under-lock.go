package pool

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"time"
)

type worker struct{ stop chan struct{} }

func (w *worker) quit() { close(w.stop) }

// Pool runs workers.
type Pool struct {
	mu      sync.Mutex
	rw      sync.RWMutex
	wg      sync.WaitGroup
	cond    *sync.Cond
	ready   *sync.Cond
	once    sync.Once
	workers []*worker
	results chan int
	jobs    chan int
	sem     chan struct{}
	path    string
	client  *http.Client
	pending int
}

// NewPool makes a pool with a buffered job queue.
func NewPool() *Pool {
	p := &Pool{jobs: make(chan int, 16), results: make(chan int)}
	p.cond = sync.NewCond(&p.mu)
	p.ready = sync.NewCond(&p.mu)
	return p
}

// Stop quits the workers and waits for them while still holding the lock.
func (p *Pool) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, w := range p.workers {
		w.quit()
	}
	p.wg.Wait() // want GO105 "p.wg.Wait() runs while p.mu is held: a goroutine that needs the lock to finish never does"
}

// Retry backs off with the lock held.
func (p *Pool) Retry(n int) {
	p.mu.Lock()
	if n > 3 {
		if p.pending > 0 {
			time.Sleep(time.Second) // want GO105 "time.Sleep(…) runs while p.mu is held"
		}
	}
	p.pending = n
	p.mu.Unlock()
	time.Sleep(time.Second) // Must NOT trigger: the lock was released.
}

// Build runs the compiler under the lock, twice.
func (p *Pool) Build(dir string) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := exec.Command("go", "mod", "download").Run(); err != nil { // want GO105 "exec.Command(…).Run() runs while p.mu is held"
		return nil, err
	}
	cmd := exec.Command("go", "build", "./...")
	cmd.Dir = dir
	return cmd.CombinedOutput() // want GO105 "cmd.CombinedOutput()"
}

// Fetch calls a remote service while holding the lock.
func (p *Pool) Fetch(url string) (*http.Response, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.client == nil {
		return http.Get(url) // want GO105 "http.Get(…) runs while p.mu is held: every goroutine that needs the lock stalls for as long as the peer"
	}
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return nil, err
	}
	return p.client.Do(req) // want GO105 "p.client.Do(…)"
}

// Connect dials with the lock held.
func (p *Pool) Connect(addr string) (net.Conn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return net.Dial("tcp", addr) // want GO105 "net.Dial(…)"
}

// Submit hands a job to an unbuffered channel and reads the answer under the lock.
func (p *Pool) Submit(job int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.jobs <- job // Must NOT trigger: p.jobs is made with a buffer.
	out := make(chan int)
	out <- job         // want GO105 "the send on out runs while p.mu is held: if no receiver is ready"
	return <-p.results // want GO105 "the receive from p.results"
}

// Await waits for the first of two events.
func (p *Pool) Await(done <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	// want GO105 "the select (it has no default case)"
	select {
	case <-done:
	case v := <-p.results:
		p.pending = v
	}
}

// TryAwait polls without blocking.
func (p *Pool) TryAwait() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select { // Must NOT trigger: a select with a default case does not block.
	case v := <-p.results:
		p.pending = v
	default:
	}
}

// Save persists the pool's state through a same-file helper that writes a file.
func (p *Pool) Save() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.persist() // want GO105 "p.persist(…) reaches os.WriteFile(…) (line 3 of persist) while p.mu is held"
}

func (p *Pool) persist() error {
	data := []byte{byte(p.pending)}
	return os.WriteFile(p.path, data, 0o600)
}

// Drain waits on a deferred Wait registered after the deferred unlock: it runs first, with the lock held.
func (p *Pool) Drain() {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.wg.Wait() // want GO105 "p.wg.Wait()"
	p.workers = nil
}

// Must NOT trigger: the deferred Wait is registered before the deferred unlock, so it runs after the unlock.
func (p *Pool) DrainAfterUnlock() {
	p.mu.Lock()
	defer p.wg.Wait()
	defer p.mu.Unlock()
	p.workers = nil
}

// Must NOT trigger: sync.Cond.Wait releases the lock while it waits.
func (p *Pool) Take() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.pending == 0 {
		p.cond.Wait()
	}
	p.ready.Wait() // a *sync.Cond field, even outside a loop
	p.pending--
	return p.pending
}

// Must NOT trigger: a sync.Cond made in the function, waited on in the usual loop.
func waitFor(mu *sync.Mutex, ok func() bool) {
	c := sync.NewCond(mu)
	mu.Lock()
	for !ok() {
		c.Wait()
	}
	mu.Unlock()
}

// Must NOT trigger: calls inside a func literal launched with go run on another goroutine.
func (p *Pool) Kick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	go func() {
		time.Sleep(time.Second)
		p.wg.Wait()
	}()
	go time.Sleep(time.Millisecond)
	p.once.Do(p.init) // sync.Once.Do is not an HTTP call
}

func (p *Pool) init() {}

// Must NOT trigger: a read lock is not an exclusive lock.
func (p *Pool) Peek() int {
	p.rw.RLock()
	defer p.rw.RUnlock()
	time.Sleep(time.Millisecond)
	return p.pending
}

// Must NOT trigger: a channel used as a semaphore is lock nesting, not a blocking call.
func (p *Pool) Limit() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sem <- struct{}{}
	<-p.sem
}

// Must NOT trigger: a helper that releases the lock around its slow part.
func (p *Pool) Flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sleepUnlocked()
}

func (p *Pool) sleepUnlocked() {
	p.mu.Unlock()
	time.Sleep(time.Second)
	p.mu.Lock()
}

// Must NOT trigger: a callee that takes the same mutex again is a recursive lock (GO103), not a blocking call.
func (p *Pool) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.Retry(0)
}

var (
	cfgMu sync.Mutex
	cfg   []byte
)

// Reload reads the file behind a package-level mutex.
func Reload(path string) error {
	cfgMu.Lock()
	defer cfgMu.Unlock()
	b, err := os.ReadFile(path) // want GO105 "os.ReadFile(…) runs while cfgMu is held: every goroutine that needs the lock stalls on disk I/O"
	if err != nil {
		return err
	}
	cfg = b
	return nil
}

// Watch polls inside a goroutine that takes the lock itself.
func (p *Pool) Watch() {
	go func() {
		for {
			p.mu.Lock()
			time.Sleep(10 * time.Millisecond) // want GO105 "time.Sleep"
			p.mu.Unlock()
		}
	}()
}

// TokenSource caches an access token.
type TokenSource struct {
	mu    sync.Mutex
	token string
}

// refreshToken fetches a new token; holding the lock makes concurrent callers share one refresh.
func (t *TokenSource) refreshToken(url string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	resp, err := http.Post(url, "application/json", nil) // want GO105 "http.Post(…)"
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	t.token = resp.Header.Get("X-Token")
	return nil
}
