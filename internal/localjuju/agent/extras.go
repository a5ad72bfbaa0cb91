package main

import (
	"github.com/juju/errors"
	"github.com/juju/names/v5"

	"github.com/juju/juju/core/network"
	"github.com/juju/juju/core/payloads"
	"github.com/juju/juju/core/secrets"
	"github.com/juju/juju/internal/worker/uniter/runner/jujuc"
	"github.com/juju/juju/rpc/params"

	"github.com/juju/juju/cmd/localjuju-agent/unitstate"
)

// OpenPortRange records a pending open-port (one unit per machine here, so
// only this unit's ranges can conflict).
func (c *hookContext) OpenPortRange(ep string, pr network.PortRange) error {
	if err := pr.Validate(); err != nil {
		return errors.Trace(err)
	}
	c.pendClose[ep] = withoutRange(c.pendClose[ep], pr)
	for _, group := range []network.GroupedPortRanges{c.pendOpen, c.ports} {
		for _, have := range group[ep] {
			if have == pr {
				return nil
			}
			if pr.ConflictsWith(have) {
				return errors.Errorf("cannot open %v (unit %q): port range conflicts with %v (unit %q)", pr, c.st.Unit, have, c.st.Unit)
			}
		}
	}
	c.pendOpen[ep] = append(c.pendOpen[ep], pr)
	return nil
}

// ClosePortRange records a pending close-port.
func (c *hookContext) ClosePortRange(ep string, pr network.PortRange) error {
	if err := pr.Validate(); err != nil {
		return errors.Trace(err)
	}
	c.pendOpen[ep] = withoutRange(c.pendOpen[ep], pr)
	for _, have := range c.pendClose[ep] {
		if have == pr {
			return nil
		}
	}
	c.pendClose[ep] = append(c.pendClose[ep], pr)
	return nil
}

// OpenedPortRanges returns the committed ranges with the pending changes.
func (c *hookContext) OpenedPortRanges() network.GroupedPortRanges {
	res := c.ports.Clone()
	if res == nil {
		res = network.GroupedPortRanges{}
	}
	res.MergePendingOpenPortRanges(c.pendOpen)
	res.MergePendingClosePortRanges(c.pendClose)
	return res
}

func withoutRange(list []network.PortRange, pr network.PortRange) []network.PortRange {
	var out []network.PortRange
	for _, x := range list {
		if x != pr {
			out = append(out, x)
		}
	}
	return out
}

// errNoAction is the answer to an action tool outside an action.
var errNoAction = errors.New("not running an action")

// ActionParams returns the action's parameters.
func (c *hookContext) ActionParams() (map[string]any, error) {
	if c.action == nil {
		return nil, errNoAction
	}
	return c.st.Action.Params, nil
}

// UpdateActionResults sets a (dotted) result key, as the uniter does.
func (c *hookContext) UpdateActionResults(keys []string, value any) error {
	if c.action == nil {
		return errNoAction
	}
	unitstate.SetPath(c.action.results, keys, value)
	return nil
}

// SetActionMessage sets the action's message.
func (c *hookContext) SetActionMessage(m string) error {
	if c.action == nil {
		return errNoAction
	}
	c.action.message = m
	return nil
}

// SetActionFailed marks the action failed.
func (c *hookContext) SetActionFailed() error {
	if c.action == nil {
		return errNoAction
	}
	c.action.failed = true
	return nil
}

// LogActionMessage records an action-log line.
func (c *hookContext) LogActionMessage(m string) error {
	if c.action == nil {
		return errNoAction
	}
	c.action.logs = append(c.action.logs, m)
	return nil
}

// The rest of jujuc.Context is what machine charms here never get: k8s
// specs, storage, payloads, secrets, reboots, availability zones.

func notSupported(what string) error { return errors.NotSupportedf("%s", what) }

// SetPodSpec is not supported on machines.
func (c *hookContext) SetPodSpec(string) error { return notSupported("k8s spec") }

// GetPodSpec is not supported on machines.
func (c *hookContext) GetPodSpec() (string, error) { return "", notSupported("k8s spec") }

// SetRawK8sSpec is not supported on machines.
func (c *hookContext) SetRawK8sSpec(string) error { return notSupported("k8s spec") }

// GetRawK8sSpec is not supported on machines.
func (c *hookContext) GetRawK8sSpec() (string, error) { return "", notSupported("k8s spec") }

// WorkloadName is k8s only.
func (c *hookContext) WorkloadName() (string, error) { return "", errors.NotFoundf("workload name") }

// AvailabilityZone is unknown here.
func (c *hookContext) AvailabilityZone() (string, error) {
	return "", errors.NotFoundf("availability zone")
}

// RequestReboot is not supported.
func (c *hookContext) RequestReboot(jujuc.RebootPriority) error { return notSupported("juju-reboot") }

// StorageTags returns no storage.
func (c *hookContext) StorageTags() ([]names.StorageTag, error) { return nil, nil }

// Storage finds no storage.
func (c *hookContext) Storage(t names.StorageTag) (jujuc.ContextStorageAttachment, error) {
	return nil, errors.NotFoundf("storage %q", t.Id())
}

// HookStorage finds no storage.
func (c *hookContext) HookStorage() (jujuc.ContextStorageAttachment, error) {
	return nil, errors.NotFoundf("hook storage")
}

// AddUnitStorage is not supported.
func (c *hookContext) AddUnitStorage(map[string]params.StorageConstraints) error {
	return notSupported("storage-add")
}

// GetPayload is not supported.
func (c *hookContext) GetPayload(string, string) (*payloads.Payload, error) {
	return nil, notSupported("payloads")
}

// TrackPayload is not supported.
func (c *hookContext) TrackPayload(payloads.Payload) error { return notSupported("payloads") }

// UntrackPayload is not supported.
func (c *hookContext) UntrackPayload(string, string) error { return notSupported("payloads") }

// SetPayloadStatus is not supported.
func (c *hookContext) SetPayloadStatus(string, string, string) error {
	return notSupported("payloads")
}

// ListPayloads is not supported.
func (c *hookContext) ListPayloads() ([]string, error) { return nil, notSupported("payloads") }

// FlushPayloads has nothing to flush.
func (c *hookContext) FlushPayloads() error { return nil }

// GetSecret is not supported.
func (c *hookContext) GetSecret(*secrets.URI, string, bool, bool) (secrets.SecretValue, error) {
	return nil, notSupported("secrets")
}

// CreateSecret is not supported.
func (c *hookContext) CreateSecret(*jujuc.SecretCreateArgs) (*secrets.URI, error) {
	return nil, notSupported("secrets")
}

// UpdateSecret is not supported.
func (c *hookContext) UpdateSecret(*secrets.URI, *jujuc.SecretUpdateArgs) error {
	return notSupported("secrets")
}

// RemoveSecret is not supported.
func (c *hookContext) RemoveSecret(*secrets.URI, *int) error { return notSupported("secrets") }

// GrantSecret is not supported.
func (c *hookContext) GrantSecret(*secrets.URI, *jujuc.SecretGrantRevokeArgs) error {
	return notSupported("secrets")
}

// RevokeSecret is not supported.
func (c *hookContext) RevokeSecret(*secrets.URI, *jujuc.SecretGrantRevokeArgs) error {
	return notSupported("secrets")
}

// SecretMetadata returns no secrets.
func (c *hookContext) SecretMetadata() (map[string]jujuc.SecretMetadata, error) {
	return map[string]jujuc.SecretMetadata{}, nil
}
