// A small Node.js service that leaks: each request's Session is kept in a
// Map that nothing prunes.  For the README's leak hunt:
//
//   heapglass record -o /tmp/jssnaps --every 2 --count 3 -- node assets/examples/leaky_service.js
//   heapglass diff /tmp/jssnaps/snap-1.heapsnapshot /tmp/jssnaps/snap-2.heapsnapshot /tmp/jssnaps/snap-3.heapsnapshot
'use strict';
class Session {
  constructor(user) { this.user = user; this.history = []; }
}
const sessionsByRequest = new Map();  // the leak
let n = 0;
function handle() {
  const s = new Session('user' + (n % 1000));
  s.history.push(n);
  sessionsByRequest.set(n++, s);
}
setInterval(() => { for (let i = 0; i < 10; i++) handle(); }, 10);
