// Where a run allocates, freed objects included: loaded with --require before the CLI, samples
// allocations (HeapProfiler, every 4 KiB on average, keeping the objects the scavenges and mark
// phases freed) and at exit prints the 30 largest sums by function and caller, and the total, on
// stderr. V8 names the function of the physical frame: an inlined callee's allocations count
// for the function it was inlined into.
//   node --require ./test/bench/e2e/allocs.cjs dist/cli.js analyze FILE [--json] > /dev/null
const inspector = require('node:inspector');
const fs = require('fs');
const s = new inspector.Session(); s.connect();
s.post('HeapProfiler.enable');
s.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true });
process.on('exit', () => {
  s.post('HeapProfiler.stopSampling', (err, r) => {
    if (err) { console.error(err); return; }
    const prof = r.profile; const self = new Map(); let tot = 0;
    const walk = (n, stack) => { const k = n.callFrame.functionName + ':' + n.callFrame.lineNumber + ' <- ' + stack; const sz = n.selfSize; tot += sz; if (sz) self.set(k, (self.get(k) || 0) + sz); for (const c of n.children) walk(c, n.callFrame.functionName + ':' + n.callFrame.lineNumber); };
    walk(prof.head, '');
    const arr = [...self].sort((a, b) => b[1] - a[1]).slice(0, 30);
    for (const [k, v] of arr) process.stderr.write((v / 1e6).toFixed(1).padStart(8) + ' MB ' + k + '\n');
    process.stderr.write('total MB ' + tot / 1e6 + '\n');
  });
});
