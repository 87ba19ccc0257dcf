/**
 * Words that are Object.prototype members (`constructor`, `toString`, `__proto__`...) written
 * where the scenario takes a word or a unit are words like any other: the checker gives them the
 * same diagnostic codes as an unknown word (`zzqq`) in the same place. Before, the lookup tables
 * were plain objects: `cpu __proto__` and `duration 1__proto__` crashed the checker (`vpscope
 * check` exit 3 with a stack trace), `rt constructor` was accepted as a boolean and `duration
 * 1constructor` was "out of range".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeDocument } from '../../server/src/model/analyze';

const NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty'];
const codes = (text: string) => analyzeDocument(text).diagnostics.map((d) => d.code).sort().join(' ');
/** An unknown word of the same shape (`__proto__` -> `__zzzzz__`: a unit takes letters only). */
const plain = (nm: string) => nm.replace(/[A-Za-z]/g, 'z');

test('the reported cases: a crash, a silent boolean, a wrong message', () => {
  const doc = (s: string) => `host { pcpus 2 }\nvm a { vcpus 1; guest { thread t { every 1ms; ${s} } } }\n`;
  for (const nm of NAMES) {
    const z = plain(nm);
    assert.equal(codes(doc(`cpu ${nm}`)), codes(doc(`cpu ${z}`)), `cpu ${nm}`);
    assert.equal(codes(doc(`cpu 10us; rt ${nm}`)), codes(doc(`cpu 10us; rt ${z}`)), `rt ${nm}`);
    assert.equal(codes(`scenario { duration 1${nm} }\n` + doc('cpu 10us')), codes(`scenario { duration 1${z} }\n` + doc('cpu 10us')), `duration 1${nm}`);
  }
});

test('every word and unit of the examples replaced by each name: the codes of an unknown word', () => {
  const dir = join(__dirname, '../../examples');
  let n = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.vps'))) {
    const text = readFileSync(join(dir, f), 'utf8');
    const code = text.replace(/#.*$/gm, (c) => ' '.repeat(c.length)).replace(/"[^"\n]*"/g, (c) => ' '.repeat(c.length));
    for (const m of code.matchAll(/(?<![\w"])[A-Za-z_][\w-]*|(?<=\d)[a-zA-Z%]+(?=[\s;}/])/g)) {
      const at = (w: string) => text.slice(0, m.index!) + w + text.slice(m.index! + m[0].length);
      for (const nm of NAMES) {
        n++;
        assert.equal(codes(at(nm)), codes(at(plain(nm))), `${f}: ${m[0]} at ${m.index} -> ${nm}`);
      }
    }
  }
  assert.ok(n > 1000, String(n));
});
