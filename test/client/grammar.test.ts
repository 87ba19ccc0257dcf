/**
 * The TextMate grammar (client/syntaxes/vpscope.tmLanguage.json): valid, registered under the
 * scope package.json names, and tokenizing scenarios the way a reader expects.
 *
 * Cases are data: a line of scenario text, then the token and the innermost scope it must get.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allEnumWords, allSpecs, BOOL_WORDS, DIST_KINDS } from '../../server/src/model/schema';
import { grammarPath, root, scopeOf, tokenize } from './tmgrammar';

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

test('the grammar is valid JSON with the scopeName package.json registers', () => {
  const g = JSON.parse(readFileSync(grammarPath, 'utf8'));
  assert.equal(g.scopeName, 'source.vpscope');
  const reg = pkg.contributes.grammars.find((x: { language: string }) => x.language === 'vpscope');
  assert.ok(reg, 'package.json contributes a grammar for vpscope');
  assert.equal(reg.scopeName, g.scopeName);
  assert.equal(join(root, reg.path), grammarPath);
  // Every `include: #x` names a repository entry (a typo silently drops highlighting).
  const names = new Set(Object.keys(g.repository));
  const includes = [...JSON.stringify(g).matchAll(/"include":"#([^"]+)"/g)].map((m) => m[1]);
  for (const n of includes) assert.ok(names.has(n), `#${n} is defined in the repository`);
});

// [scenario text, token, expected innermost scope, nth occurrence of the token]
const cases: [string, string, string, number?][] = [
  ['# a comment with vm and 10ms', 'a comment with vm and 10ms', 'comment.line.number-sign.vpscope'],
  ['# a comment', '#', 'punctuation.definition.comment.vpscope'],
  ['vcpus 4  # trailing', 'trailing', 'comment.line.number-sign.vpscope'],
  ['scenario "busy # host" {', 'busy # host', 'string.quoted.double.vpscope'],
  ['description "say \\"hi\\""', '\\"', 'constant.character.escape.vpscope'],
  // Blocks vs settings vs steps.
  ['vm web {', 'vm', 'keyword.other.block.vpscope'],
  ['vm web {', 'web', 'entity.name.type.vpscope'],
  ['  pool Pool-0 { cpus 0-3 }', 'pool', 'keyword.other.block.vpscope'],
  ['  pool Pool-0 { cpus 0-3 }', 'Pool-0', 'entity.name.type.vpscope'],
  ['  pool Pool-0 { cpus 0-3 }', 'cpus', 'support.type.property-name.vpscope'],
  ['  pool Pool-1', 'pool', 'support.type.property-name.vpscope'],
  ['  pool Pool-1', 'Pool-1', 'variable.other.vpscope'],
  ['  boost dynamic { trigger injection; preempt_limit 3ms }', 'boost', 'keyword.other.block.vpscope'],
  ['  boost dynamic { trigger injection; preempt_limit 3ms }', 'dynamic', 'constant.language.vpscope'],
  ['  boost dynamic { trigger injection; preempt_limit 3ms }', 'trigger', 'support.type.property-name.vpscope'],
  ['  boost dynamic { trigger injection; preempt_limit 3ms }', 'preempt_limit', 'support.type.property-name.vpscope'],
  ['  boost off', 'boost', 'support.type.property-name.vpscope'],
  ['  boost off', 'off', 'constant.language.boolean.vpscope'],
  ['  task nvme { target_vp 2; cpu exp 20us; syscall 5ms }', 'task', 'keyword.other.block.vpscope'],
  ['  task nvme { target_vp 2; cpu exp 20us; syscall 5ms }', 'nvme', 'entity.name.type.vpscope'],
  ['  task nvme { target_vp 2; cpu exp 20us; syscall 5ms }', 'cpu', 'keyword.control.step.vpscope'],
  ['  task nvme { target_vp 2; cpu exp 20us; syscall 5ms }', 'exp', 'support.function.distribution.vpscope'],
  ['  task nvme { target_vp 2; cpu exp 20us; syscall 5ms }', 'syscall', 'keyword.control.step.vpscope'],
  ['  lock big { kind spin }', 'lock', 'keyword.other.block.vpscope'],
  ['  lock big 20us', 'lock', 'keyword.control.step.vpscope'],
  ['  every 500us', 'every', 'keyword.control.trigger.vpscope'],
  ['  retarget_vp 1 at 100ms', 'at', 'keyword.other.at.vpscope'],
  ['  variant no_boost {', 'no_boost', 'entity.name.type.vpscope'],
  // Values.
  ['  backend threadpool', 'threadpool', 'constant.language.vpscope'],
  ['  sched credit2', 'credit2', 'constant.language.vpscope'],
  ['  barrier spin', 'spin', 'constant.language.vpscope'],
  ['  policy normal', 'normal', 'constant.language.vpscope'],
  ['  duration 2s', '2', 'constant.numeric.duration.vpscope'],
  ['  duration 2s', 's', 'keyword.other.unit.vpscope'],
  ['  cpu 2.5ms', 'ms', 'keyword.other.unit.vpscope'],
  ['  max_events 10M', 'M', 'keyword.other.unit.vpscope'],
  ['  max_events 10M', '10', 'constant.numeric.count.vpscope'],
  ['  cap 50%', '50', 'constant.numeric.percentage.vpscope'],
  ['  rate 20k/s', 'k/s', 'keyword.other.unit.vpscope'],
  ['  rate 3/ms', '3', 'constant.numeric.rate.vpscope'],
  ['  nice -5', '-5', 'constant.numeric.vpscope'],
  ['  vcpus 4', '4', 'constant.numeric.vpscope'],
  ['  cpu uniform 10us..30us', '..', 'keyword.operator.range.vpscope'],
  ['  cpu uniform 10us..30us', '30', 'constant.numeric.duration.vpscope'],
  ['  cpus 0-3,5,^1', '0', 'constant.numeric.cpu.vpscope'],
  ['  cpus 0-3,5,^1', '-', 'keyword.operator.span.vpscope'],
  ['  cpus 0-3,5,^1', '^', 'keyword.operator.exclude.vpscope'],
  ['  cpus 0-3,5,^1', '5', 'constant.numeric.cpu.vpscope'],
  ['  interrupts timer,nmi', 'nmi', 'constant.language.vpscope'],
  ['  interrupts timer,nmi', ',', 'punctuation.separator.comma.vpscope'],
  ['  load hog { threads 4; cpu 10ms }', '{', 'punctuation.section.block.begin.vpscope'],
  ['  load hog { threads 4; cpu 10ms }', ';', 'punctuation.terminator.statement.vpscope'],
  ['  load hog { threads 4; cpu 10ms }', '}', 'punctuation.section.block.end.vpscope'],
];

for (const [text, token, scope, nth] of cases) {
  test(`${JSON.stringify(text)}: ${token} is ${scope}`, async () => {
    assert.equal(scopeOf(await tokenize(text), token, nth), scope);
  });
}

// The grammar must know the words the schema (server/src/model/schema.ts) defines, so that a
// value or step added there is not highlighted as a plain name until the server answers.
test('every enum value of the schema is highlighted as a constant', async () => {
  const wrong: string[] = [];
  for (const w of [...allEnumWords(), ...Object.keys(BOOL_WORDS)]) {
    const scope = scopeOf(await tokenize(`  setting ${w}`), w);
    if (!scope.startsWith('constant.language')) wrong.push(`${w}: ${scope}`);
  }
  assert.deepEqual(wrong, []);
});

test('every program step of the schema is highlighted as a step', async () => {
  const steps = [...new Set(allSpecs.filter((s) => s.step).map((s) => s.keyword))];
  assert.ok(steps.length > 5);
  const wrong: string[] = [];
  for (const w of steps) {
    const scope = scopeOf(await tokenize(`    ${w} 10us`), w);
    if (scope !== 'keyword.control.step.vpscope') wrong.push(`${w}: ${scope}`);
  }
  assert.deepEqual(wrong, []);
});

test('every block of the schema is highlighted as a block keyword, its settings as settings', async () => {
  const wrong: string[] = [];
  for (const spec of allSpecs) {
    if (spec.body !== 'none') {
      const scope = scopeOf(await tokenize(`  ${spec.keyword} x {`), spec.keyword);
      if (scope !== 'keyword.other.block.vpscope') wrong.push(`${spec.id}: ${scope}`);
    } else if (!spec.step && !['every', 'once'].includes(spec.keyword)) {
      const scope = scopeOf(await tokenize(`  ${spec.keyword} 1`), spec.keyword);
      if (scope !== 'support.type.property-name.vpscope') wrong.push(`${spec.id}: ${scope}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('every distribution of the schema is highlighted before its value', async () => {
  const wrong: string[] = [];
  for (const d of Object.keys(DIST_KINDS)) {
    const scope = scopeOf(await tokenize(`    cpu ${d} 10us`), d);
    if (scope !== 'support.function.distribution.vpscope') wrong.push(`${d}: ${scope}`);
  }
  assert.deepEqual(wrong, []);
});

/** Scenario texts to tokenize whole: the examples and every ```vps block of the language doc. */
function scenarioTexts(): [string, string][] {
  const out: [string, string][] = [];
  const doc = readFileSync(join(root, 'docs', 'language.md'), 'utf8');
  [...doc.matchAll(/```vps\n([\s\S]*?)```/g)].forEach((m, i) => out.push([`docs/language.md block ${i + 1}`, m[1]]));
  for (const dir of ['examples']) {
    const abs = join(root, dir);
    if (!existsSync(abs)) continue;
    for (const f of readdirSync(abs).filter((n) => n.endsWith('.vps')).sort()) {
      out.push([`${dir}/${f}`, readFileSync(join(abs, f), 'utf8')]);
    }
  }
  return out;
}

