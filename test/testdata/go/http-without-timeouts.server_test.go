package api

import (
	"net/http"
	"testing"
)

// Must NOT trigger: test files start servers and call http.Get freely.
func TestServe(t *testing.T) {
	go http.ListenAndServe(":0", nil)
	srv := &http.Server{Addr: ":0"}
	_ = srv
	resp, err := http.Get("http://localhost:0/")
	if err == nil {
		resp.Body.Close()
	}
}
