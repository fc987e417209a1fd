// Command kvcc is the key/value chaincode of the Lianjian test networks. It
// runs as a service (CCaaS): the peer dials it at the address its
// connection.json names, so no Docker is needed.
//
// It reads two environment variables:
//
//	CHAINCODE_ID               the package id returned by "peer lifecycle chaincode install"
//	CHAINCODE_SERVER_ADDRESS   the listen address, e.g. 127.0.0.1:9999
//
// The functions are documented on KV.
package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

func main() {
	if err := run(); err != nil {
		slog.Error("kvcc stopped", "err", err)
		os.Exit(1)
	}
}

func run() error {
	id := os.Getenv("CHAINCODE_ID")
	addr := os.Getenv("CHAINCODE_SERVER_ADDRESS")
	if id == "" || addr == "" {
		return fmt.Errorf("CHAINCODE_ID and CHAINCODE_SERVER_ADDRESS must be set")
	}
	srv := &shim.ChaincodeServer{
		CCID:     id,
		Address:  addr,
		CC:       KV{},
		TLSProps: shim.TLSProperties{Disabled: true},
	}
	slog.Info("kvcc serving", "addr", addr, "ccid", id)
	if err := srv.Start(); err != nil {
		return fmt.Errorf("serve chaincode: %w", err)
	}
	return nil
}
