package fabric

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hyperledger/fabric-protos-go/common"
	"github.com/hyperledger/fabric-sdk-go/pkg/client/event"
	sdkledger "github.com/hyperledger/fabric-sdk-go/pkg/client/ledger"
	mspclient "github.com/hyperledger/fabric-sdk-go/pkg/client/msp"
	sdkctx "github.com/hyperledger/fabric-sdk-go/pkg/common/providers/context"
	"github.com/hyperledger/fabric-sdk-go/pkg/common/providers/fab"
	mspctx "github.com/hyperledger/fabric-sdk-go/pkg/common/providers/msp"
	"github.com/hyperledger/fabric-sdk-go/pkg/core/config"
	"github.com/hyperledger/fabric-sdk-go/pkg/fab/events/deliverclient/seek"
	"github.com/hyperledger/fabric-sdk-go/pkg/fabsdk"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"

	"github.com/lianjian/lianjian/ledger"
)

// ErrLive reports a failure of the live connection to a Fabric network:
// the SDK could not be set up, or a peer did not answer.
var ErrLive = errors.New("fabric live")

// LiveConfig configures a live connection to a Fabric network through
// fabric-sdk-go.
type LiveConfig struct {
	// Profile is the path of a fabric-sdk-go connection profile.
	Profile string
	// Org is the client organisation in the profile; empty means the
	// profile's client.organization.
	Org string
	// MSPID, when set, must be the MSP id of Org.
	MSPID string
	// Cert and Key are the PEM certificate and private key of the user
	// that reads the ledger (a member of Org).
	Cert, Key []byte
	// Peer names the peer to query (its name in the profile); empty means
	// the peers of Org. Block events come from the SDK's choice of peer,
	// preferring Org's.
	Peer string
	// Timeout bounds each query (default 30s).
	Timeout time.Duration
	// Strict makes an envelope that does not decode fail its block.
	Strict bool
	// MaxBackoff caps the wait between reconnection attempts of the
	// block event stream (default 10s).
	MaxBackoff time.Duration
	// Cache is how many delivered blocks are kept for Blocks (default 256).
	Cache int
	// CacheBytes bounds the raw bytes of those blocks (default 64 MiB);
	// one block is kept whatever its size.
	CacheBytes int64
	// Logger receives connection events; nil discards them.
	Logger *slog.Logger
}

// Validate checks the configuration.
func (c LiveConfig) Validate() error {
	switch {
	case c.Profile == "":
		return fmt.Errorf("%w: no connection profile", ledger.ErrInvalid)
	case len(c.Cert) == 0 || len(c.Key) == 0:
		return fmt.Errorf("%w: user certificate and key are required", ledger.ErrInvalid)
	case c.Timeout < 0 || c.MaxBackoff < 0 || c.Cache < 0 || c.CacheBytes < 0:
		return fmt.Errorf("%w: negative timeout, backoff or cache", ledger.ErrInvalid)
	}
	if _, err := ParseCertificate(c.Cert); err != nil {
		return fmt.Errorf("%w: user certificate: %w", ledger.ErrInvalid, err)
	}
	return nil
}

func (c *LiveConfig) defaults() {
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = 10 * time.Second
	}
	if c.Cache == 0 {
		c.Cache = 256
	}
	if c.CacheBytes == 0 {
		c.CacheBytes = 64 << 20
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// ReadMSPDir reads the signing certificate (signcerts/) and private key
// (keystore/) of an MSP directory as written by cryptogen or a CA client.
func ReadMSPDir(dir string) (cert, key []byte, err error) {
	first := func(sub string) ([]byte, error) {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if !e.IsDir() {
				return os.ReadFile(filepath.Join(dir, sub, e.Name()))
			}
		}
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, sub), ledger.ErrNotFound)
	}
	if cert, err = first("signcerts"); err != nil {
		return nil, nil, err
	}
	if key, err = first("keystore"); err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

// Network is a live connection to the peers of one Fabric network. It
// serves any number of channels; Close ends them all.
type Network struct {
	cfg LiveConfig
	sdk *fabsdk.FabricSDK
	id  mspctx.SigningIdentity
}

