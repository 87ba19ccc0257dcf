/**
 * The one place where plain core data (UTF-16 offsets, severities as words, markdown strings)
 * becomes LSP data and back. Every handler in `lsp/` goes through here, so the mapping of our
 * kinds onto LSP's enums is decided once.
 *
 * Positions from the client are untrusted: `fromLsp.offset` clamps any position into the
 * document and rejects values that are not numbers, so a malformed request never reaches the core.
 */
import {
  CodeAction,
  CodeActionKind,
  CodeLens,
  CompletionItem,
  CompletionItemKind,
  Diagnostic as LspDiagnostic,
  DiagnosticSeverity,
  DiagnosticTag,
  DocumentHighlight,
  DocumentHighlightKind,
  DocumentSymbol,
  ErrorCodes,
  FoldingRange,
  FoldingRangeKind,
  Hover,
  InlayHint,
  InlayHintKind,
  InsertTextFormat,
  Location,
  MarkupContent,
  MarkupKind,
  Position,
  Range,
  ResponseError,
  SelectionRange,
  SemanticTokens,
  SignatureHelp,
  SignatureInformation,
  SymbolInformation,
  SymbolKind as LspSymbolKind,
  TextEdit as LspTextEdit,
  WorkspaceEdit,
} from 'vscode-languageserver';
import type { Diagnostic, Severity, TextEdit } from '../core/diagnostic';
import { codeHref } from '../model/codes';
import { isKnownCode } from '../analysis/catalog';
import type { SimulateLens } from '../ide/codeLens';
import type { SignatureHelpResult } from '../ide/signature';
import type { InlayHintItem } from '../ide/inlayHints';
import { ClientCommands, type SimulateCommandOptions } from '../shared/protocol';
import { clipLabel, clipMarkdown, type TextRange } from '../core/text';
import {
  semanticTokenModifiers,
  semanticTokenTypes,
  type CompletionCandidate,
  type CompletionKind,
  type FoldingRegion,
  type Highlight,
  type HoverResult,
  type OutlineKind,
  type OutlineSymbol,
  type QuickFix,
  type SemanticToken,
} from '../ide/types';

/** Offsets <-> positions of one document version (a `TextDocument` or a core `LineIndex`). */
export interface PositionMapper {
  positionAt(offset: number): Position;
  offsetAt(position: Position): number;
}

/** What the client said it understands, as far as conversion cares. */
export interface ConvertCaps {
  markdownHover: boolean;
  markdownCompletion: boolean;
  relatedInformation: boolean;
  diagnosticTags: DiagnosticTag[];
  hierarchicalSymbols: boolean;
  /** Signature help: parameter labels as offsets into the signature label (LSP 3.14). */
  signatureLabelOffsets?: boolean;
  /** Signature help documentation in markdown. */
  markdownSignature?: boolean;
  /**
   * `file://` URI (ending in `/`) of the folder holding docs/codes.md (the installed extension),
   * when the client declares `codeDescriptionSupport`: diagnostics of catalogued codes link there.
   */
  codeDescriptionBase?: string;
}

export const defaultConvertCaps: ConvertCaps = {
  markdownHover: true,
  markdownCompletion: true,
  relatedInformation: true,
  diagnosticTags: [DiagnosticTag.Unnecessary, DiagnosticTag.Deprecated],
  hierarchicalSymbols: true,
};

const severityToLsp: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

const completionKindToLsp: Record<CompletionKind, CompletionItemKind> = {
  block: CompletionItemKind.Keyword,
  setting: CompletionItemKind.Property,
  step: CompletionItemKind.Function,
  enum: CompletionItemKind.EnumMember,
  name: CompletionItemKind.Reference,
  unit: CompletionItemKind.Unit,
  number: CompletionItemKind.Value,
  dist: CompletionItemKind.Constructor,
};

