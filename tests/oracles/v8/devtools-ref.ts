// The reference: Chrome DevTools' own heap snapshot worker (from the npm
// package chrome-devtools-frontend), run under node.  Bundled by
// build-ref.sh into devtools-ref.mjs (not committed).
//
//   node devtools-ref.mjs FILE.heapsnapshot [TOP]
//
// Prints one JSON object: objects (DevTools' node count), total_size
// (DevTools' "Total" = root retained size + extra_native_bytes), and the TOP
// (default 20) largest retained sizes with node id, type, name and class
// name, plus the parse and initialise times in seconds.
import './polyfill.js';
import * as fs from 'node:fs';
import {MessageChannel} from 'node:worker_threads';

import {SecondaryInitManager} from
    './node_modules/chrome-devtools-frontend/front_end/entrypoints/heap_snapshot_worker/HeapSnapshot.js';
import {HeapSnapshotLoader} from
    './node_modules/chrome-devtools-frontend/front_end/entrypoints/heap_snapshot_worker/HeapSnapshotLoader.js';

async function main(): Promise<void> {
  const file = process.argv[2];
  const top = Number(process.argv[3] || 20);
  const t0 = performance.now();
  // No dispatcher: progress events are dropped (DevTools' own tests do this).
  const loader = new HeapSnapshotLoader(undefined as never);
  const stream = fs.createReadStream(file, {encoding: 'utf8', highWaterMark: 1 << 20});
  for await (const chunk of stream) {
    loader.write(chunk as string);
  }
  loader.close();
  await loader.parsingComplete;
  const t1 = performance.now();
  const {port1, port2} = new MessageChannel();
  // The second "worker" runs in this thread: same code, no transfer cost.
  new SecondaryInitManager(port2 as never);
  const snapshot = await loader.buildSnapshot(port1 as never);
  const t2 = performance.now();

  const n = snapshot.nodeCount;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const sizes = snapshot.retainedSizes;
  const sorted = Array.from(order).sort((a, b) => sizes[b] - sizes[a] || a - b).slice(0, top);
  const node = snapshot.createNode(0);
  const topList = sorted.map(ordinal => {
    node.nodeIndex = ordinal * snapshot.nodeFieldCount;
    return {
      ordinal,
      id: node.id(),
      type: node.type(),
      name: node.name().slice(0, 60),
      class_name: node.className().slice(0, 60),
      retained: sizes[ordinal],
      self: node.selfSize(),
    };
  });
  process.stdout.write(JSON.stringify({
    objects: n,
    total_size: snapshot.totalSize,
    parse_seconds: (t1 - t0) / 1000,
    init_seconds: (t2 - t1) / 1000,
    top: topList,
  }) + '\n');
  port1.close();
  port2.close();
}

main().catch(e => {
  process.stderr.write(`devtools-ref: ${e}\n`);
  process.exit(1);
});
