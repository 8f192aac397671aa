package vault

import (
	"io/fs"
	"os"
)

// Mount creates the directory for secrets; the fix drops the io/fs import it leaves unused.
func Mount(dir string) error {
	return os.MkdirAll(dir+"/secrets", fs.ModePerm) // want GO801 "holding a secret"
}
