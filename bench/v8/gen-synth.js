// Writes a big V8-format heap snapshot without a V8 heap behind it, for the
// 1 GB benchmark: V8 itself needs about 10 GB to write a snapshot of 13 M
// objects, more than the benchmark machine's budget.  The shapes are the
// ones gen-big.js makes node write (a root, (GC roots) and its subroots, a
// shortcut to the global object, an array of ITEMS objects each with a
// next pointer, a random peer or a shared label, a heap number and a map),
// in node's own meta layout, streamed in chunks.
//   node gen-synth.js OUT.heapsnapshot ITEMS
// Per item: 2 objects, 7 references, about 170 bytes (6.5 M items: 13 M
// objects, 45 M references, 1.1 GB).
'use strict';
const fs = require('fs');
const [out, itemsArg] = process.argv.slice(2);
const items = Number(itemsArg);
const fd = fs.openSync(out, 'w');
let buf = [];
let bufLen = 0;
function w(s) {
  buf.push(s);
  bufLen += s.length;
  if (bufLen > (1 << 22)) flush();
}
function flush() {
  fs.writeSync(fd, buf.join(''));
  buf = [];
  bufLen = 0;
}
const types = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native',
  'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape', 'wasm object'];
const T = Object.fromEntries(types.map((t, i) => [t, i]));
const etypes = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];
const E = Object.fromEntries(etypes.map((t, i) => [t, i]));
const strings = ['', '(GC roots)', '(Strong roots)', '(Global handles)', 'global', 'system / Map', 'Array',
  'Item', 'next', 'peer', 'n', 'map', 'label', 'items', 'Object', 'name'];
const S = Object.fromEntries(strings.map((s, i) => [s, i]));
const NF = 7;
const LABELS = 1000;
// ordinals
const ROOT = 0, GCROOTS = 1, STRONG = 2, HANDLES = 3, GLOBAL = 4, MAP = 5, ARRAY = 6;
const LABEL0 = 7, ITEM0 = LABEL0 + LABELS;
const nodeCount = ITEM0 + 2 * items;
const itemOrd = i => ITEM0 + 2 * i;
const numOrd = i => ITEM0 + 2 * i + 1;
let seed = 12345;
const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
const peers = new Uint32Array(items);
for (let i = 0; i < items; i++) peers[i] = i % 3 === 0 ? LABEL0 + rnd() % LABELS : itemOrd(rnd() % items);

const edgeCount = 2 + 2 + 2 + 1 + 2 + 0 + items + LABELS * 2 + items * 5 + items * 1;
w('{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],' +
  '"node_types":[' + JSON.stringify(types) + ',"string","number","number","number","number","number"],' +
  '"edge_fields":["type","name_or_index","to_node"],"edge_types":[' + JSON.stringify(etypes) +
  ',"string_or_number","node"],"trace_function_info_fields":["function_id","name","script_name","script_id","line","column"],' +
  '"trace_node_fields":["id","function_info_index","count","size","children"],"sample_fields":["timestamp_us","last_assigned_id"],' +
  '"location_fields":["object_index","script_id","line","column"]},"node_count":' + nodeCount + ',"edge_count":' + edgeCount +
  ',"trace_function_count":0},\n"nodes":[');
const node = (first, t, name, id, size, ec) => w((first ? '' : '\n,') + t + ',' + name + ',' + id + ',' + size + ',' + ec + ',0,0');
node(true, T.synthetic, 0, 1, 0, 2);
node(false, T.synthetic, S['(GC roots)'], 3, 0, 2);
node(false, T.synthetic, S['(Strong roots)'], 5, 0, 2);
node(false, T.synthetic, S['(Global handles)'], 7, 0, 1);
node(false, T.object, S.global, 9, 40, 2);
node(false, T['object shape'], S['system / Map'], 11, 80, 0);
node(false, T.object, S.Array, 13, 32, items);
for (let l = 0; l < LABELS; l++) node(false, T.object, S.Object, 15 + 2 * l, 24, 2);
let id = 15 + 2 * LABELS;
const numName = strings.length;
for (let i = 0; i < items; i++) {
  node(false, T.object, S.Item, id, 40, 5);
  node(false, T.number, numName + i, id + 2, 16, 1);
  id += 4;
}
w('],\n"edges":[');
let firstEdge = true;
const edge = (t, name, to) => { w((firstEdge ? '' : '\n,') + t + ',' + name + ',' + to * NF); firstEdge = false; };
edge(E.element, 1, GCROOTS); edge(E.shortcut, S.global, GLOBAL);
edge(E.element, 1, STRONG); edge(E.element, 2, HANDLES);
edge(E.internal, S.map, MAP); edge(E.element, 1, GLOBAL);
edge(E.element, 1, ARRAY);
edge(E.property, S.items, ARRAY); edge(E.internal, S.map, MAP);
for (let i = 0; i < items; i++) edge(E.element, i, itemOrd(i));
for (let l = 0; l < LABELS; l++) { edge(E.internal, S.map, MAP); edge(E.property, S.name, GLOBAL); }
for (let i = 0; i < items; i++) {
  edge(E.internal, S.map, MAP);
  if (i > 0) edge(E.property, S.next, itemOrd(i - 1)); else edge(E.property, S.next, GLOBAL);
  edge(E.property, S.peer, peers[i]);
  edge(E.property, S.n, numOrd(i));
  edge(E.property, S.label, LABEL0 + i % LABELS);
  edge(E.internal, S.map, MAP);
}
w('],\n"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n"locations":[],\n"strings":[');
w(strings.map(s => JSON.stringify(s)).join(',\n'));
for (let i = 0; i < items; i++) w(',\n"' + (i + 0.5) + '"');
w(']}\n');
flush();
fs.closeSync(fd);
