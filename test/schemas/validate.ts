/**
 * ajv validators for the JSON outputs (schemas/*.schema.json, draft 2020-12) and for SARIF 2.1.0
 * (the vendored OASIS schema, see README.md). An invalid document fails with ajv's errors, the
 * first few, each with its JSON pointer.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

export const root = join(__dirname, '..', '..');
export const SCHEMA_FILES = ['vpscope.check-1.schema.json', 'vpscope.run-1.schema.json', 'vpscope.trace-1.schema.json', 'vpscope.seeds-1.schema.json'] as const;
export type SchemaFile = (typeof SCHEMA_FILES)[number];

let ajv: Ajv2020 | undefined;
const compiled = new Map<string, ValidateFunction>();

/** The validator of one of vpscope's schemas (compiled once, strict mode). */
export function validator(file: SchemaFile): ValidateFunction {
  let v = compiled.get(file);
  if (!v) {
    ajv ??= new Ajv2020({ strict: true, allErrors: true });
    v = ajv.compile(JSON.parse(readFileSync(join(root, 'schemas', file), 'utf8')));
    compiled.set(file, v);
  }
  return v;
}

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).slice(0, 8).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`).join('\n');
}

/** Asserts `doc` is valid against `file`, naming `what` and the errors when it is not. */
export function assertValid(file: SchemaFile, doc: unknown, what: string): void {
  const v = validator(file);
  assert.ok(v(doc), `${what} does not match schemas/${file}:\n${describe(v.errors)}`);
}

let sarif: ValidateFunction | undefined;

/** The SARIF 2.1.0 validator. */
export function sarifValidator(): ValidateFunction {
  if (sarif) return sarif;
  const schema = JSON.parse(readFileSync(join(__dirname, 'sarif-2.1.0-rtm.5.json'), 'utf8'));
  delete schema.$schema; // draft-04
  schema.$id = schema.id;
  delete schema.id;
  // unicodeRegExp off: the schema's `language` pattern has a lone `]`, an error under the `u` flag only.
  const a = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  a.addFormat('uri', (s: string) => /^[A-Za-z][A-Za-z0-9+.-]*:/.test(s) && URL.canParse(s));
  a.addFormat('uri-reference', (s: string) => URL.canParse(s, 'file:///base/') && !/[\s]/.test(s));
  a.addFormat('date-time', (s: string) => /^\d{4}-\d\d-\d\dT/.test(s) && !Number.isNaN(Date.parse(s)));
  sarif = a.compile(schema);
  return sarif;
}

export function assertValidSarif(log: unknown, what: string): void {
  const v = sarifValidator();
  assert.ok(v(log), `${what} is not valid SARIF 2.1.0:\n${describe(v.errors)}`);
}
