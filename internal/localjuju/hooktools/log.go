package hooktools

import (
	"errors"
	"fmt"
	"strings"
)

// jujuLog implements juju-log.
type jujuLog struct {
	c       *Context
	message string
	debug   bool
	level   string
	format  string
}

func newJujuLog(c *Context) tool { return &jujuLog{c: c, level: "INFO"} }

func (t *jujuLog) info() toolInfo {
	return toolInfo{name: "juju-log", args: "<message>", purpose: "Write a message to the juju log."}
}

func (t *jujuLog) setFlags(fs *flagSet) {
	fs.boolVar(&t.debug, "log at debug level", "debug")
	fs.stringVar(&t.level, "Send log message at the given level", "l", "log-level")
	fs.stringVar(&t.format, "deprecated format flag", "format")
}

func (t *jujuLog) init(args []string) error {
	if len(args) == 0 {
		return errors.New("no message specified")
	}
	t.message = strings.Join(args, " ")
	return nil
}

// logLevel maps a level name (any case) to the name Juju logs it under;
// ok is false for an unknown name. "UNSPECIFIED" is valid but never logged.
func logLevel(name string) (level string, ok bool) {
	switch strings.ToUpper(name) {
	case "UNSPECIFIED":
		return "", true
	case "TRACE":
		return "TRACE", true
	case "DEBUG":
		return "DEBUG", true
	case "INFO":
		return "INFO", true
	case "WARN", "WARNING":
		return "WARNING", true
	case "ERROR":
		return "ERROR", true
	case "CRITICAL":
		return "CRITICAL", true
	}
	return "", false
}

func (t *jujuLog) run(rc *runContext) error {
	if t.format != "" {
		fmt.Fprintf(rc.stderr, "--format flag deprecated for command %q", "juju-log")
	}
	level := "INFO"
	if t.debug {
		level = "DEBUG"
	} else if t.level != "" {
		var ok bool
		if level, ok = logLevel(t.level); !ok {
			t.c.log("WARNING", fmt.Sprintf("Specified log level of %q is not valid", t.level))
			level = "INFO"
		}
	}
	prefix := ""
	if r := t.c.relation(t.c.hookRel); r != nil {
		prefix = r.fakeID() + ": "
	}
	t.c.log(level, prefix+t.message)
	return nil
}

// log records a juju-log line; an empty level (UNSPECIFIED) is dropped.
func (c *Context) log(level, message string) {
	if level == "" {
		return
	}
	c.logs = append(c.logs, LogLine{Level: level, Message: message})
}
