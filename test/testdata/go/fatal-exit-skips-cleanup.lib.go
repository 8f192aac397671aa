package store

import (
	"encoding/json"
	"log"
	"os"
	"time"
)

type Config struct {
	Dir      string
	Interval time.Duration
}

type Store struct {
	cfg    Config
	log    *log.Logger
	events chan string
}

// (c) in a library function that returns an error: return it instead.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		log.Fatalf("read config %s: %v", path, err) // want GO403 "in library package store exits the importing program"
	}
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		log.Fatal(err) // want GO403
	}
	if c.Dir == "" {
		log.Fatal("config: dir is empty") // want GO403
	}
	if c.Interval <= 0 {
		log.Fatalln("config: bad interval", c.Interval) // want GO403
	}
	return &c, nil
}

// A struct result and a plain error.
func Parse(b []byte) (Config, int, error) {
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		log.Fatal("parse: ", err) // want GO403
	}
	return c, len(b), nil
}

// os.Exit in a library: returning an error is assisted (the exit code carries no message).
func (s *Store) Check() error {
	if _, err := os.Stat(s.cfg.Dir); err != nil {
		s.log.Println(err)
		os.Exit(2) // want GO403 "os.Exit in library package store"
	}
	return nil
}

// No error result: a panic at least runs deferred calls and can be recovered (assisted).
func (s *Store) Path(name string) string {
	if name == "" {
		s.log.Fatalf("empty name") // want GO403
	}
	return s.cfg.Dir + "/" + name
}

// A goroutine in a library: log and return.
func (s *Store) Start() {
	go func() {
		for ev := range s.events {
			if err := s.apply(ev); err != nil {
				log.Fatalf("apply %q: %v", ev, err) // want GO403 "in a goroutine of library package store"
			}
		}
	}()
}

func (s *Store) apply(ev string) error { return nil }

// Must NOT trigger: logger wrappers whose contract is to exit.
func Fatalf(format string, args ...any) {
	log.Printf(format, args...)
	os.Exit(1)
}

func MustLoad(path string) *Config {
	c, err := Load(path)
	if err != nil {
		log.Fatal(err)
	}
	return c
}

func ExitOnError(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
