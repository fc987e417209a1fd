package fabnet

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// EndorsementPolicy is the chaincode's signature policy: every transaction
// carries one endorsement from each org.
const EndorsementPolicy = "AND('Org1MSP.peer','Org2MSP.peer')"

// chaincodeVersion is the lifecycle version of the chaincode definition.
const chaincodeVersion = "1.0"

// tarGz returns a gzipped tar holding the given files in order.
func tarGz(files ...[2]string) ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		hdr := &tar.Header{Name: f[0], Mode: 0o644, Size: int64(len(f[1])), ModTime: time.Unix(0, 0)}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write([]byte(f[1])); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ccaasPackage builds a chaincode-as-a-service package pointing at addr.
func ccaasPackage(label, addr string) ([]byte, error) {
	conn, err := json.Marshal(map[string]any{"address": addr, "dial_timeout": "10s", "tls_required": false})
	if err != nil {
		return nil, err
	}
	code, err := tarGz([2]string{"connection.json", string(conn)})
	if err != nil {
		return nil, err
	}
	meta, err := json.Marshal(map[string]string{"type": "ccaas", "label": label})
	if err != nil {
		return nil, err
	}
	return tarGz([2]string{"metadata.json", string(meta)}, [2]string{"code.tar.gz", string(code)})
}

// deployChaincode installs the CCaaS package on both peers, starts the
// chaincode server, approves the definition for both orgs, commits it and
// waits until both peers can run it.
func (n *Network) deployChaincode(ctx context.Context) error {
	pkg, err := ccaasPackage(DefaultChaincode+"_"+chaincodeVersion, n.ccAddr)
	if err != nil {
		return fmt.Errorf("package chaincode: %w", err)
	}
	pkgPath := n.path(DefaultChaincode + ".tar.gz")
	if err := os.WriteFile(pkgPath, pkg, 0o644); err != nil {
		return fmt.Errorf("write chaincode package: %w", err)
	}
	id, err := n.tool(ctx, "peer", n.cliEnv(n.admin("Org1"), nil), "lifecycle", "chaincode", "calculatepackageid", pkgPath)
	if err != nil {
		return err
	}
	n.packageID = strings.TrimSpace(string(id))
	err = n.eachPeer(func(p *peerNode) error {
		_, err := n.tool(ctx, "peer", n.cliEnv(n.admin(p.Org), p), "lifecycle", "chaincode", "install", pkgPath)
		return err
	})
	if err != nil {
		return err
	}
	n.opts.Logger.Debug("chaincode installed", "package", n.packageID)
	env := append(cleanEnv(), "CHAINCODE_ID="+n.packageID, "CHAINCODE_SERVER_ADDRESS="+n.ccAddr)
	n.cc, err = startProc(DefaultChaincode, n.bin.Path(ChaincodeBinary), nil, env, n.logPath(DefaultChaincode))
	if err != nil {
		return err
	}
	if err := waitReady(ctx, n.cc, n.opts.ReadyTimeout, n.logPath(DefaultChaincode), dialable(n.ccAddr)); err != nil {
		return err
	}
	def := []string{"--channelID", n.opts.Channel, "--name", DefaultChaincode, "--version", chaincodeVersion,
		"--sequence", "1", "--signature-policy", EndorsementPolicy}
	err = n.eachPeer(func(p *peerNode) error {
		admin := n.admin(p.Org)
		args := append([]string{"lifecycle", "chaincode", "approveformyorg", "--package-id", n.packageID}, def...)
		args = append(append(args, n.ordererFlags(admin)...), "--waitForEvent")
		err := n.ordererRetry(ctx, func() error {
			_, err := n.tool(ctx, "peer", n.cliEnv(admin, p), args...)
			return err
		})
		if err == nil {
			n.txs.Add(1)
		}
		return err
	})
	if err != nil {
		return err
	}
	admin := n.admin("Org1")
	args := append(append([]string{"lifecycle", "chaincode", "commit"}, def...), n.ordererFlags(admin)...)
	args = append(args, n.peerFlags(n.peers)...)
	err = n.ordererRetry(ctx, func() error {
		_, err := n.tool(ctx, "peer", n.cliEnv(admin, n.peers[0]), args...)
		return err
	})
	if err != nil {
		return err
	}
	n.txs.Add(1)
	n.opts.Logger.Debug("chaincode committed")
	return n.eachPeer(func(p *peerNode) error {
		return retry(ctx, n.opts.ReadyTimeout, func() error {
			_, err := n.queryOn(ctx, p, DefaultChaincode, "get", "fabnet-ready")
			return err
		})
	})
}
