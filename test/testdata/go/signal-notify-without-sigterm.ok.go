package main

import (
	"os"
	"os/signal"
	"syscall"
)

// Must NOT trigger: SIGTERM is trapped already.
func graceful() {
	quit := make(chan os.Signal, 1)
	signal.Notify(quit, os.Interrupt, syscall.SIGTERM)
	<-quit
}

func interruptOnly() {
	quit := make(chan os.Signal, 1)
	signal.Notify(quit, syscall.SIGINT) // want GO404
	<-quit
}
