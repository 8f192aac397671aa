package main

import (
	"context"
	"database/sql"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

type server struct {
	db      *sql.DB
	metrics *http.ServeMux
	logger  *log.Logger
}

func main() {
	// Must NOT trigger: start-up validation in main before any goroutine or defer exists.
	if len(os.Args) < 2 {
		log.Fatal("usage: fileserver DIR")
	}
	db, err := sql.Open("sqlite", "files.db")
	if err != nil {
		log.Fatalf("open db: %v", err)
	}
	s := &server{db: db, metrics: http.NewServeMux(), logger: log.Default()}

	// (a) in a goroutine: a busy metrics port kills the whole file server.
	go func() {
		if err := http.ListenAndServe(":9090", s.metrics); err != nil {
			log.Fatalf("metrics: %v", err) // want GO403 "log.Fatalf in a goroutine exits the whole process"
		}
	}()

	go func() {
		for range time.Tick(time.Minute) {
			if err := s.db.Ping(); err != nil {
				os.Exit(3) // want GO403 "os.Exit in a goroutine"
			}
		}
	}()

	// A logger other than the log package: its rewrite is assisted.
	go func() {
		if err := s.vacuum(); err != nil {
			s.logger.Fatalln("vacuum:", err) // want GO403 "s.logger.Fatalln in a goroutine"
		}
	}()

	go s.reindex()
	go watch(s)

	http.HandleFunc("/files/", s.serveFile)

	// Must NOT trigger: the terminal exit of a signal-handling goroutine that already shut the server down.
	srv := &http.Server{Addr: ":8080"}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			log.Fatalf("shutdown: %v", err)
		}
		os.Exit(0)
	}()

	// (d) after a deferred cleanup in main: the deferred close never runs.
	defer db.Close()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		log.Fatal(err) // want GO403 "skips the deferred db.Close()"
	}
}

// (b) a method started with go: it has a result, so the rewrite is assisted.
func (s *server) reindex() error {
	rows, err := s.db.Query("SELECT path FROM files")
	if err != nil {
		log.Fatalf("reindex: %v", err) // want GO403 "reindex (started with go in this file) exits"
	}
	return rows.Close()
}

// (b) a function started with go, without results: the fatal log becomes a log and a return.
func watch(s *server) {
	for {
		time.Sleep(time.Second)
		if _, err := os.Stat("files.db"); err != nil {
			log.Fatalln("database file vanished:", err) // want GO403 "watch (started with go in this file)"
		}
	}
}

// In an HTTP handler: one bad request ends the server.
func (s *server) serveFile(w http.ResponseWriter, r *http.Request) {
	f, err := os.Open("files/" + r.URL.Path)
	if err != nil {
		log.Fatalf("open %s: %v", r.URL.Path, err) // want GO403 "in an HTTP handler"
	}
	defer f.Close()
	http.ServeContent(w, r, f.Name(), time.Time{}, f)
}

func (s *server) vacuum() error {
	_, err := s.db.Exec("VACUUM")
	return err
}

// Must NOT trigger: a logger wrapper whose contract is to exit.
func (s *server) Fatalf(format string, args ...any) {
	s.logger.Printf(format, args...)
	os.Exit(1)
}

// Must NOT trigger: a deferred cancel and ticker stop do not matter at exit.
func probe(d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	t := time.NewTicker(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		log.Fatal("probe timed out")
	case <-t.C:
	}
}

// (d) after a deferred func literal that flushes; a deferred exit itself is not cleanup.
func export(path string, rows []string) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		f.Sync()
		f.Close()
	}()
	for _, r := range rows {
		if _, err := f.WriteString(r + "\n"); err != nil {
			log.Fatalf("write: %v", err) // want GO403 "skips the deferred func() {…}"
		}
	}
}

// Must NOT trigger: deferring the exit itself.
func exitLater(code int) {
	defer os.Exit(code)
	log.Println("exiting")
}
