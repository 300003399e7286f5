// A small Node.js service, to try `heapglass cycles` on as a user would:
// an http server with a router, a TTL cache whose entries hold their timers,
// users with sessions that listen to their user and keep their visits, and
// per-route metrics.  It sends itself 200 requests and one logout, then
// writes its heap snapshot.  Usage: node service.js OUT.heapsnapshot
'use strict';
const http = require('http');
const { EventEmitter } = require('events');

class TtlCache {
  constructor(ttl) { this.ttl = ttl; this.entries = new Map(); }
  set(key, value) {
    const old = this.entries.get(key);
    if (old) clearTimeout(old.timer);
    const entry = { key, value, timer: null };
    entry.timer = setTimeout(() => this.entries.delete(key), this.ttl);
    entry.timer.unref();
    this.entries.set(key, entry);
  }
  get(key) { const e = this.entries.get(key); return e && e.value; }
}

class User extends EventEmitter {
  constructor(name) { super(); this.name = name; this.sessions = []; }
}
class Session {
  constructor(user, id) {
    this.user = user; this.id = id; this.visits = [];
    this.onLogout = () => { this.closed = true; };
    user.on('logout', this.onLogout);
  }
}
class Visit { constructor(session, path) { this.session = session; this.path = path; } }

const users = new Map();
function login(name, id) {
  let u = users.get(name);
  if (!u) { u = new User(name); users.set(name, u); }
  let s = u.sessions.find(x => x.id === id);
  if (!s) { s = new Session(u, id); u.sessions.push(s); }
  return s;
}

const metrics = {};
const cache = new TtlCache(60000);
const routes = {
  item(req, res, session, id) {
    session.visits.push(new Visit(session, req.url));
    let v = cache.get(id);
    if (!v) { v = { id, body: 'item ' + id }; cache.set(id, v); }
    res.end(JSON.stringify(v));
  },
  logout(req, res, session) { session.user.emit('logout'); res.end('bye'); },
};

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const [, route, id] = url.pathname.split('/');
  const session = login(url.searchParams.get('user') || 'anon', url.searchParams.get('sid') || '0');
  const t0 = process.hrtime.bigint();
  res.on('finish', () => {
    const m = metrics[route] || (metrics[route] = { count: 0, ns: 0n });
    m.count++;
    m.ns += process.hrtime.bigint() - t0;
  });
  (routes[route] || ((q, r) => { r.statusCode = 404; r.end(); }))(req, res, session, id);
});

server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  const agent = new http.Agent({ keepAlive: false });
  const get = path => new Promise(done => http.get({ host: '127.0.0.1', port, path, agent }, r => {
    r.resume();
    r.on('end', done);
  }));
  for (let i = 0; i < 200; i++) await get(`/item/${i % 40}?user=u${i % 9}&sid=${i % 3}`);
  await get('/logout?user=u1&sid=0');
  require('v8').writeHeapSnapshot(process.argv[2]);
  server.close();
});
