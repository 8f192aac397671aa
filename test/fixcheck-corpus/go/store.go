// Package store keeps inventory items in a SQL database and imports seed
// snapshots from JSON files. The database/sql driver is linked in by the
// binary that uses the package.
package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"time"
)

// ErrNotFound is returned for a SKU the database does not hold.
var ErrNotFound = errors.New("store: item not found")

// Item is one stock-keeping unit and its current count.
type Item struct {
	SKU   string `json:"sku"`
	Name  string `json:"name"`
	Stock int    `json:"stock"`
}

// Store is a handle on the inventory database, safe for concurrent use.
type Store struct {
	db *sql.DB
}

// Open connects to the database and checks that it answers.
func Open(driver, dsn string) (*Store, error) {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dsn, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: ping %s: %w", dsn, err)
	}
	return &Store{db: db}, nil
}

// Close releases the connection pool.
func (s *Store) Close() error {
	return s.db.Close()
}

// LoadItem reads one item by SKU.
func (s *Store) LoadItem(ctx context.Context, sku string) (Item, error) {
	var it Item
	err := s.db.QueryRowContext(ctx,
		`SELECT sku, name, stock FROM items WHERE sku = ?`, sku,
	).Scan(&it.SKU, &it.Name, &it.Stock)
	if errors.Is(err, sql.ErrNoRows) {
		return Item{}, ErrNotFound
	}
	return it, err
}

// AllItems reads the whole catalogue, ordered by SKU.
func (s *Store) AllItems(ctx context.Context) ([]Item, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT sku, name, stock FROM items ORDER BY sku`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		var it Item
		if err := rows.Scan(&it.SKU, &it.Name, &it.Stock); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// LowStock reads the items whose stock is below threshold.
func (s *Store) LowStock(ctx context.Context, threshold int) ([]Item, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT sku, name, stock FROM items WHERE stock < ? ORDER BY stock`, threshold)
	if err != nil {
		return nil, err
	}
	var out []Item
	for rows.Next() {
		var it Item
		if err := rows.Scan(&it.SKU, &it.Name, &it.Stock); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// ImportSnapshot loads a JSON array of items from path and upserts them in
// one transaction. It returns the number of items written.
func (s *Store) ImportSnapshot(ctx context.Context, path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()

	var items []Item
	if err := json.NewDecoder(f).Decode(&items); err != nil {
		log.Fatalf("store: corrupt snapshot %s: %v", path, err)
	}

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	for _, it := range items {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO items (sku, name, stock) VALUES (?, ?, ?)
			 ON CONFLICT (sku) DO UPDATE SET name = excluded.name, stock = excluded.stock`,
			it.SKU, it.Name, it.Stock); err != nil {
			return 0, fmt.Errorf("store: import %s: %w", it.SKU, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return len(items), nil
}
