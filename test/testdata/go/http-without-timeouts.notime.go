package api

import "net/http"

// The fixes add the time import when the file has none.
func Listen(addr string, h http.Handler) error {
	srv := &http.Server{Addr: addr, Handler: h} // want GO601
	return srv.ListenAndServe()
}

func Serve(addr string) error {
	return http.ListenAndServe(addr, nil) // want GO601
}
