package openstack

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// OriginOption is the name of the config option that holds the origin.
const OriginOption = "openstack-origin"

// CloudArchiveURL is the Ubuntu Cloud Archive's apt repository.
const CloudArchiveURL = "http://ubuntu-cloud.archive.canonical.com/ubuntu"

// UbuntuArchiveURL is the Ubuntu archive used for the distro proposed pocket.
const UbuntuArchiveURL = "http://archive.ubuntu.com/ubuntu"

// CloudArchiveListFile is the apt sources file written for cloud: origins.
const CloudArchiveListFile = "/etc/apt/sources.list.d/cloud-archive.list"

// ProposedListFile is the apt sources file written for distro-proposed.
const ProposedListFile = "/etc/apt/sources.list.d/proposed.list"

// CloudArchiveKeyring is the package holding the Cloud Archive's signing key.
const CloudArchiveKeyring = "ubuntu-cloud-keyring"

// Kind says which form of openstack-origin was given.
type Kind string

// The forms of openstack-origin.
const (
	// KindDistro is "distro" (or "distro-proposed"): the series' own archive.
	KindDistro Kind = "distro"
	// KindCloud is "cloud:<series>-<release>[/pocket]": the Ubuntu Cloud Archive.
	KindCloud Kind = "cloud"
	// KindPPA is "ppa:<user>/<name>".
	KindPPA Kind = "ppa"
	// KindDeb is an apt line, "deb <url> <suite> [<component>...]".
	KindDeb Kind = "deb"
)

// Pockets of a distro or cloud origin.
const (
	// PocketUpdates is the Cloud Archive's stable pocket (<series>-updates/<release>).
	PocketUpdates = "updates"
	// PocketProposed is the pre-release pocket of the archive or Cloud Archive.
	PocketProposed = "proposed"
	// PocketStaging is the Cloud Archive's staging PPA.
	PocketStaging = "staging"
)

// Origin is a parsed openstack-origin.
type Origin struct {
	// Kind is the form the origin was given in.
	Kind Kind
	// Series is the Ubuntu series the origin is for: the one named in a
	// cloud: origin, else the unit's series ("" when unknown).
	Series string
	// Release is the OpenStack release the origin gives, or "" when the origin
	// alone does not say (ppa and deb origins, or distro without a series).
	// Then the release comes from the installed package
	// (ReleaseFromPackageVersion) or, before install, from DistroRelease.
	Release string
	// Pocket is "" (distro, ppa, deb), "updates" (cloud), "proposed" (cloud or
	// distro-proposed) or "staging" (cloud).
	Pocket string
	// Source is what to add to apt: the Cloud Archive or proposed apt line, or
	// the ppa:/deb argument for add-apt-repository; "" for plain distro.
	Source string
}

// AptSource says how to enable an origin's packages on a machine.
type AptSource struct {
	// Packages must be installed before the source is used.
	Packages []string
	// File, when set, is an apt sources file to write with Content.
	File string
	// Content is the text of File.
	Content string
	// Repository, when set, is the argument to "add-apt-repository --yes".
	Repository string
	// Remove lists sources files other origins write that this one does not;
	// they should be deleted so a previous origin stops applying.
	Remove []string
}

// Apt returns how to enable o on a machine.
func (o Origin) Apt() AptSource {
	all := []string{CloudArchiveListFile, ProposedListFile}
	without := func(keep string) []string {
		var out []string
		for _, f := range all {
			if f != keep {
				out = append(out, f)
			}
		}
		return out
	}
	switch {
	case o.Kind == KindCloud && o.Pocket != PocketStaging:
		return AptSource{
			Packages: []string{CloudArchiveKeyring},
			File:     CloudArchiveListFile,
			Content:  "# Ubuntu Cloud Archive\n" + o.Source + "\n",
			Remove:   without(CloudArchiveListFile),
		}
	case o.Kind == KindDistro && o.Pocket == PocketProposed && o.Source != "":
		return AptSource{File: ProposedListFile, Content: "# Proposed\n" + o.Source + "\n", Remove: without(ProposedListFile)}
	case o.Kind == KindDistro:
		return AptSource{Remove: without("")}
	default:
		return AptSource{Repository: o.Source, Remove: without("")}
	}
}

