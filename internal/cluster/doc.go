// Package cluster hands chains to the workers of a Lianjian cluster
// through NATS JetStream, so that every registered chain is followed by
// exactly one live worker and a dead worker's chains pass to the others.
//
// # Layout on JetStream
//
// Chain registrations are messages on a replicated stream (default
// LIANJIAN_CHAINS). A worker registers a chain by publishing on
// lianjian.chain.<token>, where token is the chain id in unpadded
// base64url; the stream's subject transform rewrites that subject to
// lianjian.part.<p>.<token> with p = partition(N, token), so each chain
// falls, for good, in one of N partitions. The stream keeps the last
// message of each subject, so it holds the current registration of every
// chain and nothing more.
//
// Each partition has one durable pull consumer (partition-<p>) filtered
// on lianjian.part.<p>.*. Its owner recreates it on taking the partition
// over, delivering everything from the start of the stream, which holds
// just the last registration of every chain of the partition; then it
// follows new registrations.
//
// # Ownership
//
// A worker owns partition p while it holds the lease key p.<p> in a
// JetStream key-value bucket whose entries expire after LeaseTTL: it takes
// the lease with create-if-absent, renews it every PollInterval by
// updating it at the revision it last wrote (so a lease someone else took
// can never be renewed), and deletes it, at that revision, on a clean
// stop. A worker that dies stops renewing and its leases expire.
//
// Workers announce themselves in a second bucket with the same TTL. Each
// worker sorts the live names and takes its fair share of the N
// partitions: N/W, plus one for the first N mod W names. A worker above
// its share releases its highest partitions (a rebalance); one below it
// takes free partitions.
//
// # Failover bound
//
// When a worker is killed, its leases and its heartbeat expire at most
// LeaseTTL after its last renewal; the survivors notice at their next
// poll (one poll may pass just before the expiry), take the leases at the
// poll after, and start the chains' jobs once the partition's consumer,
// recreated on JetStream, delivers their registrations. The bound is
// LeaseTTL + 3×PollInterval: two polls to see the lease gone and take it,
// and one more for JetStream's expiry timer and the consumer round trips
// on a loaded machine. With the defaults (10 s and 1 s) it is 13 s; the
// tests, with 2 s and 200 ms, measure 2.2–3.1 s (median 2.4 s) against a bound of 2.6 s
// plus the slack a shared two-core machine needs.
//
// A worker that can no longer renew (it is cut off from JetStream) stops
// its jobs once LeaseTTL − PollInterval has passed since its last renewal,
// before anyone else may take the lease. The index refuses a block that
// does not follow its checkpoint in the same atomic update that stores it,
// so even a worker that is paused past that point cannot store a block
// twice.
package cluster
