package evm

import (
	"fmt"
	"net/url"
	"time"

	"github.com/lianjian/lianjian/ledger"
)

// Config configures a Client.
type Config struct {
	// Chain is the index id of the chain.
	Chain string
	// HTTP is the JSON-RPC endpoint (http:// or https://). Required.
	HTTP string
	// WS is the WebSocket endpoint for head subscriptions (ws:// or
	// wss://). Optional: without it the ingester polls.
	WS string
	// ChainID is the expected EIP-155 chain id; 0 takes the node's word
	// once at start and pins it.
	ChainID uint64
	// Timeout bounds each JSON-RPC request.
	Timeout time.Duration
	// FetchCode fetches the runtime code of created contracts.
	FetchCode bool
}

// Defaults fills zero fields.
func (c *Config) Defaults() {
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
}

// Validate checks the configuration and names the offending field.
func (c Config) Validate() error {
	u, err := url.Parse(c.HTTP)
	switch {
	case c.Chain == "":
		return fmt.Errorf("%w: chain id is empty", ledger.ErrInvalid)
	case c.HTTP == "":
		return fmt.Errorf("%w: http endpoint is empty", ledger.ErrInvalid)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("%w: http endpoint %q is not an http(s) URL", ledger.ErrInvalid, c.HTTP)
	case c.Timeout < 0:
		return fmt.Errorf("%w: timeout %s is negative", ledger.ErrInvalid, c.Timeout)
	}
	if c.WS != "" {
		u, err := url.Parse(c.WS)
		if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
			return fmt.Errorf("%w: ws endpoint %q is not a ws(s) URL", ledger.ErrInvalid, c.WS)
		}
	}
	return nil
}
