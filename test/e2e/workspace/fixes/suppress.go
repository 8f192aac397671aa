package fixes

import (
	"os"
	"os/signal"
)

func waitForCtrlC() {
	quit := make(chan os.Signal, 1)
	signal.Notify(quit, os.Interrupt)
	<-quit
}
