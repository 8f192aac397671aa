package transport

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"net/http"
	"time"
)

type timeoutRT struct {
	next http.RoundTripper
	d    time.Duration
}

// Positive: the response's body reads from ctx after RoundTrip returns.
func (t *timeoutRT) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(r.Context(), t.d)
	defer cancel() // want GO405 "context canceled"
	return t.next.RoundTrip(r.WithContext(ctx))
}

// Positive: the response comes from a request built with ctx, through two assignments.
func fetch(client *http.Client, url string) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel() // want GO405 "*http.Response"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// Positive: a body returned as an io.ReadCloser.
func open(ctx context.Context, client *http.Client, url string) (io.ReadCloser, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // want GO405 "io.ReadCloser"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// Positive without a fix: rows read from ctx on every Next.
func query(db *sql.DB, q string) (*sql.Rows, error) {
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(time.Minute))
	defer cancel() // want GO405 "*sql.Rows"
	return db.QueryContext(ctx, q)
}

// Positive: a func literal that implements a round tripper.
var wrap = func(next http.RoundTripper) roundTripperFunc {
	return func(r *http.Request) (*http.Response, error) {
		ctx, stop := context.WithTimeout(r.Context(), time.Second)
		defer stop() // want GO405 "defer stop()"
		return next.RoundTrip(r.WithContext(ctx))
	}
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

// Must NOT trigger: the body is fully read before return, and a buffer is returned instead.
func fetchAll(client *http.Client, url string) (io.ReadCloser, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// Must NOT trigger: the response's body was drained before the response is returned.
func probe(client *http.Client, req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), time.Second)
	defer cancel()
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp, nil
}

// Must NOT trigger: cancel is handed to a wrapper whose Close calls it.
func (t *timeoutRT) wrapped(r *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(r.Context(), t.d)
	resp, err := t.next.RoundTrip(r.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = bodyCloser{resp.Body, cancel}
	return resp, nil
}

// Must NOT trigger: cancel is returned to the caller.
func withCancel(client *http.Client, r *http.Request) (*http.Response, context.CancelFunc, error) {
	ctx, cancel := context.WithCancel(r.Context())
	resp, err := client.Do(r.WithContext(ctx))
	return resp, cancel, err
}

// Must NOT trigger: the result does not depend on ctx.
func cached(c map[string]*http.Response, key string) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	warm(ctx)
	return c[key], nil
}

// Must NOT trigger: the function returns no stream.
func status(client *http.Client, url string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodHead, url, nil)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func warm(ctx context.Context) {}

type bodyCloser struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b bodyCloser) Close() error {
	defer b.cancel()
	return b.ReadCloser.Close()
}
