// heapglass-preload.js: makes a Node.js process write a V8 heap snapshot
// each time it gets SIGUSR2 (SIGUSR1 is Node's inspector signal).
//
//   HEAPGLASS_RECORD_OUT=/tmp/snap-{n}.heapsnapshot node --require ./heapglass-preload.js app.js
//   kill -USR2 <pid>
//
// {n} becomes 1, 2, ... for each snapshot, {pid} the process id.  The file
// is written under a temporary name and renamed when complete, so a
// watcher sees either nothing or the whole snapshot.  The handler runs on
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
  let n = 0;
  process.on('SIGUSR2', function heapglassOnSignal() {
    n += 1;
    const file = out.split('{n}').join(String(n)).split('{pid}').join(String(process.pid));
    const tmp = file + '.tmp';
    v8.writeHeapSnapshot(tmp);
    fs.renameSync(tmp, file);
    process.stderr.write('heapglass-preload: snapshot -> ' + file + '\n');
  });
  if (ready) fs.writeFileSync(ready, String(process.pid));
})();
