package main

import (
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lianjian/lianjian/ledger/supervise"
	"github.com/lianjian/lianjian/ledger/supervise/anchor"
)

// AuditLogConfig anchors the audit log (the auditlog: section of the
// config): its head is signed into checkpoints with an SM2 key kept
// outside the data directory, and each checkpoint is written outside it
// too. Without key the log is not anchored (verify says so); a host that
// only verifies sets pubkey and checkpoints.
type AuditLogConfig struct {
	Key         string   `yaml:"key"`         // SM2 private key (PEM) that signs checkpoints
	PubKey      string   `yaml:"pubkey"`      // SM2 public key (PEM) that verifies them (default: key's)
	Checkpoints string   `yaml:"checkpoints"` // append-only file of checkpoints, one JSON per line
	Webhook     string   `yaml:"webhook"`     // http(s) URL receiving a POST of each checkpoint
	Interval    Duration `yaml:"interval"`    // between checkpoints under serve (default 5m)
}

// validate checks the section, naming the offending key.
func (a *AuditLogConfig) validate(dataDir string) error {
	if a.Key == "" {
		switch {
		case a.Webhook != "":
			return bad("auditlog.key", "is needed to sign the checkpoints auditlog.webhook would receive")
		case a.Interval != 0:
			return bad("auditlog.key", "is needed to sign checkpoints every auditlog.interval")
		}
	} else if a.Checkpoints == "" && a.Webhook == "" {
		return bad("auditlog.checkpoints", "is empty and so is auditlog.webhook: each checkpoint must also be written outside the data directory (set either or both)")
	}
	for _, f := range []struct{ key, path string }{
		{"auditlog.key", a.Key}, {"auditlog.pubkey", a.PubKey}, {"auditlog.checkpoints", a.Checkpoints},
	} {
		if f.path != "" && inside(dataDir, f.path) {
			return bad(f.key, "%q is inside data_dir %q: whoever can write the data directory could then rewrite the anchor too", f.path, dataDir)
		}
	}
	if a.Webhook != "" {
		if u, err := url.Parse(a.Webhook); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("auditlog.webhook", "%q is not an http(s) URL", a.Webhook)
		}
	}
	if a.Interval != 0 && time.Duration(a.Interval) < time.Second {
		return bad("auditlog.interval", "%s is under 1s", time.Duration(a.Interval))
	}
	return nil
}

// inside reports whether path is dir or under it.
func inside(dir, path string) bool {
	d, err1 := filepath.Abs(dir)
	p, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// signer reads the signing key; nil when the log is not anchored.
func (a *AuditLogConfig) signer() (*supervise.Signer, error) {
	if a.Key == "" {
		return nil, nil
	}
	raw, err := os.ReadFile(a.Key)
	if err != nil {
		return nil, bad("auditlog.key", "%v", err)
	}
	s, err := supervise.NewSigner(raw)
	if err != nil {
		return nil, bad("auditlog.key", "%s: %v", a.Key, err)
	}
	return s, nil
}

// publicKey reads the key that verifies checkpoints: pubkey, else the
// public half of key. It is zero when neither is set.
func (a *AuditLogConfig) publicKey() (supervise.PublicKey, error) {
	return readPublicKey(a.PubKey, a.Key, "auditlog.pubkey", "auditlog.key")
}

// readPublicKey reads the first of the paths that is set, naming its key.
func readPublicKey(pathA, pathB, keyA, keyB string) (supervise.PublicKey, error) {
	path, key := pathA, keyA
	if path == "" {
		path, key = pathB, keyB
	}
	if path == "" {
		return supervise.PublicKey{}, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return supervise.PublicKey{}, bad(key, "%v", err)
	}
	k, err := supervise.ParsePublicKey(raw)
	if err != nil {
		return supervise.PublicKey{}, bad(key, "%s: %v", path, err)
	}
	return k, nil
}

// anchor builds the Anchor that signs and publishes checkpoints of db's
// log; nil when the log is not anchored. log may be nil.
func (a *AuditLogConfig) anchor(db anchor.Store, log *slog.Logger) (*anchor.Anchor, error) {
	s, err := a.signer()
	if s == nil || err != nil {
		return nil, err
	}
	anc, err := anchor.New(anchor.Config{
		Interval: time.Duration(a.Interval), File: a.Checkpoints, Webhook: a.Webhook,
	}, db, s, nil, log)
	if err != nil {
		return nil, bad("auditlog", "%s", reason(err))
	}
	return anc, nil
}
