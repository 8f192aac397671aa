package monitor

import (
	"context"
	"log"
	"net"
	"net/http"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"
)

type Instance struct {
	Name string
	Addr string
}

// Service watches instances; Stop cancels, but nothing waits for the goroutines.
type Service struct {
	ctx       context.Context
	cancel    context.CancelFunc
	instances []*Instance
	updates   chan string
	quit      chan struct{}
	stopped   atomic.Bool
}

func (s *Service) Start() {
	// A callee that loops forever with no cancellation path.
	go s.poll() // want GO402 "the goroutine running s.poll runs until the process exits"
	// Cancellable through s.ctx, but Stop does not wait.
	go s.handleHealthStatus(s.ctx) // want GO402 "Stop returns before the goroutine running s.handleHealthStatus exits"
	for _, inst := range s.instances {
		// A loop variable is passed as an argument, so it is still evaluated at the go statement.
		go s.monitorInstance(inst, 10*time.Second) // want GO402
	}
	// A func literal ranging over a channel that Stop closes.
	go func() { // want GO402 "Stop returns before this goroutine exits"
		for u := range s.updates {
			log.Print(u)
		}
	}()
	// A loop condition on a flag that Stop sets.
	go func() { // want GO402 "Stop returns before"
		for !s.stopped.Load() {
			time.Sleep(time.Second)
		}
	}()
}

func (s *Service) poll() {
	for {
		time.Sleep(time.Minute)
		log.Print("poll")
	}
}

func (s *Service) handleHealthStatus(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Service) monitorInstance(inst *Instance, every time.Duration) {
	for {
		select {
		case <-s.quit:
			return
		case <-time.After(every):
			log.Printf("checking %s", inst.Name)
		}
	}
}

func (s *Service) Stop() {
	s.cancel()
	s.stopped.Store(true)
	close(s.updates)
	close(s.quit)
}

// Must NOT trigger: tracked goroutines (Add before go, Done inside, or a callee that defers Done).
type Pool struct {
	wg      sync.WaitGroup
	jobs    chan func()
	workers int
}

func (p *Pool) Start() {
	for i := 0; i < p.workers; i++ {
		p.wg.Add(1)
		go p.worker(i)
	}
	go func() {
		defer p.wg.Done()
		for job := range p.jobs {
			job()
		}
	}()
	go p.drain()
}

func (p *Pool) worker(id int) {
	defer p.wg.Done()
	for job := range p.jobs {
		job()
	}
}

func (p *Pool) drain() {
	defer p.wg.Done()
	for range p.jobs {
	}
}

func (p *Pool) Close() {
	close(p.jobs)
	p.wg.Wait()
}

// Must NOT trigger: a server wrapper whose Stop shuts the server down.
type API struct {
	srv *http.Server
	ln  net.Listener
}

func (a *API) Start() {
	go func() {
		if err := a.srv.Serve(a.ln); err != nil && err != http.ErrServerClosed {
			log.Printf("api: %v", err)
		}
	}()
}

func (a *API) Shutdown(ctx context.Context) error { return a.srv.Shutdown(ctx) }

// Must NOT trigger: one-shot result goroutines and waiter helpers.
type Runner struct {
	cmd  *exec.Cmd
	done chan error
	wg   interface{ Wait() }
}

func (r *Runner) Start() error {
	if err := r.cmd.Start(); err != nil {
		return err
	}
	go func() { r.done <- r.cmd.Wait() }()
	return nil
}

func (r *Runner) Halt() {
	finished := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(finished)
	}()
	<-finished
}

// Must NOT trigger: goroutines in a type without a teardown method (GO401 covers their leaks).
type Ticker struct{ n int }

func (t *Ticker) Run() {
	go func() {
		for {
			time.Sleep(time.Second)
			t.n++
		}
	}()
}

// Must NOT trigger: a goroutine the teardown method starts for itself.
type Conn struct {
	closed  bool
	streams int
	ping    chan struct{}
}

func (c *Conn) Shutdown(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		for c.streams > 0 {
			time.Sleep(10 * time.Millisecond)
		}
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Must NOT trigger: a select without a loop that sends its outcome is a one-shot result goroutine.
func (c *Conn) Handshake(ctx context.Context) error {
	res := make(chan error, 1)
	go func() {
		select {
		case <-ctx.Done():
			res <- ctx.Err()
		case <-c.ping:
			res <- nil
		}
	}()
	return <-res
}

// A loop that returns once a field Shutdown writes is set: cancellable, so info.
func (c *Conn) Keepalive() {
	go c.keepalive() // want GO402 "Close returns before the goroutine running c.keepalive exits"
}

func (c *Conn) keepalive() {
	for {
		time.Sleep(time.Second)
		if c.closed {
			return
		}
		c.ping <- struct{}{}
	}
}

func (c *Conn) Close() error {
	c.closed = true
	return nil
}
