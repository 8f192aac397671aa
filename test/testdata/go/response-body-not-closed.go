package fetch

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"
)

type Client struct {
	hc    *http.Client
	cache map[string]*http.Response
	last  *http.Response
}

func backoff(i int) time.Duration { return time.Duration(i) * time.Second }

// Status reads only the status code and never closes the body.
func Status(url string) (int, error) {
	resp, err := http.Get(url) // want GO201 "resp.Body is never closed: each call leaks a connection"
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// Decode reads the body through a decoder but never closes it.
func (c *Client) Decode(req *http.Request, v any) error {
	res, err := c.hc.Do(req) // want GO201 "res.Body is never closed"
	if err != nil {
		return err
	}
	return json.NewDecoder(res.Body).Decode(v)
}

// Ping ignores the error, so the close must be guarded.
func Ping(client *http.Client, url string) bool {
	resp, _ := client.Head(url) // want GO201 "resp.Body is never closed"
	return resp != nil && resp.StatusCode == http.StatusOK
}

// Logged checks the error without leaving, so the response may be nil after it.
func Logged(url string, logf func(string, ...any)) int {
	resp, err := http.Post(url, "text/plain", nil) // want GO201
	if err != nil {
		logf("post: %v", err)
	}
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

// Retry returns a good response and retries the others, leaking every failed attempt's body.
func (c *Client) Retry(req *http.Request) (*http.Response, error) {
	for i := 0; i < 3; i++ {
		resp, err := c.hc.Do(req) // want GO201 "the loop reaches the next iteration without closing resp.Body"
		if err == nil && resp.StatusCode < 500 {
			return resp, nil
		}
		time.Sleep(backoff(i))
	}
	return nil, errors.New("giving up")
}

// RetryContinue retries on 503 with continue before the deferred close is registered.
func RetryContinue(url string) ([]byte, error) {
	for i := 0; i < 3; i++ {
		resp, err := http.Get(url) // want GO201 "the loop reaches a continue without closing resp.Body"
		if err != nil {
			continue // Must NOT count: resp is nil when err != nil.
		}
		if resp.StatusCode == http.StatusServiceUnavailable {
			time.Sleep(backoff(i))
			continue
		}
		defer resp.Body.Close()
		return io.ReadAll(resp.Body)
	}
	return nil, errors.New("giving up")
}

// Each iteration fetches a page and never closes it.
func Crawl(urls []string) (n int) {
	for _, u := range urls {
		resp, err := http.Get(u) // want GO201 "each iteration leaks"
		if err != nil {
			continue
		}
		n += int(resp.ContentLength)
	}
	return n
}

// Must NOT trigger: the single-shot form with defer resp.Body.Close().
func Body(url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// Must NOT trigger: ownership transfer by return, field, argument and channel send.
func (c *Client) Handoffs(url string, out chan<- *http.Response, consume func(*http.Response)) (*http.Response, error) {
	r1, err := c.hc.Get(url)
	if err != nil {
		return nil, err
	}
	c.last = r1
	r2, err := c.hc.Get(url)
	if err != nil {
		return nil, err
	}
	consume(r2)
	r3, err := c.hc.Get(url)
	if err != nil {
		return nil, err
	}
	out <- r3
	return c.hc.Get(url)
}

// Must NOT trigger: returned to the caller after a status check.
func Open(url string) (*http.Response, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		drainAndClose(resp.Body)
		return nil, errors.New(resp.Status)
	}
	return resp, nil
}

// Must NOT trigger: closed through a helper whose name says drain/close.
func Fire(url string) error {
	resp, err := http.Post(url, "application/json", nil)
	if err != nil {
		return err
	}
	drainAndClose(resp.Body)
	return nil
}

func drainAndClose(rc io.ReadCloser) {
	io.Copy(io.Discard, rc)
	rc.Close()
}

// Must NOT trigger: a retry loop that closes the previous body before trying again.
func RetryClosing(c *http.Client, req *http.Request) (*http.Response, error) {
	for i := 0; i < 3; i++ {
		resp, err := c.Do(req)
		if err == nil && resp.StatusCode < 500 {
			return resp, nil
		}
		if resp != nil {
			resp.Body.Close()
		}
		time.Sleep(backoff(i))
	}
	return nil, errors.New("giving up")
}

// Must NOT trigger: closed in the branch where the request succeeded.
func Probe(c *http.Client, urls []string) {
	for _, u := range urls {
		res, err := c.Get(u)
		if err != nil {
			continue
		} else {
			res.Body.Close()
		}
	}
}

// Must NOT trigger: caches, maps and headers have Get methods too.
func (c *Client) Cached(url string, h http.Header) string {
	resp, ok := c.cache[url]
	_ = resp
	_ = ok
	v, found := lookup(h, url)
	_ = found
	return v
}

func lookup(h http.Header, k string) (string, bool) { return h.Get(k), true }

// Must NOT trigger: closed in an if initializer, and in the branch where the request succeeded.
func Sizes(c *http.Client, urls []string) error {
	for _, u := range urls {
		res, err := c.Get(u)
		if err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, res.Body); err != nil {
			return err
		}
		if err := res.Body.Close(); err != nil {
			return err
		}
	}
	for _, u := range urls {
		res, err := c.Get(u)
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}
