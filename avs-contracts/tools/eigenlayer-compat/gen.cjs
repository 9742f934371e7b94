#!/usr/bin/env node
// Writes test/avs/EigenLayerCompat.t.sol: a table of the real EigenLayer core's selectors, event topics and error
// selectors, one row for every function, event and error the project declares in src/interfaces/eigenlayer.
//
// The values come from the REAL source: this script compiles the interface and storage files of a checkout of
// Layr-Labs/eigenlayer-contracts (npm solc, ABI only), takes each item's canonical signature from that ABI and hashes
// it. The project's own interfaces are only used to choose which rows to write and how the test names them, so the
// test compares two independent computations and fails when an interface drifts from the real one.
//
//   node tools/eigenlayer-compat/gen.cjs <eigenlayer-contracts checkout> <commit> <label> [<second checkout> <label>]
//
// The second checkout (optional) is only cross-checked: every row must have the same signature there too.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const solc = require('solc');
const { keccak256, toUtf8Bytes } = require('ethers');

const PKG = path.resolve(__dirname, '..', '..');
const NODE_MODULES = path.resolve(PKG, '..', 'node_modules');
const REAL_FILES = [
  'src/contracts/interfaces/IAllocationManager.sol',
  'src/contracts/interfaces/IDelegationManager.sol',
  'src/contracts/interfaces/IStrategyManager.sol',
  'src/contracts/interfaces/IStrategy.sol',
  'src/contracts/interfaces/IShareManager.sol',
  'src/contracts/interfaces/IPermissionController.sol',
  'src/contracts/interfaces/IRewardsCoordinator.sol',
  'src/contracts/interfaces/IAVSRegistrar.sol',
  'src/contracts/interfaces/ISignatureUtilsMixin.sol',
  // public state variables and constants (getters) live in the storage contracts and mixins
  'src/contracts/core/storage/AllocationManagerStorage.sol',
  'src/contracts/core/storage/DelegationManagerStorage.sol',
  'src/contracts/core/storage/StrategyManagerStorage.sol',
  'src/contracts/core/storage/RewardsCoordinatorStorage.sol',
  'src/contracts/mixins/PermissionControllerMixin.sol',
];

// The real repo builds against OpenZeppelin 4.9 (and its upgradeable copy); for an ABI-only compile the npm
// OpenZeppelin 5 is enough, with two tiny stand-ins for the upgradeable math libraries and Rounding.Up spelled Ceil.
const STUBS = {
  '@openzeppelin-upgrades/contracts/utils/math/SafeCastUpgradeable.sol':
    'pragma solidity ^0.8.0; library SafeCastUpgradeable {' +
    [8, 16, 32, 40, 64, 96, 128, 192, 224]
      .map((n) => `function toUint${n}(uint256 v) internal pure returns (uint${n}) { require(v <= type(uint${n}).max); return uint${n}(v); }`)
      .join('') +
    'function toInt256(uint256 v) internal pure returns (int256) { return int256(v); }' +
    'function toInt128(int256 v) internal pure returns (int128) { return int128(v); } }',
  '@openzeppelin-upgrades/contracts/utils/math/MathUpgradeable.sol':
    'pragma solidity ^0.8.0; library MathUpgradeable { function average(uint256 a, uint256 b) internal pure returns (uint256) { return (a & b) + (a ^ b) / 2; } }',
};

