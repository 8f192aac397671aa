package worker

import "sync"

// Pool runs a fixed number of goroutines that execute submitted jobs. Stop
// waits for every running job to finish.
type Pool struct {
	jobs     chan func()
	quit     chan struct{}
	quitOnce sync.Once
	wg       sync.WaitGroup
}

// NewPool starts n workers.
func NewPool(n int) *Pool {
	p := &Pool{jobs: make(chan func()), quit: make(chan struct{})}
	for i := 0; i < n; i++ {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.work()
		}()
	}
	return p
}

func (p *Pool) work() {
	for {
		select {
		case <-p.quit:
			return
		case job := <-p.jobs:
			job()
		}
	}
}

// Submit hands job to an idle worker. It returns false once the pool is
// stopped.
func (p *Pool) Submit(job func()) bool {
	select {
	case p.jobs <- job:
		return true
	case <-p.quit:
		return false
	}
}

// Stop tells the workers to exit and waits for them. It may be called more
// than once.
func (p *Pool) Stop() {
	p.quitOnce.Do(func() { close(p.quit) })
	p.wg.Wait()
}
