// memlab's full heap load (parse, indexes, dominators, retained sizes) of
// one snapshot, for bench/v8/run.  Prints {"objects":..,"seconds":..}.
//   node memlab-load.js FILE
'use strict';
const {getFullHeapFromFile} = require('@memlab/heap-analysis');

(async () => {
  const t0 = performance.now();
  const heap = await getFullHeapFromFile(process.argv[2]);
  const t1 = performance.now();
  let n = 0;
  heap.nodes.forEach(() => { n++; });
  process.stdout.write(JSON.stringify({objects: n, seconds: (t1 - t0) / 1000}) + '\n');
})().catch(e => {
  process.stderr.write(`memlab-load: ${e}\n`);
  process.exit(1);
});
