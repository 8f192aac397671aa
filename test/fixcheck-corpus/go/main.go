// Command inventory serves the stock catalogue over HTTP, keeps a read-through
// cache of items in front of the database, and refreshes low-stock items in
// the background.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"time"

	"example.com/inventory/internal/catalog"
	"example.com/inventory/internal/store"
	"example.com/inventory/internal/worker"
)

func main() {
	addr := flag.String("addr", ":8080", "HTTP listen address")
	metricsAddr := flag.String("metrics", ":9090", "metrics listen address")
	driver := flag.String("driver", "sqlite", "database/sql driver name")
	dsn := flag.String("db", "inventory.db", "data source name")
	flag.Parse()

	if err := run(*addr, *metricsAddr, *driver, *dsn); err != nil {
		log.Fatal(err)
	}
}

func run(addr, metricsAddr, driver, dsn string) error {
	st, err := store.Open(driver, dsn)
	if err != nil {
		return err
	}
	defer st.Close()

	cache := catalog.New(st.LoadItem, 5*time.Minute)
	poller := worker.NewPoller(st, cache, 30*time.Second, log.Printf)
	poller.Start()
	defer poller.Stop()

	go worker.ReportEvery(time.Minute, cache, log.Default())

	mux := http.NewServeMux()
	mux.Handle("/items/", catalog.Handler(cache))
	srv := &http.Server{
		Addr:              addr,
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
	}

	metricsMux := http.NewServeMux()
	metricsMux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		s := cache.Stats()
		fmt.Fprintf(w, "items %d\nhits %d\nmisses %d\n", s.Items, s.Hits, s.Misses)
	})
	go func() {
		if err := http.ListenAndServe(metricsAddr, metricsMux); err != nil {
			log.Fatalf("metrics listener: %v", err)
		}
	}()

	errCh := make(chan error, 1)
	go func() {
		errCh <- srv.ListenAndServe()
	}()

	quit := make(chan os.Signal, 1)
	signal.Notify(quit, os.Interrupt)
	select {
	case err := <-errCh:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http server: %w", err)
		}
		return nil
	case <-quit:
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("draining connections: %w", err)
	}
	return nil
}
