// A Node.js program with planted reference shapes, for tests/e2e/cycles_v8.sh:
// writes a V8 heap snapshot of itself.  Each shape uses its own class names so
// the check can find its members by type.  Usage:
//   node planted.js OUT.heapsnapshot [more]
// With "more", the program also loads more builtin and local modules first:
// the user cycles must come out the same.
'use strict';
const v8 = require('v8');
const [out, more] = process.argv.slice(2);

if (more === 'more') {
  for (const m of ['zlib', 'crypto', 'url', 'dns', 'readline', 'stream', 'assert', 'querystring', 'string_decoder'])
    require(m);
  require('./more-a.js').start();
  require('./more-b.js');
}

const keep = {};

// A ring of 7 objects.
class RingNode { constructor(i) { this.i = i; this.next = null; } }
const ring = [];
for (let i = 0; i < 7; i++) ring.push(new RingNode(i));
for (let i = 0; i < 7; i++) ring[i].next = ring[(i + 1) % 7];
keep.ring = ring[0];

// A doubly linked list of 5 objects, held by a list object outside the cycle.
class DNode { constructor(i) { this.i = i; this.prev = null; this.next = null; } }
class DList { constructor() { this.head = null; this.tail = null; } }
const dl = new DList();
for (let i = 0; i < 5; i++) {
  const n = new DNode(i);
  n.prev = dl.tail;
  if (dl.tail) dl.tail.next = n; else dl.head = n;
  dl.tail = n;
}
keep.dlist = dl;

// An object that refers to itself.
class SelfLoop { constructor() { this.self = this; } }
keep.self = new SelfLoop();

// A parent and its 4 children through an array: Parent, Array, 4 Child.
class Parent { constructor() { this.children = []; } }
class Child { constructor(parent) { this.parent = parent; } }
const parent = new Parent();
for (let i = 0; i < 4; i++) parent.children.push(new Child(parent));
keep.parent = parent;

// 25 identical two-class cycles through an array: Session -history-> Array
// -[0]-> Request -session-> Session.
class Session { constructor(id) { this.id = id; this.history = []; } }
class Request { constructor(session, url) { this.session = session; this.url = url; } }
keep.sessions = [];
for (let i = 0; i < 25; i++) {
  const s = new Session(i);
  s.history.push(new Request(s, '/page/' + i));
  keep.sessions.push(s);
}

// Closure cycles: Widget -onClick-> closure -context-> scope -this-> Widget
// (3 of them), and CounterState -inc-> closure -context-> scope -state->
// CounterState (2 of them).
class Widget { constructor(name) { this.name = name; this.onClick = () => this.name; } }
keep.widgets = [new Widget('a'), new Widget('b'), new Widget('c')];
class CounterState { constructor() { this.n = 0; this.inc = null; } }
function makeCounter() {
  const state = new CounterState();
  state.inc = () => state.n++;
  return state;
}
keep.counters = [makeCounter(), makeCounter()];

// Controls, in no cycle.
// A tree without parent pointers.
class TreeNode { constructor(depth) { this.kids = []; if (depth < 3) for (let k = 0; k < 3; k++) this.kids.push(new TreeNode(depth + 1)); } }
keep.tree = new TreeNode(0);
// A WeakMap whose value points back at its key.
class WmKey { constructor(i) { this.i = i; } }
class WmValue { constructor(key) { this.key = key; } }
const wm = new WeakMap();
keep.wmKeys = [];
for (let i = 0; i < 3; i++) {
  const k = new WmKey(i);
  wm.set(k, new WmValue(k));
  keep.wmKeys.push(k);
}
keep.wm = wm;
// An object held only by a closure that does not capture its holder.
class Payload { constructor() { this.data = [1, 2, 3]; } }
class Holder {
  constructor() {
    const payload = new Payload();
    this.get = () => payload;
  }
}
keep.holder = new Holder();
// A WeakRef whose target points back at the WeakRef's holder.
class WrTarget { constructor() { this.holder = null; } }
class WrHolder { constructor(t) { this.ref = new WeakRef(t); } }
const wt = new WrTarget();
keep.wrTarget = wt;
wt.holder = new WrHolder(wt);

// A recursive inner function, held by the scope it was made in (and by a
// sibling closure that calls it).
function makeCountdown() {
  function recursiveStep(n) { return n > 0 ? recursiveStep(n - 1) : 0; }
  return { run: () => recursiveStep(3) };
}
keep.countdown = makeCountdown();

// A listening server: a Node.js handle (TCP) and the object that owns it.
const server = require('net').createServer();
keep.server = server;

globalThis.__planted = keep;
server.listen(0, '127.0.0.1', () => {
  v8.writeHeapSnapshot(out);
  server.close();
});
