package monitor

import (
	"log"
	"time"
)

const defaultInterval = 30 * time.Second

// Config is loaded from YAML; "0s" parses as a valid duration.
type Config struct {
	CheckInterval time.Duration
	PingInterval  time.Duration
	RetryInterval time.Duration
	FlushEvery    time.Duration
	QueueSize     int
	Workers       int
	Rate          int
}

type Service struct {
	cfg      Config
	interval time.Duration
	ticker   *time.Ticker
}

func (s *Service) check() {}

// Positive: a config field straight into NewTicker.
func (s *Service) Run(cfg Config) {
	t := time.NewTicker(cfg.CheckInterval) // want GO901 "non-positive interval"
	defer t.Stop()
	for range t.C {
		s.check()
	}
}

// Positive: a config field reached through the receiver, inside a nested block.
func (s *Service) pinger(done <-chan struct{}) {
	for {
		if s.ticker == nil {
			s.ticker = time.NewTicker(s.cfg.PingInterval) // want GO901 "s.cfg.PingInterval is zero or negative"
		}
		select {
		case <-done:
			return
		case <-s.ticker.C:
		}
	}
}

// Positive: time.Tick on a parameter returns a nil channel for d <= 0.
func Heartbeat(every time.Duration, beat func()) {
	for range time.Tick(every) { // want GO901 "nil channel"
		beat()
	}
}

// Positive: a local computed from configuration in one step, then Reset on a ticker.
func (s *Service) retune(cfg *Config) {
	interval := time.Second / time.Duration(cfg.Rate)
	s.ticker.Reset(interval) // want GO901 "Ticker.Reset panics"
}

// Positive: a parameter inside a goroutine's func literal.
func StartFlusher(flushEvery time.Duration, flush func()) {
	go func() {
		t := time.NewTicker(flushEvery) // want GO901 "flushEvery"
		defer t.Stop()
		for range t.C {
			flush()
		}
	}()
}

// Positive (info): a channel sized by configuration with no upper bound.
func NewQueue(cfg Config) chan string {
	return make(chan string, cfg.QueueSize) // want GO901 "config-sized allocation has no upper bound"
}

// Positive (info): a slice sized by a constructor's parameter.
func NewRing(capacity int) []string {
	return make([]string, 0, capacity) // want GO901 "capacity"
}

// Must NOT trigger: constant durations.
func constant() {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	u := time.NewTicker(defaultInterval)
	defer u.Stop()
}

// Must NOT trigger: the field is compared to zero somewhere in the file (here, in the constructor).
func NewService(cfg Config) *Service {
	if cfg.RetryInterval <= 0 {
		cfg.RetryInterval = defaultInterval
	}
	return &Service{cfg: cfg}
}

func (s *Service) retry() {
	t := time.NewTicker(s.cfg.RetryInterval)
	defer t.Stop()
}

// Must NOT trigger: values wrapped in max(…).
func clamped(cfg Config) {
	t := time.NewTicker(max(cfg.CheckInterval, time.Second))
	defer t.Stop()
	d := max(cfg.PingInterval, time.Millisecond)
	u := time.NewTicker(d)
	defer u.Stop()
}

// Must NOT trigger: the parameter is validated before use.
func Poll(every time.Duration, poll func()) {
	if every < time.Millisecond {
		log.Printf("poll interval %v too small, using 1s", every)
		every = time.Second
	}
	for range time.Tick(every) {
		poll()
	}
}

// Must NOT trigger: Timer.Reset does not panic on a non-positive duration.
func rearm(timer *time.Timer, cfg Config) {
	timer.Reset(cfg.FlushEvery)
}

// Must NOT trigger: a receiver field that is neither a parameter nor a config path.
func (s *Service) loop() {
	t := time.NewTicker(s.interval)
	defer t.Stop()
}

// Must NOT trigger: a bounded constructor size.
func NewPool(workers int) []chan func() {
	if workers > 64 {
		workers = 64
	}
	return make([]chan func(), workers)
}

// Must NOT trigger: a size that is not a constructor parameter or a config field.
func buffer(n int) []byte {
	return make([]byte, n)
}
