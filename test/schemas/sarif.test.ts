/**
 * `vpscope check --format sarif` is valid SARIF 2.1.0 (the vendored OASIS schema, README.md) from
 * any working directory: files under it are percent-encoded URIs relative to `%SRCROOT%` (the
 * working directory, an absolute `file://` URI in `originalUriBaseIds`), others absolute
 * `file://` URIs; every location resolves to the file checked; every rule's `helpUri` resolves to
 * its section of docs/codes.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { dirUri, sarifArtifact } from '../../server/src/cli/check';
import { renderSarif } from '../../server/src/cli/format';
import { analyzeDocument } from '../../server/src/model/analyze';
import { assertValidSarif, root } from './validate';

const tsx = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const tmp = realpathSync(tmpdir());
const cwd = mkdtempSync(join(tmp, 'vpscope sarif #é-'));
const outside = mkdtempSync(join(tmp, 'vpscope-outside-'));
process.on('exit', () => {
  rmSync(cwd, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

const WARN = 'host { pcpus 4 }\nvm web { vcpus 2; cpu_weight 300 }\n';
const BAD = 'host {\n  pcpus 4\n}\nvm web {\n  vcpus 2\n  guest { thread t { cpu 10 } }\n  cpus 0-9\n}\n';
mkdirSync(join(cwd, 'x#y'));
mkdirSync(join(cwd, 'sub'));
writeFileSync(join(cwd, 'a b.vps'), WARN);
writeFileSync(join(cwd, 'x#y', 'ünï 100%.vps'), BAD);
writeFileSync(join(outside, 'out side#1.vps'), BAD);

function sarif(args: string[], dir: string) {
  const r = spawnSync(process.execPath, ['--import', tsx, join(root, 'server/src/cli/main.ts'), 'check', '--format', 'sarif', '--no-simulate', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  return JSON.parse(r.stdout);
}

interface Loc {
  uri: string;
  uriBaseId?: string;
}

/** The file a SARIF artifact location names, resolved the way a SARIF viewer does. */
function resolveLoc(loc: Loc, bases: Record<string, { uri: string }> | undefined): string {
  if (loc.uriBaseId) {
    const base = bases?.[loc.uriBaseId]?.uri;
    assert.ok(base, `base ${loc.uriBaseId} declared in originalUriBaseIds`);
    return fileURLToPath(new URL(loc.uri, base));
  }
  assert.match(loc.uri, /^file:\/\//, 'without a base id the URI is absolute');
  return fileURLToPath(loc.uri);
}

test('from a directory whose name has a space, # and é: valid SARIF; relative, ../ and absolute paths all resolve to the files checked', () => {
  const sub = join(cwd, 'sub');
  // From sub/: `../a b.vps` and `../x#y/...` lie outside the working directory; the third is absolute.
  const log = sarif(['../a b.vps', join('..', 'x#y', 'ünï 100%.vps'), join(outside, 'out side#1.vps')], sub);
  assertValidSarif(log, 'check --format sarif from sub/');
  const run = log.runs[0];
  assert.equal(run.originalUriBaseIds['%SRCROOT%'].uri, pathToFileURL(sub).href + '/');
  const want = [join(cwd, 'a b.vps'), join(cwd, 'x#y', 'ünï 100%.vps'), join(outside, 'out side#1.vps')];
  assert.deepEqual(run.artifacts.map((a: { location: Loc }) => resolveLoc(a.location, run.originalUriBaseIds)), want);
  for (const a of run.artifacts) assert.equal(a.location.uriBaseId, undefined, 'outside the working directory: absolute');

  const log2 = sarif(['a b.vps', 'x#y/ünï 100%.vps', join(outside, 'out side#1.vps')], cwd);
  assertValidSarif(log2, 'check --format sarif from the directory itself');
  const run2 = log2.runs[0];
  assert.equal(run2.originalUriBaseIds['%SRCROOT%'].uri, pathToFileURL(cwd).href + '/');
  assert.deepEqual(run2.artifacts.map((a: { location: Loc }) => a.location), [
    { uri: 'a%20b.vps', uriBaseId: '%SRCROOT%' },
    { uri: 'x%23y/%C3%BCn%C3%AF%20100%25.vps', uriBaseId: '%SRCROOT%' },
    { uri: pathToFileURL(join(outside, 'out side#1.vps')).href },
  ]);
  assert.ok(run2.artifacts[2].location.uri.includes('out%20side%231.vps'));
  assert.ok(run2.results.length >= 3);
  for (const res of run2.results) {
    const file = resolveLoc(res.locations[0].physicalLocation.artifactLocation, run2.originalUriBaseIds);
    assert.ok(want.includes(file), file);
    for (const fx of res.fixes ?? []) assert.ok(want.includes(resolveLoc(fx.artifactChanges[0].artifactLocation, run2.originalUriBaseIds)));
  }
  assert.ok(!/"uri": "[^"]*[ #\u0080-\uffff]/.test(JSON.stringify(log2, null, 1)), 'no raw space, # or non-ASCII in a URI');
});

test('every rule has a helpUri that resolves to its section of docs/codes.md', () => {
  const log = sarif(['a b.vps', 'x#y/ünï 100%.vps'], cwd);
  const rules = log.runs[0].tool.driver.rules as { id: string; helpUri?: string }[];
  assert.ok(rules.length >= 2);
  const headings = new Map<string, Set<string>>();
  for (const r of rules) {
    assert.ok(r.helpUri, `${r.id} helpUri`);
    const u = new URL(r.helpUri);
    assert.equal(u.protocol, 'file:');
    const file = fileURLToPath(new URL(u.pathname, u));
    assert.equal(file, join(root, 'docs', 'codes.md'));
    assert.ok(existsSync(file));
    if (!headings.has(file)) headings.set(file, new Set(readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('#')).map((l) => l.replace(/^#+\s*/, '').toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-'))));
    assert.ok(headings.get(file)!.has(u.hash.slice(1)), `${r.helpUri}: no such heading`);
    assert.equal(u.hash, `#${r.id.toLowerCase()}`);
  }
});

test('with a web address the helpUri is its docs/codes.md; without a working directory no base ids', () => {
  const text = WARN;
  const log = JSON.parse(renderSarif([{ path: 'w.vps', text, diagnostics: analyzeDocument(text).diagnostics }], { version: '1.0.0', informationUri: 'https://github.com/o/r' }));
  assertValidSarif(log, 'renderSarif with a web address');
  assert.equal(log.runs[0].tool.driver.rules[0].helpUri, `https://github.com/o/r/blob/main/docs/codes.md#${log.runs[0].tool.driver.rules[0].id.toLowerCase()}`);
  assert.equal(log.runs[0].originalUriBaseIds, undefined);
});

/** Path segments with the characters URIs must encode (space, #, %, ?, non-ASCII) or may keep. */
const CHARS = [...'aZ09 #%?&;:@+=,é😀ü\'()[]{}!$~-.'];
const segment = fc.array(fc.constantFrom(...CHARS), { minLength: 1, maxLength: 8 }).map((cs) => cs.join('')).filter((s) => s !== '.' && s !== '..');

test('property: any file path becomes a URI that resolves back to it (relative under the working directory, absolute elsewhere)', () => {
  fc.assert(
    fc.property(fc.array(segment, { minLength: 1, maxLength: 3 }), fc.array(segment, { minLength: 1, maxLength: 3 }), fc.nat({ max: 2 }), (dirSegs, fileSegs, ups) => {
      const wd = resolve(tmp, ...dirSegs);
      const rel = [...Array(ups).fill('..'), ...fileSegs].join(sep);
      const abs = resolve(wd, rel);
      const loc = sarifArtifact(rel, wd);
      const base = dirUri(wd);
      assert.ok(URL.canParse(base) && base.endsWith('/'));
      assert.ok(!/[ #\u0080-\uffff]/.test(loc.uri!), loc.uri);
      if (ups === 0) assert.equal(loc.uriBaseId, '%SRCROOT%');
      assert.equal(loc.uriBaseId ? fileURLToPath(new URL(loc.uri!, base)) : fileURLToPath(loc.uri!), abs);
    }),
    { numRuns: 300, seed: 5 },
  );
});

test("standard input ('check -'): no URI names it, so the location has none and the artifact carries the text; valid SARIF", () => {
  const r = spawnSync(process.execPath, ['--import', tsx, join(root, 'server/src/cli/main.ts'), 'check', '--format', 'sarif', '--no-simulate', '-'], { cwd, input: BAD, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  assert.equal(r.status, 1, r.stderr);
  const log = JSON.parse(r.stdout);
  assertValidSarif(log, 'check - --format sarif');
  const run = log.runs[0];
  assert.deepEqual(run.artifacts[0].location, { description: { text: 'standard input' } });
  assert.equal(run.artifacts[0].contents.text, BAD);
  assert.ok(run.results.length > 0);
  for (const res of run.results) assert.equal(res.locations[0].physicalLocation.artifactLocation.uri, undefined);
});
