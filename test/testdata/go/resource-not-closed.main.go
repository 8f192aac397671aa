package main

import (
	"log"
	"net/http"
	"os"
)

var logFile *os.File

// Must NOT trigger: handles opened in init() live for the whole process.
func init() {
	f, err := os.OpenFile("app.log", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		log.Fatal(err)
	}
	log.SetOutput(f)
}

func main() {
	// Must NOT trigger: opened in main() and used until exit.
	cfg, err := os.Open("config.json")
	if err != nil {
		log.Fatal(err)
	}
	_ = cfg

	// Must NOT trigger: stdin is not opened here.
	in := os.Stdin
	_ = in

	// A loop in main opens a file per iteration: that leaks even in main.
	for _, p := range os.Args[1:] {
		f, err := os.Open(p) // want GO203 "each iteration leaks a file descriptor"
		if err != nil {
			continue
		}
		var b [4]byte
		f.Read(b[:])
	}

	// A handler literal runs per request: it is not process-lifetime.
	http.HandleFunc("/file", func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open("static/" + r.URL.Path) // want GO203
		if err != nil {
			http.NotFound(w, r)
			return
		}
		st, _ := f.Stat()
		w.Header().Set("X-Size", st.Name())
	})
	log.Fatal(http.ListenAndServe(":8080", nil))
}

// Must NOT trigger: assigned to a package-level variable.
func reopen() error {
	var err error
	logFile, err = os.Create("app.log")
	return err
}
