/**
 * The event descriptions a trace-cmd `.dat` file carries: the kernel's `format` files
 * (`events/SYSTEM/NAME/format` in tracefs) and `events/header_page`, as text. Field offsets and
 * sizes are read from that text, never assumed: they change between kernel versions (e.g.
 * `sched_migrate_task`'s comm became a `__data_loc` string in Linux 6.x).
 *
 *     name: sched_wakeup
 *     ID: 374
 *     format:
 *         field:unsigned short common_type;  offset:0;  size:2;  signed:0;
 *         field:char comm[16];  offset:8;  size:16;  signed:0;
 *         field:__data_loc char[] comm;  offset:8;  size:4;  signed:0;
 *     print fmt: "comm=%s ...", __print_symbolic(REC->reason, { 0, "KVM_EXIT_" "UNKNOWN" }, ...)
 *
 * Symbolic value tables (`__print_symbolic(REC->field, { N, "NAME" }...)`) are kept per field so
 * numeric exit reasons become the same names the text formats print.
 */

export interface FieldDesc {
  name: string;
  offset: number;
  size: number;
  signed: boolean;
  /** `__data_loc`: a u32 whose low half is the offset and high half the length of the data. */
  dataLoc: boolean;
  /** `__rel_loc`: like data_loc, the offset relative to the end of the field. */
  relLoc: boolean;
  /** `char x[N]` and data_loc `char[]`. */
  isString: boolean;
}

export interface EventFormat {
  id: number;
  name: string;
  system: string;
  fields: Map<string, FieldDesc>;
  /** Per field: the `__print_symbolic` tables in the order the print format names them. */
  symbols: Map<string, Map<number, string>[]>;
}

const FIELD_RE = /field:([^;]*);\s*offset:(\d+);\s*size:(\d+);(?:\s*signed:(\d+);)?/g;

/** Parses one `format` text; undefined when it has no name or ID. */
export function parseEventFormat(text: string, system: string): EventFormat | undefined {
  const nm = /^name:\s*(\S+)/m.exec(text);
  const idm = /^ID:\s*(\d+)/m.exec(text);
  if (!nm || !idm) return undefined;
  const fields = new Map<string, FieldDesc>();
  for (const m of text.matchAll(FIELD_RE)) {
    const decl = m[1].trim();
    const offset = Number(m[2]);
    const size = Number(m[3]);
    const dataLoc = decl.startsWith('__data_loc');
    const relLoc = decl.startsWith('__rel_loc');
    // The name is the last identifier of the declaration, before any array brackets.
    const nameM = /([A-Za-z_][A-Za-z0-9_]*)\s*(\[[^\]]*\])?\s*$/.exec(decl);
    if (!nameM) continue;
    const isString = /\bchar\b/.test(decl) && (dataLoc || relLoc || nameM[2] !== undefined);
    fields.set(nameM[1], { name: nameM[1], offset, size, signed: m[4] === '1', dataLoc, relLoc, isString });
  }
  const symbols = new Map<string, Map<number, string>[]>();
  const pf = text.indexOf('print fmt:');
  if (pf >= 0) parseSymbolic(text.slice(pf), symbols);
  return { id: Number(idm[1]), name: nm[1], system, fields, symbols };
}

/** `__print_symbolic(REC->field ..., { N, "A" "B" }, ...)` tables, per field. */
function parseSymbolic(fmt: string, out: Map<string, Map<number, string>[]>): void {
  const SYM = '__print_symbolic(';
  for (let i = fmt.indexOf(SYM); i >= 0; i = fmt.indexOf(SYM, i + SYM.length)) {
    const fm = /^\s*REC->([A-Za-z_][A-Za-z0-9_]*)/.exec(fmt.slice(i + SYM.length, i + SYM.length + 80));
    if (!fm) continue;
    // The table runs to the parenthesis that closes the call.
    let depth = 1;
    let j = i + SYM.length;
    let inStr = false;
    for (; j < fmt.length && depth > 0; j++) {
      const c = fmt[j];
      if (inStr) {
        if (c === '\\') j++;
        else if (c === '"') inStr = false;
      } else if (c === '"') inStr = true;
      else if (c === '(') depth++;
      else if (c === ')') depth--;
    }
    const body = fmt.slice(i + SYM.length, j);
    const table = new Map<number, string>();
    for (const e of body.matchAll(/\{\s*([^,{}]+?)\s*,\s*((?:"[^"]*"\s*)+)\}/g)) {
      const v = evalConst(e[1]);
      if (v === undefined) continue;
      const name = [...e[2].matchAll(/"([^"]*)"/g)].map((s) => s[1]).join('');
      if (!table.has(v)) table.set(v, name);
    }
    const list = out.get(fm[1]) ?? [];
    list.push(table);
    out.set(fm[1], list);
  }
}

/** Small integer constant expressions of symbol tables: `12`, `0x040 + 3`, `(1 << 4)`. */
function evalConst(s: string): number | undefined {
  if (!/^[\s0-9a-fA-FxX+|<()]*$/.test(s)) return undefined;
  const toks = s.match(/0[xX][0-9a-fA-F]+|\d+|<<|[+|()]/g);
  if (!toks) return undefined;
  let k = 0;
  const prim = (): number | undefined => {
    const t = toks[k++];
    if (t === '(') {
      const v = expr();
      if (toks[k++] !== ')') return undefined;
      return v;
    }
    if (t === undefined || !/^\d|^0[xX]/.test(t)) return undefined;
    return Number(t);
  };
  const expr = (): number | undefined => {
    let v = prim();
    while (v !== undefined && k < toks.length && toks[k] !== ')') {
      const op = toks[k++];
      const r = prim();
      if (r === undefined) return undefined;
      v = op === '+' ? v + r : op === '|' ? v | r : op === '<<' ? v * 2 ** r : undefined;
    }
    return v;
  };
  const v = expr();
  return v !== undefined && k === toks.length && Number.isSafeInteger(v) ? v : undefined;
}

/** Where the ring-buffer page header keeps its timestamp, commit word and data. */
export interface PageHeaderLayout {
  tsOffset: number;
  tsSize: number;
  commitOffset: number;
  commitSize: number;
  dataOffset: number;
}

/** Parses `header_page`; falls back to the layout of 64-bit kernels for missing fields. */
export function parseHeaderPage(text: string, longSize: number): PageHeaderLayout {
  const f = new Map<string, { offset: number; size: number }>();
  for (const m of text.matchAll(FIELD_RE)) {
    const nameM = /([A-Za-z_][A-Za-z0-9_]*)\s*(\[[^\]]*\])?\s*$/.exec(m[1].trim());
    if (nameM && !f.has(nameM[1])) f.set(nameM[1], { offset: Number(m[2]), size: Number(m[3]) });
  }
  const ts = f.get('timestamp') ?? { offset: 0, size: 8 };
  const commit = f.get('commit') ?? { offset: 8, size: longSize };
  const data = f.get('data') ?? { offset: commit.offset + commit.size, size: 0 };
  return { tsOffset: ts.offset, tsSize: ts.size, commitOffset: commit.offset, commitSize: commit.size, dataOffset: data.offset };
}