// Dial loads the connection profile and the user identity. It does not
// contact any peer yet.
func Dial(ctx context.Context, cfg LiveConfig) (*Network, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.defaults()
	sdk, err := fabsdk.New(config.FromFile(cfg.Profile), fabsdk.WithLoggerPkg(sdkLogs{cfg.Logger}))
	if err != nil {
		return nil, fmt.Errorf("%w: load profile %s: %w", ErrLive, cfg.Profile, err)
	}
	var opts []mspclient.ClientOption
	if cfg.Org != "" {
		opts = append(opts, mspclient.WithOrg(cfg.Org))
	}
	mc, err := mspclient.New(sdk.Context(), opts...)
	if err != nil {
		sdk.Close()
		return nil, fmt.Errorf("%w: msp client: %w", ErrLive, err)
	}
	id, err := mc.CreateSigningIdentity(mspctx.WithCert(cfg.Cert), mspctx.WithPrivateKey(cfg.Key))
	if err != nil {
		sdk.Close()
		return nil, fmt.Errorf("%w: user identity: %w", ErrLive, err)
	}
	if cfg.MSPID != "" && id.Identifier().MSPID != cfg.MSPID {
		sdk.Close()
		return nil, fmt.Errorf("%w: user MSP id is %q, want %q", ledger.ErrInvalid, id.Identifier().MSPID, cfg.MSPID)
	}
	return &Network{cfg: cfg, sdk: sdk, id: id}, nil
}

// Close releases the SDK and every connection of the network's channels.
func (n *Network) Close() { n.sdk.Close() }

// Channel opens a live source for one channel, indexed as chain. resume
// returns the next height the index needs; block event streams start (and
// restart, after a peer failure) there. seed is the channel config in
// force before that height, as the index holds it; when nil, the peer's
// newest config block is used. The config gives the header hash algorithm
// and the BFT consenters.
func (n *Network) Channel(ctx context.Context, channel, chain string, resume func(context.Context) (uint64, error), seed *ledger.Config) (*Live, error) {
	chp := n.sdk.ChannelContext(channel, fabsdk.WithIdentity(n.id))
	lc, err := sdkledger.New(chp)
	if err != nil {
		return nil, fmt.Errorf("%w: channel %s: ledger client: %w", ErrLive, channel, err)
	}
	l := &Live{
		cfg: n.cfg, channel: channel, chain: chain, chp: chp, lc: lc, resume: resume,
		log: n.cfg.Logger.With("channel", channel), cache: map[uint64]*ledger.Block{},
		freed: make(chan struct{}, 1),
	}
	if seed == nil {
		cb, err := lc.QueryConfigBlock(l.reqOpts(ctx)...)
		if err != nil {
			return nil, fmt.Errorf("%w: channel %s: config block: %w", ErrLive, channel, err)
		}
		raw, err := marshalBlock(cb)
		if err != nil {
			return nil, err
		}
		b, err := DecodeBlock(chain, raw)
		if err != nil {
			return nil, fmt.Errorf("channel %s: config block: %w", channel, err)
		}
		seed = b.Config
	}
	if l.dec, err = NewChannelDecoder(chain, "", n.cfg.Strict); err != nil {
		return nil, err
	}
	if err := l.dec.SetConfig(seed); err != nil {
		return nil, err
	}
	return l, nil
}

// Live is a [ledger.Source] and [ledger.Subscriber] over one channel of
// a live Fabric network. Blocks are the peer's copies, with validation
// codes. A block event stream (the peer's deliver service, full blocks)
// feeds a bounded cache that Blocks serves first; the rest is read with
// qscc GetBlockByNumber through the SDK's ledger client.
type Live struct {
	cfg     LiveConfig
	channel string
	chain   string
	chp     sdkctx.ChannelProvider
	lc      *sdkledger.Client
	dec     *ChannelDecoder
	resume  func(context.Context) (uint64, error)
	log     *slog.Logger

	mu    sync.Mutex
	cache map[uint64]*ledger.Block
	bytes int64         // raw bytes of the cached blocks
	low   uint64        // heights below it were served already; never cache them
	freed chan struct{} // signalled when Blocks takes blocks from the cache
}

