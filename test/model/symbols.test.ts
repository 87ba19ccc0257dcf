/**
 * The symbol table behind go-to-definition, references and rename: exact ranges and scopes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeDocument } from '../../server/src/model/analyze';
import { canonicalDecl, occurrencesOf, symbolAt } from '../../server/src/model/symbols';

const TEXT = `host { pcpus 4; pool fast { cpus 2-3 } }
vm web {
  vcpus 2
  pool fast
  openhcl { storvsp scsi0 { disk os { latency 1ms } } }
  guest {
    lock big
    thread t { lock big 1us; disk_io scsi0 os }
    ioload i { disk scsi0 os; depth 1 }
  }
}
vm db { vcpus 1; guest { lock big; thread t { lock big 1us } } }
variant v { vm web { pool fast; guest { thread t { lock big 2us } } } }
`;

const at = (needle: string, nth = 0) => {
  let k = -1;
  for (let i = 0; i <= nth; i++) k = TEXT.indexOf(needle, k + 1);
  assert.ok(k >= 0, needle);
  return k;
};
const slice = (r: { start: number; end: number }) => TEXT.slice(r.start, r.end);

test('declarations: kinds, exact name ranges, scopes', () => {
  const { symbols } = analyzeDocument(TEXT);
  const rows = symbols.decls.map((d) => `${d.kind} ${slice(d.nameRange)} [${d.scope}]${d.variant !== undefined ? ' variant=' + d.variant : ''}`);
  assert.deepEqual(rows, [
    'pool fast []',
    'vm web []',
    'controller scsi0 [vm:web]',
    'disk os [vm:web/storvsp:scsi0]',
    'lock big [vm:web]',
    'thread t [vm:web]',
    'ioload i [vm:web]',
    'vm db []',
    'lock big [vm:db]',
    'thread t [vm:db]',
    'variant v []',
    'vm web [] variant=v',
    'thread t [vm:web] variant=v',
  ]);
  for (const d of symbols.decls) assert.ok(d.range.start <= d.nameRange.start && d.nameRange.end <= d.range.end);
});

test('references resolve within their scope', () => {
  const { symbols } = analyzeDocument(TEXT);
  const rows = symbols.refs.map((r) => `${r.kind} ${slice(r.range)}@${r.range.start} -> ${r.target === undefined ? '?' : `${symbols.decls[r.target].scope}/${symbols.decls[r.target].name}`}`);
  assert.deepEqual(rows, [
    `pool fast@${at('pool fast\n') + 5} -> /fast`,
    `lock big@${at('lock big 1us') + 5} -> vm:web/big`,
    `controller scsi0@${at('disk_io scsi0') + 8} -> vm:web/scsi0`,
    `disk os@${at('disk_io scsi0 os') + 14} -> vm:web/storvsp:scsi0/os`,
    `controller scsi0@${at('disk scsi0 os') + 5} -> vm:web/scsi0`,
    `disk os@${at('disk scsi0 os') + 11} -> vm:web/storvsp:scsi0/os`,
    `lock big@${at('lock big 1us', 1) + 5} -> vm:db/big`,
    `pool fast@${at('pool fast;') + 5} -> /fast`,
    `lock big@${at('lock big 2us') + 5} -> vm:web/big`,
  ]);
});

test('rename occurrences: a VM, its variant override; a lock and its uses in one VM only', () => {
  const { symbols } = analyzeDocument(TEXT);
  const web = symbols.decls.findIndex((d) => d.kind === 'vm' && d.name === 'web' && d.variant === undefined);
  const occ = occurrencesOf(symbols, web);
  assert.deepEqual(occ.decls.map((k) => symbols.decls[k].nameRange.start), [at('web'), at('web', 1)]);
  const hitLock = symbolAt(symbols, at('lock big 2us') + 6)!;
  assert.ok(hitLock && 'ref' in hitLock);
  const lockDecl = canonicalDecl(symbols, hitLock)!;
  assert.equal(symbols.decls[lockDecl].scope, 'vm:web');
  const lo = occurrencesOf(symbols, lockDecl);
  assert.deepEqual(lo.refs.map((k) => symbols.refs[k].range.start), [at('lock big 1us') + 5, at('lock big 2us') + 5]);
  // The variant's `thread t` is an override of the base one.
  const tv = symbols.decls.findIndex((d) => d.kind === 'thread' && d.variant === 'v');
  assert.equal(symbols.decls[canonicalDecl(symbols, { decl: tv })!].variant, undefined);
});

test('the implicit Pool-0 is a valid reference without a target', () => {
  const { symbols, diagnostics } = analyzeDocument('host { pcpus 2 }\nvm a { vcpus 1; pool Pool-0 }');
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(symbols.refs.map((r) => [r.kind, r.name, r.target]), [['pool', 'Pool-0', undefined]]);
});

test('names can be strings', () => {
  const { symbols } = analyzeDocument('host { pcpus 2 }\nvm "web server" { vcpus 1 }');
  assert.deepEqual(symbols.decls.map((d) => d.name), ['web server']);
});
