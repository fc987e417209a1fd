package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/lianjian/lianjian/api/report"
	"github.com/lianjian/lianjian/api/transport"
	"github.com/lianjian/lianjian/ledger/supervise"
)

func init() {
	commands["devcert"] = command{run: runDevCert}
}

// Files devcert writes for the audit log, under --auditlog-dir.
const (
	devAuditKey         = "auditlog-key.pem"
	devAuditPub         = "auditlog-pub.pem"
	devAuditCheckpoints = "auditlog-checkpoints.jsonl"
)

// devcertTexts are devcert's messages, zh-CN by default.
var devcertTexts = map[string]struct{ Kept, Outside string }{
	report.LangZH: {
		Kept:    "# 沿用已有的审计日志签名密钥 %s（更换密钥会使此前的检查点无法用新公钥校验）",
		Outside: "# 审计日志密钥和检查点文件须放在数据目录之外；生产环境请将检查点文件设为仅追加：sudo chattr +a %s",
	},
	report.LangEN: {
		Kept:    "# kept the existing audit log signing key %s (a new key would not verify the checkpoints signed before)",
		Outside: "# keep the audit log key and checkpoint file outside the data directory; in production make the checkpoint file append-only: sudo chattr +a %s",
	},
}

func runDevCert(_ context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("devcert", flag.ContinueOnError)
	dir := fs.String("dir", "lianjian-data/tls", "directory to write the certificates to")
	hosts := fs.String("hosts", "localhost,127.0.0.1,::1", "comma-separated host names and IPs the certificates are valid for")
	auditDir := fs.String("auditlog-dir", "lianjian-keys", "directory, outside the data directory, for the audit log's SM2 signing key and checkpoint file (empty: none)")
	lang := fs.String("lang", report.LangZH, "zh-CN or en")
	if err := parse(fs, args); err != nil {
		return err
	}
	t, ok := devcertTexts[*lang]
	if !ok {
		return fmt.Errorf("%w: devcert: --lang %q is not zh-CN or en", errUsage, *lang)
	}
	c, err := transport.DevCerts(*dir, strings.Split(*hosts, ","))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "api:\n  tls:\n    cert: %s\n    key: %s\n    gm: true\n    sign_cert: %s\n    sign_key: %s\n    enc_cert: %s\n    enc_key: %s\n",
		c.Cert, c.Key, c.SignCert, c.SignKey, c.EncCert, c.EncKey)
	if *auditDir == "" {
		return nil
	}
	key, pub, kept, err := devAuditKeyPair(*auditDir)
	if err != nil {
		return err
	}
	if kept {
		fmt.Fprintf(e.stderr, t.Kept+"\n", key)
	}
	cps := filepath.Join(*auditDir, devAuditCheckpoints)
	fmt.Fprintf(e.stdout, t.Outside+"\nauditlog:\n  key: %s\n  pubkey: %s\n  checkpoints: %s\n  interval: 5m\n", cps, key, pub, cps)
	return nil
}

// devAuditKeyPair writes a new SM2 key pair for the audit log under dir,
// unless one is there: replacing it would orphan the checkpoints it signed.
func devAuditKeyPair(dir string) (key, pub string, kept bool, err error) {
	key, pub = filepath.Join(dir, devAuditKey), filepath.Join(dir, devAuditPub)
	if _, err := os.Stat(key); err == nil {
		return key, pub, true, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", "", false, fmt.Errorf("audit log key: %w", err)
	}
	priv, pubPEM, err := supervise.GenerateKey()
	if err != nil {
		return "", "", false, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", false, fmt.Errorf("audit log key: %w", err)
	}
	if err := os.WriteFile(key, priv, 0o600); err != nil {
		return "", "", false, fmt.Errorf("audit log key: %w", err)
	}
	if err := os.WriteFile(pub, pubPEM, 0o644); err != nil {
		return "", "", false, fmt.Errorf("audit log key: %w", err)
	}
	return key, pub, false, nil
}
