package openstack

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"mitaka", "newton", -1},
		{"newton", "mitaka", 1},
		{"queens", "queens", 0},
		{"queens", "rocky", -1},
		{"wallaby", "victoria", 1},
		{"yoga", "xena", 1},
		{"caracal", "mitaka", 1},
		{"bogus", "mitaka", -1},
		{"mitaka", "bogus", 1},
		{"", "ocata", -1},
		{"alpha", "beta", -1},
		{"beta", "beta", 0},
	}
	for _, tc := range tests {
		t.Run(tc.a+"_"+tc.b, func(t *testing.T) {
			assert.Equal(t, tc.want, Compare(tc.a, tc.b))
		})
	}
}

func TestReleasesOrder(t *testing.T) {
	rs := Releases()
	assert.Equal(t, []string{"mitaka", "newton", "ocata", "pike", "queens", "rocky", "stein", "train",
		"ussuri", "victoria", "wallaby", "xena", "yoga"}, rs[:13])
	for i := 1; i < len(rs); i++ {
		assert.Equal(t, -1, Compare(rs[i-1], rs[i]), "%s before %s", rs[i-1], rs[i])
	}
	rs[0] = "changed"
	assert.Equal(t, "mitaka", Releases()[0], "Releases must return a copy")
}

func TestSupported(t *testing.T) {
	assert.Equal(t, []string{"ocata", "pike", "queens", "rocky", "stein", "train", "ussuri", "victoria", "wallaby"},
		SupportedReleases())
	tests := map[string]bool{
		"mitaka": false, "newton": false, "ocata": true, "queens": true, "wallaby": true,
		"xena": false, "yoga": false, "": false, "bogus": false,
	}
	for r, want := range tests {
		assert.Equal(t, want, Supported(r), r)
	}
}

func TestSeriesReleases(t *testing.T) {
	tests := []struct {
		series string
		distro string
		ok     bool
		cloud  []string
	}{
		{"xenial", "mitaka", true, []string{"newton", "ocata", "pike", "queens"}},
		{"bionic", "queens", true, []string{"rocky", "stein", "train", "ussuri"}},
		{"focal", "ussuri", true, []string{"victoria", "wallaby", "xena", "yoga"}},
		{"jammy", "yoga", true, []string{"zed", "antelope", "bobcat", "caracal"}},
		{"trusty", "", false, nil},
		{"", "", false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.series, func(t *testing.T) {
			d, ok := DistroRelease(tc.series)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.distro, d)
			assert.Equal(t, tc.cloud, CloudReleases(tc.series))
			for _, r := range tc.cloud {
				s, ok := CloudSeries(r)
				assert.True(t, ok, r)
				assert.Equal(t, tc.series, s, r)
			}
		})
	}
	_, ok := CloudSeries("mitaka")
	assert.False(t, ok, "mitaka is in no cloud archive of a known series")
}

func TestReleaseFromPackageVersion(t *testing.T) {
	tests := []struct {
		version string
		want    string
		ok      bool
	}{
		{"1.0.0-0ubuntu1", "newton", true},
		{"2.0.0-0ubuntu1~cloud0", "ocata", true},
		{"3.0.0-0ubuntu1~cloud0", "pike", true},
		{"4.0.0-0ubuntu1", "queens", true},
		{"5.0.0-0ubuntu1~cloud0", "rocky", true},
		{"6.0.0-0ubuntu1~cloud0", "stein", true},
		{"7.0.0-0ubuntu1~cloud0", "train", true},
		{"8.0.0-0ubuntu1", "ussuri", true},
		{"9.0.0-0ubuntu1~cloud0", "victoria", true},
		{"1:10.0.0-0ubuntu1~cloud0", "wallaby", true},
		{"10.0.0", "wallaby", true},
		{"5.0.0~b1-0ubuntu1", "rocky", true},
		{" 2:4.0.1 ", "queens", true},
		{"11.0.0", "", false},
		{"0.9", "", false},
		{"", "", false},
		{"x:5.0.0", "", false},
		{"abc", "", false},
		{"5a.0", "", false},
		{"1:", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.version, func(t *testing.T) {
			got, ok := ReleaseFromPackageVersion(tc.version)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

func FuzzReleaseFromPackageVersion(f *testing.F) {
	for _, s := range []string{"1:10.0.0-0ubuntu1~cloud0", "2.0.0", "", "x:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		r, ok := ReleaseFromPackageVersion(v)
		if ok != (r != "") {
			t.Fatalf("ok=%v but release %q", ok, r)
		}
		if ok && !Known(r) {
			t.Fatalf("unknown release %q", r)
		}
	})
}

// TestExpiryBatches: events_delete_batch_size is in Panko's git history
// from 9.0.0 and in the 7.1.0 and 8.1.0 tags, not in 7.0.0, 8.0.0 or the
// stein, rocky and queens branches.
func TestExpiryBatches(t *testing.T) {
	for v, want := range map[string]bool{"2:2.0.0-0ubuntu1~cloud0": false, "2:5.0.0-0ubuntu1~cloud0": false,
		"2:6.0.0-0ubuntu1~cloud0": false, "2:7.0.0-0ubuntu1~cloud0": false, "2:7.1.0-0ubuntu1~cloud0": true,
		"1:8.0.0-0ubuntu1": false, "1:8.1.0-0ubuntu1": true, "9.0.0-1": true, "1:10.0.0-0ubuntu1~cloud0": true, "garbage": true} {
		assert.Equal(t, want, ExpiryBatches(v), v)
	}
}
