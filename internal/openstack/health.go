package openstack

import "net/http"

// HealthCheck is how to tell that a release's Panko API is up without a
// token: a GET of Path answers Status.
type HealthCheck struct {
	Path   string
	Status int
}

// HealthCheckFor returns the health check of release's Panko API. Wallaby
// (10.0.0) and later serve /healthcheck (200). Pike to Victoria have no
// /healthcheck (404) but serve the versions document at / (200) without a
// token. Ocata (2.0.0) runs authtoken in front of every path: / answers 401
// without a token, which still shows the API answering. Unknown releases
// are older than every known one and get Ocata's check.
func HealthCheckFor(release string) HealthCheck {
	switch {
	case Compare(release, "wallaby") >= 0:
		return HealthCheck{Path: "/healthcheck", Status: http.StatusOK}
	case Compare(release, "pike") >= 0:
		return HealthCheck{Path: "/", Status: http.StatusOK}
	default:
		return HealthCheck{Path: "/", Status: http.StatusUnauthorized}
	}
}
