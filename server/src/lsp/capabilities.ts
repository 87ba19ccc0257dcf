/**
 * What the client can do, read once at `initialize`, and what the server therefore offers.
 * Every feature that depends on a client capability is gated here, so `session.ts` asks a
 * boolean instead of digging through `ClientCapabilities`.
 */
import {
  DiagnosticTag,
  TextDocumentSyncKind,
  type ClientCapabilities,
  type InitializeParams,
  type ServerCapabilities,
} from 'vscode-languageserver';
import { ClientCommands, type InitializationOptions } from '../shared/protocol';
import { fullLegend, type ConvertCaps } from './convert';

export interface ClientFeatures {
  /** `textDocument/diagnostic` (pull). When set, the server does not also push (no duplicates). */
  pullDiagnostics: boolean;
  /** The client can be asked to re-pull diagnostics (`workspace/diagnostic/refresh`). */
  diagnosticRefresh: boolean;
  /** `workspace/codeLens/refresh`: the server may ask for new lenses (background results). */
  codeLensRefresh: boolean;
  snippets: boolean;
  /** The client accepts `CodeAction` literals (otherwise only commands, which we do not offer). */
  codeActionLiterals: boolean;
  prepareRename: boolean;
  /** Folding: the client's limit on the number of ranges (undefined: none). */
  foldingRangeLimit?: number;
  workspaceFolders: boolean;
  configuration: boolean;
  /** The client can register capabilities later (workspace file watching). */
  dynamicWatchedFiles: boolean;
  /** `window.workDoneProgress`: the server may create progress (`window/workDoneProgress/create`). */
  workDoneProgress: boolean;
  /**
   * The client implements `vpscope.simulate` (announced in `initializationOptions.clientCommands`):
   * the server offers code lenses that run it.
   */
  simulateCommand: boolean;
  /** The client implements `vpscope.showTimeline`: the server offers "Show Timeline" lenses. */
  timelineCommand: boolean;
  /** `textDocument/inlayHint`. */
  inlayHints: boolean;
  /** `workspace/inlayHint/refresh`: asked when the `vpscope.inlayHints.*` settings change. */
  inlayHintRefresh: boolean;
  /** Semantic tokens: the legend, restricted to the types the client declared (plus our own). */
  semanticTokens?: { types: string[]; modifiers: string[] };
  convert: ConvertCaps;
}

/** `docsBase`: file URI (with a trailing `/`) of the folder with docs/codes.md, if shipped. */
export function readClientFeatures(params: InitializeParams, docsBase?: string): ClientFeatures {
  const c: ClientCapabilities = params.capabilities ?? {};
  const td = c.textDocument ?? {};
  const tagSet = td.publishDiagnostics?.tagSupport?.valueSet ?? [];
  const features: ClientFeatures = {
    pullDiagnostics: !!td.diagnostic,
    diagnosticRefresh: !!c.workspace?.diagnostics?.refreshSupport,
    codeLensRefresh: !!c.workspace?.codeLens?.refreshSupport,
    snippets: !!td.completion?.completionItem?.snippetSupport,
    codeActionLiterals: !!td.codeAction?.codeActionLiteralSupport,
    prepareRename: !!td.rename?.prepareSupport,
    foldingRangeLimit: td.foldingRange?.rangeLimit,
    workspaceFolders: !!c.workspace?.workspaceFolders,
    configuration: !!c.workspace?.configuration,
    dynamicWatchedFiles: !!c.workspace?.didChangeWatchedFiles?.dynamicRegistration,
    workDoneProgress: !!c.window?.workDoneProgress,
    simulateCommand: clientCommands(params.initializationOptions).includes(ClientCommands.simulate),
    timelineCommand: clientCommands(params.initializationOptions).includes(ClientCommands.showTimeline),
    inlayHints: !!td.inlayHint,
    inlayHintRefresh: !!c.workspace?.inlayHint?.refreshSupport,
    convert: {
      markdownHover: (td.hover?.contentFormat ?? []).includes('markdown'),
      markdownCompletion: (td.completion?.completionItem?.documentationFormat ?? []).includes('markdown'),
      relatedInformation: !!td.publishDiagnostics?.relatedInformation,
      diagnosticTags: tagSet.filter((t): t is DiagnosticTag => t === DiagnosticTag.Unnecessary || t === DiagnosticTag.Deprecated),
      hierarchicalSymbols: !!td.documentSymbol?.hierarchicalDocumentSymbolSupport,
      signatureLabelOffsets: !!td.signatureHelp?.signatureInformation?.parameterInformation?.labelOffsetSupport,
      markdownSignature: (td.signatureHelp?.signatureInformation?.documentationFormat ?? []).includes('markdown'),
      ...(docsBase && td.publishDiagnostics?.codeDescriptionSupport ? { codeDescriptionBase: docsBase } : {}),
    },
  };
  // A client that asks for ranges only (no `full`) still gets the range request.
  if (td.semanticTokens?.requests?.full || td.semanticTokens?.requests?.range) {
    // The legend is ours; a client ignores types it does not know. `unit` is our own type (VS Code
    // needs a `semanticTokenTypes` contribution to colour it; otherwise it falls back to nothing).
    features.semanticTokens = { types: fullLegend.types, modifiers: fullLegend.modifiers };
  }
  return features;
}

