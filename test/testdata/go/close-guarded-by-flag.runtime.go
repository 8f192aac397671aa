package runtime

// Package sync imports runtime, so the sync.Once fix would create an import cycle: report, but offer no fix.
type waiter struct {
	done   bool
	doneCh chan struct{}
}

func (w *waiter) markDone() {
	if !w.done {
		w.done = true
		close(w.doneCh) // want GO101
	}
}
