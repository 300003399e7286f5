// Writes tests/fixtures/v8/tiny.heapsnapshot: a small, hand-specified,
// valid V8 heap snapshot (same meta and layout as node 20 writes) that
// exercises every rule of docs/v8-format.md: the root and its synthetic
// (GC roots), a shortcut to the global object, an edge from outside the
// page into it, hidden/array objects owned by one object, a closure and its
// context, a WeakMap ephemeron, a WeakRef, a detached DOM node, escaped
// strings (a surrogate pair included), a self edge, a garbage cycle, and
// arrays DevTools skips (locations, samples, trace_*).
//   node make-tiny.js > ../../fixtures/v8/tiny.heapsnapshot
'use strict';
const types = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native',
  'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape', 'wasm object'];
const etypes = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];
const strings = [''];
const str = s => { let i = strings.indexOf(s); if (i < 0) { i = strings.length; strings.push(s); } return i; };

// [key, type, name, id, self_size, detachedness, edges: [type, name|index, toKey]]
const N = [
  ['root', 'synthetic', '', 1, 0, 0, [['element', 1, 'gcroots'], ['shortcut', 'global', 'global']]],
  ['gcroots', 'synthetic', '(GC roots)', 3, 0, 0, [['element', 1, 'strong'], ['element', 2, 'handles']]],
  ['strong', 'synthetic', '(Strong roots)', 5, 0, 0, [['element', 1, 'builtin'], ['internal', 'x', 'key']]],
  ['handles', 'synthetic', '(Global handles)', 7, 0, 0, [['element', 1, 'global'], ['element', 2, 'wmap']]],
  ['builtin', 'code', 'Builtin: Abort', 9, 300, 0, [['internal', 'map', 'shape']]],
  ['shape', 'object shape', 'system / Map', 11, 40, 0, []],
  ['global', 'object', 'global', 13, 40, 0, [
    ['property', 'list', 'l1'], ['property', 'wm', 'wmap'], ['property', 'fn', 'fn'],
    ['property', 'ref', 'wref'], ['property', 's', 'str'], ['property', 'dom', 'div'],
    ['property', 'key', 'key'], ['internal', 'elements', 'garr'], ['hidden', 3, 'shape'],
    ['property', 'self', 'selfy'], ['property', 'ring', 'r1']]],
  ['garr', 'array', '', 15, 100, 0, [['internal', 'ext', 'extdata']]],
  ['extdata', 'native', 'system / ExternalStringData', 17, 16, 0, []],
  ['l1', 'object', 'ListNode', 19, 32, 0, [['property', 'next', 'l2'], ['property', 'name', 'str']]],
  ['l2', 'object', 'ListNode', 21, 32, 0, [['property', 'next', 'l3']]],
  ['l3', 'object', 'ListNode', 23, 32, 0, [['element', 0, 'num']]],
  ['num', 'number', 'heap number', 25, 16, 0, []],
  ['fn', 'closure', 'inner', 27, 64, 0, [['internal', 'context', 'ctx'], ['internal', 'code', 'builtin']]],
  ['ctx', 'object', 'system / Context', 29, 48, 0, [['context', 'captured', 'cap']]],
  ['cap', 'object', 'Object', 31, 24, 0, [['property', 're', 're']]],
  ['re', 'regexp', 'a+b', 33, 56, 0, []],
  ['str', 'string', 'caf\u00e9 \ud83d\ude00 "q"\n\\ \u0001', 35, 40, 0, []],
  ['wmap', 'object', 'WeakMap', 37, 32, 0, [['internal', 'table', 'table']]],
  ['table', 'array', '', 39, 64, 0, [['internal', '1 / part of key (Key @41) -> value (Value @43) pair in WeakMap (table @39)', 'val']]],
  ['key', 'object', 'Key', 41, 24, 0, [['internal', '1 / part of key (Key @41) -> value (Value @43) pair in WeakMap (table @39)', 'val']]],
  ['val', 'object', 'Value', 43, 200, 0, [['property', 'payload', 'payload']]],
  ['payload', 'array', '', 45, 120, 0, []],
  ['wref', 'object', 'WeakRef', 47, 24, 0, [['weak', 'target', 'wtarget']]],
  ['wtarget', 'object', 'Object', 49, 500, 0, [['property', 'child', 'wchild']]],
  ['wchild', 'object', 'Object', 51, 70, 0, []],
  ['div', 'native', '<div id="x" class="big">', 53, 80, 2, [['element', 0, 'span']]],
  ['span', 'native', 'Detached <span id="y">', 55, 30, 2, []],
  ['selfy', 'object', 'Object', 57, 8, 0, [['property', 'me', 'selfy']]],
  ['ga', 'object', 'Garbage', 59, 1000, 0, [['property', 'b', 'gb']]],
  ['gb', 'object', 'Garbage', 61, 2000, 0, [['property', 'a', 'ga']]],
  ['r1', 'object', 'RingNode', 63, 16, 0, [['property', 'next', 'r2']]],
  ['r2', 'object', 'RingNode', 65, 16, 0, [['property', 'next', 'r3']]],
  ['r3', 'object', 'RingNode', 67, 16, 0, [['property', 'next', 'r1']]],
  ['sym', 'symbol', 'Symbol(x)', 69, 24, 0, []],
  ['big', 'bigint', 'bigint', 71, 16, 0, []],
];
const ord = {};
N.forEach((n, i) => { ord[n[0]] = i; });
const NF = 7;
const nodes = [], edges = [];
let ec = 0;
for (const [, t, name, id, size, det, es] of N) {
  nodes.push([types.indexOf(t), str(name), id, size, es.length, 0, det]);
  for (const [et, nm, to] of es) {
    const idx = et === 'element' || et === 'hidden' ? nm : str(nm);
    edges.push([etypes.indexOf(et), idx, ord[to] * NF]);
    ec++;
  }
}
const meta = {
  node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
  node_types: [types, 'string', 'number', 'number', 'number', 'number', 'number'],
  edge_fields: ['type', 'name_or_index', 'to_node'],
  edge_types: [etypes, 'string_or_number', 'node'],
  trace_function_info_fields: ['function_id', 'name', 'script_name', 'script_id', 'line', 'column'],
  trace_node_fields: ['id', 'function_info_index', 'count', 'size', 'children'],
  sample_fields: ['timestamp_us', 'last_assigned_id'],
  location_fields: ['object_index', 'script_id', 'line', 'column'],
};
let out = '{"snapshot":{"meta":' + JSON.stringify(meta) + ',"node_count":' + N.length + ',"edge_count":' + ec +
  ',"trace_function_count":0},\n"nodes":[' + nodes.map(r => r.join(',')).join('\n,') +
  '],\n"edges":[' + edges.map(r => r.join(',')).join('\n,') +
  '],\n"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n"locations":[' + ord.fn * NF + ',3,10,4\n,' +
  ord.l1 * NF + ',3,20,8],\n"strings":[' + strings.map(s => JSON.stringify(s)
    .replace(/[\u007f-\uffff]/g, c => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))).join(',\n') + ']}\n';
process.stdout.write(out);
