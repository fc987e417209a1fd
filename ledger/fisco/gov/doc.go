// Package gov decodes the transactions that change a FISCO BCOS consortium:
// calls to the precompiled system contracts (consensus, system config,
// permissions, contract and account freezing) and, on 3.x chains with auth
// enabled, to the committee governance contract. It is pure: no I/O, no
// state. The ledger adapter feeds it each transaction's recipient and input
// and keeps the returned [Call] values as the chain's governance history.
//
// # What a call looks like
//
// A system contract is addressed by a fixed address (0x1000 … 0x1011, and
// 0x10001/0x10003 for the 3.x auth contracts). Its input is Solidity ABI:
// a 4-byte selector followed by the arguments. FISCO derives selectors with
// the chain's hash: keccak256 on standard chains, SM3 on national-crypto
// (GM) chains, so the same method has two selectors and a GM selector means
// nothing on a standard chain. Decode therefore takes the chain's mode as
// gm and matches only that mode's selectors. A Hash callback was considered
// and rejected: selector tables are built once per mode, and a func value
// cannot be used as a cache key.
//
// 3.x WASM chains address the same precompiled contracts by path
// (/sys/consensus, /sys/status, …) and encode arguments with SCALE rather
// than the Solidity ABI. Decode recognises the paths and reports
// [ErrWASM] with the contract named, without decoding the arguments.
//
// # Errors are findings
//
// When the recipient is a governance contract but the input does not
// decode (unknown selector, truncated or non-canonical arguments, a node id
// that is not 128 hex characters, a weight that overflows), Decode returns
// ok=true with an error wrapping [ErrUnknownMethod], [ErrMalformed] or
// [ErrInvalidArg], and a Call filled with whatever was identified: always
// the contract, and the method and action once the selector matched. Such a
// transaction is itself of interest to a regulator: the chain accepted it
// into a block even if the contract refused it.
//
// # What is not visible here
//
// On 3.x chains with auth enabled, the consensus and system-config
// precompiled contracts accept calls only from the committee contract, so
// the change itself happens inside the transaction that casts the deciding
// vote (voteProposal): no separate transaction to 0x1003 appears. The
// effect a proposal would have is in [Call.Proposes]; whether a vote
// executed it is in that transaction's receipt (the committee's execResult
// event), which this package does not read. Likewise on 2.x, each committee
// member's grant or revoke call is a vote that takes effect once the
// threshold is reached.
//
// # Sources
//
// Every signature in the tables was checked against FISCO's own code:
//   - 3.x precompiled methods: FISCO-BCOS master,
//     bcos-executor/src/precompiled/{ConsensusPrecompiled,SystemConfigPrecompiled}.cpp
//     and extension/{AuthManager,AccountManager,Balance}Precompiled.cpp;
//     addresses in bcos-framework/bcos-framework/executor/PrecompiledTypeDef.h.
//   - 3.x committee: the genesis bytecode in libinitializer/AuthInitializer.h
//     (committeeBin and committeeSmBin, unchanged from v3.0.0 to master),
//     whose dispatch tables hold exactly the selectors of the CommitteeManager
//     methods below, and java-sdk CommitteeManager.java, whose ABI lists each
//     method's keccak and SM3 selectors.
//   - 2.x: FISCO-BCOS v2.9.0, libprecompiled/*.cpp and libprecompiled/Common.h.
package gov
