package openstack

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseOriginValid(t *testing.T) {
	const uca = "deb http://ubuntu-cloud.archive.canonical.com/ubuntu "
	tests := []struct {
		origin, series string
		want           Origin
	}{
		{"distro", "xenial", Origin{Kind: KindDistro, Series: "xenial", Release: "mitaka"}},
		{"distro", "bionic", Origin{Kind: KindDistro, Series: "bionic", Release: "queens"}},
		{"distro", "focal", Origin{Kind: KindDistro, Series: "focal", Release: "ussuri"}},
		{" distro ", "focal", Origin{Kind: KindDistro, Series: "focal", Release: "ussuri"}},
		{"distro", "", Origin{Kind: KindDistro}},
		{"distro-proposed", "bionic", Origin{Kind: KindDistro, Series: "bionic", Release: "queens", Pocket: "proposed",
			Source: "deb http://archive.ubuntu.com/ubuntu bionic-proposed main universe multiverse restricted"}},
		{"proposed", "focal", Origin{Kind: KindDistro, Series: "focal", Release: "ussuri", Pocket: "proposed",
			Source: "deb http://archive.ubuntu.com/ubuntu focal-proposed main universe multiverse restricted"}},
		{"cloud:bionic-rocky", "bionic", Origin{Kind: KindCloud, Series: "bionic", Release: "rocky", Pocket: "updates",
			Source: uca + "bionic-updates/rocky main"}},
		{"cloud:bionic-rocky/proposed", "bionic", Origin{Kind: KindCloud, Series: "bionic", Release: "rocky", Pocket: "proposed",
			Source: uca + "bionic-proposed/rocky main"}},
		{"cloud:bionic-rocky/updates", "bionic", Origin{Kind: KindCloud, Series: "bionic", Release: "rocky", Pocket: "updates",
			Source: uca + "bionic-updates/rocky main"}},
		{"cloud:bionic-updates/stein", "bionic", Origin{Kind: KindCloud, Series: "bionic", Release: "stein", Pocket: "updates",
			Source: uca + "bionic-updates/stein main"}},
		{"cloud:bionic-proposed/train", "bionic", Origin{Kind: KindCloud, Series: "bionic", Release: "train", Pocket: "proposed",
			Source: uca + "bionic-proposed/train main"}},
		{"cloud:focal-wallaby/staging", "focal", Origin{Kind: KindCloud, Series: "focal", Release: "wallaby", Pocket: "staging",
			Source: "ppa:ubuntu-cloud-archive/wallaby-staging"}},
		{"cloud:bionic-queens", "bionic", Origin{Kind: KindDistro, Series: "bionic", Release: "queens"}},
		{"cloud:xenial-mitaka", "xenial", Origin{Kind: KindDistro, Series: "xenial", Release: "mitaka"}},
		{"cloud:focal-ussuri", "", Origin{Kind: KindDistro, Series: "focal", Release: "ussuri"}},
		{"cloud:bionic-queens/proposed", "bionic", Origin{Kind: KindDistro, Series: "bionic", Release: "queens", Pocket: "proposed",
			Source: "deb http://archive.ubuntu.com/ubuntu bionic-proposed main universe multiverse restricted"}},
		{"cloud:xenial-ocata", "xenial", Origin{Kind: KindCloud, Series: "xenial", Release: "ocata", Pocket: "updates",
			Source: uca + "xenial-updates/ocata main"}},
		{"cloud:xenial-newton", "xenial", Origin{Kind: KindCloud, Series: "xenial", Release: "newton", Pocket: "updates",
			Source: uca + "xenial-updates/newton main"}},
		{"cloud:focal-yoga", "focal", Origin{Kind: KindCloud, Series: "focal", Release: "yoga", Pocket: "updates",
			Source: uca + "focal-updates/yoga main"}},
		{"cloud:queens", "xenial", Origin{Kind: KindCloud, Series: "xenial", Release: "queens", Pocket: "updates",
			Source: uca + "xenial-updates/queens main"}},
		{"cloud:victoria/proposed", "focal", Origin{Kind: KindCloud, Series: "focal", Release: "victoria", Pocket: "proposed",
			Source: uca + "focal-proposed/victoria main"}},
		{"cloud:focal-victoria", "", Origin{Kind: KindCloud, Series: "focal", Release: "victoria", Pocket: "updates",
			Source: uca + "focal-updates/victoria main"}},
		{"ppa:openstack-ubuntu-testing/wallaby", "focal", Origin{Kind: KindPPA, Series: "focal",
			Source: "ppa:openstack-ubuntu-testing/wallaby"}},
		{"ppa:someone", "focal", Origin{Kind: KindPPA, Series: "focal", Source: "ppa:someone"}},
		{"deb http://mirror.example.com/uca bionic-updates/rocky main", "bionic", Origin{Kind: KindDeb, Series: "bionic",
			Source: "deb http://mirror.example.com/uca bionic-updates/rocky main"}},
		{"deb  [arch=amd64 trusted=yes]  http://10.0.0.1/repo  focal main universe", "focal", Origin{Kind: KindDeb, Series: "focal",
			Source: "deb [arch=amd64 trusted=yes] http://10.0.0.1/repo focal main universe"}},
		{"deb file:/srv/repo ./", "focal", Origin{Kind: KindDeb, Series: "focal", Source: "deb file:/srv/repo ./"}},
	}
	for _, tc := range tests {
		t.Run(tc.origin+"@"+tc.series, func(t *testing.T) {
			got, err := ParseOrigin(tc.origin, tc.series)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseOriginInvalid(t *testing.T) {
	tests := []struct {
		origin, series string
		// want is the whole error text.
		want string
	}{
		{"", "focal", "openstack-origin '' is empty; use distro, cloud:<series>-<release>[/proposed|/staging], ppa:<user>/<name> or an apt line 'deb <url> <suite> <component>'"},
		{"cloud:focal-nonsense", "focal", "openstack-origin 'cloud:focal-nonsense' names unknown OpenStack release 'nonsense'; use cloud:<series>-<release>, e.g. cloud:focal-victoria"},
		{"cloud:nonsense", "xenial", "openstack-origin 'cloud:nonsense' names unknown OpenStack release 'nonsense'; use cloud:<series>-<release>, e.g. cloud:xenial-ocata"},
		{"cloud:bionic-rocky", "focal", "openstack-origin 'cloud:bionic-rocky' is for bionic but this unit runs focal; use cloud:focal-<release> (focal has ussuri as distro and victoria to yoga in the cloud archive)"},
		{"cloud:focal-rocky", "focal", "openstack-origin 'cloud:focal-rocky' asks for rocky on focal, which the Ubuntu Cloud Archive does not provide; focal has ussuri as distro and victoria to yoga in the cloud archive"},
		{"cloud:bionic-queens/staging", "bionic", "openstack-origin 'cloud:bionic-queens/staging' asks for queens on bionic, which the Ubuntu Cloud Archive does not provide; queens is bionic's own release: use distro"},
		{"cloud:bionic-queens", "focal", "openstack-origin 'cloud:bionic-queens' is for bionic but this unit runs focal; use cloud:focal-<release> (focal has ussuri as distro and victoria to yoga in the cloud archive)"},
		{"cloud:rocky", "xenial", "openstack-origin 'cloud:rocky' is for bionic but this unit runs xenial; use cloud:xenial-<release> (xenial has mitaka as distro and newton to queens in the cloud archive)"},
		{"cloud:mitaka", "xenial", "openstack-origin 'cloud:mitaka' asks for mitaka, which the Ubuntu Cloud Archive does not provide; mitaka is xenial's own release: use distro"},
		{"cloud:mitaka", "", "openstack-origin 'cloud:mitaka' asks for mitaka, which the Ubuntu Cloud Archive does not provide; no known series has mitaka in its cloud archive"},
		{"cloud:trusty-mitaka", "xenial", "openstack-origin 'cloud:trusty-mitaka' names unknown Ubuntu series 'trusty' (known: xenial, bionic, focal, jammy); use cloud:<series>-<release>, e.g. cloud:xenial-ocata"},
		{"cloud:rocky-bionic", "bionic", "openstack-origin 'cloud:rocky-bionic' puts the release before the series; use cloud:bionic-rocky"},
		{"cloud:bionic-rocky/testing", "bionic", "openstack-origin 'cloud:bionic-rocky/testing' names unknown pocket 'testing'; use /proposed or /staging, or nothing for the stable pocket"},
		{"cloud:rocky/staging", "bionic", "openstack-origin 'cloud:rocky/staging' needs the series for the staging pocket; use cloud:<series>-rocky/staging"},
		{"cloud:", "bionic", "openstack-origin 'cloud:' is not a valid cloud archive origin; use cloud:<series>-<release>, e.g. cloud:bionic-rocky"},
		{"cloud:Bionic-Rocky", "bionic", "openstack-origin 'cloud:Bionic-Rocky' is not a valid cloud archive origin; use cloud:<series>-<release>, e.g. cloud:bionic-rocky"},
		{"ppa:", "focal", "openstack-origin 'ppa:' is not a valid PPA; use ppa:<user>/<name>"},
		{"ppa:a b", "focal", "openstack-origin 'ppa:a b' is not a valid PPA; use ppa:<user>/<name>"},
		{"deb http://example.com", "focal", "openstack-origin 'deb http://example.com' is not a complete apt line; use 'deb <url> <suite> <component>', e.g. 'deb http://ppa.example.com/ubuntu focal main'"},
		{"deb example.com focal main", "focal", "openstack-origin 'deb example.com focal main' has 'example.com' where the repository URL goes; use 'deb <url> <suite> <component>'"},
		{"deb http://example.com/ubuntu focal", "focal", "openstack-origin 'deb http://example.com/ubuntu focal' names suite 'focal' without a component; use 'deb <url> <suite> <component>', e.g. '... focal main'"},
		{"uca", "focal", "openstack-origin 'uca' is not a recognised source; use distro, cloud:<series>-<release>[/proposed|/staging], ppa:<user>/<name> or an apt line 'deb <url> <suite> <component>'"},
		{"distro", "noble", "openstack-origin 'distro' cannot be used on series noble: the charm knows no OpenStack release for it (known series: xenial, bionic, focal, jammy)"},
	}
	for _, tc := range tests {
		t.Run(tc.origin+"@"+tc.series, func(t *testing.T) {
			_, err := ParseOrigin(tc.origin, tc.series)
			require.Error(t, err)
			var oe *OriginError
			require.True(t, errors.As(err, &oe))
			assert.Equal(t, tc.origin, oe.Origin)
			assert.Equal(t, tc.want, err.Error())
		})
	}
}

func TestCheckSupported(t *testing.T) {
	tests := []struct {
		release, origin, series string
		want                    string // "" means supported
	}{
		{"ocata", "cloud:xenial-ocata", "xenial", ""},
		{"queens", "distro", "bionic", ""},
		{"wallaby", "cloud:focal-wallaby", "focal", ""},
		{"mitaka", "distro", "xenial", "openstack-origin 'distro' gives mitaka on xenial; panko needs ocata or later (e.g. cloud:xenial-ocata)"},
		{"newton", "cloud:xenial-newton", "xenial", "openstack-origin 'cloud:xenial-newton' gives newton on xenial; panko needs ocata or later (e.g. cloud:xenial-ocata)"},
		{"xena", "cloud:focal-xena", "focal", "openstack-origin 'cloud:focal-xena' gives xena on focal; panko was retired after wallaby (e.g. cloud:focal-wallaby)"},
		{"yoga", "distro", "jammy", "openstack-origin 'distro' gives yoga on jammy; panko was retired after wallaby, which jammy does not offer: deploy on an older series"},
		{"xena", "ppa:x/y", "", "openstack-origin 'ppa:x/y' gives xena; panko was retired after wallaby"},
		{"mitaka", "ppa:x/y", "", "openstack-origin 'ppa:x/y' gives mitaka; panko needs ocata or later"},
		{"", "ppa:x/y", "focal", "openstack-origin 'ppa:x/y' gives no known OpenStack release on focal; panko needs ocata to wallaby"},
		{"kilo", "ppa:x/y", "focal", "openstack-origin 'ppa:x/y' gives unknown OpenStack release 'kilo' on focal; panko needs ocata to wallaby"},
	}
	for _, tc := range tests {
		t.Run(tc.release+"_"+tc.origin, func(t *testing.T) {
			err := CheckSupported(tc.release, tc.origin, tc.series)
			if tc.want == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			var oe *OriginError
			require.True(t, errors.As(err, &oe))
			assert.Equal(t, tc.want, err.Error())
		})
	}
}

func TestOriginApt(t *testing.T) {
	const uca = "deb http://ubuntu-cloud.archive.canonical.com/ubuntu "
	tests := []struct {
		origin, series string
		want           AptSource
	}{
		{"distro", "bionic", AptSource{Remove: []string{CloudArchiveListFile, ProposedListFile}}},
		{"cloud:bionic-rocky", "bionic", AptSource{
			Packages: []string{"ubuntu-cloud-keyring"},
			File:     "/etc/apt/sources.list.d/cloud-archive.list",
			Content:  "# Ubuntu Cloud Archive\n" + uca + "bionic-updates/rocky main\n",
			Remove:   []string{ProposedListFile},
		}},
		{"cloud:focal-wallaby/proposed", "focal", AptSource{
			Packages: []string{"ubuntu-cloud-keyring"},
			File:     "/etc/apt/sources.list.d/cloud-archive.list",
			Content:  "# Ubuntu Cloud Archive\n" + uca + "focal-proposed/wallaby main\n",
			Remove:   []string{ProposedListFile},
		}},
		{"cloud:focal-wallaby/staging", "focal", AptSource{
			Repository: "ppa:ubuntu-cloud-archive/wallaby-staging",
			Remove:     []string{CloudArchiveListFile, ProposedListFile},
		}},
		{"distro-proposed", "focal", AptSource{
			File:    "/etc/apt/sources.list.d/proposed.list",
			Content: "# Proposed\ndeb http://archive.ubuntu.com/ubuntu focal-proposed main universe multiverse restricted\n",
			Remove:  []string{CloudArchiveListFile},
		}},
		{"ppa:team/panko", "focal", AptSource{Repository: "ppa:team/panko", Remove: []string{CloudArchiveListFile, ProposedListFile}}},
		{"deb http://10.0.0.1/repo focal main", "focal", AptSource{Repository: "deb http://10.0.0.1/repo focal main",
			Remove: []string{CloudArchiveListFile, ProposedListFile}}},
	}
	for _, tc := range tests {
		t.Run(tc.origin, func(t *testing.T) {
			o, err := ParseOrigin(tc.origin, tc.series)
			require.NoError(t, err)
			assert.Equal(t, tc.want, o.Apt())
		})
	}
}

func FuzzParseOrigin(f *testing.F) {
	for _, s := range []string{"distro", "cloud:bionic-rocky/proposed", "cloud:focal-updates/wallaby", "ppa:a/b",
		"deb http://x/y focal main", "cloud:", "deb [a", "cloud:a-b-c/d"} {
		f.Add(s, "focal")
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, origin, series string) {
		o, err := ParseOrigin(origin, series)
		if err != nil {
			var oe *OriginError
			if !errors.As(err, &oe) || oe.Origin != origin {
				t.Fatalf("error %v is not an *OriginError for %q", err, origin)
			}
			return
		}
		if o.Release != "" && !Known(o.Release) {
			t.Fatalf("unknown release %q", o.Release)
		}
		if o.Kind == KindCloud && (o.Source == "" || o.Release == "") {
			t.Fatalf("cloud origin without source or release: %+v", o)
		}
		if series != "" && o.Series != series {
			t.Fatalf("series %q, unit series %q", o.Series, series)
		}
	})
}
