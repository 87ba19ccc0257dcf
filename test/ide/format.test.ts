/**
 * Formatting: input beside expected output; formatting twice equals once; the token sequence is
 * never changed (only whitespace is edited); range formatting touches only the selected lines.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatEdits } from '../../server/src/ide/format';
import { parse } from '../../server/src/syntax/parser';
import { checkFormat, format } from './check';
import { applyEdits } from './fixture';

/** Significant tokens (no newlines, no comments' trailing blanks) as text. */
function tokenTexts(text: string): string[] {
  return parse(text)
    .tokens.filter((t) => t.kind !== 'newline' && t.kind !== 'eof')
    .map((t) => (t.kind === 'comment' ? t.text.trimEnd() : t.text));
}

describe('formatting', () => {
  test('indentation by depth, 2 spaces; tabs become spaces', () => {
    checkFormat('vm a {\nvcpus 2\n\t\topenhcl {\n backend thread\n}\n}\n', 'vm a {\n  vcpus 2\n  openhcl {\n    backend thread\n  }\n}\n');
  });

  test('one space between arguments; glued tokens stay glued', () => {
    checkFormat('vm a {  vcpus    2 ;  cpus 0-3,^1 ;nice -5; cpus_soft 0 -3 }\n', 'vm a { vcpus 2; cpus 0-3,^1; nice -5; cpus_soft 0 -3 }\n');
    checkFormat('vm a { guest { thread t { cpu uniform 10us..20us } } }\n', 'vm a { guest { thread t { cpu uniform 10us..20us } } }\n');
  });

  test('braces are set off by a space; an empty block stays {}', () => {
    checkFormat('vm a{vcpus 1}\nhost{}\n', 'vm a { vcpus 1 }\nhost {}\n');
  });

  test('the line structure is kept: ;-separated lines are not split, lines are not joined', () => {
    checkFormat('host { pcpus 4; sched credit }\nvm a {\n  vcpus 1; pin shared\n}\n', 'host { pcpus 4; sched credit }\nvm a {\n  vcpus 1; pin shared\n}\n');
  });

  test('trailing whitespace, blank line runs, blank lines at the ends; one final line break', () => {
    checkFormat('\n\nhost {   \n  pcpus 4  \n\n\n\n}   \n\n\n', 'host {\n  pcpus 4\n\n}\n');
    checkFormat('host { pcpus 4 }', 'host { pcpus 4 }\n');
    checkFormat('', '');
    checkFormat('\n\n', '');
  });

  test('comments keep their text and, at the end of a line, their spacing', () => {
    checkFormat('host {\n      # about pcpus   \n  pcpus 4      # four\n}\n', 'host {\n  # about pcpus\n  pcpus 4      # four\n}\n');
  });

  test('CRLF files stay CRLF', () => {
    checkFormat('host {\r\npcpus 4\r\n}', 'host {\r\n  pcpus 4\r\n}\r\n');
  });

  test('unfinished code: unclosed blocks, stray braces, garbage', () => {
    checkFormat('vm a {\nvcpus 2\nopenhcl {\ntask t {\n', 'vm a {\n  vcpus 2\n  openhcl {\n    task t {\n');
    checkFormat('}\nvm a { vcpus 2 }\n}}\n', '}\nvm a { vcpus 2 }\n} }\n');
    checkFormat('vm a {\n  vcpus 2 @@ !!\n  "unterminated  \n}\n', 'vm a {\n  vcpus 2 @@ !!\n  "unterminated  \n}\n');
  });

  test('range formatting edits only the lines of the range', () => {
    const text = 'host {\npcpus   4\n}\nvm a {\nvcpus    2\n}\n';
    const line2 = { start: text.indexOf('pcpus') + 2, end: text.indexOf('pcpus') + 3 };
    const edits = formatEdits(text, parse(text).tokens, { range: line2 });
    assert.equal(applyEdits(text, edits), 'host {\n  pcpus 4\n}\nvm a {\nvcpus    2\n}\n');
  });

  test('the edits only ever replace whitespace', () => {
    const text = readFileSync(join(__dirname, 'data/format/messy.vps'), 'utf8');
    for (const e of formatEdits(text, parse(text).tokens)) {
      assert.match(text.slice(e.range.start, e.range.end), /^[\s\ufeff]*$/);
      assert.match(e.newText, /^[ \r\n]*$/);
    }
  });

  test('every example is a fixed point of formatting after one pass, with the same tokens', () => {
    const dir = join(__dirname, '../../examples');
    const files = readdirSync(dir).filter((f) => f.endsWith('.vps'));
    assert.ok(files.length > 0);
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      const once = format(text);
      assert.deepEqual(tokenTexts(once), tokenTexts(text), f);
      assert.equal(format(once), once, f);
    }
  });
});
