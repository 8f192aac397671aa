package serve

import (
	"log"
	"os"

	"github.com/spf13/cobra"
)

// Must NOT trigger: command handlers in a cobra package decide the process's exit.
var Cmd = &cobra.Command{
	Use: "serve",
	Run: func(cmd *cobra.Command, args []string) {
		if len(args) == 0 {
			log.Fatal("serve: missing address")
		}
		if err := run(args[0]); err != nil {
			cmd.PrintErrln(err)
			os.Exit(1)
		}
	},
}

func run(addr string) error { return nil }

// Still reported in a CLI package: a goroutine's exit skips the command's cleanup.
func background(addr string) {
	go func() {
		if err := run(addr); err != nil {
			log.Fatal(err) // want GO403 "in a goroutine"
		}
	}()
}
