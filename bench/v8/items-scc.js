// The independent truth for the user graph on gen-big.js's snapshot: the
// program's own Items rebuilt as integers with the same generator (next =
// i - 1, peer = the same pseudo-random Item, or a label when i % 3 === 0,
// which refers to no Item), and their strongly connected components by an
// iterative Tarjan.  Prints {"largest", "cycles"}: heapglass's user cycles
// on the snapshot must be exactly these (bench/v8/run checks it); V8's own
// objects (maps, contexts, code, the global object) are not the program's.
//   node items-scc.js COUNT
const count = Number(process.argv[2] || 2900000);
const peer = new Int32Array(count).fill(-1);
let seed = 12345;
for (let i = 0; i < count; i++) {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  if (i % 3 !== 0) peer[i] = seed % count;
}
const index = new Int32Array(count).fill(-1), low = new Int32Array(count), onst = new Uint8Array(count);
const stack = new Int32Array(count); let sp = 0, idx = 0, best = 0, ncyc = 0;
const cs = new Int32Array(count), ce = new Int8Array(count); let csp = 0;
function succ(v, k) { if (k === 0) return v > 0 ? v - 1 : -1; if (k === 1) return peer[v]; return -2; }
for (let s = 0; s < count; s++) {
  if (index[s] >= 0) continue;
  cs[csp] = s; ce[csp] = 0; csp++; index[s] = low[s] = idx++; stack[sp++] = s; onst[s] = 1;
  while (csp) {
    const v = cs[csp - 1], k = ce[csp - 1];
    if (k < 2) {
      ce[csp - 1]++;
      const w = succ(v, k);
      if (w < 0) continue;
      if (index[w] < 0) { index[w] = low[w] = idx++; stack[sp++] = w; onst[w] = 1; cs[csp] = w; ce[csp] = 0; csp++; }
      else if (onst[w]) low[v] = Math.min(low[v], index[w]);
      continue;
    }
    csp--;
    if (csp) { const u = cs[csp - 1]; low[u] = Math.min(low[u], low[v]); }
    if (low[v] === index[v]) {
      let n = 0, w; do { w = stack[--sp]; onst[w] = 0; n++; } while (w !== v);
      if (n > best) best = n;
      if (n > 1 || peer[v] === v) ncyc++;
    }
  }
}
console.log(JSON.stringify({ largest: best, cycles: ncyc }));