for (const [name, text] of scenarioTexts()) {
  test(`tokenizes ${name} sensibly`, async () => {
    const tokens = await tokenize(text);
    const problems: string[] = [];
    const lines = text.split(/\r?\n/);
    for (const t of tokens) {
      const inner = t.scopes[t.scopes.length - 1];
      const where = `line ${t.line + 1}: ${JSON.stringify(lines[t.line])}`;
      // Every visible character is classified (nothing left as bare source text).
      if (t.text.trim() !== '' && inner === 'source.vpscope') problems.push(`${where}: unscoped ${JSON.stringify(t.text)}`);
      if (inner.startsWith('invalid')) problems.push(`${where}: invalid ${JSON.stringify(t.text)}`);
    }
    // The first word of each line is a statement keyword of some kind (or a comment or `}`).
    lines.forEach((line, i) => {
      const first = tokens.find((t) => t.line === i && t.text.trim() !== '');
      if (!first) return;
      const inner = first.scopes[first.scopes.length - 1];
      if (!/^(keyword\.|support\.type\.property-name|comment\.|punctuation\.(section\.block|definition\.comment))/.test(inner)) {
        problems.push(`line ${i + 1}: first token ${JSON.stringify(first.text)} is ${inner}`);
      }
    });
    assert.deepEqual(problems, []);
  });
}

test('a long scenario tokenizes quickly (no catastrophic backtracking)', async () => {
  const line = '  task t { target_vp 1; cpu exp 20us; io uniform 10us..30us; cpus 0-3,5,^1; rate 20k/s }  # x';
  const text = Array.from({ length: 5000 }, () => line).join('\n');
  const t0 = performance.now();
  await tokenize(text);
  const ms = performance.now() - t0;
  // Generous: CI machines here are 2 noisy cores (it failed once at 5 s under a load of 15);
  // catastrophic backtracking on these lines would take minutes, not seconds.
  assert.ok(ms < 30000, `5000 lines took ${ms.toFixed(0)} ms`);
});
