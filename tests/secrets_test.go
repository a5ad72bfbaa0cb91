package tests

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openstack-charmers/charm-panko/internal/localjuju"
	"github.com/openstack-charmers/charm-panko/internal/localjuju/machine"
)

// secretsEnv names the directory where stories register the secrets they
// used, so that TestMain can look for them in the run's own output.
const secretsEnv = "PANKO_TESTS_SECRETS_DIR"

// minSecretLen is the shortest value treated as a secret: shorter values
// would match by chance (and no generated password is that short).
const minSecretLen = 8

// secret is a value that must never be printed, with a label that may be.
type secret struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// registerSecrets records secrets for the scan of the test output and
// returns the ones long enough to scan for.
func registerSecrets(t *testing.T, secrets ...secret) []secret {
	t.Helper()
	var keep []secret
	for _, s := range secrets {
		if len(s.Value) >= minSecretLen {
			keep = append(keep, s)
		}
	}
	dir := os.Getenv(secretsEnv)
	if dir == "" || len(keep) == 0 {
		return keep
	}
	f, err := os.CreateTemp(dir, "secrets-*.json")
	require.NoError(t, err)
	require.NoError(t, json.NewEncoder(f).Encode(keep))
	require.NoError(t, f.Close())
	return keep
}

// readRegisteredSecrets returns every secret the stories registered.
func readRegisteredSecrets(dir string) ([]secret, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	var out []secret
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read registered secrets: %w", err)
		}
		var list []secret
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("read registered secrets %s: %w", e.Name(), err)
		}
		out = append(out, list...)
	}
	return out, nil
}

// findSecrets names (by label, never by value) the secrets text holds.
func findSecrets(text []byte, secrets []secret) []string {
	var found []string
	for _, s := range secrets {
		if len(s.Value) >= minSecretLen && bytes.Contains(text, []byte(s.Value)) {
			found = append(found, s.Label)
		}
	}
	return found
}

// pemSecrets splits a PEM private key into its base64 lines, so that a key
// leaked in part (or re-wrapped) is still found. Lines that only encode
// public material (an RSA modulus, an EC point) are left out: they also
// appear, by chance aligned, in the matching certificate.
func pemSecrets(label, pemText string) []secret {
	public := publicKeyDER(pemText)
	var out []secret
	for i, line := range strings.Split(pemText, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "-----") {
			continue
		}
		if raw, err := base64.StdEncoding.DecodeString(line); err == nil && len(public) > 0 && bytes.Contains(public, raw) {
			continue
		}
		out = append(out, secret{Label: fmt.Sprintf("%s (line %d)", label, i+1), Value: line})
	}
	return out
}

// publicKeyDER returns the DER of the public half of a PEM private key, or
// nil when the key does not parse.
func publicKeyDER(pemText string) []byte {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil
	}
	var key crypto.Signer
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		key = k
	} else if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		key = k
	} else if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		key, _ = k.(crypto.Signer)
	}
	if key == nil {
		return nil
	}
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil
	}
	return der
}

// outputCapture copies everything written to os.Stdout and os.Stderr to
// the real streams and keeps a copy.
type outputCapture struct {
	stdout, stderr *os.File
	writers        []*os.File
	wg             sync.WaitGroup
	mu             sync.Mutex
	buf            bytes.Buffer
}

// captureOutput starts copying os.Stdout and os.Stderr (the testing
// package prints through them).
func captureOutput() (*outputCapture, error) {
	c := &outputCapture{stdout: os.Stdout, stderr: os.Stderr}
	for _, real := range []*os.File{os.Stdout, os.Stderr} {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, fmt.Errorf("pipe: %w", err)
		}
		c.writers = append(c.writers, w)
		c.wg.Add(1)
		go func(real *os.File) {
			defer c.wg.Done()
			defer r.Close()
			buf := make([]byte, 32*1024)
			for {
				n, err := r.Read(buf)
				if n > 0 {
					_, _ = real.Write(buf[:n])
					c.mu.Lock()
					c.buf.Write(buf[:n])
					c.mu.Unlock()
				}
				if err != nil {
					return
				}
			}
		}(real)
	}
	os.Stdout, os.Stderr = c.writers[0], c.writers[1]
	return c, nil
}

// stop restores the streams and returns what was printed.
func (c *outputCapture) stop() []byte {
	os.Stdout, os.Stderr = c.stdout, c.stderr
	for _, w := range c.writers {
		_ = w.Close()
	}
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Bytes()
}