// OriginError says why an openstack-origin cannot be used. Error() reads
// "openstack-origin '<Origin>' <Reason>".
type OriginError struct {
	// Origin is the configured value.
	Origin string
	// Reason completes the sentence after the quoted value.
	Reason string
}

// Error implements error.
func (e *OriginError) Error() string {
	return fmt.Sprintf("%s '%s' %s", OriginOption, e.Origin, e.Reason)
}

const originForms = "use distro, cloud:<series>-<release>[/proposed|/staging], ppa:<user>/<name> or an apt line 'deb <url> <suite> <component>'"

var (
	// cloud:<series>-<release>[/updates|/proposed|/staging] or cloud:<release>[/updates|/proposed]
	cloudReleaseRe = regexp.MustCompile(`^(?:([a-z]+)-)?([a-z]+)(?:/([a-z]+))?$`)
	// cloud:<series>-updates/<release> or cloud:<series>-proposed/<release>
	cloudPocketRe = regexp.MustCompile(`^([a-z]+)-(updates|proposed)/([a-z]+)$`)
	ppaRe         = regexp.MustCompile(`^ppa:[a-z0-9][a-z0-9.+-]*(/[a-z0-9][a-z0-9.+-]*)?$`)
)

// ParseOrigin parses openstack-origin for a unit running series. Accepted:
//
//   - "distro": Release is DistroRelease(series). "distro-proposed" (or
//     "proposed") adds the series' -proposed pocket.
//   - "cloud:<series>-<release>", optionally followed by "/updates",
//     "/proposed" or "/staging"; also "cloud:<series>-updates/<release>",
//     "cloud:<series>-proposed/<release>" and "cloud:<release>[/proposed]"
//     (the series is then the one whose Cloud Archive has the release), as
//     charm-helpers accepts. The series must be the unit's series and the
//     Cloud Archive must carry the release for it, except that
//     "cloud:<series>-<its own release>" (e.g. cloud:bionic-queens) means
//     distro (with /proposed: distro-proposed).
//   - "ppa:<user>[/<name>]" and "deb <url> <suite> [<component>...]": Release
//     is "" (unknown from the origin alone).
//
// With series "" only the syntax is checked: distro gives no release and a
// cloud: origin is not compared with the unit's series. Errors are
// *OriginError.
func ParseOrigin(origin, series string) (Origin, error) {
	raw := origin
	origin = strings.TrimSpace(origin)
	fail := func(format string, a ...any) (Origin, error) {
		return Origin{}, &OriginError{Origin: raw, Reason: fmt.Sprintf(format, a...)}
	}
	if series != "" {
		if _, ok := lookupSeries(series); !ok {
			return fail("cannot be used on series %s: the charm knows no OpenStack release for it (known series: %s)", series, strings.Join(Series(), ", "))
		}
	}
	switch {
	case origin == "":
		return fail("is empty; %s", originForms)
	case origin == "distro":
		rel, _ := DistroRelease(series)
		return Origin{Kind: KindDistro, Series: series, Release: rel}, nil
	case origin == "distro-proposed" || origin == "proposed":
		o := Origin{Kind: KindDistro, Series: series, Pocket: PocketProposed}
		o.Release, _ = DistroRelease(series)
		if series != "" {
			o.Source = fmt.Sprintf("deb %s %s-proposed main universe multiverse restricted", UbuntuArchiveURL, series)
		}
		return o, nil
	case strings.HasPrefix(origin, "cloud:"):
		return parseCloud(raw, strings.TrimPrefix(origin, "cloud:"), series)
	case strings.HasPrefix(origin, "ppa:"):
		if !ppaRe.MatchString(origin) {
			return fail("is not a valid PPA; use ppa:<user>/<name>")
		}
		return Origin{Kind: KindPPA, Series: series, Source: origin}, nil
	case strings.HasPrefix(origin, "deb ") || strings.HasPrefix(origin, "deb\t"):
		if reason := checkDebLine(origin); reason != "" {
			return fail("%s", reason)
		}
		return Origin{Kind: KindDeb, Series: series, Source: strings.Join(strings.Fields(origin), " ")}, nil
	}
	return fail("is not a recognised source; %s", originForms)
}