const outlineKindToLsp: Record<OutlineKind, LspSymbolKind> = {
  file: LspSymbolKind.File,
  scenario: LspSymbolKind.Module,
  host: LspSymbolKind.Namespace,
  vm: LspSymbolKind.Class,
  variant: LspSymbolKind.Package,
  block: LspSymbolKind.Namespace,
  setting: LspSymbolKind.Property,
  pool: LspSymbolKind.Array,
  load: LspSymbolKind.Event,
  task: LspSymbolKind.Function,
  controller: LspSymbolKind.Interface,
  disk: LspSymbolKind.Field,
  nic: LspSymbolKind.Interface,
  lock: LspSymbolKind.Key,
  thread: LspSymbolKind.Function,
  parallel: LspSymbolKind.Function,
  ioload: LspSymbolKind.Event,
  intercept: LspSymbolKind.Event,
  irq: LspSymbolKind.Event,
};

/** A markdown string for a client that only shows plain text: drop the markup, keep the words. */
export function markdownToPlain(md: string): string {
  return md
    .replace(/```[a-z]*\n?/g, '')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/^#+\s*/gm, '')
    .replace(/\\([\\`*_{}[\]()#+\-.!|])/g, '$1');
}

function markup(md: string, markdown: boolean): MarkupContent {
  // Hovers, documentation and tooltips quote names, titles and values the user wrote.
  md = clipMarkdown(md);
  return markdown ? { kind: MarkupKind.Markdown, value: md } : { kind: MarkupKind.PlainText, value: markdownToPlain(md) };
}

export namespace toLsp {
  export function range(doc: PositionMapper, r: TextRange): Range {
    return { start: doc.positionAt(r.start), end: doc.positionAt(r.end) };
  }

  export function textEdit(doc: PositionMapper, e: TextEdit): LspTextEdit {
    return { range: range(doc, e.range), newText: e.newText };
  }

  export function diagnostic(doc: PositionMapper, uri: string, d: Diagnostic, caps: ConvertCaps): LspDiagnostic {
    const out: LspDiagnostic = {
      range: range(doc, d.range),
      severity: severityToLsp[d.severity],
      code: d.code,
      source: 'vpscope',
      message: d.message,
    };
    if (caps.codeDescriptionBase && isKnownCode(d.code)) out.codeDescription = { href: caps.codeDescriptionBase + codeHref(d.code) };
    if (d.related?.length) {
      if (caps.relatedInformation) {
        out.relatedInformation = d.related.map((r) => ({ location: { uri, range: range(doc, r.range) }, message: r.message }));
      } else {
        // Without related information the chain of causes would be lost; fold it into the text.
        out.message += d.related.map((r) => `\n  ${r.message} (line ${doc.positionAt(r.range.start).line + 1})`).join('');
      }
    }
    const tags = (d.tags ?? [])
      .map((t) => (t === 'unnecessary' ? DiagnosticTag.Unnecessary : DiagnosticTag.Deprecated))
      .filter((t) => caps.diagnosticTags.includes(t));
    if (tags.length) out.tags = tags;
    return out;
  }

  export function completionItem(doc: PositionMapper, c: CompletionCandidate, caps: ConvertCaps): CompletionItem {
    // The label and detail are clipped; the inserted text is the name itself, whatever its length.
    const item: CompletionItem = {
      label: clipLabel(c.label),
      kind: completionKindToLsp[c.kind],
      textEdit: { range: range(doc, c.range), newText: c.insertText },
      insertTextFormat: c.snippet ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
    };
    if (c.detail) item.detail = clipLabel(c.detail);
    if (c.documentation) item.documentation = markup(c.documentation, caps.markdownCompletion);
    if (c.sortText) item.sortText = c.sortText;
    if (c.filterText) item.filterText = c.filterText;
    if (c.preselect) item.preselect = true;
    return item;
  }

  /** Parameters as label offsets, or as label substrings for a client without offset support. */
  export function signatureHelp(h: SignatureHelpResult, caps: ConvertCaps): SignatureHelp {
    const markdown = caps.markdownSignature ?? true;
    const signatures = h.signatures.map((sig): SignatureInformation => {
      const out: SignatureInformation = {
        label: sig.label,
        parameters: sig.parameters.map((p) => ({
          label: caps.signatureLabelOffsets === false ? sig.label.slice(p.label[0], p.label[1]) : p.label,
          ...(p.documentation ? { documentation: markup(p.documentation, markdown) } : {}),
        })),
      };
      if (sig.documentation) out.documentation = markup(sig.documentation, markdown);
      // Past the last parameter: an index out of range highlights none (LSP: "outside the range").
      out.activeParameter = sig.activeParameter >= 0 ? sig.activeParameter : sig.parameters.length;
      return out;
    });
    const first = signatures[h.activeSignature];
    return { signatures, activeSignature: h.activeSignature, activeParameter: first?.activeParameter ?? 0 };
  }

  /** Values the block resolves to: shown after the code they describe, set off by a space. */
  export function inlayHint(doc: PositionMapper, h: InlayHintItem, caps: ConvertCaps): InlayHint {
    const out: InlayHint = { position: doc.positionAt(h.offset), label: clipLabel(h.label), paddingLeft: true };
    // `Type` hints are the ones editors style as values; a map or defaults are neither types nor parameters.
    if (h.kind === 'variantValue') out.kind = InlayHintKind.Type;
    if (h.tooltip) out.tooltip = markup(h.tooltip, caps.markdownHover);
    return out;
  }

  export function hover(doc: PositionMapper, h: HoverResult, caps: ConvertCaps): Hover {
    return { contents: markup(h.markdown, caps.markdownHover), range: range(doc, h.range) };
  }

  export function location(doc: PositionMapper, uri: string, r: TextRange): Location {
    return { uri, range: range(doc, r) };
  }

  export function highlight(doc: PositionMapper, h: Highlight): DocumentHighlight {
    return { range: range(doc, h.range), kind: h.kind === 'write' ? DocumentHighlightKind.Write : DocumentHighlightKind.Read };
  }

  export function workspaceEdit(doc: PositionMapper, uri: string, edits: TextEdit[]): WorkspaceEdit {
    return { changes: { [uri]: edits.map((e) => textEdit(doc, e)) } };
  }

  export function symbolKind(k: OutlineKind): LspSymbolKind {
    return outlineKindToLsp[k] ?? LspSymbolKind.Object;
  }

  export function documentSymbol(doc: PositionMapper, s: OutlineSymbol): DocumentSymbol {
    return {
      name: clipLabel(s.name || s.detail || '?'), // LSP forbids empty names.
      detail: clipLabel(s.detail),
      kind: symbolKind(s.kind),
      range: range(doc, s.range),
      selectionRange: range(doc, s.selectionRange),
      children: s.children.map((c) => documentSymbol(doc, c)),
    };
  }

  /** The flat form for clients without hierarchical document symbols. */
  export function symbolInformation(doc: PositionMapper, uri: string, roots: OutlineSymbol[]): SymbolInformation[] {
    const out: SymbolInformation[] = [];
    const visit = (s: OutlineSymbol, container?: string) => {
      out.push({
        name: clipLabel(s.name || s.detail || '?'),
        kind: symbolKind(s.kind),
        location: { uri, range: range(doc, s.range) },
        ...(container ? { containerName: clipLabel(container) } : {}),
      });
      for (const c of s.children) visit(c, s.name);
    };
    for (const s of roots) visit(s);
    return out;
  }

  export function foldingRange(f: FoldingRegion): FoldingRange {
    const out: FoldingRange = { startLine: f.startLine, endLine: f.endLine };
    if (f.kind === 'comment') out.kind = FoldingRangeKind.Comment;
    else if (f.kind === 'region') out.kind = FoldingRangeKind.Region;
    return out;
  }

  /** Innermost range first, as the core lists them; LSP wants the innermost with parents. */
  export function selectionRange(doc: PositionMapper, chain: TextRange[]): SelectionRange {
    let parent: SelectionRange | undefined;
    for (let i = chain.length - 1; i >= 0; i--) parent = { range: range(doc, chain[i]), parent };
    return parent ?? { range: range(doc, { start: 0, end: 0 }) };
  }

  /**
   * LSP's relative encoding: five integers per token (delta line, delta start, length, type,
   * modifier bits). `types`/`modifiers` are the legend sent at initialize.
   */
  export function semanticTokens(
    doc: PositionMapper,
    tokens: SemanticToken[],
    legend: { types: readonly string[]; modifiers: readonly string[] },
  ): SemanticTokens {
    const data: number[] = [];
    let prevLine = 0;
    let prevChar = 0;
    const sorted = [...tokens].sort((a, b) => a.start - b.start);
    for (const t of sorted) {
      const type = legend.types.indexOf(t.type);
      if (type < 0 || t.length <= 0) continue;
      let mods = 0;
      for (const m of t.modifiers ?? []) {
        const bit = legend.modifiers.indexOf(m);
        if (bit >= 0) mods |= 1 << bit;
      }
      const p = doc.positionAt(t.start);
      const deltaLine = p.line - prevLine;
      const deltaChar = deltaLine === 0 ? p.character - prevChar : p.character;
      data.push(deltaLine, deltaChar, t.length, type, mods);
      prevLine = p.line;
      prevChar = p.character;
    }
    return { data };
  }

  export function codeAction(doc: PositionMapper, uri: string, f: QuickFix, caps: ConvertCaps): CodeAction {
    const action: CodeAction = {
      title: clipLabel(f.title),
      kind: CodeActionKind.QuickFix,
      diagnostics: [diagnostic(doc, uri, f.diagnostic, caps)],
      edit: workspaceEdit(doc, uri, f.edits),
    };
    if (f.preferred) action.isPreferred = true;
    return action;
  }

  /**
   * A lens running the client's `vpscope.simulate` (or `vpscope.showTimeline`) with
   * `(uri, {variant | allVariants})`.
   */
  export function codeLens(doc: PositionMapper, uri: string, l: SimulateLens): CodeLens {
    // A lens without a command is not shown by VS Code; an empty command id makes it plain text.
    if (l.action === 'measured') return { range: range(doc, l.range), command: { title: clipLabel(l.title), command: '' } };
    const options: SimulateCommandOptions = l.allVariants ? { allVariants: true } : { variant: l.variant ?? 'base' };
    const command = l.action === 'timeline' ? ClientCommands.showTimeline : ClientCommands.simulate;
    return { range: range(doc, l.range), command: { title: clipLabel(l.title), command, arguments: [uri, options] } };
  }
}

/** The default legend; `lsp/capabilities.ts` may narrow it to what the client knows. */
export const fullLegend = { types: [...semanticTokenTypes] as string[], modifiers: [...semanticTokenModifiers] as string[] };

function isPosition(p: unknown): p is Position {
  if (typeof p !== 'object' || p === null) return false;
  const { line, character } = p as Position;
  return Number.isFinite(line) && Number.isFinite(character);
}

export namespace fromLsp {
  /**
   * Position -> offset, clamped into the document (a position past the end of a line or of the
   * document means its end). Throws `InvalidParams` for something that is not a position at all.
   */
  export function offset(doc: PositionMapper, p: unknown): number {
    if (!isPosition(p)) throw new ResponseError(ErrorCodes.InvalidParams, 'invalid position');
    return doc.offsetAt({ line: Math.max(0, Math.floor(p.line)), character: Math.max(0, Math.floor(p.character)) });
  }

  export function range(doc: PositionMapper, r: unknown): TextRange {
    if (typeof r !== 'object' || r === null) throw new ResponseError(ErrorCodes.InvalidParams, 'invalid range');
    const a = offset(doc, (r as Range).start);
    const b = offset(doc, (r as Range).end);
    return a <= b ? { start: a, end: b } : { start: b, end: a };
  }

  export function severity(s: DiagnosticSeverity | undefined): Severity {
    return s === DiagnosticSeverity.Warning ? 'warning' : s === DiagnosticSeverity.Information ? 'info' : s === DiagnosticSeverity.Hint ? 'hint' : 'error';
  }
}
