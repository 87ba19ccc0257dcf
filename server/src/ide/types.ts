/**
 * Plain-data answers of the editor features (completion, hover, navigation, ...). Offsets are
 * UTF-16 offsets into the analysed text, like everywhere in the core; only `lsp/convert.ts` turns
 * these into LSP objects, and the CLI and tests use them as they are.
 *
 * Invariant: nothing in `ide/` imports `vscode-languageserver` or touches files, the clock or
 * the process; every function is a pure function of a `DocumentAnalysis` (plus options).
 */
import type { Diagnostic, TextEdit } from '../core/diagnostic';
import type { TextRange } from '../core/text';
import type { SymbolKind } from '../model/schemaTypes';

export type { TextRange, TextEdit };

export type CompletionKind =
  | 'block' // a statement that opens a body (`vm`, `openhcl`, `task`)
  | 'setting' // a statement with a value (`vcpus`, `target_vp`)
  | 'step' // a program step (`cpu`, `sleep`, `io`)
  | 'enum' // an enum value, `on`/`off`, a fixed word such as `at`
  | 'name' // a declared name (pool, disk, lock...)
  | 'unit' // a unit suffix after a number (`us`, `ms`, `%`)
  | 'number' // a VP index or another number worth proposing
  | 'dist'; // a distribution kind (`exp`, `uniform`, ...)

export interface CompletionCandidate {
  label: string;
  kind: CompletionKind;
  /** One line shown beside the label (the argument signature, the value's type). */
  detail?: string;
  /** Markdown. */
  documentation?: string;
  /** Replaces `range`. LSP snippet syntax when `snippet` is set. */
  insertText: string;
  snippet?: boolean;
  /** The text the item replaces: the word being typed (empty at the cursor when none). */
  range: TextRange;
  /** Sorts before items with a greater key; the label otherwise. */
  sortText?: string;
  /** What the editor filters against when it differs from the label (e.g. units typed after `10`). */
  filterText?: string;
  preselect?: boolean;
}

export interface CompletionOptions {
  /** The client understands snippet syntax (`${1:name}`); otherwise plain words are inserted. */
  snippets: boolean;
}

export interface HoverResult {
  /** The token the hover is about. */
  range: TextRange;
  markdown: string;
}

export interface Highlight {
  range: TextRange;
  /** `write` for a declaration, `read` for a reference. */
  kind: 'read' | 'write';
}

export type RenameResult =
  | { ok: true; edits: TextEdit[] }
  | { ok: false; message: string };

export type PrepareRenameResult =
  | { ok: true; range: TextRange; placeholder: string }
  | { ok: false; message: string };

export type OutlineKind =
  | 'file'
  | 'scenario'
  | 'host'
  | 'vm'
  | 'variant'
  | 'block' // an unnamed block (`openhcl`, `guest`, `sidecar`, `ple`, `boost`)
  | 'setting'
  | SymbolKind;

export interface OutlineSymbol {
  /** The declared name, or the keyword of an unnamed block. */
  name: string;
  /** The keyword (and for settings, the value as written). */
  detail: string;
  kind: OutlineKind;
  /** The whole statement. */
  range: TextRange;
  /** The name (or the keyword when unnamed). */
  selectionRange: TextRange;
  children: OutlineSymbol[];
}

export interface FoldingRegion {
  /** 0-based lines; the region folds the lines after `startLine` through `endLine`. */
  startLine: number;
  endLine: number;
  kind?: 'comment' | 'region';
}

/** Token classes, in the order of the LSP legend (see `lsp/capabilities.ts`). */
export const semanticTokenTypes = [
  'keyword',
  'property',
  'enumMember',
  'number',
  'unit',
  'variable',
  'string',
  'comment',
  'operator',
  'function',
] as const;
export type SemanticTokenType = (typeof semanticTokenTypes)[number];

export const semanticTokenModifiers = ['declaration', 'readonly', 'defaultLibrary'] as const;
export type SemanticTokenModifier = (typeof semanticTokenModifiers)[number];

export interface SemanticToken {
  start: number;
  /** Never spans lines (tokens of this language never do). */
  length: number;
  type: SemanticTokenType;
  modifiers?: SemanticTokenModifier[];
}

export interface QuickFix {
  title: string;
  edits: TextEdit[];
  preferred: boolean;
  /** The diagnostic the fix resolves. */
  diagnostic: Diagnostic;
}

export interface FormatOptions {
  /** Spaces per indentation level (default 2). */
  indentSize?: number;
  /** Only edits touching this range are returned (range formatting). */
  range?: TextRange;
}
