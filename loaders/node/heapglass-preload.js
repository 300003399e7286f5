// heapglass-preload.js: makes a Node.js process write a V8 heap snapshot
// each time it gets SIGUSR2 (SIGUSR1 is Node's inspector signal).
//
//   HEAPGLASS_RECORD_OUT=/tmp/snap-{n}.heapsnapshot node --require ./heapglass-preload.js app.js
//   kill -USR2 <pid>
//
// {n} becomes 1, 2, ... for each snapshot, {pid} the process id.  The
// snapshot (v8.getHeapSnapshot(), streamed) goes into FILE.part, a new file
// (O_EXCL|O_NOFOLLOW: never an existing file, never through a symlink),
// renamed to FILE when complete, so a watcher sees either nothing or the
// whole snapshot; on failure the reason goes into FILE.part.error (a new
// file too), where `heapglass record` sees it at once.  The handler runs on
// the event loop: a program stuck in a synchronous loop dumps when it
// yields.  `heapglass record` sets the variables below; without
// HEAPGLASS_RECORD_OUT this file does nothing.
'use strict';
(function () {
  const out = process.env.HEAPGLASS_RECORD_OUT;
  const ready = process.env.HEAPGLASS_RECORD_READY;
  delete process.env.HEAPGLASS_RECORD_OUT;
  delete process.env.HEAPGLASS_RECORD_READY;
  if (!out) return;
  const v8 = require('v8');
  const fs = require('fs');
  const NEW = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL |
    fs.constants.O_NOFOLLOW;
  let n = 0;

  function failed(part, err) {
    try {
      const fd = fs.openSync(part + '.error', NEW, 0o644);
      fs.writeSync(fd, String(err && err.message || err).split('\n')[0]);
      fs.closeSync(fd);
    } catch (e) {
      // Nowhere to say it but stderr.
    }
    process.stderr.write('heapglass-preload: no snapshot: ' + (err && err.message || err) + '\n');
  }

  process.on('SIGUSR2', function heapglassOnSignal() {
    n += 1;
    const file = out.split('{n}').join(String(n)).split('{pid}').join(String(process.pid));
    const part = file + '.part';
    let fd;
    try {
      fd = fs.openSync(part, NEW, 0o644);
    } catch (e) {
      failed(part, e);
      return;
    }
    let stream;
    try {
      stream = v8.getHeapSnapshot();
    } catch (e) {
      fs.closeSync(fd);
      failed(part, e);
      return;
    }
    stream.on('data', (chunk) => {
      try {
        fs.writeSync(fd, chunk);
      } catch (e) {
        stream.destroy(e);
      }
    });
    stream.on('error', (e) => {
      fs.closeSync(fd);
      failed(part, e);
    });
    stream.on('end', () => {
      try {
        fs.closeSync(fd);
        fs.renameSync(part, file);
      } catch (e) {
        failed(part, e);
        return;
      }
      process.stderr.write('heapglass-preload: snapshot -> ' + file + '\n');
    });
  });
  if (ready) fs.writeFileSync(ready, String(process.pid));
})();
