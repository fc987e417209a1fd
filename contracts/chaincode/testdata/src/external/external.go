package external

import (
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// SmartContract reaches outside the peer.
type SmartContract struct {
	contractapi.Contract
}

// Fetch calls a web service, files, processes and the environment.
func (s *SmartContract) Fetch(ctx contractapi.TransactionContextInterface, addr string) error {
	resp, err := http.Get(addr) // want "network access via http.Get"
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	client := &http.Client{}
	_, _ = client.Get(addr)                   // want "network access via http.Client.Get"
	_, _ = os.ReadFile("/etc/hosts")          // want "peer environment access via os.ReadFile"
	_ = exec.Command("date").Run()            // want "call of os/exec.Command" "call of os/exec.Run"
	_ = os.Getenv("HOME")                     // want "peer environment access via os.Getenv"
	conn, _ := net.Dial("tcp", "127.0.0.1:1") // want "network access via net.Dial"
	_, _ = url.Parse(addr)                    // pure parsing: fine
	_ = net.ParseIP("127.0.0.1")              // pure parsing: fine
	_ = conn
	return nil
}
