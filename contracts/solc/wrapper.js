// Lianjian's solc-js driver: reads Solidity standard JSON input on stdin,
// compiles it with the solc package installed under argv[2] and prints
// standard JSON output on stdout. Imports not given in the input are read
// relative to argv[3].
'use strict';
const fs = require('fs');
const path = require('path');

const solc = require(path.resolve(process.argv[2], 'node_modules', 'solc'));
const base = process.argv[3] || '.';

function readImport(p) {
  const full = path.resolve(base, p);
  const root = path.resolve(base);
  if (full !== root && !full.startsWith(root + path.sep)) {
    return { error: 'import outside the scan root: ' + p };
  }
  try {
    return { contents: fs.readFileSync(full, 'utf8') };
  } catch (e) {
    return { error: 'file not found: ' + p };
  }
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
