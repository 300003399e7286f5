// Checks `heapglass cycles --json --top 0` of planted.js's snapshot against
// what planted.js built; prints one "ok -" / "not ok -" line per check.
//   node check.js CYCLES.json [CYCLES_MORE.json]
// With a second file (the snapshot of `planted.js OUT more`), also checks
// that loading more modules left the user cycles unchanged.
'use strict';
const fs = require('fs');
const [file, moreFile] = process.argv.slice(2);
const j = JSON.parse(fs.readFileSync(file, 'utf8'));
let failed = 0;
function check(what, cond, detail) {
  console.log((cond ? 'ok - ' : 'not ok - ') + 'cycles v8: ' + what + (cond || !detail ? '' : ': ' + detail));
  if (!cond) failed++;
}
const types = c => {
  const t = {};
  for (const m of c.members) t[m.type] = (t[m.type] || 0) + 1;
  return t;
};
const show = t => Object.keys(t).sort().map(k => k + ' x' + t[k]).join(', ');
const same = (a, b) => show(a) === show(b);

check('the default graph is the user graph', j.graph === 'user', 'graph is ' + JSON.stringify(j.graph));
const cycles = j.cycles || [];

// Each planted shape: its key class, the members of each of its cycles, how many.
const planted = [
  ['a ring of 7', 'RingNode', { RingNode: 7 }, 1],
  ['a doubly linked list of 5', 'DNode', { DNode: 5 }, 1],
  ['a self loop', 'SelfLoop', { SelfLoop: 1 }, 1],
  ['a parent and 4 children through an array', 'Parent', { Parent: 1, Array: 1, Child: 4 }, 1],
  ['25 Session -history-> Array -[]-> Request cycles', 'Session', { Session: 1, Array: 1, Request: 1 }, 25],
  ['3 Widget -onClick-> closure -context-> scope -this-> Widget cycles', 'Widget',
    { Widget: 1, Function: 1, 'system / Context': 1 }, 3],
  ['2 CounterState -inc-> closure -context-> scope -state-> CounterState cycles', 'CounterState',
    { CounterState: 1, Function: 1, 'system / Context': 1 }, 2],
];
const plantedTypes = new Set(['RingNode', 'DNode', 'SelfLoop', 'Parent', 'Child', 'Session', 'Request', 'Widget', 'CounterState']);
for (const [what, key, want, count] of planted) {
  const got = cycles.filter(c => c.members.some(m => m.type === key));
  const wrong = got.find(c => !same(types(c), want));
  check(what + ': ' + count + ' cycle' + (count > 1 ? 's' : '') + ' of ' + show(want),
    got.length === count && !wrong,
    got.length + ' cycles' + (wrong ? ', one of ' + show(types(wrong)) : ''));
  if (count > 1 && j.patterns) {
    const pats = new Set(got.map(c => c.pattern));
    const p = (j.patterns || []).find(q => q.pattern === got[0]?.pattern);
    check(what + ': one pattern with ' + count + ' instances',
      pats.size === 1 && p && p.instances === count,
      pats.size + ' patterns' + (p ? ', ' + p.instances + ' instances: ' + p.signature : ''));
  }
}
// No planted object in a cycle other than its own shape's.
const stray = cycles.find(c => c.members.some(m => plantedTypes.has(m.type)) &&
  !planted.some(([, key, want]) => c.members.some(m => m.type === key) && same(types(c), want)));
check('no planted object in any other cycle', !stray, stray && show(types(stray)));

// The controls are in no cycle.
for (const [what, ctl] of [
  ['a tree', ['TreeNode']],
  ['a WeakMap value pointing back at its key', ['WmKey', 'WmValue']],
  ['an object held by a closure that does not capture its holder', ['Holder', 'Payload']],
  ['a WeakRef target pointing back at the WeakRef\'s holder', ['WrHolder', 'WrTarget']],
  ['a list object holding a cycle', ['DList']],
  ['a listening server and its handle', ['Server', 'TCP']],
  ['a recursive inner function and the scope it was made in', ['recursiveStep']],
]) {
  const c = cycles.find(c => c.members.some(m => ctl.includes(m.type) || ctl.includes(m.name)));
  check('control in no cycle: ' + what, !c, c && show(types(c)));
}

// No user cycle holds V8's machinery or the runtime's infrastructure.
const machinery = new Set(['(system)', '(object shape)', '(compiled code)', '(string)', '(concatenated string)',
  '(sliced string)', '(number)', '(bigint)', '(symbol)', '(synthetic)', 'global', 'Module', 'BuiltinModule']);
const bad = [];
for (const c of cycles)
  for (const m of c.members)
    if (machinery.has(m.type) || /^system \/ NativeContext/.test(m.name)) bad.push(m.type + ' ' + m.name + ' @' + m.id);
check('no user cycle holds a map, hidden object, code, string, number, native context, global object or module',
  bad.length === 0, bad.slice(0, 5).join('; '));

if (moreFile) {
  const k = JSON.parse(fs.readFileSync(moreFile, 'utf8'));
  // A cycle's row: its pattern's signature and its size.
  const rows = x => {
    const sig = new Map((x.patterns || []).map(p => [p.pattern, p.signature]));
    return (x.cycles || []).map(c => (sig.get(c.pattern) ?? show(types(c))) + ' / ' + c.size).sort();
  };
  const a = rows(j), b = rows(k);
  const onlyA = a.filter(r => !b.includes(r)), onlyB = b.filter(r => !a.includes(r));
  check('more builtin and local modules leave the user cycles unchanged (' + a.length + ' rows)',
    a.join('\n') === b.join('\n'),
    a.length + ' vs ' + b.length + ' rows; only without: ' + onlyA.slice(0, 3).join(' | ') +
    '; only with: ' + onlyB.slice(0, 3).join(' | '));
}
process.exit(0);