func checkDebLine(line string) string {
	f := strings.Fields(line)[1:]
	// Skip "[arch=amd64 signed-by=...]" options.
	if len(f) > 0 && strings.HasPrefix(f[0], "[") {
		for len(f) > 0 {
			done := strings.HasSuffix(f[0], "]")
			f = f[1:]
			if done {
				break
			}
		}
	}
	if len(f) < 2 {
		return "is not a complete apt line; use 'deb <url> <suite> <component>', e.g. 'deb http://ppa.example.com/ubuntu focal main'"
	}
	u, err := url.Parse(f[0])
	if err != nil || u.Scheme == "" || (u.Host == "" && u.Scheme != "file") {
		return fmt.Sprintf("has '%s' where the repository URL goes; use 'deb <url> <suite> <component>'", f[0])
	}
	if !strings.HasSuffix(f[1], "/") && len(f) < 3 {
		return fmt.Sprintf("names suite '%s' without a component; use 'deb <url> <suite> <component>', e.g. '... %s main'", f[1], f[1])
	}
	return ""
}

func parseCloud(raw, spec, unitSeries string) (Origin, error) {
	fail := func(format string, a ...any) (Origin, error) {
		return Origin{}, &OriginError{Origin: raw, Reason: fmt.Sprintf(format, a...)}
	}
	var series, release, pocket string
	if m := cloudPocketRe.FindStringSubmatch(spec); m != nil {
		series, pocket, release = m[1], m[2], m[3]
	} else if m := cloudReleaseRe.FindStringSubmatch(spec); m != nil {
		series, release, pocket = m[1], m[2], m[3]
		switch pocket {
		case "", PocketUpdates:
			pocket = PocketUpdates
		case PocketProposed, PocketStaging:
		default:
			return fail("names unknown pocket '%s'; use /proposed or /staging, or nothing for the stable pocket", pocket)
		}
	} else {
		return fail("is not a valid cloud archive origin; use cloud:<series>-<release>, e.g. %s", cloudExample(unitSeries))
	}
	if series != "" {
		if _, ok := lookupSeries(series); !ok {
			if _, isSeries := lookupSeries(release); isSeries && Known(series) {
				return fail("puts the release before the series; use cloud:%s-%s", release, series)
			}
			return fail("names unknown Ubuntu series '%s' (known: %s); use cloud:<series>-<release>, e.g. %s", series, strings.Join(Series(), ", "), cloudExample(unitSeries))
		}
	}
	if !Known(release) {
		return fail("names unknown OpenStack release '%s'; use cloud:<series>-<release>, e.g. %s", release, cloudExample(firstNonEmpty(series, unitSeries)))
	}
	if series == "" {
		if pocket == PocketStaging {
			return fail("needs the series for the staging pocket; use cloud:<series>-%s/staging", release)
		}
		s, ok := CloudSeries(release)
		if !ok {
			return fail("asks for %s, which the Ubuntu Cloud Archive does not provide; %s", release, cloudHint(unitSeries, release))
		}
		series = s
	}
	if unitSeries != "" && series != unitSeries {
		return fail("is for %s but this unit runs %s; use cloud:%s-<release> (%s)", series, unitSeries, unitSeries, offers(unitSeries))
	}
	if d, ok := DistroRelease(series); ok && d == release && (pocket == PocketUpdates || pocket == PocketProposed) {
		// cloud:bionic-queens names bionic's own release: the distro
		// archive serves it, as "distro" (or "distro-proposed") would.
		o := Origin{Kind: KindDistro, Series: series, Release: release}
		if pocket == PocketProposed {
			o.Pocket = PocketProposed
			o.Source = fmt.Sprintf("deb %s %s-proposed main universe multiverse restricted", UbuntuArchiveURL, series)
		}
		return o, nil
	}
	if !contains(CloudReleases(series), release) {
		return fail("asks for %s on %s, which the Ubuntu Cloud Archive does not provide; %s", release, series, cloudHint(series, release))
	}
	o := Origin{Kind: KindCloud, Series: series, Release: release, Pocket: pocket}
	switch pocket {
	case PocketStaging:
		o.Source = fmt.Sprintf("ppa:ubuntu-cloud-archive/%s-staging", release)
	default:
		o.Source = fmt.Sprintf("deb %s %s-%s/%s main", CloudArchiveURL, series, pocket, release)
	}
	return o, nil
}

