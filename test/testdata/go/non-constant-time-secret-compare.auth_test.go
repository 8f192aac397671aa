package api

import (
	"net/http"
	"testing"
)

// Must NOT trigger: a test compares the credentials a request carries with the expected ones.
func TestBasicAuth(t *testing.T) {
	tests := []struct{ user, password string }{{"a", "b"}}
	for _, tt := range tests {
		r, _ := http.NewRequest("GET", "http://example.com/", nil)
		r.SetBasicAuth(tt.user, tt.password)
		_, password, ok := r.BasicAuth()
		if !ok || password != tt.password {
			t.Errorf("password = %q, want %q", password, tt.password)
		}
	}
}
