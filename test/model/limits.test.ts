/**
 * Set-up bounds (VPS146): a scenario whose statements are each in range but whose products are
 * too large to simulate (10 VMs x 1,024 vCPUs x `count 65536` threads took 752 MB for 1 ms; 60
 * took 4 GB) is an error in `check`, at the object that crosses the limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyzeDocument } from '../../server/src/model/analyze';
import { MAX_STATEMENTS, SETUP_LIMITS, statementPast } from '../../server/src/model/limits';
import { parse } from '../../server/src/syntax/parser';
import type { Statement } from '../../server/src/syntax/tree';

const at = (text: string, r: { start: number; end: number }) => text.slice(r.start, r.end);

function vms(counts: number[], vcpus = 1024): string {
  let t = 'scenario "m" { duration 1ms }\nhost { pcpus 64\n sched fair }\n';
  counts.forEach((c, i) => (t += `vm v${i} { vcpus ${vcpus}\n guest {\n  thread t${i} { count ${c}; every 1ms; cpu 10us } } }\n`));
  return t;
}

test('guest threads over the bound: one VPS146 at the thread that crosses it', () => {
  const t = vms([65536, 65536, 65536, 65536, 65536, 65536]);
  const e = analyzeDocument(t).diagnostics.filter((d) => d.code === 'VPS146');
  assert.equal(e.length, 1);
  assert.equal(at(t, e[0].range), 'thread t4 { count 65536; every 1ms; cpu 10us }');
  assert.match(e[0].message, /more than 262,144 guest threads/);
});

test('host threads over the bound: VMs plus host load threads', () => {
  const t = 'host { pcpus 4\n sched fair\n load noise { threads 65536; cpu 1ms } }\nvm a { vcpus 1 }\n';
  const e = analyzeDocument(t).diagnostics.filter((d) => d.code === 'VPS146');
  assert.equal(e.length, 1);
  assert.match(at(t, e[0].range), /^load noise/);
});

test('a variant that grows the set-up past the bound is an error of that variant', () => {
  const t = vms([65536, 65536, 65536, 65536]) + 'variant big { vm v0 { guest { thread more { count 65536; every 1ms; cpu 10us } } } }\n';
  const e = analyzeDocument(t).diagnostics.filter((d) => d.code === 'VPS146');
  assert.equal(e.length, 1);
  // The crossing is counted in VM order; outside the variant's text it says which variant.
  assert.match(e[0].message, /^In variant `big`: The scenario is too large/);
  assert.equal(analyzeDocument(vms([65536, 65536, 65536, 65536])).diagnostics.filter((d) => d.code === 'VPS146').length, 0);
});

test('property: VPS146 exactly when the guest threads exceed the bound', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 65536 }), { minLength: 1, maxLength: 7 }), (counts) => {
      const total = counts.reduce((a, b) => a + b, 0);
      const e = analyzeDocument(vms(counts, 1)).diagnostics.filter((d) => d.code === 'VPS146');
      assert.equal(e.length, total > SETUP_LIMITS.guestThreads ? 1 : 0);
    }),
    { numRuns: 40 },
  );
});

test('a chain of 2,000 variants that each add a load stops being merged at MAX_VARIANT_OBJECTS', async () => {
  const { MAX_VARIANT_OBJECTS, irSize } = await import('../../server/src/model/limits');
  let t = 'host { pcpus 4 }\nvm a { vcpus 2 }\n';
  for (let i = 0; i < 2000; i++) t += `variant x${i} { ${i ? `based_on x${i - 1}` : ''}\n host { load l${i} { cpu 1ms } } }\n`;
  const a = analyzeDocument(t);
  const s = a.scenario!;
  const total = irSize(s) + s.variants.reduce((n, v) => n + irSize(v.scenario), 0);
  const last = s.variants[s.variants.length - 1].scenario;
  // Every variant kept was merged in full; the objects stop just past the bound.
  assert.ok(total > MAX_VARIANT_OBJECTS && total - irSize(last) <= MAX_VARIANT_OBJECTS, `${total}`);
  const skipped = a.diagnostics.filter((d) => d.code === 'VPS146');
  assert.equal(skipped.length + s.variants.length, 2000);
  assert.equal(at(t, skipped[0].range), `x${s.variants.length}`);
  assert.match(skipped[0].message, /is not checked or simulated/);
});

test('a document past MAX_STATEMENTS: its syntax errors and one VPS146 at the first statement left out, nothing else', () => {
  // Before: 1,000,000 statements ran past 60 s and 2 GB in `check` (killed); now a few seconds.
  const text = 'host { pcpus 2 }\n' + 'x\n'.repeat(MAX_STATEMENTS) + 'vm a { vcpus 2; }\n}\n';
  const a = analyzeDocument(text);
  assert.equal(a.scenario, undefined);
  const codes = a.diagnostics.map((d) => d.code);
  assert.deepEqual(codes.filter((c) => c !== 'VPS146').every((c) => c < 'VPS100'), true, codes.slice(0, 5).join());
  const bound = a.diagnostics.filter((d) => d.code === 'VPS146');
  assert.equal(bound.length, 1);
  // host, its pcpus, then MAX_STATEMENTS - 2 lines of `x`: the (MAX + 1)-th statement is on line MAX.
  const line = text.slice(0, bound[0].range.start).split('\n').length;
  assert.equal(line, MAX_STATEMENTS);
  assert.equal(at(text, bound[0].range), 'x');
  assert.ok(a.diagnostics.some((d) => d.code === 'VPS005' || d.code === 'VPS002' || d.code < 'VPS100'), 'the stray } is still reported');
});

test('property: statementPast is the (max + 1)-th statement in document order, at any depth', () => {
  const stmt: fc.Memo<string> = fc.memo((d) => (d <= 1 ? fc.constantFrom('a', 'b 1') : fc.oneof(fc.constantFrom('a', 'b 1'), fc.array(stmt(d - 1), { maxLength: 4 }).map((xs) => `c { ${xs.join('; ')} }`))));
  fc.assert(
    fc.property(fc.array(stmt(4), { maxLength: 8 }), fc.nat({ max: 40 }), (xs, max) => {
      const p = parse(xs.join('\n'));
      const order: Statement[] = [];
      const walk = (ss: readonly Statement[]) => {
        for (const s of ss) {
          order.push(s);
          if (s.body) walk(s.body.statements);
        }
      };
      walk(p.file.statements);
      assert.equal(statementPast(p.file.statements, max), order[max]);
    }),
  );
});
