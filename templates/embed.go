// Package templates holds the charm's configuration templates and embeds
// them into the binary.
//
// Base templates live in this directory as <target file name>.tmpl (for
// example panko.conf.tmpl). A template that must differ from some OpenStack
// release on lives in a directory named after that release
// (<release>/<name>.tmpl); internal/render picks the newest such directory
// that is not newer than the deployed release, else the base template. When
// a release directory is added, add its pattern to the go:embed line below.
//
// Layer charm (see internal/layers): it imports only packages that ship in
// the charm; the local model, the bench and every test layer may use it, but
// nothing it imports may import it back, and the local model imports it only
// where internal/layers lists why.
package templates

import "embed"

// FS holds every template file, with paths relative to this directory.
//
//go:embed *.tmpl
var FS embed.FS
