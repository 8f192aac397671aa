package worker

import (
	"context"
	"log"
	"time"
)

type Worker struct {
	jobs chan string
	done chan struct{}
}

// The context is handed to a goroutine: the assisted fixes keep the cancel on the struct (adding a field) or defer it.
func (w *Worker) Start(parent context.Context) {
	ctx, _ := context.WithCancel(parent) // want GO407 "discarded"
	go w.loop(ctx)
}

func (w *Worker) loop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			close(w.done)
			return
		case j := <-w.jobs:
			log.Print(j)
		}
	}
}

// A var declaration.
func (w *Worker) Flush(parent context.Context) {
	var ctx, cancel = context.WithTimeout(parent, time.Second) // want GO407 "cancel is never called"
	select {
	case <-ctx.Done():
	case w.jobs <- "flush":
	}
}

// The context is captured by a function value that runs later.
func (w *Worker) Later(parent context.Context) func() {
	ctx, _ := context.WithTimeout(parent, time.Minute) // want GO407
	return func() {
		<-ctx.Done()
	}
}
