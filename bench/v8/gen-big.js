// Writes a big V8 heap snapshot for the benchmark: COUNT objects in a
// linked structure (each with a next pointer, a random peer or a shared
// label, and a heap number), held by one array, plus node's own heap.
// Per COUNT: about 1.8 snapshot objects, 7.4 references, 174 bytes of file
// (2.9 M: ~500 MB, 5.3 M objects, 21 M references).  Run with a large
// --max-old-space-size.
//   node --max-old-space-size=12000 gen-big.js OUT.heapsnapshot COUNT
'use strict';
const v8 = require('v8');
const [out, countArg] = process.argv.slice(2);
const count = Number(countArg);
class Item {
  constructor(i, next) {
    this.next = next;
    this.peer = null;
    this.n = i + 0.5;  // a heap number: one more object, no references
  }
}
const labels = [];
for (let i = 0; i < 1000; i++) labels.push({ label: 'label ' + i });
const all = new Array(count);
let prev = null;
let seed = 12345;
for (let i = 0; i < count; i++) {
  prev = new Item(i, prev);
  all[i] = prev;
}
for (let i = 0; i < count; i++) {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  all[i].peer = (i % 3 === 0) ? labels[seed % 1000] : all[seed % count];
}
globalThis.__bench = all;
v8.writeHeapSnapshot(out);
