package httptest

import "net/http"

// Must NOT trigger: the httptest package builds servers for tests.
type Server struct {
	Config *http.Server
}

func NewUnstartedServer(handler http.Handler) *Server {
	return &Server{
		Config: &http.Server{Handler: handler},
	}
}
