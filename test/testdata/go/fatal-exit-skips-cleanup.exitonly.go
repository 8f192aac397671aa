package main

import (
	"fmt"
	"os"
)

func main() {
	go watch()
	fmt.Println("started")
}

// The exit is the file's only use of os: returning instead must also drop the import.
func watch() {
	for i := 0; ; i++ {
		if i > 10 {
			os.Exit(1) // want GO403 "goroutine"
		}
	}
}
