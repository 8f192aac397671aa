package main

import (
	"log"
	"os"
)

// CLI initialisation ("create if missing"): reported at info.
func main() {
	cfg := "config.yaml"
	if _, err := os.Stat(cfg); os.IsNotExist(err) {
		f, err := os.Create(cfg) // want GO702 "os.Create(cfg)"
		if err != nil {
			log.Fatal(err)
		}
		f.WriteString("listen: :8080\n")
		f.Close()
	}
	run(cfg)
}

// A goroutine in a command is not initialisation: a warning.
func run(cfg string) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := os.Stat(cfg + ".pid"); err != nil {
			os.WriteFile(cfg+".pid", []byte("1"), 0o644) // want GO702
		}
	}()
	<-done
}