// assertNoSecretsInModel scans what a model shows its users: every log line
// (juju-log, charm stdout/stderr, hook records), every status message and
// status history entry, every action record, the status report, and the
// command lines of the machine commands each real-charm unit ran.
func assertNoSecretsInModel(t *testing.T, m *localjuju.Model, secrets []secret) {
	t.Helper()
	require.NotEmpty(t, secrets, "the story registered the secrets it used")
	type place struct{ where, text string }
	var places []place
	logs, err := m.Logs("")
	require.NoError(t, err)
	for i, l := range logs {
		places = append(places, place{fmt.Sprintf("log line %d (%s, %s)", i, l.Unit, l.Source), l.String()})
	}
	st, err := m.State()
	require.NoError(t, err)
	for _, a := range st.Applications {
		if a.Status != nil {
			places = append(places, place{"application status of " + a.Name, a.Status.Message})
		}
		for _, u := range a.Units {
			places = append(places,
				place{"workload status of " + u.Name, u.Workload.Message},
				place{"agent status of " + u.Name, u.Agent.Message})
			for i, h := range u.History {
				places = append(places, place{fmt.Sprintf("status history %d of %s", i, u.Name), h.Message})
			}
			if a.Kind != localjuju.KindCharm {
				continue
			}
			root, err := m.UnitRoot(u.Name)
			require.NoError(t, err)
			cmds, err := machine.CommandLog(root)
			require.NoError(t, err)
			for i, c := range cmds {
				places = append(places, place{fmt.Sprintf("machine command %d of %s", i, u.Name), strings.Join(c.Argv, " ")})
			}
		}
	}
	for _, a := range st.Actions {
		raw, err := json.Marshal(a)
		require.NoError(t, err)
		places = append(places, place{fmt.Sprintf("action %s (%s on %s)", a.ID, a.Name, a.Unit), string(raw)})
	}
	report, err := json.Marshal(m.Status())
	require.NoError(t, err)
	places = append(places, place{"status report", string(report)})

	var leaks []string
	for _, p := range places {
		for _, label := range findSecrets([]byte(p.text), secrets) {
			leaks = append(leaks, p.where+" holds "+label)
		}
	}
	assert.Empty(t, leaks, "secrets shown to users (%d places scanned)", len(places))
}

// fileRule says what mode and ownership files matching Pattern (a
// path.Match pattern relative to the unit root) must have, and whether they
// may hold secrets.
type fileRule struct {
	Pattern      string
	Mode         fs.FileMode
	Owner, Group string
	Secret       bool
}

// unitFileRules covers every file that appears under a panko unit's root:
// what the charm writes and what the machine stand-ins prepare.
func unitFileRules() []fileRule {
	return []fileRule{
		{Pattern: "etc/panko/panko.conf", Mode: 0o640, Owner: "root", Group: "panko", Secret: true},
		{Pattern: "etc/panko/db-ca.pem", Mode: 0o644, Owner: "root", Group: "root"},
		{Pattern: "etc/haproxy/haproxy.cfg", Mode: 0o640, Owner: "root", Group: "haproxy", Secret: true},
		{Pattern: "etc/apache2/ssl/panko/key_*", Mode: 0o640, Owner: "root", Group: "root", Secret: true},
		{Pattern: "etc/apache2/ssl/panko/cert_*", Mode: 0o640, Owner: "root", Group: "panko"},
		{Pattern: "etc/apache2/sites-available/panko-api.conf", Mode: 0o644, Owner: "root", Group: "root"},
		{Pattern: "etc/apache2/sites-available/openstack_https_frontend.conf", Mode: 0o644, Owner: "root", Group: "root"},
		{Pattern: "etc/apache2/sites-available/*", Mode: 0o644, Owner: "root", Group: "root"},
		{Pattern: "etc/apache2/mods-available/*", Mode: 0o644, Owner: "root", Group: "root"},
		{Pattern: "etc/apache2/ports.conf", Mode: 0o644, Owner: "root", Group: "root"},
		{Pattern: "etc/memcached.conf", Mode: 0o644, Owner: "root", Group: "root"},
		{Pattern: "usr/local/share/ca-certificates/panko.crt", Mode: 0o644, Owner: "root", Group: "root"},
		{Pattern: "etc/ssl/certs/*", Mode: 0o644, Owner: "root", Group: "root"},
		{Pattern: "var/log/panko/panko-upgrade.log", Mode: 0o640, Owner: "root", Group: "root"},
		// Created by the charm for the API (user panko) before panko-dbsync runs.
		{Pattern: "var/log/panko/panko-api.log", Mode: 0o640, Owner: "panko", Group: "panko"},
		{Pattern: "var/lib/charm-panko/*", Mode: 0o600, Owner: "root", Group: "root"},
		// The event listener: its config holds the broker's password; it
		// runs as panko and writes its own log.
		{Pattern: "etc/panko/event-listener.conf", Mode: 0o640, Owner: "root", Group: "panko", Secret: true},
		{Pattern: "etc/systemd/system/panko-event-listener.service", Mode: 0o644, Owner: "root", Group: "root"},
		{Pattern: "usr/lib/charm-panko/panko-event-listener", Mode: 0o755, Owner: "root", Group: "root"},
		{Pattern: "var/lib/charm/panko/rabbit-client-ca.pem", Mode: 0o644, Owner: "root", Group: "root"},
		{Pattern: "var/log/panko/panko-event-listener.log", Mode: 0o640, Owner: "panko", Group: "panko"},
		{Pattern: "etc/apt/sources.list", Mode: 0o644, Owner: "root", Group: "root"},
		{Pattern: "etc/apt/sources.list.d/*", Mode: 0o644, Owner: "root", Group: "root"},
		{Pattern: "etc/os-release", Mode: 0o644, Owner: "root", Group: "root"},
		{Pattern: "etc/passwd", Mode: 0o644, Owner: "root", Group: "root"},
		{Pattern: "etc/group", Mode: 0o644, Owner: "root", Group: "root"},
		// The stand-ins' own bookkeeping (package and service state, the
		// command log): never written by the charm.
		{Pattern: "var/lib/localjuju/*", Mode: 0, Owner: "root", Group: "root"},
	}
}