var (
	_ ledger.Source     = (*Live)(nil)
	_ ledger.Subscriber = (*Live)(nil)
	_ ledger.Sequential = (*Live)(nil)
)

func (l *Live) reqOpts(ctx context.Context) []sdkledger.RequestOption {
	opts := []sdkledger.RequestOption{
		sdkledger.WithParentContext(ctx),
		sdkledger.WithTimeout(fab.PeerResponse, l.cfg.Timeout),
	}
	if l.cfg.Peer != "" {
		opts = append(opts, sdkledger.WithTargetEndpoints(l.cfg.Peer))
	}
	return opts
}

// Head returns the height of the newest block of the peer.
func (l *Live) Head(ctx context.Context) (uint64, error) {
	info, err := l.lc.QueryInfo(l.reqOpts(ctx)...)
	if err != nil {
		return 0, fmt.Errorf("%w: channel %s: query info: %w", ErrLive, l.channel, err)
	}
	if info.BCI == nil || info.BCI.Height == 0 {
		return 0, fmt.Errorf("%w: channel %s: peer reports an empty ledger", ErrLive, l.channel)
	}
	return info.BCI.Height - 1, nil
}

// Blocks returns the blocks from..to, from the event cache when delivered
// already and from the peer otherwise.
func (l *Live) Blocks(ctx context.Context, from, to uint64) ([]*ledger.Block, error) {
	if to < from {
		return nil, fmt.Errorf("%w: range %d..%d", ledger.ErrInvalid, from, to)
	}
	out := make([]*ledger.Block, 0, to-from+1)
	for h := from; h <= to; h++ {
		b := l.cached(h)
		if b == nil {
			var err error
			if b, err = l.query(ctx, h); err != nil {
				return nil, err
			}
		}
		out = append(out, b)
	}
	l.mu.Lock()
	for h, b := range l.cache {
		if h <= to {
			l.bytes -= int64(len(b.Raw))
			delete(l.cache, h)
		}
	}
	l.low = max(l.low, to+1)
	l.mu.Unlock()
	select {
	case l.freed <- struct{}{}:
	default:
	}
	return out, nil
}

func (l *Live) cached(h uint64) *ledger.Block {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cache[h]
}

// Sequential tells the ingester to fetch one batch at a time: the channel
// decoder applies each config block to the blocks after it, and the
// delivered-block cache is released in height order.
func (l *Live) Sequential() {}

// query reads one block from the peer through qscc.
func (l *Live) query(ctx context.Context, h uint64) (*ledger.Block, error) {
	pb, err := l.lc.QueryBlock(h, l.reqOpts(ctx)...)
	if err != nil {
		return nil, fmt.Errorf("%w: channel %s: query block %d: %w", ErrLive, l.channel, h, err)
	}
	return l.decode(pb, h)
}

// decode converts an SDK block, checking it is the block asked for. A
// block that does not decode, or is not the one asked for, is a
// [*ledger.Break] the ingester files as a finding.
func (l *Live) decode(pb *common.Block, want uint64) (*ledger.Block, error) {
	raw, err := marshalBlock(pb)
	if err != nil {
		return nil, err
	}
	b, err := l.dec.Decode(raw)
	if err != nil {
		return nil, &ledger.Break{Rule: ledger.RuleBreakUndecodable, Height: want, Tx: ledger.NoTx,
			Err: fmt.Errorf("channel %s block %d: %w", l.channel, want, err)}
	}
	if b.Height != want {
		return nil, &ledger.Break{Rule: ledger.RuleBreakNumber, Height: want, Tx: ledger.NoTx,
			Err: fmt.Errorf("%w: channel %s: asked for block %d, peer sent %d", ErrMalformed, l.channel, want, b.Height)}
	}
	return b, nil
}

