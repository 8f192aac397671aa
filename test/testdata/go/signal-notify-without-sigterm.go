package main

import (
	"context"
	"os"
	"os/signal"
)

func waitForInterrupt() {
	quit := make(chan os.Signal, 1)
	signal.Notify(quit, os.Interrupt) // want GO404 "not SIGTERM"
	<-quit
}

func withContext(parent context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(parent, os.Interrupt) // want GO404
}

// Must NOT trigger: reload on SIGHUP does not include an interrupt.
func reload(ch chan os.Signal) {
	signal.Notify(ch, syscallSIGHUP())
}

// Must NOT trigger: no signal arguments means every signal.
func everything(ch chan os.Signal) {
	signal.Notify(ch)
}

func syscallSIGHUP() os.Signal { return nil }
