// Writes the small, hand-specified, valid V8 heap snapshots the unit tests
// read (same meta and layout as node 20 writes):
//
// tests/fixtures/v8/tiny.heapsnapshot exercises every rule of
// docs/v8-format.md: the root and its synthetic (GC roots), a shortcut to the
// global object, an edge from outside the page into it, hidden/array objects
// owned by one object, a closure and its context, a WeakMap ephemeron, a
// WeakRef, a detached DOM node, escaped strings (a surrogate pair included),
// a self edge, a garbage cycle, and arrays DevTools skips (locations,
// samples, trace_*).
//   node make-tiny.js > ../../fixtures/v8/tiny.heapsnapshot
//
// tests/fixtures/v8/user.heapsnapshot has one object or reference for each
// rule of the user graph (docs/user-graph.md, "V8"), shaped and named as
// node 20 writes them: the native context, the global object and its proxy,
// a module's scope, a class, its prototype and maps (one reached through a
// back pointer), an instance with a closure over it, property and element
// stores, strings, numbers, a Node.js builtin function and a bound one, the
// module loader's objects and their exports, a WeakMap ephemeron, a native
// object and its wrapper, a Node.js handle and its owner, a scope variable
// named "constructor", a scope holding a function made in it.
//   node make-tiny.js user > ../../fixtures/v8/user.heapsnapshot
'use strict';
const types = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'regexp', 'number', 'native',
  'synthetic', 'concatenated string', 'sliced string', 'symbol', 'bigint', 'object shape', 'wasm object'];
const etypes = ['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak'];

