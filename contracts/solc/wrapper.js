// Lianjian's solc-js driver: reads Solidity standard JSON input on stdin,
// compiles it with the solc package installed under argv[2] and prints
// standard JSON output on stdout. Imports not given in the input are read
// relative to argv[3], the scan root, or from node_modules.
'use strict';
const fs = require('fs');
const path = require('path');

const solc = require(path.resolve(process.argv[2], 'node_modules', 'solc'));
const base = process.argv[3] || '.';

// readImport resolves an import the input does not carry: under the scan
// root, else in a node_modules folder of the root or one of its parents
// (npm packages such as @openzeppelin/contracts), as Node would.
function readImport(p) {
  const root = path.resolve(base);
  const full = path.resolve(root, p);
  const candidates = [];
  if (full === root || full.startsWith(root + path.sep)) {
    candidates.push(full);
  }
  if (!p.startsWith('.') && !path.isAbsolute(p)) {
    for (let dir = root; ; dir = path.dirname(dir)) {
      candidates.push(path.join(dir, 'node_modules', p));
      if (path.dirname(dir) === dir) {
        break;
      }
    }
  }
  for (const c of candidates) {
    try {
      return { contents: fs.readFileSync(c, 'utf8') };
    } catch (e) {
      // try the next candidate
    }
  }
  return { error: 'file not found under the scan root or node_modules: ' + p };
}

const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const input = Buffer.concat(chunks).toString('utf8');
  const m = /^(\d+)\.(\d+)\./.exec(solc.version());
  const minor = m ? Number(m[2]) : 8;
  let out;
  if (m && Number(m[1]) === 0 && minor < 5) {
    out = solc.compileStandardWrapper(input, readImport);
  } else if (m && Number(m[1]) === 0 && minor < 6) {
    out = solc.compile(input, readImport);
  } else {
    out = solc.compile(input, { import: readImport });
  }
  process.stdout.write(out);
});
