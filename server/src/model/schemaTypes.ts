/**
 * Types of the language schema: which statements exist in which block, what their arguments
 * are, their defaults and their documentation. The schema itself is data (`model/schema.ts`) and
 * drives the checker, completion, hover, semantic tokens and the generated language reference.
 */

/** Kinds of declared names. References must point at a declaration of the right kind. */
export type SymbolKind =
  | 'pool'
  | 'load'
  | 'vm'
  | 'task'
  | 'controller'
  | 'disk'
  | 'nic'
  | 'lock'
  | 'thread'
  | 'parallel'
  | 'ioload'
  | 'intercept'
  | 'irq'
  | 'variant';

export type UnitKind = 'duration' | 'count' | 'percent' | 'rate';

export interface EnumValue {
  name: string;
  doc: string;
}

/** What one positional argument accepts. */
export type ValueType =
  | { kind: 'duration'; min?: number; max?: number } // ns
  | { kind: 'count'; min?: number; max?: number; integer?: boolean }
  | { kind: 'signed'; min: number; max: number } // nice: -20..19
  | { kind: 'percent'; min?: number; max?: number }
  | { kind: 'rate' } // per second
  | { kind: 'bool' }
  | { kind: 'enum'; values: EnumValue[] }
  | { kind: 'enumList'; values: EnumValue[] }
  | { kind: 'cpulist' }
  | { kind: 'vp' } // a VP / vCPU index of the enclosing VM
  | { kind: 'vplist' }
  | { kind: 'dist' } // a random duration; consumes several arguments
  | { kind: 'name'; declares: SymbolKind } // declares a name
  | { kind: 'ref'; to: SymbolKind } // references a declared name
  | { kind: 'string' }
  | { kind: 'literal'; word: string } // a fixed word such as `at`
  | { kind: 'text' }; // a free word (exit reason)

export interface ArgSpec {
  name: string;
  type: ValueType;
  optional?: boolean;
  doc?: string;
  /**
   * A reference whose kind depends on the word in another argument (`remove disk archive`):
   * the argument's index and the kind each word refers to. `type` is then a `ref` to the first
   * of those kinds.
   */
  refKinds?: { arg: number; kinds: Readonly<Record<string, SymbolKind>> };
}

export interface StatementSpec {
  /** Unique id, the path of keywords: `vm.openhcl.task.target_vp`. */
  id: string;
  keyword: string;
  /** Markdown: what it means in OpenHCL / Xen / KVM / Linux terms. */
  doc: string;
  /** Where the behaviour and default come from (e.g. "OpenHCL guide", "xl.cfg(5)"). */
  source?: string;
  args: ArgSpec[];
  /** Default as shown to users (`30ms`, `min(8 x VPs, 256)`). */
  default?: string;
  /** The default is vpscope's assumption, not a documented number. */
  assumption?: boolean;
  body: 'none' | 'optional' | 'required';
  /** Ids of statements allowed in the body. */
  children?: string[];
  /** May appear more than once in the same body (named blocks and program steps). */
  repeatable?: boolean;
  /** Must appear in its parent. */
  required?: boolean;
  /** A program step: order matters. */
  step?: boolean;
  /** Snippet body for completion (LSP snippet syntax), e.g. `vm ${1:name} {\n\tvcpus ${2:4}\n}`. */
  snippet?: string;
  /** Only meaningful inside a `variant` (`remove`): an error in the base scenario. */
  variantOnly?: boolean;
}