// offers describes what series offers, e.g. "focal: ussuri from distro,
// victoria to yoga from the cloud archive".
func offers(series string) string {
	s, ok := lookupSeries(series)
	if !ok {
		return "unknown series"
	}
	return fmt.Sprintf("%s has %s as distro and %s to %s in the cloud archive", s.name, s.distro, s.cloud[0], s.cloud[len(s.cloud)-1])
}

func cloudHint(series, release string) string {
	if d, ok := DistroRelease(series); ok && d == release {
		return fmt.Sprintf("%s is %s's own release: use distro", release, series)
	}
	if series == "" {
		if s, ok := CloudSeries(release); ok {
			return fmt.Sprintf("it is built for %s (cloud:%s-%s)", s, s, release)
		}
		return fmt.Sprintf("no known series has %s in its cloud archive", release)
	}
	return offers(series)
}

func cloudExample(series string) string {
	if s, ok := lookupSeries(series); ok {
		for _, r := range s.cloud {
			if Supported(r) {
				return "cloud:" + s.name + "-" + r
			}
		}
		return "cloud:" + s.name + "-" + s.cloud[0]
	}
	return "cloud:focal-wallaby"
}

// CheckSupported returns nil when release is one Panko exists for, else an
// *OriginError naming origin and series and saying what to use instead, e.g.
// "openstack-origin 'distro' gives mitaka on xenial; panko needs ocata or
// later (e.g. cloud:xenial-ocata)".
func CheckSupported(release, origin, series string) error {
	if Supported(release) {
		return nil
	}
	on := ""
	if series != "" {
		on = " on " + series
	}
	fail := func(format string, a ...any) error {
		return &OriginError{Origin: origin, Reason: fmt.Sprintf(format, a...)}
	}
	switch {
	case release == "":
		return fail("gives no known OpenStack release%s; panko needs %s to %s", on, FirstSupported, LastSupported)
	case !Known(release):
		return fail("gives unknown OpenStack release '%s'%s; panko needs %s to %s", release, on, FirstSupported, LastSupported)
	case Compare(release, FirstSupported) < 0:
		if ex := supportedOn(series, true); ex != "" {
			return fail("gives %s%s; panko needs %s or later (e.g. %s)", release, on, FirstSupported, ex)
		}
		return fail("gives %s%s; panko needs %s or later", release, on, FirstSupported)
	default:
		if ex := supportedOn(series, false); ex != "" {
			return fail("gives %s%s; panko was retired after %s (e.g. %s)", release, on, LastSupported, ex)
		}
		if series != "" {
			return fail("gives %s%s; panko was retired after %s, which %s does not offer: deploy on an older series", release, on, LastSupported, series)
		}
		return fail("gives %s; panko was retired after %s", release, LastSupported)
	}
}

// supportedOn returns an origin giving a supported release on series: the
// oldest one when oldest is true, else the newest; "" when there is none.
func supportedOn(series string, oldest bool) string {
	s, ok := lookupSeries(series)
	if !ok {
		return ""
	}
	var cands []string
	if Supported(s.distro) {
		cands = append(cands, "distro")
	}
	for _, r := range s.cloud {
		if Supported(r) {
			cands = append(cands, "cloud:"+s.name+"-"+r)
		}
	}
	if len(cands) == 0 {
		return ""
	}
	if oldest {
		return cands[0]
	}
	return cands[len(cands)-1]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