// accounts maps the names of a unit root's etc/passwd and etc/group to
// their ids.
type accounts struct{ users, groups map[string]int }

// readAccounts reads a unit root's etc/passwd and etc/group.
func readAccounts(t *testing.T, root string) accounts {
	t.Helper()
	read := func(name string, idField int) map[string]int {
		f, err := os.Open(filepath.Join(root, "etc", name))
		require.NoError(t, err)
		defer f.Close()
		out := map[string]int{}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Split(sc.Text(), ":")
			if len(fields) <= idField {
				continue
			}
			id, err := strconv.Atoi(fields[idField])
			require.NoError(t, err, "%s: %q", name, sc.Text())
			out[fields[0]] = id
		}
		require.NoError(t, sc.Err())
		return out
	}
	return accounts{users: read("passwd", 2), groups: read("group", 2)}
}

// checkUnitFiles walks every regular file under a unit root (the stand-in
// commands in usr/bin are links and skipped) and checks it against rules:
// an unknown file, a wrong mode or owner, or a secret in a file that may
// not hold one, fails. Rules with Mode 0 check ownership only.
func checkUnitFiles(t *testing.T, root string, rules []fileRule, secrets []secret) {
	t.Helper()
	acc := readAccounts(t, root)
	checked := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rule, ok := matchRule(rules, rel)
		if !assert.True(t, ok, "%s: no rule for this file (mode %v): add one to the table", rel, fi.Mode().Perm()) {
			return nil
		}
		checked++
		checkMode(t, acc, rel, fi, rule.Mode, rule.Owner, rule.Group)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		found := findSecrets(data, secrets)
		if len(found) > 0 {
			assert.True(t, rule.Secret, "%s holds %s but may hold no secret", rel, strings.Join(found, ", "))
			assert.Zero(t, fi.Mode().Perm()&0o007, "%s holds a secret and is world-accessible", rel)
		}
		return nil
	})
	require.NoError(t, err)
	assert.NotZero(t, checked, "files checked under %s", root)
}

// assertFileMode checks one file's mode and ownership, resolving the names
// through the unit root's etc/passwd and etc/group.
func assertFileMode(t *testing.T, root, rel string, mode fs.FileMode, owner, group string) {
	t.Helper()
	fi, err := os.Lstat(filepath.Join(root, rel))
	require.NoError(t, err)
	checkMode(t, readAccounts(t, root), rel, fi, mode, owner, group)
}

// checkMode checks a file's mode (unless mode is 0) and ownership.
func checkMode(t *testing.T, acc accounts, rel string, fi fs.FileInfo, mode fs.FileMode, owner, group string) {
	t.Helper()
	if mode != 0 {
		assert.Equal(t, mode, fi.Mode().Perm(), "%s mode", rel)
	}
	sys, ok := fi.Sys().(*syscall.Stat_t)
	require.True(t, ok)
	wantUID, okU := acc.users[owner]
	wantGID, okG := acc.groups[group]
	assert.True(t, okU, "%s: owner %s is not in the unit's etc/passwd", rel, owner)
	assert.True(t, okG, "%s: group %s is not in the unit's etc/group", rel, group)
	assert.Equal(t, wantUID, int(sys.Uid), "%s owner should be %s", rel, owner)
	assert.Equal(t, wantGID, int(sys.Gid), "%s group should be %s", rel, group)
}

// matchRule returns the first rule whose pattern matches rel.
func matchRule(rules []fileRule, rel string) (fileRule, bool) {
	for _, r := range rules {
		if ok, _ := path.Match(r.Pattern, rel); ok {
			return r, true
		}
	}
	return fileRule{}, false
}

