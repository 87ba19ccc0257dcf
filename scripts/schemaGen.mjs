/**
 * Generates the JSON Schemas (draft 2020-12) of vpscope's JSON outputs from their TypeScript
 * types, with the TypeScript compiler's type checker: `vpscope.check/1`, `vpscope.run/1`,
 * `vpscope.trace/1`. `npm run schemas` writes them to schemas/; test/schemas/ checks that the
 * committed files equal what this generates.
 *
 * Written here over the compiler API (typescript is a devDependency already) rather than with a
 * schema-generator package, which is not installed: the outputs' types are plain data (interfaces,
 * literal unions, arrays, records), and that is all this handles. It throws on anything else, so
 * a type that JSON cannot carry is noticed when the schemas are regenerated.
 *
 * Mapping: an interface (or a type alias of a union or object) declared in server/src becomes a
 * `$defs` entry (generic instances keep the interface's name), other object types are inlined;
 * each property's JSDoc becomes its `description`; optional properties are not `required`; an
 * object without an index signature allows no other properties; `Record<string, T>` and index
 * signatures become `additionalProperties: T`; `unknown` allows anything.
 */
import ts from 'typescript';
import { join, relative, sep } from 'node:path';

/** The contracts: schema file name, the module and type that define the document. */
export const CONTRACTS = [
  { file: 'vpscope.check-1.schema.json', id: 'vpscope.check/1', source: 'server/src/cli/format.ts', type: 'CheckDocument', command: '`vpscope check --format json`' },
  { file: 'vpscope.run-1.schema.json', id: 'vpscope.run/1', source: 'server/src/report/simulation.ts', type: 'RunDocument', command: '`vpscope simulate --json` and the editor\'s Simulate command' },
  { file: 'vpscope.trace-1.schema.json', id: 'vpscope.trace/1', source: 'server/src/trace/schema.ts', type: 'TraceDocument', command: '`vpscope analyze --json` and the editor\'s Analyze Trace command' },
  { file: 'vpscope.seeds-1.schema.json', id: 'vpscope.seeds/1', source: 'server/src/report/seeds.ts', type: 'SeedsDocument', command: '`vpscope simulate --json` with `--seeds N`, `--seed-list` or `--sweep`' },
];

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';

