package sim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
)

// The shared-db protocol from the database's side, as percona-cluster,
// mysql-router and mysql-innodb-cluster speak it (the design's
// relations.md §1.2 and §1.3). It is written here apart from the charm's
// own requirer codec, so that the simulator is a witness of its own.

// dbRequest is one client unit's unprefixed shared-db request.
type dbRequest struct {
	database, username string
	// hostnames are the addresses the grant is for: hostname holds one,
	// or a JSON list of several.
	hostnames []string
}

// readDBRequest reads a client unit's bag: ok is false while database,
// username or hostname is missing. Names that are not plain identifiers
// and hostnames that are neither addresses nor host names are refused
// (the simulator creates real grants with them).
func readDBRequest(bag map[string]string) (dbRequest, bool, error) {
	db, user, host := bag["database"], bag["username"], bag["hostname"]
	if db == "" || user == "" || host == "" {
		return dbRequest{}, false, nil
	}
	for what, v := range map[string]string{"database": db, "username": user} {
		if !plainIdentifier(v) {
			return dbRequest{}, false, fmt.Errorf("%s %.40q is not a plain identifier", what, v)
		}
	}
	var hosts []string
	if err := json.Unmarshal([]byte(host), &hosts); err != nil {
		hosts = []string{host}
	}
	if len(hosts) == 0 {
		return dbRequest{}, false, fmt.Errorf("hostname %.40q lists no address", host)
	}
	for _, h := range hosts {
		if net.ParseIP(h) == nil && !hostName(h) {
			return dbRequest{}, false, fmt.Errorf("hostname %.60q is not an address or host name", h)
		}
	}
	return dbRequest{database: db, username: user, hostnames: hosts}, true, nil
}

// plainIdentifier reports whether s is 1 to 64 letters, digits or "_".
func plainIdentifier(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// hostName reports whether s is a DNS host name: dot-separated labels of
// letters, digits and "-", none starting or ending with "-".
func hostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// dbAnswer is a database-side answer before it is written to a bag.
type dbAnswer struct {
	host     string // db_host
	port     int    // db_port (percona sends none: 0)
	password string
	// allowed are the granted client units, written sorted by unit number
	// and space separated; none leaves allowed_units out.
	allowed         []string
	waitTimeout     int    // wait_timeout (0: not sent)
	sslCA           []byte // ssl_ca, base64 of the PEM chain (nil: not sent)
	seriesUpgrading bool   // cluster-series-upgrading=True
}

// bag renders the answer as raw strings; keys without a value are left
// out (dbAnswerKeys lists every key a database owns, to delete stale ones).
func (a dbAnswer) bag() map[string]string {
	b := map[string]string{"db_host": a.host, "password": a.password}
	if a.port != 0 {
		b["db_port"] = strconv.Itoa(a.port)
	}
	if len(a.allowed) > 0 {
		units := append([]string(nil), a.allowed...)
		SortUnitNames(units)
		b["allowed_units"] = strings.Join(units, " ")
	}
	if a.waitTimeout != 0 {
		b["wait_timeout"] = strconv.Itoa(a.waitTimeout)
	}
	if len(a.sslCA) > 0 {
		b["ssl_ca"] = base64.StdEncoding.EncodeToString(a.sslCA)
	}
	if a.seriesUpgrading {
		b["cluster-series-upgrading"] = "True"
	}
	for k, v := range b {
		if v == "" {
			delete(b, k)
		}
	}
	return b
}

// dbAnswerKeys lists every key a database writes on shared-db.
func dbAnswerKeys() []string {
	return []string{"db_host", "db_port", "password", "allowed_units", "ssl_ca", "wait_timeout",
		"cluster-series-upgrading", "access-network"}
}

// defaultDBPort is MySQL's port, which percona's clients assume.
const defaultDBPort = 3306

// SortUnitNames sorts unit names by application, then by unit number
// (panko/2 before panko/10), as charm-helpers' get_allowed_units does;
// names that are not app/N sort as strings.
func SortUnitNames(units []string) {
	sort.SliceStable(units, func(i, j int) bool {
		appA, numA, okA := splitUnitName(units[i])
		appB, numB, okB := splitUnitName(units[j])
		switch {
		case !okA || !okB:
			return units[i] < units[j]
		case appA != appB:
			return appA < appB
		}
		return numA < numB
	})
}

// splitUnitName splits "app/N".
func splitUnitName(u string) (string, int, bool) {
	app, num, found := strings.Cut(u, "/")
	if !found {
		return "", 0, false
	}
	n, err := strconv.Atoi(num)
	if err != nil {
		return "", 0, false
	}
	return app, n, true
}