// marshalBlock returns the wire bytes of a block as the peer sent it.
func marshalBlock(pb *common.Block) ([]byte, error) {
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(protoadapt.MessageV2Of(pb))
	if err != nil {
		return nil, fmt.Errorf("%w: marshal block: %w", ErrMalformed, err)
	}
	return raw, nil
}

// SubscribeHeads streams full blocks from the peer's deliver service,
// starting at the height resume names, caches them for Blocks and sends
// each block's height. When the stream breaks (a peer restart) it
// reconnects with capped exponential backoff from the index's next
// height again, so nothing is skipped or repeated. The channel is closed
// when ctx ends.
func (l *Live) SubscribeHeads(ctx context.Context) (<-chan uint64, error) {
	out := make(chan uint64, 1)
	go func() {
		defer close(out)
		backoff := time.Duration(0)
		for ctx.Err() == nil {
			n, err := l.stream(ctx, out)
			if ctx.Err() != nil {
				return
			}
			if n > 0 {
				backoff = 0
			}
			backoff = min(max(2*backoff, 250*time.Millisecond), l.cfg.MaxBackoff)
			wait := backoff/2 + rand.N(backoff/2+1)
			l.log.Warn("block event stream ended; reconnecting", "err", err, "blocks", n, "wait", wait)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
	}()
	return out, nil
}

// errStreamClosed reports an event stream the SDK closed.
var errStreamClosed = errors.New("block event stream closed")

// stream runs one block event registration until it breaks or ctx ends
// and returns how many blocks it delivered.
func (l *Live) stream(ctx context.Context, out chan<- uint64) (int, error) {
	from, err := l.resume(ctx)
	if err != nil {
		return 0, fmt.Errorf("resume height: %w", err)
	}
	ec, err := event.New(l.chp, event.WithBlockEvents(), event.WithSeekType(seek.FromBlock),
		event.WithBlockNum(from), event.WithEventConsumerTimeout(0))
	if err != nil {
		return 0, fmt.Errorf("%w: event client: %w", ErrLive, err)
	}
	reg, ch, err := ec.RegisterBlockEvent()
	if err != nil {
		return 0, fmt.Errorf("%w: register block events: %w", ErrLive, err)
	}
	defer func() {
		// The SDK's dispatcher may be blocked sending to ch; drain it so
		// that Unregister (which closes ch) can proceed.
		go func() {
			for range ch {
			}
		}()
		ec.Unregister(reg)
	}()
	l.log.Info("block event stream started", "from", from)
	n := 0
	next := from
	for {
		var ev *fab.BlockEvent
		var ok bool
		select {
		case <-ctx.Done():
			return n, ctx.Err()
		case ev, ok = <-ch:
		}
		if !ok {
			return n, errStreamClosed
		}
		if ev.Block == nil || ev.Block.Header == nil || ev.Block.Header.Number != next {
			return n, fmt.Errorf("%w: block event out of order, want %d", ErrMalformed, next)
		}
		b, err := l.decode(ev.Block, next)
		if err != nil {
			return n, err
		}
		if err := l.store(ctx, b); err != nil {
			return n, err
		}
		n++
		next++
		l.log.Debug("block delivered", "height", b.Height)
		select {
		case out <- b.Height:
		default: // the ingester is busy; it asks for the head itself
		}
	}
}

// store caches a delivered block. Blocks arrive in height order, so a
// full cache holds the heights the ingester needs next: wait until it
// takes them.
func (l *Live) store(ctx context.Context, b *ledger.Block) error {
	for {
		l.mu.Lock()
		if b.Height < l.low {
			l.mu.Unlock()
			return nil
		}
		if len(l.cache) == 0 || len(l.cache) < l.cfg.Cache && l.bytes+int64(len(b.Raw)) <= l.cfg.CacheBytes {
			l.bytes += int64(len(b.Raw))
			l.cache[b.Height] = b
			l.mu.Unlock()
			return nil
		}
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-l.freed:
		case <-time.After(time.Second):
		}
	}
}
