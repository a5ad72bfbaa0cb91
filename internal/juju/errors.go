package juju

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Errors a hook tool reports, recognised from its stderr. Test with
// errors.Is; the concrete error is a *ToolError.
var (
	// ErrRelationNotFound: the relation id is unknown ("relation not found").
	ErrRelationNotFound = errors.New("relation not found")
	// ErrNotLeader: a leader-only write by a non-leader ("not the leader",
	// "cannot write relation settings").
	ErrNotLeader = errors.New("not the leader")
	// ErrNotInAction: an action tool used outside an action.
	ErrNotInAction = errors.New("not running an action")
	// ErrPermissionDenied: the controller refused access, e.g. reading a
	// unit outside the relation or, as non-leader, the own application bag.
	ErrPermissionDenied = errors.New("permission denied")
)

// ToolError is a hook tool that exited non-zero. It carries neither the
// arguments nor stdin of the call, which may hold secrets.
type ToolError struct {
	Tool   string // e.g. "relation-set"
	Code   int    // exit status: 1 runtime error, 2 usage error
	Stderr string // the tool's stderr, e.g. "ERROR cannot write relation settings\n"
}

// Error returns "<tool>: <message> (exit status N)".
func (e *ToolError) Error() string {
	msg := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(e.Stderr), "ERROR "))
	if msg == "" {
		msg = "no error output"
	}
	return fmt.Sprintf("%s: %s (exit status %d)", e.Tool, msg, e.Code)
}

// Is reports whether the tool's stderr matches one of the Err* sentinels.
func (e *ToolError) Is(target error) bool {
	var texts []string
	switch target {
	case ErrRelationNotFound:
		texts = []string{"relation not found"}
	case ErrNotLeader:
		texts = []string{"not the leader", "cannot write relation settings"}
	case ErrNotInAction:
		texts = []string{"not running an action"}
	case ErrPermissionDenied:
		texts = []string{"permission denied", "access denied"}
	}
	for _, t := range texts {
		if strings.Contains(e.Stderr, t) {
			return true
		}
	}
	return false
}

// minRedactLen is the shortest submitted value redacted from stderr; shorter
// values cannot be secrets and would garble the message.
const minRedactLen = 4

// redact replaces every submitted value of at least minRedactLen bytes in s,
// longest first, so that no error carries data sent to a tool.
func redact(s string, values []string) string {
	vs := make([]string, 0, len(values))
	for _, v := range values {
		if len(v) >= minRedactLen {
			vs = append(vs, v)
		}
	}
	sort.Slice(vs, func(i, j int) bool { return len(vs[i]) > len(vs[j]) })
	for _, v := range vs {
		s = strings.ReplaceAll(s, v, "<redacted>")
	}
	return s
}
