package api

import (
	"fmt"
	"net/http"
	"strings"
)

type config struct {
	APIKey       string
	Token        string
	AdminPass    string
	WebhookToken string
}

type server struct {
	cfg      config
	secret   string
	tokens   map[string]string
	authType string
}

func deny(w http.ResponseWriter) { http.Error(w, "forbidden", http.StatusForbidden) }

// A header compared directly with a configured API key.
func (s *server) requireKey(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("X-API-Key") != s.cfg.APIKey { // want GO802 "compares a secret with a request value in variable time"
		deny(w)
		return false
	}
	return true
}

// A bearer token read into a local first, then compared with ==.
func (s *server) bearer(r *http.Request) bool {
	got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	return got == s.cfg.Token // want GO802 "got == s.cfg.Token"
}

// The expected header value built from config with fmt.Sprintf.
func (s *server) bearerHeader(r *http.Request) bool {
	want := fmt.Sprintf("Bearer %s", s.cfg.Token)
	return r.Header.Get("Authorization") == want // want GO802
}

// A query parameter against a per-user token map, and a form value against a password.
func (s *server) login(r *http.Request) bool {
	user := r.URL.Query().Get("user")
	if r.URL.Query().Get("token") == s.tokens[user] { // want GO802
		return true
	}
	return r.FormValue("password") == s.cfg.AdminPass // want GO802
}

// Basic auth: the password half of r.BasicAuth() against the configured one.
func (s *server) basic(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	return ok && user == "admin" && pass == s.cfg.AdminPass // want GO802 "pass == s.cfg.AdminPass"
}

// A webhook signature header against a computed signature whose name says nothing.
func (s *server) webhook(r *http.Request, expected string) bool {
	return expected != r.Header.Get("X-Hub-Signature-256") // want GO802
}

// gin-style context.
type ginContext interface{ GetHeader(string) string }

func checkGin(c ginContext, secret string) bool {
	return c.GetHeader("X-Webhook-Token") == secret // want GO802
}

// Must NOT trigger: emptiness checks.
func (s *server) present(r *http.Request) bool {
	token := r.Header.Get("Authorization")
	if token == "" {
		return false
	}
	return s.secret != ""
}

// Must NOT trigger: already constant-time (subtle.ConstantTimeCompare / hmac.Equal are calls, not ==).
func (s *server) fine(r *http.Request) bool {
	return constantTimeEqual(r.Header.Get("X-API-Key"), s.cfg.APIKey)
}

func constantTimeEqual(a, b string) bool { return len(a) == len(b) }

// Must NOT trigger: scheme and type names compared with literals or with each other.
func (s *server) scheme(r *http.Request) bool {
	authType := strings.SplitN(r.Header.Get("Authorization"), " ", 2)[0]
	if authType == "basic" {
		return true
	}
	return r.Header.Get("X-Auth-Type") == s.authType
}

// Must NOT trigger: a non-secret header compared with a non-secret value.
func (s *server) version(r *http.Request, want string) bool {
	return r.Header.Get("X-Client-Version") == want
}

// Must NOT trigger: two secrets compared with each other, neither from the request.
func (s *server) rotated(old config) bool {
	return old.Token == s.cfg.Token
}
