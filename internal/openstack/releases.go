// Package openstack holds the OpenStack knowledge the Panko charm needs and
// that does not depend on the machine: release names and their order, which
// release an openstack-origin gives on a series, the releases Panko exists
// for, package sets per release, the port map, and how endpoint addresses and
// URLs are chosen. Everything here is pure: no I/O.
//
// Layer charm (see internal/layers): it imports only packages that ship in
// the charm; the local model, the bench and every test layer may use it, but
// nothing it imports may import it back, and the local model imports it only
// where internal/layers lists why.
package openstack

import (
	"fmt"
	"strconv"
	"strings"
)

// FirstSupported is the oldest OpenStack release Panko exists for.
const FirstSupported = "ocata"

// LastSupported is the newest OpenStack release Panko exists for; Panko was
// retired after it.
const LastSupported = "wallaby"

// releaseOrder lists OpenStack releases oldest first. It is a read-only table.
var releaseOrder = [...]string{
	"mitaka", "newton", "ocata", "pike", "queens", "rocky", "stein", "train",
	"ussuri", "victoria", "wallaby", "xena", "yoga", "zed", "antelope",
	"bobcat", "caracal",
}

// seriesInfo is what one Ubuntu series offers: the release in its own archive
// and the releases of the Ubuntu Cloud Archive built for it.
type seriesInfo struct {
	name   string
	distro string
	cloud  []string
}

// seriesTable returns the Ubuntu series this package knows, oldest first.
func seriesTable() []seriesInfo {
	return []seriesInfo{
		{"xenial", "mitaka", []string{"newton", "ocata", "pike", "queens"}},
		{"bionic", "queens", []string{"rocky", "stein", "train", "ussuri"}},
		{"focal", "ussuri", []string{"victoria", "wallaby", "xena", "yoga"}},
		{"jammy", "yoga", []string{"zed", "antelope", "bobcat", "caracal"}},
	}
}

func lookupSeries(series string) (seriesInfo, bool) {
	for _, s := range seriesTable() {
		if s.name == series {
			return s, true
		}
	}
	return seriesInfo{}, false
}

// Releases returns every OpenStack release this package knows, oldest first.
func Releases() []string {
	out := make([]string, len(releaseOrder))
	copy(out, releaseOrder[:])
	return out
}

// SupportedReleases returns the releases Panko exists for, FirstSupported to
// LastSupported, oldest first.
func SupportedReleases() []string {
	var out []string
	for _, r := range releaseOrder {
		if Supported(r) {
			out = append(out, r)
		}
	}
	return out
}

// Known reports whether release is an OpenStack release this package knows.
func Known(release string) bool {
	return index(release) >= 0
}

func index(release string) int {
	for i, r := range releaseOrder {
		if r == release {
			return i
		}
	}
	return -1
}

// Compare orders two releases: it returns -1 when a is older than b, 0 when
// they are the same and +1 when a is newer. An unknown release is older than
// every known one; two unknown releases compare as strings.
func Compare(a, b string) int {
	ia, ib := index(a), index(b)
	if ia < 0 && ib < 0 {
		return strings.Compare(a, b)
	}
	switch {
	case ia < ib:
		return -1
	case ia > ib:
		return 1
	}
	return 0
}

// Supported reports whether Panko exists for release (Ocata to Wallaby).
func Supported(release string) bool {
	return Known(release) && Compare(release, FirstSupported) >= 0 && Compare(release, LastSupported) <= 0
}

// Series returns the Ubuntu series this package knows, oldest first.
func Series() []string {
	var out []string
	for _, s := range seriesTable() {
		out = append(out, s.name)
	}
	return out
}

// DistroRelease returns the OpenStack release in the Ubuntu archive of series
// (xenial: mitaka, bionic: queens, focal: ussuri, jammy: yoga).
func DistroRelease(series string) (string, bool) {
	s, ok := lookupSeries(series)
	return s.distro, ok
}

// CloudReleases returns the releases the Ubuntu Cloud Archive offers for
// series, oldest first (xenial: newton to queens, bionic: rocky to ussuri,
// focal: victoria to yoga), or nil for an unknown series.
func CloudReleases(series string) []string {
	s, ok := lookupSeries(series)
	if !ok {
		return nil
	}
	out := make([]string, len(s.cloud))
	copy(out, s.cloud)
	return out
}

// CloudSeries returns the series whose Ubuntu Cloud Archive carries release.
func CloudSeries(release string) (string, bool) {
	for _, s := range seriesTable() {
		for _, r := range s.cloud {
			if r == release {
				return s.name, true
			}
		}
	}
	return "", false
}

// releaseForMajor maps Panko's upstream major version to its release.
func releaseForMajor(major int) (string, bool) {
	// Panko 1.0.0 was Newton; every later release added one major version.
	i := index("newton") + major - 1
	if major < 1 || i >= index(LastSupported)+1 {
		return "", false
	}
	return releaseOrder[i], true
}

// ReleaseFromPackageVersion returns the OpenStack release of a Panko package
// version as dpkg reports it, e.g. "1:10.0.0-0ubuntu1~cloud0" gives wallaby.
// The epoch and Debian revision are ignored; the upstream major version maps
// 1 newton, 2 ocata, 3 pike, 4 queens, 5 rocky, 6 stein, 7 train, 8 ussuri,
// 9 victoria, 10 wallaby. It reports false for anything else.
func ReleaseFromPackageVersion(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if i := strings.Index(v, ":"); i >= 0 {
		if _, err := strconv.Atoi(v[:i]); err != nil {
			return "", false
		}
		v = v[i+1:]
	}
	end := 0
	for end < len(v) && v[end] >= '0' && v[end] <= '9' {
		end++
	}
	if end == 0 || (end < len(v) && !strings.ContainsRune(".~-+", rune(v[end]))) {
		return "", false
	}
	major, err := strconv.Atoi(v[:end])
	if err != nil {
		return "", false
	}
	return releaseForMajor(major)
}

// ExpiryBatches says whether the Panko of package version v (as dpkg
// reports it, e.g. "1:8.1.0-0ubuntu1") reads [database]
// events_delete_batch_size: from 9.0.0, and in the 7.1.0 (Train) and 8.1.0
// (Ussuri) point releases it was backported to (openstack/panko ec84ed8a).
// A version it cannot read counts as yes.
func ExpiryBatches(v string) bool {
	if _, after, ok := strings.Cut(v, ":"); ok {
		v = after
	}
	var major, minor int
	if _, err := fmt.Sscanf(v, "%d.%d", &major, &minor); err != nil {
		return true
	}
	return major >= 9 || (major == 7 || major == 8) && minor >= 1
}
