// Writes a small V8 heap snapshot of a program that builds the shapes the
// heapglass V8 loader is compared with DevTools on: a linked list, a ring,
// a tree with parent pointers, Maps, closures, a WeakMap, a WeakRef and
// garbage cycles.  Usage: node gen.js OUT.heapsnapshot [SCALE]
'use strict';
const v8 = require('v8');
const out = process.argv[2];
const scale = Number(process.argv[3] || 1);

class ListNode { constructor(v, next) { this.v = v; this.next = next; } }
class RingNode { constructor(i) { this.i = i; this.next = null; } }
class TreeNode {
  constructor(parent, depth) {
    this.parent = parent;
    this.kids = [];
    this.label = 'node-' + depth;
  }
}
class Key { constructor(i) { this.i = i; } }
class Value { constructor(i) { this.payload = new Array(8).fill(i); } }

const keep = {};
let list = null;
for (let i = 0; i < 2000 * scale; i++) list = new ListNode(i, list);
keep.list = list;

const ring = [];
for (let i = 0; i < 500 * scale; i++) ring.push(new RingNode(i));
for (let i = 0; i < ring.length; i++) ring[i].next = ring[(i + 1) % ring.length];
keep.ring = ring[0];

function tree(parent, depth) {
  const t = new TreeNode(parent, depth);
  if (depth < 7) for (let k = 0; k < 3; k++) t.kids.push(tree(t, depth + 1));
  return t;
}
keep.tree = tree(null, 0);

keep.map = new Map();
for (let i = 0; i < 1000 * scale; i++) keep.map.set('k' + i, { i, s: 'value ' + i });

keep.closures = [];
for (let i = 0; i < 300 * scale; i++) {
  const captured = { i, big: new Array(16).fill(i) };
  keep.closures.push(function inner() { return captured.i; });
}

keep.weakKeys = [];
keep.weakMap = new WeakMap();
for (let i = 0; i < 200 * scale; i++) {
  const k = new Key(i);
  if (i % 2 === 0) keep.weakKeys.push(k);
  keep.weakMap.set(k, new Value(i));
}
keep.weakRefTarget = { name: 'weakly held', data: new Array(100).fill(1) };
keep.weakRef = new WeakRef(keep.weakRefTarget);
keep.lonelyWeakRef = new WeakRef({ name: 'only weakly held' });

// Strings: non-BMP text, escapes, a long string.
keep.strings = ['emoji \u{1F600} astral', 'quote " backslash \\ tab \t nl \n', 'x'.repeat(5000),
  'caf\u00e9 \u4e2d\u6587', '\u0001 control'];

// Garbage cycles: unreachable when the snapshot is taken (V8 runs a GC
// before writing, so these are normally gone: the test checks the loader,
// not the collector).
(function () {
  for (let i = 0; i < 100; i++) { const a = {}; const b = { a }; a.b = b; }
})();

globalThis.__heapglassKeep = keep;
v8.writeHeapSnapshot(out);
