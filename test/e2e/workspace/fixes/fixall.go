package fixes

import (
	"os"
	"os/signal"
)

func waitForInterrupt() {
	quit := make(chan os.Signal, 1)
	signal.Notify(quit, os.Interrupt)
	<-quit
}

func notifyStop(stop chan os.Signal) {
	signal.Notify(stop, os.Interrupt)
}
