package lifecycle

import (
	"errors"
	"log"
	"sync"
	"sync/atomic"
)

var errClosed = errors.New("closed")

// Waiter signals completion to everyone waiting on doneCh.
type Waiter struct {
	done   bool
	doneCh chan struct{}
}

func (w *Waiter) markDone() {
	if !w.done {
		w.done = true
		close(w.doneCh) // want GO101 "two goroutines can both pass the check"
	}
}

// Process reports readiness once the child process answers.
type Process struct {
	rw          sync.RWMutex
	ready       bool
	readinessCh chan struct{} // closed when the child is ready
	pid         int
}

func (p *Process) setReady() {
	p.rw.RLock()
	defer p.rw.RUnlock()
	if !p.ready {
		p.ready = true
		close(p.readinessCh) // want GO101 "RLock() is shared by readers"
	}
}

// Ready reports whether the child answered.
func (p *Process) Ready() bool {
	p.rw.RLock()
	defer p.rw.RUnlock()
	return p.ready
}

// Server owns the listener loop.
type Server struct {
	mu     sync.Mutex
	closed bool          // set by shutdown
	quit   chan struct{} // closed on shutdown
	conns  map[string]int
}

func (s *Server) shutdown() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.quit) // want GO101 "under s.mu.Lock()"
	}
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Broadcaster fans messages out until it is halted.
type Broadcaster struct {
	stop chan struct{}
	subs []chan string
}

// Halt stops the broadcaster; it may be called from several goroutines.
func (b *Broadcaster) Halt() {
	select {
	case <-b.stop:
		// already halted
	default:
		close(b.stop) // want GO101 "select probe of b.stop"
	}
}

func (b *Broadcaster) watch(errc <-chan error) {
	go func() {
		if err := <-errc; err != nil {
			log.Print(err)
		}
		select {
		case <-b.stop:
		default:
			log.Print("halting after error")
			close(b.stop) // want GO101 "select probe"
		}
	}()
}

// Job is one unit of work whose results are streamed.
type Job struct {
	ID       string
	finished bool
	Results  chan string
}

func finish(j *Job, reason string) {
	if !j.finished {
		// Record why before waking the readers.
		log.Printf("job %s finished: %s", j.ID, reason)
		j.finished = true
		close(j.Results) // want GO101 "plain check of j.finished"
	}
}

func (j *Job) Finished() bool { return j.finished }

// Hub is the process-wide event hub.
type Hub struct {
	stopped bool
	quit    chan struct{}
}

var global = &Hub{quit: make(chan struct{})}

func stopHub() {
	if !global.stopped {
		global.stopped = true
		close(global.quit) // want GO101 "plain check of global.stopped"
	}
}

// Conn is a client connection.
type Conn struct {
	mu     sync.Mutex
	closed bool
	done   chan struct{}
	rdone  chan struct{}
}

// Close closes the connection; a second call returns errClosed.
func (c *Conn) Close() error {
	if c.closed {
		return errClosed
	}
	c.closed = true
	close(c.done) // want GO101 "plain check of c.closed"
	return nil
}

// Must NOT trigger: the early-return check and the set both run under c.mu, so only one caller gets past them.
func (c *Conn) closeRead() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errClosed
	}
	c.closed = true
	close(c.rdone)
	return nil
}

// Must NOT trigger: the check and the set are atomic under c.mu; the close runs after the unlock.
func (c *Conn) closeWrite() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errClosed
	}
	c.closed = true
	c.mu.Unlock()
	close(c.done)
	return nil
}

// The flag check and set run under c.mu even though the close follows the unlock: safe today.
func (c *Conn) abort() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		c.mu.Unlock()
		close(c.done) // want GO101 "under c.mu.Lock()"
		return
	}
	c.mu.Unlock()
}

// Manager supervises workers.
type Manager struct {
	cancel     func()
	shutdownCh chan struct{}
	events     chan string
	stopping   int32
}

// Shutdown stops every worker.
func (m *Manager) Shutdown() {
	m.cancel()
	close(m.shutdownCh) // want GO101 "a second call to Shutdown panics"
}

// Stop closes the event stream.
func (m *Manager) Stop() error {
	if err := m.flush(); err != nil {
		close(m.events) // want GO101 "Stop closes m.events without a guard"
		return err
	}
	return nil
}

func (m *Manager) flush() error { return nil }

// Must NOT trigger: a teardown close behind a state check (not an error check) is guarded.
type wantConn struct {
	mu    sync.Mutex
	ready chan struct{}
	conn  *Conn
	err   error
}

func (w *wantConn) cancel(err error) {
	w.mu.Lock()
	if w.conn == nil && w.err == nil {
		close(w.ready)
	}
	w.err = err
	w.mu.Unlock()
}