// fileState is what a file looks like on disk, for before/after checks.
type fileState struct {
	ModTime  int64
	Size     int64
	Mode     fs.FileMode
	UID, GID uint32
	Content  string
	Link     string
}

// snapshotRoot records every file and link under a unit root except the
// stand-ins' bookkeeping in var/lib/localjuju (which every command updates).
func snapshotRoot(t *testing.T, root string) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == "var/lib/localjuju" {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return nil
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		sys, _ := fi.Sys().(*syscall.Stat_t)
		s := fileState{ModTime: fi.ModTime().UnixNano(), Size: fi.Size(), Mode: fi.Mode()}
		if sys != nil {
			s.UID, s.GID = sys.Uid, sys.Gid
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if s.Link, err = os.Readlink(p); err != nil {
				return err
			}
		} else {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			s.Content = string(data)
		}
		out[rel] = s
		return nil
	})
	require.NoError(t, err)
	return out
}

// changedFiles lists (by name only: contents may be secret) the files that
// differ between two snapshots.
func changedFiles(before, after map[string]fileState) []string {
	var out []string
	for p, b := range before {
		a, ok := after[p]
		switch {
		case !ok:
			out = append(out, p+" (removed)")
		case a != b:
			out = append(out, p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			out = append(out, p+" (created)")
		}
	}
	sort.Strings(out)
	return out
}

// TestFindSecrets checks the scanner the stories rely on: it finds whole
// and partial (PEM line) secrets, ignores values too short to be secrets,
// and names what it found by label only.
func TestFindSecrets(t *testing.T) {
	key := "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n"
	secrets := append([]secret{{Label: "db password", Value: "s3cr3t-passw0rd"}, {Label: "short", Value: "abc"}},
		pemSecrets("tls key", key)...)
	cases := []struct {
		text string
		want []string
	}{
		{"connection = mysql://panko:s3cr3t-passw0rd@h/panko", []string{"db password"}},
		{"status: abc is fine", nil},
		{"key body BKcwggSjAgEAAoIBAQC7 leaked", []string{"tls key (line 3)"}},
		{"nothing here", nil},
	}
	for _, c := range cases {
		got := findSecrets([]byte(c.text), secrets)
		assert.Equal(t, c.want, got, "scan of %q", strings.ReplaceAll(c.text, "s3cr3t-passw0rd", "<pw>"))
		for _, label := range got {
			assert.NotContains(t, label, "s3cr3t")
		}
	}
	kept := registerSecrets(t, secret{Label: "short", Value: "x7-shrt"}, secret{Label: "long", Value: "x8-registered-value"})
	assert.Equal(t, []string{"long"}, labels(kept))
}

func labels(list []secret) []string {
	var out []string
	for _, s := range list {
		out = append(out, s.Label)
	}
	return out
}

// readAll is io.ReadAll for a path, failing the test on error.
func readAll(t *testing.T, p string) string {
	t.Helper()
	f, err := os.Open(p)
	require.NoError(t, err)
	defer f.Close()
	data, err := io.ReadAll(f)
	require.NoError(t, err)
	return string(data)
}

// notExist reports whether p is absent.
func notExist(p string) bool {
	_, err := os.Lstat(p)
	return errors.Is(err, fs.ErrNotExist)
}

// TestPEMSecretsSkipPublicHalf: the base64 lines of an RSA key that only
// encode its modulus can appear verbatim in a certificate (when the
// modulus sits at the same offset modulo 48 bytes); pemSecrets leaves them
// out, and still finds the key itself.
func TestPEMSecretsSkipPublicHalf(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	filtered := pemSecrets("key", keyPEM)
	all := strings.Count(strings.TrimSpace(keyPEM), "\n") - 1
	assert.Less(t, len(filtered), all, "public lines are left out")
	assert.NotEmpty(t, findSecrets([]byte(keyPEM), filtered), "the key itself is found")

	aligned := 0
	issuer := &x509.Certificate{Subject: pkix.Name{CommonName: "issuer"}}
	for n := 1; n <= 48; n++ {
		// Only the subject's length changes: the modulus moves by one byte
		// per certificate and meets every alignment once.
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: strings.Repeat("a", n)},
			NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, &key.PublicKey, key)
		require.NoError(t, err)
		certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		assert.Empty(t, findSecrets(certPEM, filtered), "certificate with a %d-character CN", n)
		for _, line := range strings.Split(keyPEM, "\n") {
			if len(line) == 64 && bytes.Contains(certPEM, []byte(line)) {
				aligned++
				break
			}
		}
	}
	assert.NotZero(t, aligned, "some certificate shares whole lines with the key (the case this guards against)")
}
