package main

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"
)

func main() {
	http.HandleFunc("/", index)
	// want GO601 "http.ListenAndServe serves with no read timeouts"
	go http.ListenAndServe(":9090", nil)
	// want GO601 "ListenAndServe"
	log.Fatal(http.ListenAndServe(":8080", mux()))
}

func serveTLS(addr string, h http.Handler) error {
	return http.ListenAndServeTLS(addr, "cert.pem", "key.pem", h) // want GO601
}

func serveListener(l net.Listener, h http.Handler) error {
	if err := http.Serve(l, h); err != nil { // want GO601 "http.Serve"
		return err
	}
	return http.ServeTLS(l, h, "cert.pem", "key.pem") // want GO601 "http.ServeTLS"
}

func newServer(addr string, h http.Handler) *http.Server {
	// want GO601 "no ReadHeaderTimeout or ReadTimeout"
	return &http.Server{
		Addr:    addr,
		Handler: h, // the router
	}
}

func inlineServer(h http.Handler) error {
	srv := http.Server{Addr: ":8443", Handler: h} // want GO601 "ReadHeaderTimeout"
	return srv.ListenAndServe()
}

func emptyServer() *http.Server {
	return &http.Server{} // want GO601
}

type app struct {
	srv *http.Server
}

func (a *app) start(h http.Handler) {
	// want GO601
	a.srv = &http.Server{
		Addr:           ":8080",
		Handler:        h,
		MaxHeaderBytes: 1 << 20,
		// Writes may take long: large downloads.
		WriteTimeout: 0,
	}
	go a.srv.ListenAndServe()
}

func ginMain() {
	r := gin.Default()
	r.GET("/ping", func(c *gin.Context) { c.String(200, "pong") })
	r.Run(":8080") // want GO601 "r.Run serves through a bare http.Server"
}

func echoMain() error {
	e := echo.New()
	return e.Start(":1323") // want GO601 "e.Start"
}

func fetch(url string) (*http.Response, error) {
	return http.Get(url) // want GO601 "http.Get uses http.DefaultClient"
}

func post(url string, body io.Reader) (*http.Response, error) {
	return http.DefaultClient.Post(url, "application/json", body) // want GO601 "http.DefaultClient.Post has no timeout"
}

func defaultDo(ctx context.Context, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(req) // want GO601 "relies on the request's context"
}

func clientWithoutTimeout(url string) error {
	// want GO601 "sends requests without a context"
	client := &http.Client{
		Transport: http.DefaultTransport,
	}
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

func clientGet(url string) error {
	c := http.Client{} // want GO601 "no Timeout"
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// A client whose requests all carry a context: reported at info, the timeout offered as an assisted fix.
func clientWithContext(ctx context.Context, url string) error {
	c := &http.Client{Transport: http.DefaultTransport} // want GO601 "relies on the requests' contexts"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// Must NOT trigger: a server with ReadHeaderTimeout.
func goodServer(h http.Handler) *http.Server {
	return &http.Server{Addr: ":9090", Handler: h, ReadHeaderTimeout: 5 * time.Second}
}

// Must NOT trigger: ReadTimeout bounds the headers too.
func readTimeoutServer(h http.Handler) *http.Server {
	return &http.Server{
		Addr:        ":9090",
		Handler:     h,
		ReadTimeout: 30 * time.Second,
	}
}

// Must NOT trigger: the timeout is assigned after the literal.
func laterTimeout(h http.Handler) error {
	srv := &http.Server{Addr: ":9090", Handler: h}
	srv.ReadHeaderTimeout = 10 * time.Second
	return srv.ListenAndServe()
}

// Must NOT trigger: a client with a Timeout, even an explicit zero with a comment (timeouts are per request).
func goodClients(url string) {
	a := &http.Client{Timeout: 10 * time.Second}
	a.Get(url)
	b := &http.Client{
		Timeout: 0, // per-request deadlines come from the callers' contexts
	}
	b.Get(url)
}

// Must NOT trigger: a client that sends nothing in this function (it is handed to the caller).
func newClient() *http.Client {
	c := &http.Client{Transport: http.DefaultTransport}
	return c
}

// Must NOT trigger: httptest servers.
func testServer(h http.Handler) *httptest.Server {
	s := httptest.NewUnstartedServer(h)
	s.Config = &http.Server{Handler: h}
	return s
}

// Must NOT trigger: exec.Cmd.Run and a Start of something that is not an echo instance.
func runTool() error {
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		return err
	}
	return cmd.Run()
}

// Must NOT trigger: the echo server's timeouts are set before Start.
func echoWithTimeouts() error {
	e := echo.New()
	e.Server.ReadHeaderTimeout = 5 * time.Second
	return e.Start(":1323")
}

func index(w http.ResponseWriter, r *http.Request) {}

func mux() http.Handler { return http.NewServeMux() }

// Must NOT trigger: the transport built in place bounds the wait for the response headers.
func transportTimeout(source string) error {
	client := &http.Client{
		Transport: &http.Transport{
			ResponseHeaderTimeout: 30 * time.Second,
			Proxy:                 http.ProxyFromEnvironment,
		},
	}
	resp, err := client.Get(source)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