// Trigger fires once per arming.
type Trigger struct {
	fired bool
	c     chan struct{}
}

// Fire wakes the waiters of the current arming.
func (t *Trigger) Fire() {
	if !t.fired {
		t.fired = true
		close(t.c) // want GO101 "plain check of t.fired"
	}
}

// Reset re-arms the trigger: a sync.Once could not be re-armed, so Fire gets no fix.
func (t *Trigger) Reset() {
	t.fired = false
	t.c = make(chan struct{})
}

// Pair closes two channels behind one flag.
type Pair struct {
	closed bool
	in     chan int
	out    chan int
}

func (p *Pair) closeBoth() {
	if !p.closed {
		p.closed = true
		close(p.in)  // want GO101 "close(p.in)"
		close(p.out) // want GO101 "close(p.out)"
	}
}

// Gate has an else branch in its guard, so it gets no fix.
type Gate struct {
	open  bool
	ready chan struct{}
}

func (g *Gate) openOnce() {
	if !g.open {
		g.open = true
		close(g.ready) // want GO101
	} else {
		log.Print("gate already open")
	}
}

// Must NOT trigger: the guard is an atomic compare-and-swap.
type Pool struct {
	closed atomic.Bool
	state  int32
	ch     chan struct{}
	idle   chan struct{}
}

// Close is safe to call twice.
func (p *Pool) Close() {
	if p.closed.CompareAndSwap(false, true) {
		close(p.ch)
	}
}

func (p *Pool) drain() {
	if atomic.CompareAndSwapInt32(&p.state, 0, 1) {
		close(p.idle)
	}
}

// Must NOT trigger: an early return on an atomic swap guards the close.
func (p *Pool) Shutdown() {
	if !atomic.CompareAndSwapInt32(&p.state, 1, 2) {
		return
	}
	close(p.idle)
}

// Must NOT trigger: the close runs inside sync.Once.Do.
type Latch struct {
	once sync.Once
	ch   chan struct{}
	set  bool
}

func (l *Latch) Release() { l.once.Do(func() { close(l.ch) }) }

func (l *Latch) release2() {
	l.once.Do(func() {
		if !l.set {
			l.set = true
			close(l.ch)
		}
	})
}

// Must NOT trigger: the channel is made in this function, whose goroutine is its only owner.
type Runner struct {
	started bool
	ready   chan struct{}
	done    chan struct{}
}

func (r *Runner) restart() {
	r.ready = make(chan struct{})
	if !r.started {
		r.started = true
		close(r.ready)
	}
}

// Stop creates and closes its own channel.
func (r *Runner) Stop() {
	r.done = make(chan struct{})
	close(r.done)
}

// Must NOT trigger: defer close(out) in the producer that owns the sending side.
type Generator struct {
	out chan int
}

func (g *Generator) produce(n int) {
	defer close(g.out)
	for i := 0; i < n; i++ {
		g.out <- i
	}
}

// Close drains the generator; the deferred close is the producer's own.
func (g *Generator) Close() {
	defer close(g.out)
	log.Print("draining")
}

// Must NOT trigger: a local channel has a single owner.
func localFlag() {
	done := false
	ch := make(chan int)
	if !done {
		done = true
		close(ch)
	}
}

// Must NOT trigger: a nil check under the caller's lock guards the teardown close.
type Ticker struct {
	mu sync.Mutex
	c  chan struct{}
}

// Stop stops the ticker.
func (t *Ticker) Stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.c != nil {
		close(t.c)
		t.c = nil
	}
}

// Must NOT trigger: closing in a method that is not a teardown, without a guard.
type Worker struct {
	results chan int
}

func (w *Worker) finishBatch() { close(w.results) }

// Must NOT trigger: the flag is read through an atomic load, not a plain field read.
type Flagged struct {
	done atomic.Bool
	ch   chan struct{}
}

func (f *Flagged) finish() {
	if !f.done.Load() {
		f.done.Store(true)
		close(f.ch)
	}
}

// Feed already has the Once field that an earlier fix added for another close site.
type Feed struct {
	closed      bool
	updates     chan int
	updatesOnce sync.Once
}

func (f *Feed) end() {
	if !f.closed {
		f.closed = true
		close(f.updates) // want GO101 "plain check of f.closed"
	}
}

// Dual closes one of two channels behind one flag: a Once per channel would close both, so there is no fix.
type Dual struct {
	stopped bool
	a       chan struct{}
	b       chan struct{}
}

func (d *Dual) stopA() {
	if !d.stopped {
		d.stopped = true
		close(d.a) // want GO101 "plain check of d.stopped"
	}
}

func (d *Dual) stopB() {
	if !d.stopped {
		d.stopped = true
		close(d.b) // want GO101 "plain check of d.stopped"
	}
}
