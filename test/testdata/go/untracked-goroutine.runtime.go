package runtime

// Package sync imports runtime, so a fix that adds a sync.WaitGroup here would create an import cycle: no fix.
type Scavenger struct {
	stop chan struct{}
	work chan int
}

func (s *Scavenger) Start() {
	go s.loop() // want GO402
}

func (s *Scavenger) loop() {
	for {
		select {
		case <-s.stop:
			return
		case n := <-s.work:
			_ = n
		}
	}
}

func (s *Scavenger) Stop() {
	close(s.stop)
}
