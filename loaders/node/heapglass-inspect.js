// heapglass-inspect.js: takes a V8 heap snapshot of a running Node.js
// process through its inspector (the DevTools protocol), for
// `heapglass record --pid`, which opens the inspector first (SIGUSR1) and
// runs this with the process's own node binary:
//
//   node heapglass-inspect.js HOST PORT OUT [--close]
//   node heapglass-inspect.js HOST PORT - --close     (only close it)
//
// Asks http://HOST:PORT/json/list for the process's WebSocket address,
// sends HeapProfiler.takeHeapSnapshot and writes the snapshot it streams
// back (HeapProfiler.addHeapSnapshotChunk notifications, in order) into the
// new file OUT (created with O_EXCL|O_NOFOLLOW: never an existing file,
// never through a symlink).  With --close it then evaluates
// process._debugEnd() in the process, which closes its inspector (and this
// connection), so no debugging port stays open.  Node's own client (the
// one of `node inspect`) is internal, and Node 20 has no WebSocket client,
// so this holds a small one: RFC 6455 text frames, masked as a client must.
// Errors: one line on stderr, exit status 1.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const net = require('net');

const [host, portText, out, flag] = process.argv.slice(2);
const port = Number(portText);
const closeAfter = flag === '--close';
const TIMEOUT_MS = 30000; // silence on the connection before giving up

function fail(msg) {
  process.stderr.write('heapglass-inspect: ' + msg + '\n');
  process.exit(1);
}

if (!host || !(port > 0 && port < 65536) || !out) {
  fail('usage: node heapglass-inspect.js HOST PORT OUT [--close]');
}

// The WebSocket address of the process's one inspector target.
function targetUrl(done) {
  const req = http.get({ host, port, path: '/json/list', timeout: TIMEOUT_MS }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d) => { body += d; });
    res.on('end', () => {
      let list;
      try {
        list = JSON.parse(body);
      } catch (e) {
        fail(`${host}:${port}/json/list is not the inspector's answer`);
      }
      if (!Array.isArray(list) || !list[0] || typeof list[0].webSocketDebuggerUrl !== 'string') {
        fail(`${host}:${port}/json/list lists no inspector target`);
      }
      done(new URL(list[0].webSocketDebuggerUrl));
    });
  });
  req.on('timeout', () => req.destroy(new Error('no answer in 30 s')));
  req.on('error', (e) => fail(`cannot reach the inspector at ${host}:${port}: ${e.message}`));
}

// One client frame: FIN, the opcode, masked payload.
function frame(opcode, payload) {
  const mask = crypto.randomBytes(4);
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const f = Buffer.alloc(head + 4 + n);
  f[0] = 0x80 | opcode;
  if (n < 126) {
    f[1] = 0x80 | n;
  } else if (n < 65536) {
    f[1] = 0x80 | 126;
    f.writeUInt16BE(n, 2);
  } else {
    f[1] = 0x80 | 127;
    f.writeBigUInt64BE(BigInt(n), 2);
  }
  mask.copy(f, head);
  for (let i = 0; i < n; i++) f[head + 4 + i] = payload[i] ^ mask[i & 3];
  return f;
}

function run(url) {
  let fd = null; // null: only close the inspector (OUT is "-")
  if (out !== '-') {
    try {
      fd = fs.openSync(out, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL |
        fs.constants.O_NOFOLLOW, 0o644);
    } catch (e) {
      fail(`cannot create ${out}: ${e.message}`);
    }
  }
  const key = crypto.randomBytes(16).toString('base64');
  const sock = net.connect({ host, port });
  let upgraded = false;
  let pending = Buffer.alloc(0);
  let parts = []; // the fragments of the message being received
  let snapshotDone = false;
  let nextId = 1;

  function send(method, params) {
    sock.write(frame(1, Buffer.from(JSON.stringify({ id: nextId++, method, params: params || {} }))));
  }

  function finish() {
    if (fd !== null) fs.closeSync(fd);
    process.exit(0);
  }

  function onMessage(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch (e) {
      fail('the inspector sent a message that is not JSON');
    }
    if (msg.method === 'HeapProfiler.addHeapSnapshotChunk') {
      fs.writeSync(fd, msg.params.chunk);
    } else if (msg.id === 1 && fd !== null) {
      if (msg.error) fail('HeapProfiler.takeHeapSnapshot: ' + (msg.error.message || 'failed'));
      snapshotDone = true;
      if (closeAfter) {
        // Closes the inspector: the process ends this connection itself.
        send('Runtime.evaluate', { expression: 'process._debugEnd()' });
      } else {
        sock.end(frame(8, Buffer.alloc(0)));
      }
    }
  }

  // Consumes the complete frames at the front of pending.
  function onFrames() {
    for (;;) {
      if (pending.length < 2) return;
      const fin = pending[0] & 0x80;
      const opcode = pending[0] & 0x0f;
      let n = pending[1] & 0x7f;
      let at = 2;
      if (n === 126) {
        if (pending.length < 4) return;
        n = pending.readUInt16BE(2);
        at = 4;
      } else if (n === 127) {
        if (pending.length < 10) return;
        n = Number(pending.readBigUInt64BE(2));
        at = 10;
      }
      if (pending[1] & 0x80) at += 4; // a server never masks; tolerate it
      if (pending.length < at + n) return;
      let payload = pending.subarray(at, at + n);
      if (pending[1] & 0x80) {
        const m = pending.subarray(at - 4, at);
        payload = Buffer.from(payload);
        for (let i = 0; i < n; i++) payload[i] ^= m[i & 3];
      }
      pending = pending.subarray(at + n);
      if (opcode === 8) {
        if (snapshotDone) finish();
        fail('the inspector closed the connection before the snapshot was complete');
      } else if (opcode === 9) {
        sock.write(frame(10, payload));
      } else if (opcode === 0 || opcode === 1 || opcode === 2) {
        parts.push(Buffer.from(payload));
        if (fin) {
          const text = Buffer.concat(parts).toString('utf8');
          parts = [];
          onMessage(text);
        }
      }
    }
  }

  sock.setTimeout(TIMEOUT_MS, () => fail('the inspector said nothing for 30 s'));
  sock.on('connect', () => {
    sock.write(`GET ${url.pathname} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  });
  sock.on('data', (data) => {
    pending = pending.length ? Buffer.concat([pending, data]) : data;
    if (!upgraded) {
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = pending.subarray(0, end).toString('latin1');
      const accept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
        .digest('base64');
      if (!/^HTTP\/1\.1 101 /.test(head) || !head.toLowerCase().includes(accept.toLowerCase())) {
        fail('the inspector refused the WebSocket: ' + head.split('\r\n')[0]);
      }
      upgraded = true;
      pending = pending.subarray(end + 4);
      if (fd === null) {
        snapshotDone = true;
        send('Runtime.evaluate', { expression: 'process._debugEnd()' });
      } else {
        send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      }
    }
    onFrames();
  });
  sock.on('error', (e) => fail('inspector connection: ' + e.message));
  sock.on('close', () => {
    if (snapshotDone) finish();
    fail('the inspector connection ended before the snapshot was complete');
  });
}

targetUrl(run);
