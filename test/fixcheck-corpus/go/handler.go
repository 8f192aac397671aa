package catalog

import (
	"encoding/json"
	"errors"
	"log"
	"net/http"
	"strings"

	"example.com/inventory/internal/store"
)

// Handler serves GET /items/{sku} from the cache as JSON.
func Handler(c *Cache) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		sku := strings.TrimPrefix(r.URL.Path, "/items/")
		item, err := c.Lookup(r.Context(), sku)
		switch {
		case errors.Is(err, store.ErrNotFound):
			http.NotFound(w, r)
			return
		case err != nil:
			log.Printf("catalog: lookup %s: %v", sku, err)
			http.Error(w, "lookup failed", http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(item); err != nil {
			log.Printf("catalog: write %s: %v", sku, err)
		}
	})
}
