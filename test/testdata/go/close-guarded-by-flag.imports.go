package stream

import "log"

// Stream delivers events until Done is closed.
type Stream struct {
	Done    chan struct{}
	stopped bool
	events  chan string
}

func (s *Stream) stop() {
	if !s.stopped {
		s.stopped = true
		log.Print("stopping stream")
		close(s.Done) // want GO101 "plain check of s.stopped"
	}
}

// abort is called from the watchdog goroutine.
func (s *Stream) abort() {
	select {
	case <-s.Done:
	default:
		close(s.Done) // want GO101 "select probe of s.Done"
	}
}

// Remote is declared in another file of the package, so there is no struct to add a field to.
func (r *Remote) hangUp() {
	if !r.hungUp {
		r.hungUp = true
		close(r.lines) // want GO101 "plain check of r.hungUp"
	}
}
