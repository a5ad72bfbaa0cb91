package mariadb

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math/big"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
)

// runUser validates Options.User; it returns the --user value or "".
func runUser(name string) (string, error) {
	if os.Geteuid() != 0 {
		if name != "" {
			if u, err := user.Current(); err != nil || u.Username != name {
				return "", fmt.Errorf("mariadb: running as user %q needs root", name)
			}
		}
		return "", nil
	}
	if name == "" {
		return "root", nil
	}
	if _, err := user.Lookup(name); err != nil {
		return "", fmt.Errorf("mariadb user %s: %w", name, err)
	}
	return name, nil
}

// chownTree gives the server directory to the account mariadbd runs as.
func chownTree(dir, account string) error {
	if account == "" || account == "root" {
		return nil
	}
	u, err := user.Lookup(account)
	if err != nil {
		return fmt.Errorf("look up %s: %w", account, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if err := os.Lchown(p, uid, gid); err != nil {
			return fmt.Errorf("chown %s: %w", p, err)
		}
		return nil
	})
}

// nativeHash is the mysql_native_password hash of pw.
func nativeHash(pw string) string {
	h1 := sha1.Sum([]byte(pw))
	h2 := sha1.Sum(h1[:])
	return "*" + strings.ToUpper(hex.EncodeToString(h2[:]))
}

// randomPassword returns n random letters and digits.
func randomPassword(n int) (string, error) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", fmt.Errorf("random password: %w", err)
		}
		b[i] = alphabet[k.Int64()]
	}
	return string(b), nil
}

// fileSize is the size of path, 0 when absent.
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// readTail returns the last n lines written to path after offset from.
func readTail(path string, from int64, n int) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "(no error log)"
	}
	if from > 0 && from <= int64(len(raw)) {
		raw = raw[from:]
	}
	return tail(raw, n)
}

// errorLines returns the lines of out that report errors (at most n), or
// its last n lines when none does; credential lines are dropped.
func errorLines(out []byte, n int) string {
	var errs []string
	for _, ln := range strings.Split(tail(out, 1<<20), "\n") {
		if strings.Contains(strings.ToUpper(ln), "ERROR") {
			errs = append(errs, ln)
		}
	}
	if len(errs) == 0 {
		return tail(out, n)
	}
	if len(errs) > n {
		errs = errs[:n]
	}
	return strings.Join(errs, "\n")
}

// tail returns the last n lines of out, dropping any line that mentions
// credentials.
func tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	kept := lines[:0]
	for _, ln := range lines {
		low := strings.ToLower(ln)
		if strings.Contains(low, "identified") || strings.Contains(low, "authentication_string") {
			continue
		}
		kept = append(kept, ln)
	}
	if len(kept) > n {
		kept = kept[len(kept)-n:]
	}
	return strings.Join(kept, "\n")
}
