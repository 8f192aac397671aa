package store

import (
	"database/sql"
	"log"
)

// Open is the only user of the log package: the safe fix must drop the import, or the package stops compiling.
func Open(dsn string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		log.Fatalf("open %s: %v", dsn, err) // want GO403 "library package store"
	}
	return db, nil
}
