package fabnet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/hyperledger/fabric-sdk-go/pkg/client/channel"
	"github.com/hyperledger/fabric-sdk-go/pkg/client/channel/invoke"
	"github.com/hyperledger/fabric-sdk-go/pkg/common/providers/fab"
	"github.com/hyperledger/fabric-sdk-go/pkg/core/config"
	"github.com/hyperledger/fabric-sdk-go/pkg/fabsdk"
)

// BulkPutSized submits count put transactions (keys prefix0, prefix1, …)
// whose values are valueSize bytes of lower-case hex, keeping parallel
// submissions in flight, and returns once the orderer has accepted all of
// them: how many it accepted, stopping at the first error. Each
// transaction carries its value twice, in the proposal input and in the
// write set, so it is about 2×valueSize plus 4 KB of headers,
// certificates and signatures; the orderer refuses one larger than
// AbsoluteMaxBytes.
//
// It goes through fabric-sdk-go as Org1's User1 over one set of
// connections, endorsed by both peers: dozens of times faster than a peer
// CLI process per transaction, and with no command-line limit on the
// value. Unlike BulkPut it does not wait for the commit, because under a
// long BatchTimeout the last partial batch would wait for the timer. A
// config update cuts it at once: UpdateBatchTimeout returns once its
// CONFIG block, ordered after every accepted put, is committed.
func (n *Network) BulkPutSized(ctx context.Context, prefix string, count, valueSize, parallel int) (int, error) {
	if valueSize < 1 || valueSize > n.opts.AbsoluteMaxBytes/2 {
		return 0, fmt.Errorf("%w: value size %d, want 1 to %d (half of AbsoluteMaxBytes)", ErrBadOptions, valueSize, n.opts.AbsoluteMaxBytes/2)
	}
	if count <= 0 {
		return 0, nil
	}
	sdk, err := fabsdk.New(config.FromFile(n.profilePath(n.peers[0].Org)))
	if err != nil {
		return 0, fmt.Errorf("%w: fabric-sdk-go: %w", ErrCommand, err)
	}
	defer sdk.Close()
	cc, err := channel.New(sdk.ChannelContext(n.opts.Channel, fabsdk.WithUser("User1"), fabsdk.WithOrg(n.peers[0].Org)))
	if err != nil {
		return 0, fmt.Errorf("%w: fabric-sdk-go channel client: %w", ErrCommand, err)
	}
	targets := make([]string, len(n.peers))
	for i, p := range n.peers {
		targets[i] = peerHost(p.Org)
		// fabric-sdk-go adds the peers' TLS CAs to its cert pool lazily and
		// racily: reach each peer once, alone, before the parallel load.
		_, err := cc.Query(channel.Request{ChaincodeID: DefaultChaincode, Fcn: "get", Args: [][]byte{[]byte(prefix)}},
			channel.WithTargetEndpoints(targets[i]), channel.WithParentContext(ctx))
		if err != nil {
			return 0, fmt.Errorf("%w: query %s: %w", ErrCommand, targets[i], err)
		}
	}
	handler := invoke.NewSelectAndEndorseHandler(invoke.NewEndorsementValidationHandler(
		invoke.NewSignatureValidationHandler(submitHandler{})))
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next, done atomic.Int64
		once       sync.Once
		firstErr   error
		wg         sync.WaitGroup
	)
	for range max(parallel, 1) {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(count) || ctx.Err() != nil {
					return
				}
				k := prefix + strconv.FormatInt(i, 10)
				req := channel.Request{ChaincodeID: DefaultChaincode, Fcn: "put", Args: [][]byte{[]byte(k), []byte(sizedValue(k, valueSize))}}
				if _, err := cc.InvokeHandler(handler, req, channel.WithTargetEndpoints(targets...), channel.WithParentContext(ctx)); err != nil {
					once.Do(func() { firstErr = fmt.Errorf("%w: put %s: %w", ErrCommand, k, err); cancel() })
					return
				}
				n.txs.Add(1)
				if d := done.Add(1); d%1000 == 0 {
					n.opts.Logger.Info("bulk puts accepted", "count", d, "of", count)
				}
			}
		})
	}
	wg.Wait()
	if firstErr == nil && done.Load() < int64(count) {
		firstErr = parent.Err()
	}
	return int(done.Load()), firstErr
}

// submitHandler ends an invoke.Handler chain: it wraps the endorsed
// proposal in a transaction and sends it to the orderer, without waiting
// for the commit (fabric-sdk-go's CommitTxHandler waits for the block
// event).
type submitHandler struct{}

// Handle implements invoke.Handler.
func (submitHandler) Handle(req *invoke.RequestContext, client *invoke.ClientContext) {
	tx, err := client.Transactor.CreateTransaction(fab.TransactionRequest{Proposal: req.Response.Proposal, ProposalResponses: req.Response.Responses})
	if err != nil {
		req.Error = fmt.Errorf("create transaction: %w", err)
		return
	}
	if _, err := client.Transactor.SendTransaction(tx); err != nil {
		req.Error = fmt.Errorf("send transaction: %w", err)
	}
}

// sizedValue returns size bytes of lower-case hex that depend on key: the
// SHA-256 of the key, then of that, and so on.
func sizedValue(key string, size int) string {
	b := make([]byte, 0, size+2*sha256.Size)
	sum := sha256.Sum256([]byte(key))
	for len(b) < size {
		b = hex.AppendEncode(b, sum[:])
		sum = sha256.Sum256(sum[:])
	}
	return string(b[:size])
}

var _ invoke.Handler = submitHandler{}
