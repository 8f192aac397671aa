package legacy

import "time"

type Options struct {
	SyncInterval time.Duration
}

// max predates the Go 1.21 builtin here, so the fix cannot use max(…).
func max(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// Positive with an assisted fix: a default is inserted before the statement.
func syncLoop(opts Options, sync func()) {
	t := time.NewTicker(opts.SyncInterval) // want GO901 "opts.SyncInterval"
	defer t.Stop()
	for range t.C {
		sync()
	}
}

// Positive with no fix: the interval is an expression that cannot be assigned.
func backoff(opts *Options, attempt int) *time.Ticker {
	return time.NewTicker(opts.SyncInterval * time.Duration(attempt)) // want GO901
}
