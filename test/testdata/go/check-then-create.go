package storage

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/gofrs/flock"
)

var errExists = fmt.Errorf("already exists")

// In an HTTP handler: two concurrent uploads both pass the Stat; error, with the exists-branch mirrored.
func upload(w http.ResponseWriter, r *http.Request) {
	dst := filepath.Join("uploads", filepath.Base(r.URL.Path))
	if _, err := os.Stat(dst); err == nil {
		http.Error(w, "already uploaded", http.StatusConflict)
		return
	}
	f, err := os.Create(dst) // want GO702 "os.Create(dst) runs after os.Stat(dst)"
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer f.Close()
	io.Copy(f, r.Body)
}

// A gin handler with an *Exists helper.
func saveChunk(c *gin.Context) {
	path := chunkPath(c.Param("id"))
	if fileExists(path) {
		c.JSON(http.StatusConflict, gin.H{"error": "exists"})
		return
	}
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600) // want GO702 "after fileExists(path)"
	if err != nil {
		c.AbortWithError(http.StatusInternalServerError, err)
		return
	}
	defer out.Close()
	io.Copy(out, c.Request.Body)
}

// Library code: a warning. The error is bound first and tested later; IsNotExist guards the create.
func ensureIndex(dir string, idx map[string]int) error {
	p := filepath.Join(dir, "index.json")
	_, err := os.Stat(p)
	if !os.IsNotExist(err) {
		return errExists
	}
	data, _ := json.Marshal(idx)
	return os.WriteFile(p, data, 0o644) // want GO702 "os.WriteFile(p) runs after os.Stat(p)"
}

// The create inside the not-exists branch; the helper result is bound to a name first.
func writeDefault(path string, def []byte) error {
	ok := pathExists(path)
	if !ok {
		f, err := os.Create(path) // want GO702
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = f.Write(def)
		return err
	}
	return nil
}

// A method, in a goroutine, with Lstat.
func (s *Store) spool(name string, data []byte) {
	go func() {
		p := filepath.Join(s.dir, name)
		if _, err := os.Lstat(p); err != nil {
			f, err := os.Create(p) // want GO702 "after os.Lstat(p)"
			if err != nil {
				return
			}
			f.Write(data)
			f.Close()
		}
	}()
}

type Store struct {
	mu  sync.Mutex
	dir string
}

// Must NOT trigger: OpenFile with O_EXCL.
func exclusive(dst string) (*os.File, error) {
	if _, err := os.Stat(dst); err == nil {
		return nil, errExists
	}
	return os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
}

// Must NOT trigger: a file lock taken between the check and the create.
func locked(dst string, data []byte) error {
	if _, err := os.Stat(dst); err == nil {
		return errExists
	}
	lock := flock.New(dst + ".lock")
	if err := lock.Lock(); err != nil {
		return err
	}
	defer lock.Unlock()
	return os.WriteFile(dst, data, 0o644)
}

// Must NOT trigger: check and create under the same mutex.
func (s *Store) put(name string, data []byte) error {
	p := filepath.Join(s.dir, name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := os.Stat(p); err == nil {
		return errExists
	}
	return os.WriteFile(p, data, 0o644)
}

// Must NOT trigger: MkdirAll is idempotent.
func mkdir(dir string) error {
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return os.MkdirAll(dir, 0o755)
	}
	return nil
}

// Must NOT trigger: a different path is created.
func other(dir string, data []byte) error {
	if _, err := os.Stat(dir); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "out"), data, 0o644)
}

// Must NOT trigger: the Stat result is not used to decide anything.
func logSize(path string, data []byte) error {
	fi, _ := os.Stat(path)
	fmt.Println(fi)
	return os.WriteFile(path, data, 0o644)
}

// Must NOT trigger: a read-only OpenFile.
func readBack(path string) (*os.File, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	return os.OpenFile(path, os.O_RDONLY, 0)
}

// The retry of a failed create is the same race: only the first create is reported.
func install(dst string, perm os.FileMode) (*os.File, error) {
	if fi, err := os.Stat(dst); err == nil && fi.IsDir() {
		return nil, errExists
	}
	df, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm) // want GO702 "os.OpenFile(dst)"
	if err != nil {
		os.Remove(dst)
		// Must NOT trigger: the retry.
		df, err = os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	}
	return df, err
}

// Must NOT trigger: the loop's path is another variable than the one checked.
func seed(path string, names []string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	for _, name := range names {
		path := filepath.Join(path, name)
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func chunkPath(id string) string { return filepath.Join("chunks", id) }

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func pathExists(p string) bool { return fileExists(p) }