function clientCommands(options: unknown): string[] {
  const list = (options as InitializationOptions | undefined)?.clientCommands;
  return Array.isArray(list) ? list.filter((c): c is string => typeof c === 'string') : [];
}

export function serverCapabilities(f: ClientFeatures): ServerCapabilities {
  const caps: ServerCapabilities = {
    textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
    completionProvider: {
      // The next item of a list (`timer,nmi`, `0-3,5`) follows a comma, which is not a word
      // character, so the editor would not open the list by itself. No space trigger: it would
      // pop the list after every word of a line.
      triggerCharacters: [','],
      resolveProvider: false,
    },
    hoverProvider: true,
    // Positional arguments (`lognormal MEAN SD`): a space starts the next one, a comma the next
    // list item (still the same parameter).
    signatureHelpProvider: { triggerCharacters: [' '], retriggerCharacters: [','] },
    definitionProvider: true,
    referencesProvider: true,
    documentHighlightProvider: true,
    documentSymbolProvider: { label: 'vpscope' },
    workspaceSymbolProvider: true,
    foldingRangeProvider: true,
    selectionRangeProvider: true,
    documentFormattingProvider: true,
    documentRangeFormattingProvider: true,
    // Typing `}` re-indents the block it closes (ide/onType.ts).
    documentOnTypeFormattingProvider: { firstTriggerCharacter: '}' },
    renameProvider: f.prepareRename ? { prepareProvider: true } : true,
  };
  if (f.codeActionLiterals) caps.codeActionProvider = { codeActionKinds: ['quickfix'], resolveProvider: false };
  if (f.semanticTokens) {
    caps.semanticTokensProvider = {
      legend: { tokenTypes: f.semanticTokens.types, tokenModifiers: f.semanticTokens.modifiers },
      // `full/delta`: the tokens after an edit as one splice of the previous array (lsp/editing.ts).
      full: { delta: true },
      range: true,
    };
  }
  if (f.pullDiagnostics) {
    caps.diagnosticProvider = { identifier: 'vpscope', interFileDependencies: false, workspaceDiagnostics: false };
  }
  if (f.inlayHints) caps.inlayHintProvider = { resolveProvider: false };
  if (f.simulateCommand || f.timelineCommand) caps.codeLensProvider = { resolveProvider: false };
  if (f.workspaceFolders) caps.workspace = { workspaceFolders: { supported: true, changeNotifications: true } };
  return caps;
}
