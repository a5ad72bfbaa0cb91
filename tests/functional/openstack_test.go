//go:build functional

package functional

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/openstack-charmers/charm-panko/internal/openstack"
)

// vaultCA returns the root CA vault issued, from the get-root-ca action of
// its leader, as a pool with the system CAs.
func (m *model) vaultCA(ctx context.Context) (*x509.CertPool, error) {
	leader, err := m.leader("vault")
	if err != nil {
		return nil, err
	}
	out, err := m.runAction(ctx, leader, "get-root-ca", nil)
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	for _, v := range out {
		if s, ok := v.(string); ok && strings.Contains(s, "BEGIN CERTIFICATE") {
			if pool.AppendCertsFromPEM([]byte(s)) {
				return pool, nil
			}
		}
	}
	return nil, errors.New("get-root-ca returned no PEM certificate")
}

// httpClient returns a client that trusts pool (nil: the system CAs).
func httpClient(pool *x509.CertPool) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		},
	}
}

// catalogEntry is one service of a keystone v3 token's catalog.
type catalogEntry struct {
	Type      string `json:"type"`
	Name      string `json:"name"`
	Endpoints []struct {
		Interface string `json:"interface"`
		Region    string `json:"region"`
		URL       string `json:"url"`
	} `json:"endpoints"`
}

// keystoneCatalog authenticates as keystone's admin user (password from
// the keystone leader's leader settings) and returns the catalog of the
// token. The password is never logged or put into an error.
func (m *model) keystoneCatalog(ctx context.Context, pool *x509.CertPool) ([]catalogEntry, error) {
	leader, err := m.leader("keystone")
	if err != nil {
		return nil, err
	}
	password, err := m.exec(ctx, leader, "leader-get admin_passwd")
	if err != nil {
		return nil, fmt.Errorf("keystone admin password: %w", err)
	}
	password = strings.TrimSpace(password)
	if password == "" {
		return nil, errors.New("keystone leader has no admin_passwd")
	}
	us, err := m.unitStatus(leader)
	if err != nil {
		return nil, err
	}
	scheme := "http"
	if tlsOn, err := m.hasRelation("keystone", "certificates"); err != nil {
		return nil, err
	} else if tlsOn {
		scheme = "https"
	}
	authURL := openstack.URL(scheme, us.PublicAddress, 5000) + "/v3/auth/tokens"

	body := map[string]interface{}{
		"auth": map[string]interface{}{
			"identity": map[string]interface{}{
				"methods": []string{"password"},
				"password": map[string]interface{}{
					"user": map[string]interface{}{
						"name":     "admin",
						"domain":   map[string]string{"name": "admin_domain"},
						"password": password,
					},
				},
			},
			"scope": map[string]interface{}{
				"project": map[string]interface{}{
					"name":   "admin",
					"domain": map[string]string{"name": "admin_domain"},
				},
			},
		},
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("token request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, authURL, bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpClient(pool).Do(req)
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", authURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("POST %s: %s", authURL, resp.Status)
	}
	var token struct {
		Token struct {
			Catalog []catalogEntry `json:"catalog"`
		} `json:"token"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(&token); err != nil {
		return nil, fmt.Errorf("token response: %w", err)
	}
	return token.Token.Catalog, nil
}

// get fetches url and returns the status code and up to 64 KiB of body.
func get(ctx context.Context, c *http.Client, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", fmt.Errorf("GET %s: %w", url, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return resp.StatusCode, "", fmt.Errorf("GET %s: %w", url, err)
	}
	return resp.StatusCode, string(b), nil
}
