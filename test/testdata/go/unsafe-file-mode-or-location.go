package store

import (
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
)

// SaveToken caches an OAuth token next to the config.
func SaveToken(dir string, tok []byte) error {
	return os.WriteFile(filepath.Join(dir, "token.json"), tok, 0o644) // want GO801 "leaves a secret readable by group and others (0o644; the path names a secret)"
}

// writeNetrc stores machine credentials with the legacy octal style.
func writeNetrc(home string, data []byte) error {
	credPath := filepath.Join(home, ".netrc")
	return os.WriteFile(credPath, data, 0666) // want GO801 "creates a world-writable file (0666) holding a secret"
}

// writeSecrets makes the directory for mounted secrets.
func writeSecrets(root string) error {
	return os.MkdirAll(filepath.Join(root, "mounted"), 0o755) // want GO801 "writeSecrets handles a secret"
}

// openKey creates a private key file.
func openKey(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, "server.key"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0644) // want GO801 "readable by group and others"
}

// storeKey writes the API key group-readable.
func storeKey(p string, apiKey []byte) error {
	return os.WriteFile(p, apiKey, 0o640) // want GO801 "apiKey looks like a secret"
}

// credentialsDir creates a world-writable directory for credentials.
func credentialsDir(base string) error {
	return os.MkdirAll(filepath.Join(base, "credentials"), os.ModePerm) // want GO801 "creates a world-writable dir (os.ModePerm) holding a secret"
}

// Share opens a socket to everyone; os.Chmod is not filtered by the umask.
func Share(sock string) error {
	return os.Chmod(sock, 0o777) // want GO801 "os.Chmod gives the entry mode 0o777, which is world-writable"
}

// fixPrivateKey re-modes a key file so other users can write it.
func fixPrivateKey(p string) error {
	return os.Chmod(p, 0o666) // want GO801 "holding a secret"
}

// spool makes a sticky, world-writable spool directory.
func spool(dir string) error {
	return os.Mkdir(dir, 0o1777) // want GO801 "world-writable"
}

// Shared temporary paths with fixed names.
func tempPaths(pid int) error {
	if err := os.WriteFile("/tmp/app.pid", []byte(strconv.Itoa(pid)), 0o644); err != nil { // want GO801 "in a shared temporary directory"
		return err
	}
	f, err := os.Create("/var/tmp/cache.db") // want GO801 "/var/tmp/cache.db"
	if err != nil {
		return err
	}
	defer f.Close()
	ln, err := net.Listen("unix", "/tmp/app.sock") // want GO801 "/tmp/app.sock"
	if err != nil {
		return err
	}
	defer ln.Close()
	return os.RemoveAll("/dev/shm/app") // want GO801 "/dev/shm/app"
}

// Must NOT trigger: public artifacts (PID file, SBOM directory, AUTHORS) with 0644/0755.
func artifacts(pidPath, outDir string, pid int, authors []byte) error {
	if err := os.WriteFile(pidPath, []byte(strconv.Itoa(pid)), 0o644); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(outDir, "sbom"), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(outDir, "AUTHORS"), authors, 0o644)
}

// Must NOT trigger: 0666, 0777 and ModePerm on creating calls let the umask decide (os.Create uses 0666 itself).
func umaskDecides(dir string, data []byte) error {
	if err := os.MkdirAll(dir, 0777); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), fs.ModePerm); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "out.txt"), data, 0666)
}

// Must NOT trigger: os.CreateTemp and os.MkdirTemp already use 0600 and 0700.
func temps() error {
	f, err := os.CreateTemp("", "key-*.pem")
	if err != nil {
		return err
	}
	defer f.Close()
	d, err := os.MkdirTemp("", "secrets-*")
	if err != nil {
		return err
	}
	return os.RemoveAll(d)
}

// Must NOT trigger: opening a key read-only never uses the mode.
func readKey(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, "server.key"), os.O_RDONLY, 0644)
}

// Must NOT trigger: an empty marker file named like a token holds nothing secret.
func marker(objdir string) error {
	tokenFile := objdir + "preferlinkext"
	return os.WriteFile(tokenFile, nil, 0o644)
}

// Must NOT trigger: opening up read-only directories right before deleting the tree (through a helper, like
// robustio.RemoveAll).
func removeCache(dir string) error {
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(path, 0777)
		}
		return nil
	})
	return robustRemoveAll(dir)
}

func robustRemoveAll(dir string) error { return os.RemoveAll(dir) }
