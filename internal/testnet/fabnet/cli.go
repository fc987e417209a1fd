package fabnet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Identity is a user of an organisation, as files written by cryptogen.
type Identity struct {
	MSPID   string `json:"mspId"`
	MSPDir  string `json:"mspDir"`  // the user's msp directory
	Cert    string `json:"cert"`    // signing certificate (PEM)
	Key     string `json:"key"`     // signing private key (PKCS#8 PEM)
	TLSCert string `json:"tlsCert"` // TLS client certificate (PEM)
	TLSKey  string `json:"tlsKey"`  // TLS client private key (PEM)
}

// OrdererOrg names the orderer organisation in User.
const OrdererOrg = "Orderer"

// User returns the identity files of user name ("Admin" or "User1") of org
// ("Org1", "Org2" or OrdererOrg; the orderer org has only "Admin").
func (n *Network) User(org, name string) (Identity, error) {
	id, dir, err := n.identity(org, name)
	if err != nil {
		return Identity{}, err
	}
	if _, err := os.Stat(dir); err != nil {
		return Identity{}, fmt.Errorf("%w: user %q of %q", ErrUnknownOrg, name, org)
	}
	return id, nil
}

// identity derives the cryptogen paths of a user and its directory.
func (n *Network) identity(org, name string) (Identity, string, error) {
	var orgDir, domain, msp string
	if strings.EqualFold(org, OrdererOrg) || org == ordererMSP {
		orgDir, domain, msp = filepath.Join(n.cryptoDir(), "ordererOrganizations", ordererDomain), ordererDomain, ordererMSP
	} else {
		p, err := n.peer(org)
		if err != nil {
			return Identity{}, "", err
		}
		domain, msp = orgDomain(p.Org), p.MSPID
		orgDir = filepath.Join(n.cryptoDir(), "peerOrganizations", domain)
	}
	full := name + "@" + domain
	dir := filepath.Join(orgDir, "users", full)
	return Identity{
		MSPID:   msp,
		MSPDir:  filepath.Join(dir, "msp"),
		Cert:    filepath.Join(dir, "msp", "signcerts", full+"-cert.pem"),
		Key:     filepath.Join(dir, "msp", "keystore", "priv_sk"),
		TLSCert: filepath.Join(dir, "tls", "client.crt"),
		TLSKey:  filepath.Join(dir, "tls", "client.key"),
	}, dir, nil
}

// tool runs a Fabric binary and returns its stdout.
func (n *Network) tool(ctx context.Context, name string, env []string, args ...string) ([]byte, error) {
	out, _, err := n.run(ctx, name, env, args...)
	return out, err
}

// run runs a Fabric binary with the clean environment plus env and returns
// stdout and stderr. A failure carries the tail of stderr.
func (n *Network) run(ctx context.Context, name string, env []string, args ...string) ([]byte, []byte, error) {
	cmd := exec.CommandContext(ctx, n.bin.Path(name), args...)
	cmd.Env = append(cleanEnv(), env...)
	cmd.Dir = n.path("tmp")
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := os.MkdirAll(cmd.Dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("create tmp dir: %w", err)
	}
	if err := cmd.Run(); err != nil {
		msg := tail(stderr.Bytes())
		if msg == "" {
			msg = tail(stdout.Bytes())
		}
		if bytes.Contains(stderr.Bytes(), []byte("ProposalResponsePayloads do not match")) {
			return stdout.Bytes(), stderr.Bytes(), fmt.Errorf("%w: %w: %s %s: %v: %s", ErrCommand, ErrMismatch, name, firstArgs(args), err, msg)
		}
		return stdout.Bytes(), stderr.Bytes(), fmt.Errorf("%w: %s %s: %v: %s", ErrCommand, name, firstArgs(args), err, msg)
	}
	return stdout.Bytes(), stderr.Bytes(), nil
}

// firstArgs shortens a command line for error messages.
func firstArgs(args []string) string {
	if len(args) > 4 {
		args = args[:4]
	}
	return strings.Join(args, " ")
}

