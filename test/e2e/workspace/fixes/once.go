package fixes

// Waiter signals completion to everyone waiting on doneCh.
type Waiter struct {
	done   bool
	doneCh chan struct{}
}

func (w *Waiter) markDone() {
	if !w.done {
		w.done = true
		close(w.doneCh)
	}
}
