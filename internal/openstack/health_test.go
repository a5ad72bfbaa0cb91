package openstack

import "testing"

func TestHealthCheckFor(t *testing.T) {
	want := map[string]HealthCheck{
		"ocata":    {"/", 401},
		"pike":     {"/", 200},
		"queens":   {"/", 200},
		"rocky":    {"/", 200},
		"stein":    {"/", 200},
		"train":    {"/", 200},
		"ussuri":   {"/", 200},
		"victoria": {"/", 200},
		"wallaby":  {"/healthcheck", 200},
	}
	for _, r := range SupportedReleases() {
		w, ok := want[r]
		if !ok {
			t.Errorf("no expectation for supported release %s", r)
			continue
		}
		if got := HealthCheckFor(r); got != w {
			t.Errorf("HealthCheckFor(%q) = %+v, want %+v", r, got, w)
		}
	}
}
