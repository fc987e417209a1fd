// Lianjian's solc-js driver: reads Solidity standard JSON input on stdin,
// compiles it with the solc package installed under argv[2] and prints
// standard JSON output on stdout, driving whichever JavaScript API the
// installed solc-js has. Imports not given in the input are read
// relative to argv[3], the scan root, or from node_modules.
'use strict';
const fs = require('fs');
const path = require('path');

// A failure inside soljson.js would make Node print the offending line of
// minified compiler code; report only the message.
process.on('uncaughtException', (e) => {
  process.stderr.write('solc-js: ' + String((e && e.message) || e).slice(0, 500) + '\n');
  process.exit(1);
});

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

// contractFile finds the source declaring contract name in a legacy
// output whose contract keys carry no file (solc before 0.4.9).
function contractFile(sources, name, files) {
  for (const f of files) {
    const ast = sources && sources[f] && sources[f].AST;
    const kids = (ast && ast.children) || [];
    if (kids.some((k) => k.name === 'ContractDefinition' && k.attributes && k.attributes.name === name)) {
      return f;
    }
  }
  return files[0];
}

// legacy compiles standard JSON input with the `compile(sources, optimize,
// readCallback)` API of solc-js before 0.4.11, which has no
// compileStandardWrapper, and converts its output to standard JSON: errors,
// source ids, and per contract the ABI and the runtime bytecode with its
// source map.
function legacy(input) {
  const std = JSON.parse(input);
  const sources = {};
  for (const f of Object.keys(std.sources || {})) {
    sources[f] = std.sources[f].content;
  }
  const opt = std.settings && std.settings.optimizer && std.settings.optimizer.enabled ? 1 : 0;
  let res = solc.supportsImportCallback
    ? solc.compile({ sources: sources }, opt, readImport)
    : solc.compile({ sources: sources }, opt);
  if (typeof res === 'string') {
    res = JSON.parse(res);
  }
  const out = { errors: [], sources: {}, contracts: {} };
  for (const e of res.errors || []) {
    const msg = String(e);
    const warning = /(^|:\s*)Warning:/.test(msg);
    out.errors.push({ severity: warning ? 'warning' : 'error', message: msg, formattedMessage: msg });
  }
  const list = res.sourceList || Object.keys(res.sources || sources).sort();
  list.forEach((f, id) => {
    out.sources[f] = { id: id };
  });
  for (const key of Object.keys(res.contracts || {})) {
    const c = res.contracts[key];
    const i = key.lastIndexOf(':');
    const name = i >= 0 ? key.slice(i + 1) : key;
    const file = i >= 0 ? key.slice(0, i) : contractFile(res.sources, name, list);
    let abi = [];
    try {
      abi = JSON.parse(c.interface || '[]');
    } catch (e) {
      // keep an empty ABI
    }
    out.contracts[file] = out.contracts[file] || {};
    out.contracts[file][name] = {
      abi: abi,
      evm: {
        deployedBytecode: { object: c.runtimeBytecode || '', sourceMap: c.srcmapRuntime || '' },
        bytecode: { object: c.bytecode || '', sourceMap: c.srcmap || '' },
      },
    };
  }
  return JSON.stringify(out);
}

function compile(input) {
  const m = /^(\d+)\.(\d+)\./.exec(solc.version());
  const minor = m ? Number(m[2]) : 8;
  if (m && Number(m[1]) === 0 && minor < 5) {
    if (typeof solc.compileStandardWrapper === 'function') {
      return solc.compileStandardWrapper(input, readImport);
    }
    return legacy(input);
  }
  if (m && Number(m[1]) === 0 && minor < 6) {
    return solc.compile(input, readImport);
  }
  return solc.compile(input, { import: readImport });
}

const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  process.stdout.write(compile(Buffer.concat(chunks).toString('utf8')));
});
