// Package solc compiles Solidity sources to runtime bytecode with source
// maps, so that contracts/evm can scan them and map findings back to
// source lines.
//
// A compiler is chosen per compilation unit from its version pragmas:
//
//  1. a solc binary given in Config.Solc, or the solc-js version given in
//     Config.Version, is always used;
//  2. otherwise the unit is compiled with each of Candidates(pragma) in
//     turn until one succeeds: the pinned version, or for an open pragma
//     the newest patch of each matching 0.MINOR series, oldest series
//     first (see Candidates for why). The order depends on the pragma
//     only, never on what is cached. A candidate is left for the next one
//     only when it fails with errors that suggest a version mismatch
//     (parser, syntax, declaration or type errors) or crashes; the error
//     returned is the first candidate's, naming the others tried;
//  3. a candidate runs on the solc binary on PATH when that is the same
//     version, else on solc-js (the npm solc package) from Config.CacheDir,
//     installed with `npm install --prefix CACHEDIR/VERSION solc@VERSION`
//     when Config.Install is set. Without installs, only cached candidates
//     (or, failing those, any cached matching version) are tried; without
//     a cache dir, only a solc binary on PATH that matches the pragma.
//
// solc-js runs under Node through a small embedded wrapper that reads
// standard JSON input on stdin and prints standard JSON output; it
// bridges the three JavaScript APIs solc-js has had: the legacy
// compile(sources, optimize, callback) before 0.4.11, whose output it
// converts to standard JSON, compileStandardWrapper up to 0.4.26, and
// compile with an import callback after. A crashing solc-js is reported
// by its message (ErrRun), not by the compiler's JavaScript. Once
// installed, a version compiles offline.
package solc
