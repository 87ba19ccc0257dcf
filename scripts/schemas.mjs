/**
 * `npm run schemas`: writes the JSON Schemas of vpscope's JSON outputs to schemas/, generated from
 * their TypeScript types (scripts/schemaGen.mjs). `--check`: write nothing, exit 1 when a
 * committed schema differs from what the types give.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSchemas } from './schemaGen.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const dir = join(root, 'schemas');
let stale = 0;
for (const [file, text] of generateSchemas(root)) {
  const path = join(dir, file);
  let old = '';
  try {
    old = readFileSync(path, 'utf8');
  } catch {
    // missing: written below, or stale in --check
  }
  if (old === text) continue;
  if (check) {
    console.error(`schemas/${file} is stale: run npm run schemas`);
    stale++;
  } else {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, text);
    console.log(`wrote schemas/${file}`);
  }
}
process.exit(stale ? 1 : 0);
