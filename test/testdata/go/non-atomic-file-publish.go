package store

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
)

type Record struct{ ID, Path string }

// (a) The name is published before the insert that can still fail.
func publish(db *sql.DB, tmp, dir string, rec Record) error {
	final := filepath.Join(dir, rec.ID)
	if err := os.Rename(tmp, final); err != nil { // want GO703 "os.Rename publishes final before a step that can still fail"
		return err
	}
	if _, err := db.Exec("INSERT INTO files VALUES (?, ?)", rec.ID, final); err != nil {
		os.Remove(final) // the name was visible to readers
		return err
	}
	return nil
}

// (a) A method, RemoveAll, the error bound first.
func (s *Store) commit(staging, target string) error {
	os.Rename(staging, target) // want GO703
	err := s.index(target)
	if err != nil {
		_ = os.RemoveAll(target)
	}
	return err
}

// (b) Read-modify-write of a config file.
func bumpVersion(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	data = bytes.Replace(data, []byte("v1"), []byte("v2"), 1)
	return os.WriteFile(path, data, 0o644) // want GO703 "os.WriteFile(path) truncates the file os.ReadFile read above"
}

// (b) Opened for reading, decoded, and rewritten through os.Create: no automatic fix.
func (s *Store) saveState(v map[string]int) error {
	f, err := os.Open(s.statePath)
	if err != nil {
		return err
	}
	json.NewDecoder(f).Decode(&v)
	f.Close()
	v["runs"]++
	out, err := os.Create(s.statePath) // want GO703 "os.Create(s.statePath)"
	if err != nil {
		return err
	}
	defer out.Close()
	return json.NewEncoder(out).Encode(v)
}

type Store struct{ statePath string }

func (s *Store) index(string) error { return nil }

// Must NOT trigger (b): the function writes P+".tmp" and renames it into P.
func rewriteAtomically(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path+".tmp", bytes.ToUpper(data), 0o644); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

// Must NOT trigger (b): append-only logs opened with O_APPEND.
func appendLine(path string, line []byte) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	_ = old
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.Write(line)
	return err
}

// Must NOT trigger (a): the database step comes first; on failure only the temp file is removed.
func publishAfterInsert(db *sql.DB, tmp, final string) error {
	if _, err := db.Exec("INSERT INTO files VALUES (?)", final); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, final)
}

// Must NOT trigger (a): the source is removed, not the destination.
func move(src, dst string) error {
	if err := os.Rename(src, dst); err != nil {
		return err
	}
	if err := os.Remove(src + ".lock"); err != nil {
		return err
	}
	return nil
}

// Must NOT trigger (b): the same name stands for another variable in the loop.
func generate(names []string) error {
	name := "consts.go"
	if _, err := os.ReadFile(name); err != nil {
		return err
	}
	for _, f := range names {
		name := f + "_gen.go"
		if err := os.WriteFile(name, []byte("package p\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// The retry of a failed write is reported once, on the first write.
func setEnv(file string, kv string) error {
	data, _ := os.ReadFile(file)
	data = append(data, kv...)
	err := os.WriteFile(file, data, 0o666) // want GO703
	if err != nil {
		os.MkdirAll(filepath.Dir(file), 0o777)
		// Must NOT trigger: the retry.
		err = os.WriteFile(file, data, 0o666)
	}
	return err
}

// Must NOT trigger (a): a rename whose own failure removes the destination, and a rename inside an error branch.
func replaceBinary(dst string, open func() error) error {
	if err := os.Rename(dst+".new", dst); err != nil {
		os.Remove(dst)
		return err
	}
	if err := open(); err != nil {
		if err := os.Rename(dst, dst+"~"); err == nil {
			os.Remove(dst + "~")
		}
	}
	return nil
}

// Must NOT trigger (b): a different file is written.
func copyConfig(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}
