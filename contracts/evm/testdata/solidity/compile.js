// Compiles one Solidity file with the solc-js release that contracts/solc
// installed under .cache/solc/VERSION and prints solc's combined-JSON
// shape (bin, bin-runtime, srcmap, srcmap-runtime, sourceList).
//
//   node compile.js 0.4.24 payout.sol > payout.json
const path = require('path');
const fs = require('fs');
const [ver, file] = process.argv.slice(2);
const solc = require(path.join(__dirname, '..', '..', '..', '..', '.cache', 'solc', ver, 'node_modules', 'solc'));
const input = {
  language: 'Solidity',
  sources: {[file]: {content: fs.readFileSync(file, 'utf8')}},
  settings: {outputSelection: {'*': {'*': ['evm.bytecode', 'evm.deployedBytecode']}}},
};
const out = JSON.parse((solc.compileStandardWrapper || solc.compile)(JSON.stringify(input)));
for (const e of out.errors || []) {
  if (e.severity === 'error') {
    console.error(e.formattedMessage);
    process.exit(1);
  }
}
const res = {contracts: {}, sourceList: [file]};
for (const [f, cs] of Object.entries(out.contracts)) {
  for (const [n, c] of Object.entries(cs)) {
    res.contracts[f + ':' + n] = {
      bin: c.evm.bytecode.object, 'bin-runtime': c.evm.deployedBytecode.object,
      srcmap: c.evm.bytecode.sourceMap, 'srcmap-runtime': c.evm.deployedBytecode.sourceMap,
    };
  }
}
console.log(JSON.stringify(res));
