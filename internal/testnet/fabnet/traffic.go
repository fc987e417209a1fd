package fabnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
)

// Valid is the validation code of a valid transaction.
const Valid = "VALID"

// Tx is a committed transaction: its id and validation code name, such as
// "VALID" or "MVCC_READ_CONFLICT".
type Tx struct {
	ID   string `json:"id"`
	Code string `json:"code"`
}

var committedRE = regexp.MustCompile(`txid \[([0-9a-f]+)\] committed with status \(([A-Z_]+)\)`)

// Invoke submits a chaincode invocation endorsed by the peers of the given
// orgs (all orgs when none are given) as Org1's User1, and waits until it
// commits. A transaction that commits invalid returns its Tx and an error
// wrapping ErrTxInvalid. Endorsing with one org only yields
// ENDORSEMENT_POLICY_FAILURE under EndorsementPolicy.
func (n *Network) Invoke(ctx context.Context, orgs []string, args ...string) (Tx, error) {
	return n.invoke(ctx, orgs, true, args)
}

// invoke submits an invocation; with wait false it returns once the
// orderer accepted the transaction, with an empty Tx.
func (n *Network) invoke(ctx context.Context, orgs []string, wait bool, args []string) (Tx, error) {
	peers := n.peers
	if len(orgs) > 0 {
		peers = nil
		for _, o := range orgs {
			p, err := n.peer(o)
			if err != nil {
				return Tx{}, err
			}
			peers = append(peers, p)
		}
	}
	user, err := n.User("Org1", "User1")
	if err != nil {
		return Tx{}, err
	}
	ctor, err := ctorJSON(args)
	if err != nil {
		return Tx{}, err
	}
	cmd := append([]string{"chaincode", "invoke", "-C", n.opts.Channel, "-n", DefaultChaincode, "-c", ctor}, n.ordererFlags(user)...)
	cmd = append(cmd, n.peerFlags(peers)...)
	if !wait {
		_, _, err := n.run(ctx, "peer", n.cliEnv(user, peers[0]), cmd...)
		return Tx{}, err
	}
	_, stderr, runErr := n.run(ctx, "peer", n.cliEnv(user, peers[0]), append(cmd, "--waitForEvent")...)
	m := committedRE.FindSubmatch(stderr)
	if m == nil {
		if runErr == nil {
			runErr = fmt.Errorf("%w: invoke: no commit status in output: %s", ErrCommand, tail(stderr))
		}
		return Tx{}, runErr
	}
	tx := Tx{ID: string(m[1]), Code: string(m[2])}
	n.txs.Add(1)
	if tx.Code != Valid {
		return tx, fmt.Errorf("%w: tx %s: %s", ErrTxInvalid, tx.ID, tx.Code)
	}
	return tx, runErr
}

func ctorJSON(args []string) (string, error) {
	b, err := json.Marshal(map[string][]string{"Args": args})
	if err != nil {
		return "", fmt.Errorf("encode chaincode args: %w", err)
	}
	return string(b), nil
}

// Transactions returns how many transactions this Network has seen commit
// to the channel (valid or not): the genesis config, the chaincode
// lifecycle and everything driven through its methods.
func (n *Network) Transactions() int { return int(n.txs.Load()) }

// Put writes value under key; the chaincode emits a "put" event.
func (n *Network) Put(ctx context.Context, key, value string) (Tx, error) {
	return n.Invoke(ctx, nil, "put", key, value)
}

// Delete deletes key.
func (n *Network) Delete(ctx context.Context, key string) (Tx, error) {
	return n.Invoke(ctx, nil, "del", key)
}

// Incr increments the integer under key (read-modify-write).
func (n *Network) Incr(ctx context.Context, key string) (Tx, error) {
	return n.Invoke(ctx, nil, "incr", key)
}

// IncrConcurrent runs parallel Incr invokes on key at once, so that their
// endorsements read the same version and all but one fail validation with
// MVCC_READ_CONFLICT. It retries a round (up to 8) until at least one
// conflict occurred and returns every committed Tx. It returns an error
// wrapping ErrNoConflict when no round conflicted.
func (n *Network) IncrConcurrent(ctx context.Context, key string, parallel int) ([]Tx, error) {
	return n.concurrent(ctx, parallel, "MVCC_READ_CONFLICT", func(int) []string { return []string{"incr", key} })
}

// Scan reads every key of [start, end) with a range query and writes
// their count under out. The peer records a range of more than 50 keys as
// a Merkle summary of the keys and versions read.
func (n *Network) Scan(ctx context.Context, start, end, out string) (Tx, error) {
	return n.Invoke(ctx, nil, "scan", start, end, out)
}

