// Package solc compiles Solidity sources to runtime bytecode with source
// maps, so that contracts/evm can scan them and map findings back to
// source lines.
//
// A compiler is chosen per source file from its version pragma:
//
//  1. a solc binary given in Config.Solc is always used;
//  2. otherwise the newest solc-js (the npm solc package) already installed
//     under Config.CacheDir that satisfies the pragma;
//  3. otherwise a solc binary on PATH, when its version satisfies the
//     pragma;
//  4. otherwise the newest release that satisfies the pragma is installed
//     with `npm install --prefix CACHEDIR/VERSION solc@VERSION` (when
//     Config.Install is set) and used.
//
// solc-js runs under Node through a small embedded wrapper that reads
// standard JSON input on stdin and prints standard JSON output; it
// bridges the two JavaScript APIs solc-js has had (compileStandardWrapper
// before 0.5, compile with an import callback after). Once installed, a
// version compiles offline.
package solc