// [key, type, name, id, self_size, detachedness, edges: [type, name|index, toKey]]
const TINY = [
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

// The user graph's rules, one object or reference each (the comments say
// what the loader must mark; tests/unit/test_v8.c test_user_marks checks it).
const USER = [
  ['root', 'synthetic', '', 1, 0, 0, [['element', 1, 'gcroots'], ['shortcut', 'global', 'global']]],
  ['gcroots', 'synthetic', '(GC roots)', 3, 0, 0, [['element', 1, 'nctx']]],
  // anchors: the native context, the global object and its proxy, a module's scope
  ['nctx', 'hidden', 'system / NativeContext', 5, 800, 0, [['internal', 'global_proxy_object', 'gproxy'],
    ['internal', 'extension', 'global'], ['internal', 'scope_info', 'scopeinfo'], ['internal', 'map', 'metamap']]],
  ['global', 'object', 'global', 7, 40, 0, [['internal', 'global_proxy', 'gproxy'], ['internal', 'native_context', 'nctx'],
    ['property', 'list', 'list'], ['property', 'weakmap', 'weakmap'], ['property', 'wmkey', 'wmkey'],
    ['property', 'tcp', 'tcp'], ['property', 'other', 'other'], ['property', 'selfy', 'selfy'],
    ['property', 'mod', 'mod'], ['property', 'mod2', 'mod2'], ['property', 'stream', 'stream'], ['property', 'ctx2', 'ctx2'],
    ['property', 'cons', 'cons'], ['property', 'sliced', 'sliced'], ['property', 'server', 'server'],
    ['property', 'parser', 'parser'], ['property', 'lonely', 'lonely']]],
  ['gproxy', 'object', 'global', 9, 24, 0, [['internal', 'native_context', 'nctx']]],
  ['modctx', 'object', 'system / Context', 11, 48, 0, [['internal', 'previous', 'nctx'], ['context', 'Widget', 'wclass'],
    ['internal', 'scope_info', 'scopeinfo']]],
  ['scopeinfo', 'code', 'system / ScopeInfo', 13, 40, 0, []],
  ['metamap', 'hidden', 'system / Map', 15, 40, 0, []],
  // a class: its maps, prototype, shared info, script
  ['wmap', 'object shape', 'system / Map', 17, 40, 0, [['internal', 'constructor', 'wclass'],
    ['internal', 'prototype', 'wproto'], ['internal', 'map', 'metamap']]],
  ['wmap2', 'object shape', 'system / Map', 19, 40, 0, [['internal', 'back_pointer', 'wmap']]],
  ['wclass', 'closure', 'Widget', 21, 32, 0, [['property', 'prototype', 'wproto'], ['internal', 'initial_map', 'wmap'],
    ['internal', 'context', 'modctx'], ['internal', 'shared', 'sfiapp'], ['internal', 'code', 'code']]],
  ['wproto', 'object', 'Object', 23, 24, 0, [['property', 'constructor', 'wclass']]],
  ['sfiapp', 'code', 'Widget', 25, 40, 0, [['internal', 'script_or_debug_info', 'scriptapp']]],
  ['scriptapp', 'code', '/app/server.js', 27, 80, 0, []],
  // an instance, a closure over it, its stores
  ['widget', 'object', 'Widget', 29, 32, 0, [['property', 'onClick', 'onclick'], ['property', 'name', 'str'],
    ['property', '__proto__', 'wproto'], ['internal', 'map', 'wmap2'], ['internal', 'properties', 'proparr'],
    ['hidden', 1, 'list'], ['property', 'count', 'num']]],
  ['onclick', 'closure', '', 31, 32, 0, [['internal', 'context', 'wctx'], ['internal', 'shared', 'sfiapp']]],
  ['wctx', 'object', 'system / Context', 33, 32, 0, [['context', 'this', 'widget'], ['internal', 'previous', 'modctx'],
    ['internal', 'scope_info', 'scopeinfo']]],
  ['proparr', 'hidden', 'system / PropertyArray', 35, 24, 0, [['hidden', 0, 'onclick']]],
  ['list', 'object', 'Array', 37, 16, 0, [['element', 0, 'widget'], ['internal', 'elements', 'elems']]],
  ['elems', 'array', '(object elements)', 39, 24, 0, [['internal', '0', 'widget']]],
  // V8's values
  ['str', 'string', 'a', 41, 16, 0, []],
  ['cons', 'concatenated string', '(concatenated string)', 43, 32, 0, [['internal', 'first', 'str']]],
  ['sliced', 'sliced string', '(sliced string)', 45, 32, 0, [['internal', 'parent', 'str']]],
  ['num', 'number', 'heap number', 47, 16, 0, []],
  ['big', 'bigint', 'bigint', 49, 16, 0, []],
  ['sym', 'symbol', 'symbol', 51, 16, 0, []],
  ['code', 'code', '(CompileLazy builtin handle)', 53, 64, 0, []],
  // a Node.js builtin function in its scope, and one bound to a stream
  ['bfn', 'closure', 'deprecated', 55, 32, 0, [['internal', 'shared', 'sfib'], ['internal', 'context', 'bctx']]],
  ['sfib', 'code', 'deprecated', 57, 40, 0, [['internal', 'script_or_debug_info', 'scriptb']]],
  ['scriptb', 'code', 'node:internal/util', 59, 80, 0, []],
  ['bctx', 'object', 'system / Context', 61, 32, 0, [['context', 'deprecated', 'bfn'], ['internal', 'previous', 'modctx']]],
  ['bound', 'closure', 'native_bind', 63, 32, 0, [['internal', 'bound_function', 'bfn'], ['internal', 'bound_this', 'stream']]],
  ['stream', 'object', 'Writable', 65, 32, 0, [['property', 'onwrite', 'bound'], ['property', 'chunk', 'big']]],
  // the module loader's objects (one map reached through a back pointer) and an export
  ['mod', 'object', 'Module', 67, 48, 0, [['internal', 'map', 'modmap'], ['property', 'exports', 'exportsobj'],
    ['property', 'children', 'list']]],
  ['mod2', 'object', 'Module', 69, 48, 0, [['internal', 'map', 'modmap2']]],
  ['modmap', 'object shape', 'system / Map', 71, 40, 0, [['internal', 'constructor', 'modclass']]],
  ['modmap2', 'object shape', 'system / Map', 73, 40, 0, [['internal', 'back_pointer', 'modmap']]],
  ['modclass', 'closure', 'Module', 75, 32, 0, [['internal', 'shared', 'sfim']]],
  ['sfim', 'code', 'Module', 77, 40, 0, [['internal', 'script_or_debug_info', 'scriptm']]],
  ['scriptm', 'code', 'node:internal/modules/cjs/loader', 79, 80, 0, []],
  ['exportsobj', 'object', 'Object', 81, 24, 0, [['property', 'widget', 'widget'], ['property', 'sym', 'sym']]],
  // a WeakMap whose value points back at its key
  ['wmkey', 'object', 'WmKey', 83, 16, 0, [['internal', '1 / part of key (WmKey @83) -> value (WmValue @85) pair in WeakMap (table @87)', 'wmval']]],
  ['wmval', 'object', 'WmValue', 85, 16, 0, [['property', 'key', 'wmkey']]],
  ['wmtable', 'array', '', 87, 64, 0, [['weak', '1', 'wmkey'],
    ['internal', '2 / part of key (WmKey @83) -> value (WmValue @85) pair in WeakMap (table @87)', 'wmval']]],
  ['weakmap', 'object', 'WeakMap', 89, 24, 0, [['internal', 'table', 'wmtable']]],
  // a native object and its wrapper; another native pointing at the wrapper
  ['tcp', 'object', 'TCP', 91, 24, 0, [['internal', 'javascript_to_native', 'tcpwrap']]],
  ['tcpwrap', 'native', 'Node / TCPWrap', 92, 64, 0, [['internal', 'native_to_javascript', 'tcp']]],
  ['other', 'native', 'Node / Other', 94, 64, 0, [['internal', 'native_to_javascript', 'tcp']]],
  ['selfy', 'object', 'SelfLoop', 95, 16, 0, [['property', 'me', 'selfy']]],
  // a Node.js handle and its owner; a handle that is its own resource; an owner link not returned
  ['handle', 'object', 'TCP', 99, 24, 0, [['property', '<symbol owner_symbol>', 'server']]],
  ['server', 'object', 'Server', 101, 64, 0, [['property', '_handle', 'handle']]],
  ['parser', 'object', 'HTTPParser', 103, 24, 0, [['property', '<symbol resource_symbol>', 'parser']]],
  ['lonely', 'object', 'Lonely', 105, 24, 0, [['property', '<symbol owner_symbol>', 'selfy']]],
  // a scope with a variable named "constructor"
  ['ctx2', 'object', 'system / Context', 97, 32, 0, [['context', 'constructor', 'selfy'], ['internal', 'previous', 'wctx'],
    ['context', 'helper', 'helper'], ['context', 'handler', 'onclick']]],
  // a function made in that scope, which the scope holds by name
  ['helper', 'closure', 'helper', 107, 32, 0, [['internal', 'context', 'ctx2']]],
];

function snapshot(N, locations) {
  const strings = [''];
  const str = s => { let i = strings.indexOf(s); if (i < 0) { i = strings.length; strings.push(s); } return i; };
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
    '],\n"trace_function_infos":[],\n"trace_tree":[],\n"samples":[],\n"locations":[' +
    locations.map(([key, script, line, col]) => [ord[key] * NF, script, line, col].join(',')).join('\n,') +
    '],\n"strings":[' + strings.map(s => JSON.stringify(s)
      .replace(/[\u007f-\uffff]/g, c => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))).join(',\n') + ']}\n';
  return out;
}
process.stdout.write(process.argv[2] === 'user' ? snapshot(USER, []) :
  snapshot(TINY, [['fn', 3, 10, 4], ['l1', 3, 20, 8]]));