/** @returns {Map<string, string>} schema file name -> its JSON text */
export function generateSchemas(root) {
  const cfgPath = join(root, 'tsconfig.json');
  const cfg = ts.readConfigFile(cfgPath, ts.sys.readFile);
  if (cfg.error) throw new Error(ts.flattenDiagnosticMessageText(cfg.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(cfg.config, ts.sys, root);
  const program = ts.createProgram({ rootNames: CONTRACTS.map((c) => join(root, c.source)), options: { ...parsed.options, noEmit: true } });
  const checker = program.getTypeChecker();
  const srcDir = join(root, 'server', 'src') + sep;
  const out = new Map();
  for (const c of CONTRACTS) {
    const sf = program.getSourceFile(join(root, c.source));
    if (!sf) throw new Error(`${c.source}: not found`);
    const modSym = checker.getSymbolAtLocation(sf);
    const sym = modSym && checker.getExportsOfModule(modSym).find((s) => s.getName() === c.type);
    if (!sym) throw new Error(`${c.source}: no exported ${c.type}`);
    const type = checker.getDeclaredTypeOfSymbol(sym);
    const gen = new Generator(checker, srcDir, root);
    const body = gen.object(type, c.type);
    const description = [doc(checker, sym), `Printed by ${c.command}. Generated from the TypeScript type \`${c.type}\` (${c.source}) by scripts/schemaGen.mjs: do not edit.`].filter(Boolean).join('\n\n');
    const schema = { $schema: DRAFT, $id: c.file, title: c.id, description, ...body };
    const names = [...gen.defs.keys()].sort();
    if (names.length) schema.$defs = Object.fromEntries(names.map((n) => [n, gen.defs.get(n)]));
    out.set(c.file, JSON.stringify(schema, null, 2) + '\n');
  }
  return out;
}

function doc(checker, sym) {
  return ts.displayPartsToString(sym.getDocumentationComment(checker)).trim();
}

class Generator {
  constructor(checker, srcDir, root) {
    this.checker = checker;
    this.srcDir = srcDir;
    this.root = root;
    /** @type {Map<string, object>} */
    this.defs = new Map();
    /** def name -> the type it was made from (to catch two types under one name) */
    this.owners = new Map();
  }

  /** The `$defs` name of a type declared in server/src, else undefined (inlined). */
  defName(t) {
    const alias = t.aliasSymbol;
    // Record<...>, Partial<...> and other library aliases stay inline; project aliases of unions and objects get a name.
    const sym = alias && this.inProject(alias) ? alias : !alias && t.getSymbol && t.getSymbol();
    if (!sym) return undefined;
    if (!(sym.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias))) return undefined;
    if (!this.inProject(sym)) return undefined;
    return sym.getName();
  }

  inProject(sym) {
    const d = sym.declarations?.[0];
    return !!d && d.getSourceFile().fileName.split('/').join(sep).startsWith(this.srcDir);
  }

  /** A schema for `t`: a `$ref` for named project types, the inline schema otherwise. */
  ref(t, where) {
    const name = this.defName(t);
    if (!name) return this.inline(t, where);
    const owner = this.owners.get(name);
    if (owner === undefined) {
      this.owners.set(name, t);
      this.defs.set(name, {}); // placeholder: recursion ends here
      const sym = t.aliasSymbol ?? t.getSymbol();
      const body = this.inline(t, name);
      const d = doc(this.checker, sym);
      this.defs.set(name, d ? { description: d, ...body } : body);
    } else if (owner !== t && this.checker.typeToString(owner) !== this.checker.typeToString(t)) {
      throw new Error(`two types named ${name}: ${this.checker.typeToString(owner)} and ${this.checker.typeToString(t)} (at ${where})`);
    }
    return { $ref: `#/$defs/${name}` };
  }

  inline(t, where) {
    const f = t.flags;
    const c = this.checker;
    if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return {};
    if (f & ts.TypeFlags.String) return { type: 'string' };
    if (f & ts.TypeFlags.Number) return { type: 'number' };
    if (f & ts.TypeFlags.Boolean) return { type: 'boolean' };
    if (f & ts.TypeFlags.Null) return { type: 'null' };
    if (f & ts.TypeFlags.StringLiteral) return { type: 'string', const: t.value };
    if (f & ts.TypeFlags.NumberLiteral) return { type: 'number', const: t.value };
    if (f & ts.TypeFlags.BooleanLiteral) return { type: 'boolean', const: t.intrinsicName === 'true' };
    if (t.isUnion()) return this.union(t, where);
    if (c.isArrayType(t)) return { type: 'array', items: this.ref(c.getTypeArguments(t)[0], `${where}[]`) };
    if (c.isTupleType(t)) {
      const args = c.getTypeArguments(t);
      return { type: 'array', prefixItems: args.map((a, i) => this.ref(a, `${where}[${i}]`)), items: false, minItems: args.length };
    }
    if (f & ts.TypeFlags.Object || t.isIntersection()) return this.object(t, where);
    throw new Error(`${where}: type ${c.typeToString(t)} has no JSON Schema here`);
  }

  union(t, where) {
    let members = t.types.filter((m) => !(m.flags & ts.TypeFlags.Undefined));
    const parts = [];
    const hasTrue = members.some((m) => m.flags & ts.TypeFlags.BooleanLiteral && m.intrinsicName === 'true');
    const hasFalse = members.some((m) => m.flags & ts.TypeFlags.BooleanLiteral && m.intrinsicName === 'false');
    if (hasTrue && hasFalse) {
      members = members.filter((m) => !(m.flags & ts.TypeFlags.BooleanLiteral));
      parts.push({ type: 'boolean' });
    }
    const strings = members.filter((m) => m.flags & ts.TypeFlags.StringLiteral);
    if (strings.length > 1) {
      members = members.filter((m) => !(m.flags & ts.TypeFlags.StringLiteral));
      parts.push({ type: 'string', enum: strings.map((m) => m.value) });
    }
    for (const m of members) parts.push(this.ref(m, where));
    return parts.length === 1 ? parts[0] : { anyOf: parts };
  }

  object(t, where) {
    const c = this.checker;
    if (c.getSignaturesOfType(t, ts.SignatureKind.Call).length) throw new Error(`${where}: a function is not JSON`);
    const properties = {};
    const required = [];
    for (const p of c.getPropertiesOfType(t)) {
      const decl = p.valueDeclaration ?? p.declarations?.[0];
      const pt = decl ? c.getTypeOfSymbolAtLocation(p, decl) : c.getTypeOfSymbol(p);
      const name = p.getName();
      const s = this.ref(pt, `${where}.${name}`);
      const d = doc(c, p);
      properties[name] = d ? { description: d, ...s } : s;
      if (!(p.flags & ts.SymbolFlags.Optional)) required.push(name);
    }
    const out = { type: 'object' };
    if (Object.keys(properties).length) out.properties = properties;
    if (required.length) out.required = required;
    const index = c.getIndexInfosOfType(t).find((i) => i.keyType.flags & ts.TypeFlags.String);
    out.additionalProperties = index ? this.ref(index.type, `${where}[key]`) : false;
    return out;
  }
}

export function relativeTo(root, p) {
  return relative(root, p).split(sep).join('/');
}