function compile(root, files) {
  const findImports = (p) => {
    if (STUBS[p]) return { contents: STUBS[p] };
    const file = p.startsWith('@openzeppelin/contracts/') ? path.join(NODE_MODULES, p) : path.join(root, p);
    try {
      return { contents: fs.readFileSync(file, 'utf8').replace(/Math\.Rounding\.Up/g, 'Math.Rounding.Ceil') };
    } catch {
      return { error: `not found: ${p}` };
    }
  };
  const sources = {};
  for (const f of files) sources[f] = { content: findImports(f).contents };
  const input = { language: 'Solidity', sources, settings: { outputSelection: { '*': { '*': ['abi'] } } } };
  const out = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (out.errors || []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const items = [];
  for (const f of files) {
    for (const [contract, c] of Object.entries(out.contracts[f] || {})) {
      for (const it of c.abi) if (['function', 'event', 'error'].includes(it.type)) items.push({ contract, ...it });
    }
  }
  return items;
}

const canon = (t) =>
  t.type.startsWith('tuple') ? `(${t.components.map(canon).join(',')})${t.type.slice(5)}` : t.type;
const sigOf = (it) => `${it.name}(${it.inputs.map(canon).join(',')})`;
const shape = (it) =>
  it.type === 'function'
    ? `${it.stateMutability}->(${it.outputs.map(canon).join(',')})`
    : it.type === 'event'
      ? it.inputs.map((i) => (i.indexed ? 'indexed' : '-')).join(',')
      : '';

function table(items) {
  const t = new Map();
  for (const it of items) {
    const k = `${it.type} ${sigOf(it)}`;
    if (!t.has(k)) t.set(k, new Set());
    t.get(k).add(shape(it));
  }
  return t;
}

const [realRoot, commit, label, realRoot2, label2] = process.argv.slice(2);
if (!realRoot || !/^[0-9a-f]{40}$/.test(commit || '') || !label) {
  console.error('usage: gen.cjs <eigenlayer-contracts checkout> <commit> <label> [<second checkout> <label>]');
  process.exit(2);
}
const real = table(compile(realRoot, REAL_FILES));
const real2 = realRoot2 ? table(compile(realRoot2, REAL_FILES)) : null;

const projDir = 'src/interfaces/eigenlayer';
const projFiles = fs.readdirSync(path.join(PKG, projDir)).filter((f) => /^I.*\.sol$/.test(f)).map((f) => `${projDir}/${f}`);
const proj = compile(PKG, projFiles);
// name each item after the contract that declares it (the one with the fewest members holding it)
const sizes = new Map();
for (const it of proj) sizes.set(it.contract, (sizes.get(it.contract) || 0) + 1);
const rows = new Map();
for (const it of proj) {
  const k = `${it.type} ${sigOf(it)}`;
  const prev = rows.get(k);
  if (!prev || sizes.get(it.contract) < sizes.get(prev.contract)) rows.set(k, it);
}
const problems = [];
const overloaded = new Set();
const byName = new Map();
for (const it of rows.values()) {
  const n = `${it.contract}.${it.name}.${it.type}`;
  byName.set(n, (byName.get(n) || 0) + 1);
}
for (const [n, c] of byName) if (c > 1) overloaded.add(n);

const lines = { function: [], event: [], error: [] };
for (const [k, it] of [...rows.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
  const s = sigOf(it);
  for (const [lbl, t] of [[label, real], [label2, real2]]) {
    if (!t) continue;
    if (!t.has(k)) problems.push(`${lbl}: no ${k} (declared in ${it.contract})`);
    else if (!t.get(k).has(shape(it))) problems.push(`${lbl}: ${k} is ${[...t.get(k)].join('|')}, project ${shape(it)}`);
  }
  const h = keccak256(toUtf8Bytes(s));
  const value = it.type === 'event' ? h : h.slice(0, 10);
  const ref = overloaded.has(`${it.contract}.${it.name}.${it.type}`) ? null : `${it.contract}.${it.name}.selector`;
  lines[it.type].push({ ref, value, s, contract: it.contract, name: it.name, it });
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}

const out = [];
out.push('// SPDX-License-Identifier: MIT');
out.push('// GENERATED by tools/eigenlayer-compat/gen.cjs from Layr-Labs/eigenlayer-contracts ' + label + ' (commit ' + commit + ')');
if (label2) out.push('// and cross-checked against ' + label2 + '. Regenerate after changing src/interfaces/eigenlayer; never edit the table by hand.');
out.push('pragma solidity ^0.8.27;');
out.push('');
out.push('import {Test} from "../utils/Test.sol";');
for (const f of projFiles) {
  const names = [...new Set(proj.map((it) => it.contract))].filter((c) =>
    fs.readFileSync(path.join(PKG, f), 'utf8').match(new RegExp(`^interface ${c}\\b`, 'm')),
  );
  if (names.length) out.push(`import {${names.join(', ')}} from "../../${f}";`);
}
out.push('');
out.push('/// @notice Every function selector, event topic and error selector the project declares for EigenLayer\'s core equals');
out.push('/// the real one. Left: the project\'s interface (what the AVS, the devnet core and the TypeScript bindings use).');
out.push('/// Right: keccak256 of the canonical signature solc derives from the real source at');
out.push(`/// github.com/Layr-Labs/eigenlayer-contracts ${label}, commit ${commit}. Struct layouts are part of each signature`);
out.push('/// (a struct appears as its tuple), and the generator also checked mutability, return types and event indexing.');
out.push('contract EigenLayerSelectorTableTest is Test {');
out.push(`    string internal constant REAL_COMMIT = "${commit}";`);
out.push('');
const fnName = { function: 'test_functionSelectors', event: 'test_eventTopics', error: 'test_errorSelectors' };
for (const type of ['function', 'event', 'error']) {
  out.push(`    function ${fnName[type]}() public pure {`);
  for (const l of lines[type]) {
    if (!l.ref) continue;
    if (type === 'event') out.push(`        assertEq(${l.ref}, bytes32(${l.value}), "${l.s}");`);
    else out.push(`        assertEq(${l.ref}, bytes4(${l.value}), "${l.s}");`);
  }
  out.push('    }');
  out.push('');
}
out.push('    function test_tableCounts() public pure {');
out.push(`        // functions ${lines.function.length}, events ${lines.event.length}, errors ${lines.error.length}`);
out.push(`        assertEq(bytes(REAL_COMMIT).length, 40, "commit");`);
out.push('    }');
out.push('}');
// Overloaded functions cannot be named by `.selector`; their real selectors go into a library, and
// EigenLayerCompat.t.sol calls each on the devnet core with exactly that selector.
const ov = lines.function.filter((l) => !l.ref);
out.push('');
out.push('/// @notice Real selectors of overloaded functions (see EigenLayerCompat.t.sol, which calls them on the devnet core).');
out.push('library EigenLayerOverloadedSelectors {');
for (const l of ov) {
  const id = l.s.replace(/\[\]/g, 'Array').replace(/[(),]/g, '_').replace(/_+/g, '_').replace(/_$/, '');
  out.push(`    bytes4 internal constant ${l.contract}_${id} = ${l.value}; // ${l.s}`);
}
out.push('}');
fs.writeFileSync(path.join(PKG, 'test/avs/EigenLayerCompatTable.t.sol'), out.join('\n') + '\n');
console.log(`wrote test/avs/EigenLayerCompatTable.t.sol: ${lines.function.length} functions, ${lines.event.length} events, ${lines.error.length} errors`);

