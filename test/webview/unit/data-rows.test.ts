/**
 * The timeline's rows: grouping, order (kind then natural id), filtering, collapsing, stacking two
 * variants; what a lane id says about the scenario (for highlight and reveal).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { LaneModel } from '../../../webview/src/contract';
import { buildRows, GROUP_H, groupCount, LANE_H, laneIdentity, laneMatches, revealRangeFor, rowAt, rowsHeight, scrollAnchorOf, scrollForAnchor } from '../../../webview/src/timeline/rows';

const cols = () => ({ starts: new Float64Array(0), ends: new Float64Array(0), states: new Uint16Array(0), causes: new Int32Array(0) });
const lane = (id: string, label: string, group: string, kind: LaneModel['kind']): LaneModel => ({ id, label, group, kind, cols: cols() });

const LANES: LaneModel[] = [
  lane('vm:db/vp:10/openhcl', 'VP 10 (OpenHCL)', 'vm:db', 'vp'),
  lane('host/pcpu:10', 'CPU 10', 'host', 'pcpu'),
  lane('vm:db/vp:2/openhcl', 'VP 2 (OpenHCL)', 'vm:db', 'vp'),
  lane('host/pcpu:2', 'CPU 2', 'host', 'pcpu'),
  lane('vm:db/vcpu:2', 'db vCPU 2', 'vm:db', 'vcpu'),
  lane('vm:db/task:oltp', 'task oltp', 'vm:db', 'task'),
  lane('vm:db/disk:scsi0/os', 'disk os', 'vm:db', 'disk'),
];

test('pCPU groups first, then the others in order of appearance; lanes by kind then natural id', () => {
  const rows = buildRows([{ index: 0, name: 'base', lanes: LANES }], '', new Set());
  assert.deepEqual(
    rows.map((r) => (r.type === 'group' ? `[${r.label}]` : r.type === 'lane' ? r.lane.id : r.track.id)),
    ['[host]', 'host/pcpu:2', 'host/pcpu:10', '[VM db]', 'vm:db/vcpu:2', 'vm:db/vp:2/openhcl', 'vm:db/vp:10/openhcl', 'vm:db/task:oltp', 'vm:db/disk:scsi0/os'],
  );
  // Rows are stacked without gaps.
  let y = 0;
  for (const r of rows) {
    assert.equal(r.y, y);
    assert.equal(r.h, r.type === 'group' ? GROUP_H : LANE_H);
    y += r.h;
  }
  assert.equal(rowsHeight(rows), y);
});

test('filter by lane name or group; collapsed groups keep their header only', () => {
  const f = buildRows([{ index: 0, name: 'base', lanes: LANES }], 'cpu 1', new Set());
  assert.deepEqual(f.map((r) => (r.type === 'group' ? r.label : (r.type === 'lane' ? r.lane.id : r.track.id))), ['host', 'host/pcpu:10']);
  const g = buildRows([{ index: 0, name: 'base', lanes: LANES }], 'VM DB', new Set());
  assert.equal(g.filter((r) => r.type === 'lane').length, 5, 'a group match shows its lanes');
  const c = buildRows([{ index: 0, name: 'base', lanes: LANES }], '', new Set(['VM db']));
  assert.deepEqual(c.filter((r) => r.type === 'group').map((r) => r.type === 'group' && [r.label, r.collapsed, r.lanes]), [['host', false, 2], ['VM db', true, 5]]);
  assert.equal(c.filter((r) => r.type === 'lane').length, 2);
});

test('two variants stack: lanes of A then B, group labels prefixed with the variant name', () => {
  const rows = buildRows(
    [
      { index: 0, name: 'base', lanes: LANES.slice(0, 2) },
      { index: 2, name: 'fix', lanes: LANES.slice(0, 2) },
    ],
    '',
    new Set(['fix: host']),
  );
  assert.deepEqual(
    rows.map((r) => (r.type === 'group' ? `[${r.label}${r.collapsed ? ' +' : ''}]` : `${r.variant}:${(r.type === 'lane' ? r.lane.id : r.track.id)}`)),
    ['[base: host]', '0:host/pcpu:10', '[base: VM db]', '0:vm:db/vp:10/openhcl', '[fix: host +]', '[fix: VM db]', '2:vm:db/vp:10/openhcl'],
  );
});

test('a trace: CPUs first, then the VM, then the host threads, busiest first', () => {
  const lanes: LaneModel[] = [
    lane('pid:7', 'quiet (7)', 'host', 'thread'),
    lane('pcpu:1', 'CPU 1', 'host', 'pcpu'),
    lane('pid:9', 'busy (9)', 'host', 'thread'),
    lane('pcpu:0', 'CPU 0', 'host', 'pcpu'),
    lane('pid:5', 'mid (5)', 'host', 'thread'),
    lane('pid:1834', 'CPU 0/KVM (1834)', 'vm:1833', 'vcpu'),
  ];
  const busy: Record<string, number> = { 'pid:7': 1, 'pid:9': 900, 'pid:5': 50 };
  const rows = buildRows([{ index: 0, name: 't', lanes, busyNs: (l) => busy[l.id] ?? 0, groupNames: new Map([['vm:1833', 'VM kvmbar (1833)']]) }], '', new Set());
  assert.deepEqual(
    rows.map((r) => (r.type === 'group' ? `[${r.label}]` : r.type === 'lane' ? r.lane.id : r.track.id)),
    ['[host CPUs]', 'pcpu:0', 'pcpu:1', '[VM kvmbar (1833)]', 'pid:1834', '[host threads]', 'pid:9', 'pid:5', 'pid:7'],
  );
  // Without busy times the threads keep the natural id order.
  const plain = buildRows([{ index: 0, name: 't', lanes }], '', new Set());
  assert.deepEqual(
    plain.filter((r) => r.type === 'lane').map((r) => r.type === 'lane' && r.lane.id).slice(-3),
    ['pid:5', 'pid:7', 'pid:9'],
  );
  // Filtering by the group id still finds both halves of the split host group.
  const f = buildRows([{ index: 0, name: 't', lanes }], 'host', new Set());
  assert.equal(f.filter((r) => r.type === 'lane').length, 5);
});

test('rowAt finds the row under any y, -1 outside', () => {
  fc.assert(
    fc.property(fc.subarray(LANES), fc.string({ maxLength: 3 }), fc.double({ min: -50, max: 400, noNaN: true }), (lanes, filter, y) => {
      const rows = buildRows([{ index: 0, name: 'b', lanes }], filter, new Set());
      const i = rowAt(rows, y);
      const want = rows.findIndex((r) => y >= r.y && y < r.y + r.h);
      assert.equal(i, want);
    }),
  );
});

test('lane ids name their VM, VP and task', () => {
  assert.deepEqual(laneIdentity('vm:db/vp:3/openhcl'), { vm: 'db', vp: 3 });
  assert.deepEqual(laneIdentity('vm:db/vcpu:0'), { vm: 'db', vp: 0 });
  assert.deepEqual(laneIdentity('vm:db/task:oltp'), { vm: 'db', task: 'oltp' });
  assert.deepEqual(laneIdentity('vm:db/ctrl:scsi0/chan:1'), { vm: 'db' });
  assert.deepEqual(laneIdentity('host/pcpu:3'), {});
  assert.deepEqual(laneIdentity('pid:1834'), {});
  // Threads belong to the statement that declares them: the cursor on `thread tick` (count 4)
  // highlights its four lanes, not every lane of the VM.
  assert.deepEqual(laneIdentity('vm:web/thread:tick#2'), { vm: 'web', task: 'tick' });
  assert.deepEqual(laneIdentity('vm:web/thread:app'), { vm: 'web', task: 'app' });
  assert.deepEqual(laneIdentity('host/thread:hog'), { task: 'hog' });
  assert.deepEqual(laneIdentity('vm:web/region:omp/t:3'), { vm: 'web', task: 'omp' });
  assert.ok(laneMatches(laneIdentity('vm:web/thread:tick#0'), { vm: 'web', task: 'tick' }));
  assert.ok(!laneMatches(laneIdentity('vm:web/thread:tick#0'), { vm: 'web', task: 'nvme' }));
  assert.ok(laneMatches(laneIdentity('vm:db/vp:3/openhcl'), { vm: 'db', vp: 3 }));
  assert.ok(!laneMatches(laneIdentity('vm:db/vp:3/openhcl'), { vm: 'db', vp: 2 }));
  assert.ok(laneMatches(laneIdentity('vm:db/disk:scsi0/os'), { vm: 'db' }));
  assert.ok(laneMatches(laneIdentity('vm:db/task:oltp'), { task: 'oltp' }));
  assert.ok(!laneMatches(laneIdentity('vm:db/vp:1'), { task: 'oltp' }));
  assert.ok(!laneMatches(laneIdentity('vm:db/vp:1'), {}), 'an empty target highlights nothing');
});

test('reveal: the task named by the cause, else the lane task, else the VM (also from a pCPU cause)', () => {
  const R = (line: number) => ({ start: { line, character: 0 }, end: { line, character: 5 } });
  const run = {
    tasks: [
      { name: 'oltp', vm: 'db', range: R(39) },
      { name: 'storvsp scsi0 ch0', vm: 'db', range: R(30) },
    ],
    vms: [{ name: 'db', range: R(26) }],
  };
  assert.equal(revealRangeFor(run, 'vm:db/vp:0/openhcl', 'storvsp scsi0 ch0')?.start.line, 30);
  assert.equal(revealRangeFor(run, 'vm:db/task:oltp', undefined)?.start.line, 39);
  assert.equal(revealRangeFor(run, 'vm:db/vp:0/openhcl', 'halt wake-up')?.start.line, 26);
  assert.equal(revealRangeFor(run, 'host/pcpu:1', 'db vCPU 1')?.start.line, 26);
  assert.equal(revealRangeFor(run, 'host/pcpu:1', undefined), undefined);
  assert.equal(revealRangeFor(undefined, 'vm:db/vp:0', 'x'), undefined);
  assert.equal(revealRangeFor({ tasks: 'junk', vms: [{ name: 'db', range: 'bad' }] }, 'vm:db/vp:0', 'x'), undefined, 'malformed runs reveal nothing');
});

test('group header count: lanes and counter tracks apart, singular and plural', () => {
  assert.equal(groupCount({ lanes: 4, counters: 0 }), '4 lanes');
  assert.equal(groupCount({ lanes: 1, counters: 1 }), '1 lane, 1 counter');
  assert.equal(groupCount({ lanes: 0, counters: 3 }), '0 lanes, 3 counters');
  const track = (group: string, name: string) => ({ id: `counter:${group}/${name}`, label: name, group, ts: new Float64Array([0]), vs: new Float64Array([1]), min: 1, max: 1 });
  const rows = buildRows([{ index: 0, name: 'base', lanes: LANES, counters: [track('vm:db', 'steal ms'), track('vm:db', 'runnable vCPUs.waiting'), track('pid:9', 'q')] }], '', new Set());
  assert.deepEqual(
    rows.filter((r) => r.type === 'group').map((r) => r.type === 'group' && [r.label, groupCount(r)]),
    [['host', '2 lanes'], ['VM db', '5 lanes, 2 counters'], ['pid:9 counters', '0 lanes, 1 counter']],
  );
});

test('scroll anchor: the row at the top stays in place when counter rows come and go anywhere', () => {
  const GROUPS = ['vm:a', 'vm:b', 'vm:c', 'pool:p'];
  const lanes = GROUPS.flatMap((g) => [0, 1, 2].map((k) => lane(`${g}/vcpu:${k}`, `vCPU ${k}`, g, 'vcpu')));
  const track = (group: string, name: string) => ({ id: `counter:${group}/${name}`, label: name, group, ts: new Float64Array([0]), vs: new Float64Array([1]), min: 1, max: 1 });
  const all = GROUPS.flatMap((g) => ['running', 'waiting', 'steal'].map((n) => track(g, n)));
  fc.assert(
    fc.property(fc.subarray(all), fc.subarray(all), fc.double({ min: 0, max: 600, noNaN: true }), (before, after, y) => {
      const a = buildRows([{ index: 0, name: 'base', lanes, counters: before }], '', new Set());
      const b = buildRows([{ index: 0, name: 'base', lanes, counters: after }], '', new Set());
      const scrollY = Math.min(y, rowsHeight(a) - 1);
      const anchor = scrollAnchorOf(a, scrollY);
      assert.ok(anchor);
      const top = a[rowAt(a, scrollY)];
      const y2 = scrollForAnchor(b, anchor);
      assert.ok(y2 !== undefined, 'a lane or group row is always found again');
      if (top.type !== 'counter') {
        // The row that was at the top is at the top again, as far into it as before.
        const same = b[rowAt(b, y2)];
        assert.equal(same.key, top.key);
        assert.equal(y2 - same.y, scrollY - top.y);
      } else {
        // A counter row at the top: its lane or group row before it keeps its screen position.
        const r = b.find((x) => x.key === anchor.row)!;
        assert.equal(a.find((x) => x.key === anchor.row)!.y - scrollY, r.y - y2);
      }
    }),
    { numRuns: 300 },
  );
  assert.equal(scrollAnchorOf([], 10), undefined);
});
