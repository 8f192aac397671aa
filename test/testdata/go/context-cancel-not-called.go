package fetch

import (
	"context"
	"database/sql"
	"net/http"
	"time"
)

type Client struct {
	http    *http.Client
	db      *sql.DB
	timeout time.Duration
	ctx     context.Context
	cancel  context.CancelFunc
}

// The discarded cancel of a timeout: the timer runs until the deadline.
func (c *Client) Ping(url string) error {
	ctx, _ := context.WithTimeout(context.Background(), c.timeout) // want GO407 "cancel function of context.WithTimeout is discarded"
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// A named cancel that is never called.
func (c *Client) Count(parent context.Context) (int, error) {
	ctx, stop := context.WithTimeout(parent, 2*time.Second) // want GO407 "stop is never called"
	var n int
	err := c.db.QueryRowContext(ctx, "SELECT count(*) FROM jobs").Scan(&n)
	return n, err
}

// The name cancel is taken, so the blank becomes cancel2.
func (c *Client) Both(parent context.Context, cancel func()) error {
	defer cancel()
	ctx, _ := context.WithDeadline(parent, time.Now().Add(time.Minute)) // want GO407 "WithDeadline is discarded"
	return c.db.PingContext(ctx)
}

// The Cause variants take an error.
func (c *Client) Exec(parent context.Context, q string) error {
	ctx, _ := context.WithCancelCause(parent) // want GO407
	_, err := c.db.ExecContext(ctx, q)
	return err
}

// A plain assignment gets the cancel declared before it.
func (c *Client) Refresh(url string) error {
	ctx := context.Background()
	if c.timeout > 0 {
		ctx, _ = context.WithTimeout(ctx, c.timeout) // want GO407
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// In a loop whose iteration always runs to the end, cancel at the end of each iteration.
func (c *Client) PollAll(parent context.Context, urls []string) {
	for _, u := range urls {
		ctx, cancel := context.WithTimeout(parent, c.timeout) // want GO407 "cancel is never called"
		req, _ := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
		if resp, err := c.http.Do(req); err == nil {
			resp.Body.Close()
		}
	}
}

// In a loop that can continue early, deferring is only offered as an assisted fix.
func (c *Client) PollSome(parent context.Context, urls []string) {
	for _, u := range urls {
		ctx, _ := context.WithTimeout(parent, c.timeout) // want GO407
		req, err := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
		if err != nil {
			continue
		}
		if resp, err := c.http.Do(req); err == nil {
			resp.Body.Close()
		}
	}
}

// The returned response still reads from ctx (GO405's shape): only an assisted fix.
func fetch(url string) (*http.Response, error) {
	ctx, _ := context.WithTimeout(context.Background(), 5*time.Second) // want GO407
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	return http.DefaultClient.Do(req)
}

// The context is handed to a goroutine: cancelling on return would stop it at once.
func (c *Client) StartWatch() {
	ctx, _ := context.WithCancel(context.Background()) // want GO407
	go c.watch(ctx)
}

func (c *Client) watch(ctx context.Context) {
	<-ctx.Done()
}

// In a function literal.
func (c *Client) Handler() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, _ := context.WithTimeout(r.Context(), c.timeout) // want GO407
		if err := c.db.PingContext(ctx); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
		}
	}
}

// Must NOT trigger: cancel is deferred.
func (c *Client) Deferred(parent context.Context) error {
	ctx, cancel := context.WithTimeout(parent, c.timeout)
	defer cancel()
	return c.db.PingContext(ctx)
}

// Must NOT trigger: the cancel function is stored in a struct field.
func (c *Client) Start() {
	c.ctx, c.cancel = context.WithCancel(context.Background())
}

// Must NOT trigger: stored in a field after a local binding.
func (c *Client) Restart() {
	ctx, cancel := context.WithCancel(context.Background())
	c.ctx = ctx
	c.cancel = cancel
}

// Must NOT trigger: stored in a struct literal.
func newWorker() *worker {
	ctx, cancel := context.WithCancel(context.Background())
	return &worker{ctx: ctx, stop: cancel}
}

// Must NOT trigger: returned to the caller.
func withLimit(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(parent, time.Minute)
	return ctx, cancel
}

// Must NOT trigger: a named result is returned implicitly.
func derive(parent context.Context) (ctx context.Context, cancel context.CancelFunc) {
	ctx, cancel = context.WithCancel(parent)
	return
}

// Must NOT trigger: called on every path through a defer in a func_literal.
func (c *Client) Guarded(parent context.Context) error {
	ctx, cancel := context.WithTimeout(parent, c.timeout)
	defer func() {
		cancel()
	}()
	return c.db.PingContext(ctx)
}

// Must NOT trigger: passed to another call that takes ownership.
func (c *Client) Register(parent context.Context, reg func(context.CancelFunc)) {
	_, cancel := context.WithCancel(parent)
	reg(cancel)
}

// Must NOT trigger: called directly on the error path and at the end.
func (c *Client) Direct(parent context.Context) error {
	ctx, cancel := context.WithTimeout(parent, c.timeout)
	if err := c.db.PingContext(ctx); err != nil {
		cancel()
		return err
	}
	cancel()
	return nil
}

// No fix: the binding is an if initializer, so no statement can follow it on every path.
func (c *Client) PingIf(parent context.Context) error {
	if ctx, _ := context.WithTimeout(parent, c.timeout); c.db != nil { // want GO407
		return c.db.PingContext(ctx)
	}
	return nil
}

type worker struct {
	ctx  context.Context
	stop context.CancelFunc
}
