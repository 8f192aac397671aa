package creds

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

var lastDump string

type Agent struct {
	sock  string
	files chan *os.File
}

// useKey publishes the key file in the environment, then removes it on return.
func useKey(b []byte) error {
	f, err := os.CreateTemp("", "key-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // want GO202 "os.Remove(f.Name()) runs when the function returns, but f.Name() is published in the environment"
	if _, err := f.Write(b); err != nil {
		return err
	}
	return os.Setenv("KEY_FILE", f.Name())
}

// workDir returns a path inside a directory it removes.
func workDir() (string, error) {
	dir, err := os.MkdirTemp("", "work")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir) // want GO202 "dir is returned: the caller receives a path to a file that no longer exists"
	out := filepath.Join(dir, "out")
	return out, os.WriteFile(out, nil, 0o600)
}

// reader returns a reader over a file it closes.
func reader(p string) (*bufio.Reader, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close() // want GO202 "f.Close() runs when the function returns, but f is returned: the caller receives a handle that is already closed"
	return bufio.NewReader(f), nil
}

// listen hands out a listener that is closed on return.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer ln.Close() // want GO202 "ln is returned"
	return ln, nil
}

// Start keeps the socket path in the agent after removing the socket.
func (a *Agent) Start(dir string) error {
	path := filepath.Join(dir, "agent.sock")
	defer os.Remove(path) // want GO202 "path is stored in a.sock, which outlives this call"
	a.sock = path
	return nil
}

// Hand sends a file it closes to another goroutine.
func (a *Agent) Hand(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close() // want GO202 "f is sent on a channel: the receiver gets a handle that is already closed"
	a.files <- f
	return nil
}

// dump remembers the path in a package variable.
func dump(b []byte) error {
	p := filepath.Join(os.TempDir(), "dump.bin")
	defer os.Remove(p) // want GO202 "stored in the package variable lastDump"
	lastDump = p
	return os.WriteFile(p, b, 0o600)
}

// upload reads the file in a goroutine that can outlive the removal.
func upload(b []byte, send func([]byte)) error {
	f, err := os.CreateTemp("", "up-*")
	if err != nil {
		return err
	}
	name := f.Name()
	defer os.Remove(name) // want GO202 "used by a goroutine started here"
	f.Write(b)
	f.Close()
	go func() {
		data, _ := os.ReadFile(name)
		send(data)
	}()
	return nil
}

// tempName cleans up in a deferred func literal but returns the name.
func tempName() (string, error) {
	f, err := os.CreateTemp("", "x")
	if err != nil {
		return "", err
	}
	defer func() {
		f.Close()
		os.Remove(f.Name()) // want GO202 "f.Name() is returned"
	}()
	return f.Name(), nil
}

// Must NOT trigger: the path only goes to calls that run synchronously.
func process(b []byte) error {
	f, err := os.CreateTemp("", "in-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	f.Write(b)
	f.Close()
	cmd := exec.Command("tool", f.Name())
	cmd.Dir = filepath.Dir(f.Name()) // a field of a local command, run before returning
	return cmd.Run()
}

// Must NOT trigger: the cleanup is returned to the caller instead of deferred.
func writeKey(b []byte) (string, func(), error) {
	f, err := os.CreateTemp("", "key-*")
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		os.Remove(f.Name())
		return "", nil, err
	}
	return f.Name(), func() { os.Remove(f.Name()) }, nil
}

// Must NOT trigger: the deferred cleanup only runs when construction failed.
func create(p string) (f *os.File, err error) {
	f, err = os.Create(p)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(p)
		}
	}()
	_, err = f.WriteString("header\n")
	return f, err
}

// Must NOT trigger: an anonymous temp file stays usable after its name is removed.
func scratch() (*os.File, error) {
	f, err := os.CreateTemp("", "scratch")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	return f, nil
}

// Must NOT trigger: closing the listener on return is how the accept goroutine is stopped.
func serveOnce(handle func(net.Conn)) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			handle(c)
		}
	}()
	return nil
}

// Must NOT trigger: the goroutines are joined before the cleanup runs.
func parallel(paths []string) {
	dir, _ := os.MkdirTemp("", "par")
	defer os.RemoveAll(dir)
	var wg sync.WaitGroup
	for _, p := range paths {
		wg.Add(1)
		go func(p string) {
			defer wg.Done()
			os.WriteFile(filepath.Join(dir, filepath.Base(p)), nil, 0o600)
		}(p)
	}
	wg.Wait()
}

// Must NOT trigger: the name is re-bound before it is returned.
func rebind() (string, error) {
	p, err := os.MkdirTemp("", "a")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(p)
	if p, err := os.Getwd(); err == nil {
		return p, nil
	}
	return "", err
}

// Must NOT trigger: the deferred func restores the global before removing the directory.
func withGopath(run func()) {
	tmp, _ := os.MkdirTemp("", "gopath")
	old := lastDump
	defer func() {
		lastDump = old
		os.RemoveAll(tmp)
	}()
	lastDump = tmp
	run()
}