// ScanConcurrent runs parallel scans of [start, end) at once, scan i
// writing its count under start+"/scan"+i, which must lie in the range:
// the first to commit changes the range the others read, which fail
// validation with PHANTOM_READ_CONFLICT. Rounds and the result are as
// IncrConcurrent's.
func (n *Network) ScanConcurrent(ctx context.Context, start, end string, parallel int) ([]Tx, error) {
	return n.concurrent(ctx, parallel, "PHANTOM_READ_CONFLICT", func(i int) []string {
		return []string{"scan", start, end, start + "/scan" + strconv.Itoa(i)}
	})
}

// concurrent runs parallel invokes of args(i) at once, in rounds (up to
// 8) until one commits with the validation code want, and returns every
// committed Tx, or an error wrapping ErrNoConflict when no round gave
// want.
func (n *Network) concurrent(ctx context.Context, parallel int, want string, args func(i int) []string) ([]Tx, error) {
	if parallel < 2 {
		parallel = 2
	}
	var all []Tx
	for range 8 {
		// Both endorsers must read the same version: a peer that has not
		// committed the last round yet endorses another read set, and the
		// CLI refuses responses that do not match.
		if err := n.waitPeersInSync(ctx); err != nil {
			return all, err
		}
		txs := make([]Tx, parallel)
		errs := make([]error, parallel)
		var wg sync.WaitGroup
		for i := range parallel {
			wg.Go(func() { txs[i], errs[i] = n.Invoke(ctx, nil, args(i)...) })
		}
		wg.Wait()
		conflict := false
		for i, tx := range txs {
			switch {
			case tx.ID == "" && mismatched(errs[i]):
				// One invoke of the round committed on one peer between
				// this invoke's two endorsements: the peers read
				// different versions and the CLI refused the pair. Nothing
				// was submitted; the next round tries again.
				continue
			case tx.ID == "":
				return all, errs[i]
			}
			all = append(all, tx)
			conflict = conflict || tx.Code == want
		}
		if conflict {
			return all, nil
		}
	}
	return all, fmt.Errorf("%w: %s", ErrNoConflict, want)
}

// mismatched reports whether an invoke failed because its endorsers'
// responses differ (the peer CLI's "ProposalResponsePayloads do not
// match"), which concurrent invokes cause when one commits between the
// two endorsements of another.
func mismatched(err error) bool { return errors.Is(err, ErrMismatch) }

// waitPeersInSync waits until every peer has committed the same height.
func (n *Network) waitPeersInSync(ctx context.Context) error {
	return retry(ctx, n.opts.ReadyTimeout, func() error {
		var first uint64
		for i, p := range n.peers {
			h, err := n.heightOn(ctx, p)
			if err != nil {
				return err
			}
			if i == 0 {
				first = h
			} else if h != first {
				return fmt.Errorf("%w: peer %s at height %d, peer %s at %d", ErrCommand, n.peers[0].Org, first, p.Org, h)
			}
		}
		return nil
	})
}

// BulkPut commits count put transactions (keys prefix0, prefix1, …),
// keeping parallel invokes in flight. The invokes do not wait for their
// commit; a last put, submitted after every other was accepted by the
// orderer, waits, so all are committed when BulkPut returns (the orderer
// keeps submission order). It returns how many puts were accepted and
// stops at the first error.
func (n *Network) BulkPut(ctx context.Context, prefix string, count, parallel int) (int, error) {
	if count <= 0 {
		return 0, nil
	}
	if parallel < 1 {
		parallel = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next, done atomic.Int64
		once       sync.Once
		firstErr   error
		wg         sync.WaitGroup
	)
	for range parallel {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(count-1) || ctx.Err() != nil {
					return
				}
				k := prefix + strconv.FormatInt(i, 10)
				if _, err := n.invoke(ctx, nil, false, []string{"put", k, "v" + k}); err != nil {
					once.Do(func() { firstErr = err; cancel() })
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
	if firstErr != nil {
		return int(done.Load()), firstErr
	}
	k := prefix + strconv.Itoa(count-1)
	if _, err := n.Put(ctx, k, "v"+k); err != nil {
		return int(done.Load()), err
	}
	return int(done.Load()) + 1, nil
}

// Query evaluates a chaincode function on Org1's peer as User1 and returns
// its payload, e.g. Query(ctx, "get", "k").
func (n *Network) Query(ctx context.Context, args ...string) ([]byte, error) {
	return n.queryOn(ctx, n.peers[0], DefaultChaincode, args...)
}

// queryOn evaluates chaincode cc on peer p as its org's User1 and returns
// the raw payload (hex-decoded from the CLI output).
func (n *Network) queryOn(ctx context.Context, p *peerNode, cc string, args ...string) ([]byte, error) {
	user, err := n.User(p.Org, "User1")
	if err != nil {
		return nil, err
	}
	ctor, err := ctorJSON(args)
	if err != nil {
		return nil, err
	}
	out, err := n.tool(ctx, "peer", n.cliEnv(user, p), "chaincode", "query", "-C", n.opts.Channel, "-n", cc, "-c", ctor, "--hex")
	if err != nil {
		return nil, err
	}
	return decodeHex(out)
}
