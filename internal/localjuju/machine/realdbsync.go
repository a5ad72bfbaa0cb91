package machine

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// realDBSyncPath is the real panko-dbsync of the Panko installed on this
// machine (Debian's python3-panko).
const realDBSyncPath = "/usr/bin/panko-dbsync"

// hostPankoMajor returns the major version of the Panko installed on this
// machine, or 0 when the real panko-dbsync is not there.
func hostPankoMajor() int {
	if _, err := os.Stat(realDBSyncPath); err != nil {
		return 0
	}
	out, err := exec.Command("dpkg-query", "-W", "-f=${Version}", "python3-panko").Output()
	if err != nil {
		return 0
	}
	return packageMajor(string(out))
}

// unitPankoMajor returns the major version of the Panko the unit
// installed (its panko-common), or 0.
func unitPankoMajor(st *State) int {
	return packageMajor(st.Packages["panko-common"])
}

// packageMajor is the upstream major version of a Debian version string
// ("1:9.0.0-0ubuntu1~cloud0" is 9), or 0.
func packageMajor(v string) int {
	if _, rest, ok := strings.Cut(v, ":"); ok {
		v = rest
	}
	digits, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(digits)
	if err != nil {
		return 0
	}
	return n
}

// standInSchema is the schema the stand-in creates for a Panko major
// version that cannot run here: the dump of Panko's metadata.create_all,
// with trait_int.value an int before Panko 3.0.0 (Pike's "support big
// integer traits" migration made it a bigint).
func standInSchema(major int) (string, error) {
	if major == 0 || major >= 3 {
		return pankoSchema, nil
	}
	const bigint, integer = "`value` bigint(20) DEFAULT NULL", "`value` int(11) DEFAULT NULL"
	if strings.Count(pankoSchema, bigint) != 1 {
		return "", errors.New("schema dump: trait_int.value not found once")
	}
	return strings.Replace(pankoSchema, bigint, integer, 1), nil
}

// standInName names the stand-in's schema for the log.
func standInName(major int) string {
	if major == 0 {
		return "3.0.0 and later"
	}
	return strconv.Itoa(major) + ".x"
}

// realDBSync runs the real panko-dbsync on the unit's files: its
// configuration first, then an override (a private temporary file) that
// points the log file and the connection's certificate paths into the
// unit's root. Output is passed on with the password blanked out.
func (m *machine) realDBSync(a dbsyncArgs, files []string, conn, password string) int {
	logFile := a.logFile
	if logFile == "" {
		logFile, _ = iniValue(files, "DEFAULT", "log_file")
	}
	var override strings.Builder
	override.WriteString("[DEFAULT]\n")
	if logFile != "" {
		p := m.path(logFile)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			fmt.Fprintf(m.stderr, "panko-dbsync: open log file: %v\n", err)
			return 1
		}
		fmt.Fprintf(&override, "log_file = %s\n", p)
	}
	mapped, err := m.unitConnection(conn)
	if err != nil {
		return m.dbsyncFail(m.stderr, password, err)
	}
	fmt.Fprintf(&override, "[database]\nconnection = %s\n", mapped)
	f, err := os.CreateTemp("", "panko-dbsync-*.conf")
	if err != nil {
		fmt.Fprintf(m.stderr, "panko-dbsync: %v\n", err)
		return 1
	}
	defer os.Remove(f.Name())
	_, err = f.WriteString(override.String())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(m.stderr, "panko-dbsync: %v\n", err)
		return 1
	}
	var argv []string
	for _, c := range files {
		argv = append(argv, "--config-file", c)
	}
	argv = append(argv, "--config-file", f.Name())
	ctx, cancel := context.WithTimeout(context.Background(), realSyncTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, realDBSyncPath, argv...)
	out, err := cmd.CombinedOutput()
	if password != "" {
		out = []byte(strings.ReplaceAll(string(out), password, "***"))
	}
	m.stderr.Write(out)
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() > 0 {
			return exit.ExitCode()
		}
		fmt.Fprintf(m.stderr, "panko-dbsync: %v\n", err)
		return 1
	}
	return 0
}

// realSyncTimeout bounds the real panko-dbsync (oslo.db retries for as
// long as [database] max_retries × retry_interval while the database is
// away).
const realSyncTimeout = 3 * time.Minute

// unitConnection rewrites the certificate paths of an SQLAlchemy URL from
// the unit's view to this machine's.
func (m *machine) unitConnection(conn string) (string, error) {
	u, err := url.Parse(conn)
	if err != nil {
		return "", errors.New("[database] connection is not a valid URL")
	}
	q := u.Query()
	changed := false
	for _, key := range []string{"ssl_ca", "ssl_cert", "ssl_key"} {
		if v := q.Get(key); v != "" {
			q.Set(key, m.path(v))
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}