// cliEnv is the peer CLI environment acting as id against peer p.
func (n *Network) cliEnv(id Identity, p *peerNode) []string {
	env := []string{
		"FABRIC_CFG_PATH=" + n.configDir(),
		"FABRIC_LOGGING_SPEC=info",
		"CORE_PEER_LOCALMSPID=" + id.MSPID,
		"CORE_PEER_MSPCONFIGPATH=" + id.MSPDir,
		"CORE_PEER_TLS_ENABLED=" + n.tlsOn(),
	}
	if p != nil {
		env = append(env, "CORE_PEER_ADDRESS="+p.Addr)
		if !n.opts.TLS.Disabled {
			env = append(env, "CORE_PEER_TLS_ROOTCERT_FILE="+filepath.Join(p.Dir, "tls", "ca.crt"))
		}
	}
	if !n.opts.TLS.Disabled {
		env = append(env,
			"CORE_PEER_TLS_CLIENTAUTHREQUIRED=true",
			"CORE_PEER_TLS_CLIENTCERT_FILE="+id.TLSCert,
			"CORE_PEER_TLS_CLIENTKEY_FILE="+id.TLSKey,
		)
	}
	return env
}

// ordererFlags are the peer CLI flags that reach the first orderer as id
// (Raft and BFT followers forward to the leader).
func (n *Network) ordererFlags(id Identity) []string {
	o := n.orderers[0]
	f := []string{"-o", o.Addr}
	if !n.opts.TLS.Disabled {
		f = append(f, "--tls", "--cafile", o.tlsCA(),
			"--clientauth", "--certfile", id.TLSCert, "--keyfile", id.TLSKey)
	}
	return f
}

// peerFlags are the --peerAddresses (and TLS root) flags for the given peers.
func (n *Network) peerFlags(peers []*peerNode) []string {
	var f []string
	for _, p := range peers {
		f = append(f, "--peerAddresses", p.Addr)
		if !n.opts.TLS.Disabled {
			f = append(f, "--tlsRootCertFiles", filepath.Join(p.Dir, "tls", "ca.crt"))
		}
	}
	return f
}

// admin returns the Admin identity of one of the network's orgs (or
// OrdererOrg); org is always one of the fixed names.
func (n *Network) admin(org string) Identity {
	id, _, _ := n.identity(org, "Admin")
	return id
}

// joinOrderer joins orderer o to the channel through its admin endpoint
// (mutual TLS as the orderer org's admin) and waits until the channel is
// active there.
func (n *Network) joinOrderer(ctx context.Context, o *ordererNode) error {
	id := n.admin(OrdererOrg)
	admin := []string{"-o", addr(o.adminPort),
		"--ca-file", o.tlsCA(),
		"--client-cert", id.TLSCert, "--client-key", id.TLSKey}
	err := retry(ctx, n.opts.ReadyTimeout, func() error {
		out, err := n.tool(ctx, "osnadmin", nil, append([]string{"channel", "join",
			"--channelID", n.opts.Channel, "--config-block", n.genesisPath()}, admin...)...)
		switch {
		case err != nil:
			return err
		case bytes.Contains(out, []byte("Status: 201")), bytes.Contains(out, []byte("already exists")):
			return nil
		}
		return fmt.Errorf("%w: osnadmin channel join: %s", ErrCommand, tail(out))
	})
	if err != nil {
		return err
	}
	return retry(ctx, n.opts.ReadyTimeout, func() error {
		out, err := n.tool(ctx, "osnadmin", nil, append([]string{"channel", "list", "--channelID", n.opts.Channel}, admin...)...)
		if err != nil {
			return err
		}
		var info struct {
			Status string `json:"status"`
		}
		if i := bytes.IndexByte(out, '{'); i >= 0 {
			_ = json.Unmarshal(out[i:], &info)
		}
		if info.Status != "active" {
			return fmt.Errorf("%w: %s channel status %q: %s", ErrNotReady, o.Name, info.Status, tail(out))
		}
		return nil
	})
}

// joinPeer joins p to the channel as its org admin, retrying while the
// orderer elects a leader.
func (n *Network) joinPeer(ctx context.Context, p *peerNode) error {
	env := n.cliEnv(n.admin(p.Org), p)
	return retry(ctx, n.opts.ReadyTimeout, func() error {
		_, err := n.tool(ctx, "peer", env, "channel", "join", "-b", n.genesisPath())
		return err
	})
}

// retry calls f every 500ms until it succeeds or timeout or ctx ends.
func retry(ctx context.Context, timeout time.Duration, f func() error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := f()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// ordererRetry calls f again while the orderer answers SERVICE_UNAVAILABLE
// or NOT_FOUND, as it does until the channel's consensus is running and has
// a leader after the join.
func (n *Network) ordererRetry(ctx context.Context, f func() error) error {
	ctx, cancel := context.WithTimeout(ctx, n.opts.ReadyTimeout)
	defer cancel()
	for {
		err := f()
		if err == nil || !strings.Contains(err.Error(), "SERVICE_UNAVAILABLE") && !strings.Contains(err.Error(), "NOT_FOUND") {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(300 * time.Millisecond):
		}
	}
}
