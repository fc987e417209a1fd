package main

import (
	"cmp"
	"fmt"
	"os"
	"regexp"
	"time"

	"github.com/lianjian/lianjian/ledger"
	"github.com/lianjian/lianjian/ledger/fabric"
)

// FabricConfig is the fabric: section of a chain of kind fabric. Each
// channel becomes one chain, ID-CHANNEL unless chain_ids names it.
type FabricConfig struct {
	Network  string            `yaml:"network"`   // network name shown in the API (default: the chain id)
	Profile  string            `yaml:"profile"`   // fabric-sdk-go connection profile (YAML)
	Org      string            `yaml:"org"`       // client organisation in the profile (default: the profile's)
	Peer     string            `yaml:"peer"`      // peer to read from, by its name in the profile (default: the org's peers)
	Channels []string          `yaml:"channels"`  // channels to supervise
	ChainIDs map[string]string `yaml:"chain_ids"` // channel -> chain id
	User     FabricUser        `yaml:"user"`      // identity that reads the ledger
	Timeout  Duration          `yaml:"timeout"`   // per request (default 30s)
}

// FabricUser is the identity a Fabric chain is read with: an MSP
// directory (signcerts/ and keystore/) or a certificate and key file.
type FabricUser struct {
	MSPID  string `yaml:"msp_id"`
	MSPDir string `yaml:"msp_dir"`
	Cert   string `yaml:"cert"`
	Key    string `yaml:"key"`
}

// channelName is Fabric's rule for channel names.
var channelName = regexp.MustCompile(`^[a-z][a-z0-9.-]{0,248}$`)

// validateFabric checks the fabric: section and names the offending key.
func (ch *ChainConfig) validateFabric(key string) error {
	f := ch.Fabric
	if f == nil {
		return bad(key+".fabric", "is missing for a chain of kind fabric")
	}
	key += ".fabric"
	if f.Profile == "" {
		return bad(key+".profile", "is empty; name a fabric-sdk-go connection profile")
	}
	if _, err := os.Stat(f.Profile); err != nil {
		return bad(key+".profile", "%v", err)
	}
	if len(f.Channels) == 0 {
		return bad(key+".channels", "is empty; list the channels to supervise")
	}
	ids := ch.channelChainIDs()
	for i, c := range f.Channels {
		if !channelName.MatchString(c) {
			return bad(fmt.Sprintf("%s.channels[%d]", key, i), "%q is not a Fabric channel name", c)
		}
		if !ledger.ValidChainID(ids[c]) {
			return bad(key+".chain_ids", "chain id %q of channel %q must be 1-63 lower-case letters, digits, '.', '_' or '-'", ids[c], c)
		}
	}
	for c := range f.ChainIDs {
		if !channelListed(f.Channels, c) {
			return bad(key+".chain_ids", "channel %q is not in channels", c)
		}
	}
	if ledger.Crypto(ch.Crypto) == ledger.CryptoGM {
		return bad(key[:len(key)-len(".fabric")]+".crypto",
			"gm: fabric-sdk-go cannot sign with SM2 keys, so live follow of national-crypto Fabric is not available; import its ledger files with lianjian ingest --fabric-dir")
	}
	if time.Duration(f.Timeout) < 0 {
		return bad(key+".timeout", "must not be negative")
	}
	if _, err := ch.liveConfig(key); err != nil {
		return err
	}
	return nil
}

func channelListed(chs []string, c string) bool {
	for _, x := range chs {
		if x == c {
			return true
		}
	}
	return false
}

// liveConfig builds the live-follow configuration, reading the user's
// certificate and key; key names the fabric: section in errors.
func (ch *ChainConfig) liveConfig(key string) (fabric.LiveConfig, error) {
	f := ch.Fabric
	key += ".user"
	lc := fabric.LiveConfig{
		Profile: f.Profile, Org: f.Org, Peer: f.Peer, MSPID: f.User.MSPID,
		Timeout: time.Duration(f.Timeout),
	}
	var err error
	switch u := f.User; {
	case u.MSPDir != "" && (u.Cert != "" || u.Key != ""):
		return lc, bad(key, "give msp_dir or cert and key, not both")
	case u.MSPDir != "":
		if lc.Cert, lc.Key, err = fabric.ReadMSPDir(u.MSPDir); err != nil {
			return lc, bad(key+".msp_dir", "%v", err)
		}
	case u.Cert != "" && u.Key != "":
		if lc.Cert, err = os.ReadFile(u.Cert); err != nil {
			return lc, bad(key+".cert", "%v", err)
		}
		if lc.Key, err = os.ReadFile(u.Key); err != nil {
			return lc, bad(key+".key", "%v", err)
		}
	default:
		return lc, bad(key, "name msp_dir, or cert and key")
	}
	if err := lc.Validate(); err != nil {
		return lc, bad(key, "%s", reason(err))
	}
	return lc, nil
}

// channelChainIDs maps each channel of a fabric chain to its chain id.
func (ch *ChainConfig) channelChainIDs() map[string]string {
	out := map[string]string{}
	if ch.Fabric == nil {
		return out
	}
	for _, c := range ch.Fabric.Channels {
		out[c] = cmp.Or(ch.Fabric.ChainIDs[c], ch.ID+"-"+c)
	}
	return out
}

// chainIDs lists the chain ids a configured chain produces.
func (ch *ChainConfig) chainIDs() []string {
	if ledger.Kind(ch.Kind) != ledger.KindFabric || ch.Fabric == nil {
		return []string{ch.ID}
	}
	var out []string
	for _, c := range ch.Fabric.Channels {
		out = append(out, ch.channelChainIDs()[c])
	}
	return out
}

// fabricModels describes the chain of each channel.
func (ch *ChainConfig) fabricModels() []ledger.Chain {
	ids := ch.channelChainIDs()
	out := make([]ledger.Chain, 0, len(ch.Fabric.Channels))
	for _, c := range ch.Fabric.Channels {
		out = append(out, ledger.Chain{
			ID: ids[c], Kind: ledger.KindFabric, Name: cmp.Or(ch.Name, ch.ID) + "/" + c,
			Network: cmp.Or(ch.Fabric.Network, ch.ID), Channel: c, Crypto: ledger.Crypto(ch.Crypto),
		})
	}
	return out
}
