package main

import (
	"os"
	"os/signal"
	"syscall"
)

func waitForTerm() {
	quit := make(chan os.Signal, 1)
	signal.Notify(quit, os.Interrupt, syscall.SIGTERM)
	<-quit
}

func waitForReload() {
	reload := make(chan os.Signal, 1)
	<-reload
}
