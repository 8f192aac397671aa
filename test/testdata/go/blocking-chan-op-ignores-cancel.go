package probe

import (
	"context"
	"time"
)

type Result struct{ OK bool }

func probe() Result { return Result{OK: true} }

// Positive: the send in the tick case blocks forever once the reader has exited on ctx.Done.
func Run(ctx context.Context, tick *time.Ticker, out chan<- Result) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			out <- probe() // want GO406 "send on out ignores ctx.Done()"
		}
	}
}

type Pauser struct {
	pause  chan struct{}
	resume chan struct{}
	quit   chan struct{}
	events chan string
}

// Positive: a bare receive inside a case body, and a send after the select, on a method with a quit field.
func (p *Pauser) loop() {
	for {
		select {
		case <-p.quit:
			return
		case <-p.pause:
			<-p.resume // want GO406 "receive from p.resume ignores p.quit"
		}
		p.events <- "tick" // want GO406 "send on p.events"
	}
}

// Positive: two sends with aligned trailing comments.
func (p *Pauser) relay() {
	for {
		select {
		case <-p.quit:
			return
		case <-p.pause:
		}
		p.events <- "a"   // want GO406 "send on p.events"
		p.events <- "bcd" // want GO406 "send on p.events"
	}
}

// Positive: inside a goroutine's func literal.
func Start(ctx context.Context, in <-chan int, out chan<- int) {
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case v := <-in:
				if v > 0 {
					out <- v * 2 // want GO406
				}
			}
		}
	}()
}

// Positive with an assisted fix: named results make the bare return hand back their current values.
func drain(ctx context.Context, in <-chan int, acks chan<- int) (n int) {
	for {
		select {
		case <-ctx.Done():
			return
		case v := <-in:
			n += v
			acks <- n // want GO406 "acks"
		}
	}
}

// Positive without a fix: unnamed results.
func collect(ctx context.Context, in <-chan int, progress chan<- int) []int {
	var all []int
	for {
		select {
		case <-ctx.Done():
			return all
		case v := <-in:
			all = append(all, v)
			progress <- len(all) // want GO406 "progress"
		}
	}
}

// Must NOT trigger: the operation is itself a select case.
func forward(ctx context.Context, in <-chan int, out chan<- int) {
	for {
		select {
		case <-ctx.Done():
			return
		case v := <-in:
			select {
			case out <- v:
			case <-ctx.Done():
				return
			}
		}
	}
}

// Must NOT trigger: a send inside a select that has a default case.
func offer(ctx context.Context, tick <-chan time.Time, out chan<- int) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			select {
			case out <- 1:
			default:
			}
		}
	}
}

// Must NOT trigger: one send into a buffered(1) result channel made here.
func fetch(ctx context.Context, work func() error) error {
	res := make(chan error, 1)
	go func() {
		res <- work()
	}()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-res:
			return err
		}
	}
}

// Must NOT trigger: receiving from the cancellation channel itself.
func wait(ctx context.Context, ready <-chan struct{}) {
	for {
		select {
		case <-ready:
			return
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
		<-ctx.Done()
	}
}

// Must NOT trigger: the function never selects on a cancellation channel.
func pump(in <-chan int, out chan<- int) {
	for v := range in {
		out <- v
	}
}

// Must NOT trigger: the send reports the cancellation itself.
func watch(ctx context.Context, errs chan<- error, tick <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			errs <- ctx.Err()
			return
		case <-tick:
		}
	}
}

// Must NOT trigger: releasing a channel semaphore this function filled.
func limited(ctx context.Context, sem chan struct{}, jobs []func()) {
	for _, job := range jobs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		job()
		<-sem
	}
}

// Must NOT trigger: a one-shot watcher reports once to a caller that waits for it.
func interrupt(ctx context.Context, done <-chan struct{}, res chan<- error) {
	select {
	case <-ctx.Done():
	case <-done:
	}
	res <- ctx.Err()
}
