/**
 * Names: definition, references, highlights and rename. `/*def*\/` marks where definition must
 * land, `/*ref*\/` every expected occurrence (declarations included), `$0` the cursor.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { highlightsAt, prepareRename, renameAt } from '../../server/src/ide/navigation';
import { checkDefinition, checkReferences, checkRename, renderAt } from './check';
import { cursor, fixture } from './fixture';

describe('definition', () => {
  test('a lock step goes to the lock', () => {
    checkDefinition('vm a {\n  vcpus 2\n  guest {\n    lock /*def*/big { kind spin }\n    thread t { lock b$0ig 1us }\n  }\n}');
  });

  test('a disk reference goes to the disk of the named controller', () => {
    checkDefinition(
      'vm a {\n  vcpus 2\n  openhcl {\n    storvsp s0 { disk os { latency 1ms } }\n    storvsp s1 { disk /*def*/os { latency 1ms } }\n  }\n  guest { thread t { disk_io s1 o$0s } }\n}',
    );
  });

  test('a pool reference goes to the pool; the implicit Pool-0 has no definition', () => {
    checkDefinition('host { pcpus 4; pool /*def*/fast { cpus 1-3 } }\nvm a { vcpus 1; pool fa$0st }');
    checkDefinition('host { pcpus 4 }\nvm a { vcpus 1; pool Pool$0-0 }');
  });

  test('an override in a variant goes to the base declaration', () => {
    checkDefinition('host { pcpus 4 }\nvm /*def*/web { vcpus 2 }\nvariant v { vm w$0eb { vcpus 3 } }');
  });

  test('in unfinished code', () => {
    checkDefinition('vm a {\n  vcpus 2\n  guest {\n    lock /*def*/big { kind spin }\n    thread t {\n      lock big$0');
  });

  test('keywords and values have no definition', () => {
    checkDefinition('vm a { vc$0pus 2 }');
  });
});

describe('references', () => {
  test('declaration, overrides in variants, and references, in document order', () => {
    checkReferences('host { pcpus 4; pool /*ref*/fa$0st { cpus 1-3 } }\nvm a { vcpus 1; pool /*ref*/fast }\nvm b { vcpus 1; pool /*ref*/fast }\nvariant v { host { pool /*ref*/fast { cpus 1-2 } } }');
  });

  test('names are scoped: a lock of another VM is another lock', () => {
    checkReferences('vm a { vcpus 1; guest { lock /*ref*/L { kind spin }; thread t { lock /*ref*/$0L 1us } } }\nvm b { vcpus 1; guest { lock L { kind spin }; thread t { lock L 1us } } }');
  });

  test('unresolved references are listed together', () => {
    checkReferences('vm a { vcpus 1; guest { thread t { lock /*ref*/nope 1us; lock /*ref*/no$0pe 2us } } }');
  });

  test('highlights: declarations write, references read', () => {
    const f = fixture('vm a { vcpus 1; guest { lock L { kind spin }; thread t { lock L$0 1us } } }');
    assert.deepEqual(highlightsAt(f.doc, cursor(f)).map((h) => h.kind), ['write', 'read']);
  });
});

describe('rename', () => {
  test('renames the declaration, its references and its overrides in variants', () => {
    checkRename(
      'host { pcpus 4 }\nvm web { vcpus 2; guest { lock L { kind spin }; thread t { lock L 1us } } }\nvariant v { vm we$0b { vcpus 3 } }',
      'api',
      'host { pcpus 4 }\nvm api { vcpus 2; guest { lock L { kind spin }; thread t { lock L 1us } } }\nvariant v { vm api { vcpus 3 } }',
    );
  });

  test('renaming a controller updates disk_io and ioload references', () => {
    checkRename(
      'vm a {\n  vcpus 2\n  openhcl { storvsp sc$0si0 { disk os { latency 1ms } } }\n  guest {\n    thread t { disk_io scsi0 os }\n    ioload io { disk scsi0 os; depth 4 }\n  }\n}',
      'fast',
      'vm a {\n  vcpus 2\n  openhcl { storvsp fast { disk os { latency 1ms } } }\n  guest {\n    thread t { disk_io fast os }\n    ioload io { disk fast os; depth 4 }\n  }\n}',
    );
  });

  test('a quoted name is replaced by the identifier', () => {
    checkRename('host { pcpus 4 }\nvm "my $0vm" { vcpus 1 }', 'mine', 'host { pcpus 4 }\nvm mine { vcpus 1 }');
  });

  test('validation: identifier syntax, clashes in the same scope, keywords, Pool-0', () => {
    checkRename('vm a$0 { vcpus 1 }', '9lives', 'error: is not a valid name');
    checkRename('vm a$0 { vcpus 1 }', 'bad-', 'error: is not a valid name');
    checkRename('vm a$0 { vcpus 1 }\nvm b { vcpus 1 }', 'b', 'error: A vm named `b` already exists');
    // Another kind or another scope with the same name does not clash.
    checkRename('vm a { vcpus 1; guest { lock L$0 { kind spin }; thread b { lock L 1us } } }\nvm b { vcpus 1 }', 'b', 'vm a { vcpus 1; guest { lock b { kind spin }; thread b { lock b 1us } } }\nvm b { vcpus 1 }');
    checkRename('vm a { vc$0pus 1 }', 'x', 'error: is a keyword or a value of the language');
    checkRename('host { pcpus 2 }\nvm a { vcpus 1; pool Pool$0-0 }', 'x', "error: `Pool-0` is Xen's boot pool");
  });

  test('prepareRename gives the name range and the current name', () => {
    const f = fixture('vm "my $0vm" { vcpus 1 }');
    const r = prepareRename(f.doc, cursor(f));
    assert.ok(r.ok);
    assert.equal(f.text.slice(r.range.start, r.range.end), '"my vm"');
    assert.equal(r.placeholder, 'my vm');
  });

  test('rename in unfinished code', () => {
    const f = fixture('vm a {\n  vcpus 2\n  guest {\n    lock bi$0g { kind spin }\n    thread t { lock big');
    assert.equal(renderAt(f, 'rename', cursor(f), 'huge'), 'vm a {\n  vcpus 2\n  guest {\n    lock huge { kind spin }\n    thread t { lock huge');
  });
});

// Found by attack11: the rename error quoted the new name whole (a 1,000,000-character paste into
// the rename box came back as a 1 MB error message), unlike every other echo of a name.
test('a rename refused for a long new name quotes it clipped, with its length', () => {
  for (const [src, name, why] of [
    ['vm a$0 { vcpus 1 }', '9'.repeat(1_000_000), 'is not a valid name'],
    ['vm a$0 { vcpus 1 }', `x${'y'.repeat(999_998)}-`, 'is not a valid name'],
    [`vm a$0 { vcpus 1 }\nvm b${'c'.repeat(999_999)} { vcpus 1 }`, `b${'c'.repeat(999_999)}`, 'already exists'],
  ] as const) {
    const f = fixture(src);
    const r = renameAt(f.doc, cursor(f), name);
    assert.ok(!r.ok);
    assert.ok(r.message.includes(why), r.message.slice(0, 200));
    assert.ok(r.message.length < 400, `${r.message.length} characters`);
    assert.match(r.message, /\(1,000,000 characters\)/);
  }
});
