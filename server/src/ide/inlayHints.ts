/**
 * Inlay hints: what a block resolves to without writing it out.
 *
 * - `channelMap`: at each StorVSP controller, the VP each channel's worker runs on, as the
 *   lowering resolves it (model/storvspRule.ts: subchannels clamped to VPs - 1 and 256,
 *   `channel_vps`, the even spread, `interrupts off` -> VP 0). In a variant that changes it, at the
 *   variant's override of the controller (or of its VM, or the variant's name).
 * - `variantValues`: after a setting a variant writes, the value it replaces: the one of the
 *   variant it is `based_on` (nearest first), else of the base, else the default.
 * - `defaults`: at a block of the base scenario, the settings it leaves out and their defaults
 *   (the schema's documented defaults; ones the schema marks as vpscope's assumption say so).
 *
 * Each kind can be turned on or off (the `vpscope.inlayHints.*` settings, passed by the language
 * server); the first two are on by default, the defaults are opt-in.
 */
import { analysisMemo } from '../model/analysisTypes';
import { MAX_INLAY_HINTS } from './limits';
import { MAX_STATEMENTS, statementPast } from '../model/limits';
import type { Scenario, StorvspController } from '../model/ir';
import { resolveStatement } from '../model/schema';
import type { StatementSpec } from '../model/schemaTypes';
import type { Statement } from '../syntax/tree';
import { forEachStatement } from '../syntax/walk';
import { basedOnChain, meaninglessInVm } from './completion';
import { docIndex, type IdeDocument } from './document';
import { statementFacts } from './facts';
import { argName } from './schemaInfo';
import type { TextRange } from './types';

export interface InlayHintOptions {
  channelMap: boolean;
  variantValues: boolean;
  defaults: boolean;
}

/** The defaults a block leaves out are opt-in: on every block they would crowd the text. */
export const INLAY_HINT_DEFAULTS: InlayHintOptions = { channelMap: true, variantValues: true, defaults: false };

export interface InlayHintItem {
  /** Where the hint is shown (it sits before the character at this offset). */
  offset: number;
  label: string;
  kind: 'channelMap' | 'variantValue' | 'defaults';
  /** Markdown. */
  tooltip?: string;
}

/** At most this many channels are listed in one hint; the rest are counted. */
const MAX_CHANNELS_SHOWN = 16;
/** At most this many defaults in one hint. */
const MAX_DEFAULTS_SHOWN = 6;

export function inlayHints(doc: IdeDocument, range: TextRange, options: InlayHintOptions = INLAY_HINT_DEFAULTS): InlayHintItem[] {
  const key = `${+options.channelMap}${+options.variantValues}${+options.defaults}`;
  // Every hint of a document, per analysis and options (a viewport request filters them).
  const memo = analysisMemo(doc.analysis);
  const perOptions = (memo.inlayHints ??= new Map<string, InlayHintItem[]>()) as Map<string, InlayHintItem[]>;
  let all = perOptions.get(key);
  if (!all) perOptions.set(key, (all = allHints(doc, options)));
  // Sorted by offset: binary search for the first in range.
  let lo = 0;
  let hi = all.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (all[mid].offset < range.start) lo = mid + 1;
    else hi = mid;
  }
  // At most MAX_INLAY_HINTS (ide/limits.ts): only a request for a huge range is cut.
  const out: InlayHintItem[] = [];
  for (let i = lo; i < all.length && all[i].offset <= range.end && out.length < MAX_INLAY_HINTS; i++) out.push(all[i]);
  return out;
}

function allHints(doc: IdeDocument, options: InlayHintOptions): InlayHintItem[] {
  const range = { start: 0, end: doc.text.length };
  const out: InlayHintItem[] = [];
  // Past the statement bound only the syntax is checked (VPS146): no hints either (a million
  // statements took 18 s of the server here, resolving every one).
  if (statementPast(doc.analysis.parse.file.statements, MAX_STATEMENTS)) return out;
  const inRange = (o: number) => o >= range.start && o <= range.end;
  if (options.channelMap) for (const h of channelHints(doc)) if (inRange(h.offset)) out.push(h);
  if (options.variantValues || options.defaults) {
    forEachStatement(doc.analysis.parse.file, (s, parents) => {
      // Statements wholly outside the range are skipped (their blocks are still walked: cheap).
      if (s.end < range.start || s.start > range.end) return;
      const spec = specOfStatement(doc, s);
      if (!spec) return;
      const variant = parents[0]?.keyword.name === 'variant' ? argName(parents[0].args[0]) : undefined;
      if (options.variantValues && variant !== undefined && parents.length > 0) {
        const h = variantValueHint(doc, s, spec, variant);
        if (h && inRange(h.offset)) out.push(h);
      }
      if (options.defaults && variant === undefined && !(s.keyword.name === 'variant' && parents.length === 0)) {
        const h = defaultsHint(doc, s, spec);
        if (h && inRange(h.offset)) out.push(h);
      }
    });
  }
  return out.sort((a, b) => a.offset - b.offset);
}

function specOfStatement(doc: IdeDocument, s: Statement): StatementSpec | undefined {
  return docIndex(doc).resolved.get(s)?.spec;
}

// ---- channel -> VP map ----------------------------------------------------------------------

function channelLabel(c: StorvspController): string {
  const shown = c.channelVps.slice(0, MAX_CHANNELS_SHOWN).map((vp, i) => `${i}→${vp}`);
  const more = c.channelVps.length > MAX_CHANNELS_SHOWN ? ` …+${c.channelVps.length - MAX_CHANNELS_SHOWN}` : '';
  return `channel→VP ${shown.join(' ')}${more}`;
}

function channelTooltip(c: StorvspController, vm: string, vps: number, variant?: string): string {
  const lines = [
    `**${c.channelVps.length} channel${c.channelVps.length === 1 ? '' : 's'}** of controller \`${c.name}\` in VM \`${vm}\`${variant ? ` (variant \`${variant}\`)` : ''}: the primary and ${c.subChannels} subchannel${c.subChannels === 1 ? '' : 's'}` +
      (c.subChannelsWritten !== c.subChannels ? ` (${c.subChannelsWritten} requested, clamped to VPs - 1 = ${Math.max(0, vps - 1)} and 256)` : '') +
      (c.subChannelsVmWide ? ', from the VM-wide `scsi_sub_channels`' : '') +
      '.',
    c.interrupts ? 'Each channel\'s worker runs on the VP shown (`channel_vps`, then spread evenly: channel i on VP floor(i x VPs / channels)).' : '`interrupts off`: every channel lands on VP 0.',
    'Source: OpenHCL guide, *StorVSP Channels & Subchannels*; the rule is model/storvspRule.ts, shared with the simulator.',
  ];
  return lines.join('\n\n');
}

function hintAfterHead(doc: IdeDocument, s: Statement): number {
  const body = s.body;
  if (!body || body.missing) return s.end;
  const lines = docIndex(doc).lines;
  const sameLine = lines.positionAt(body.open.start).line === lines.positionAt(body.close.start).line;
  return sameLine ? s.end : body.open.end;
}

function channelHints(doc: IdeDocument): InlayHintItem[] {
  const scenario: Scenario | undefined = doc.analysis.scenario;
  if (!scenario) return [];
  const out: InlayHintItem[] = [];
  const facts = statementFacts(doc);
  const baseMaps = new Map<string, string>();
  for (const vm of scenario.vms) {
    for (const c of vm.openhcl?.storvsp ?? []) {
      const label = channelLabel(c);
      baseMaps.set(`${vm.name}\u0000${c.name}`, label);
      const stmt = (facts.byKey.get(`vm ${vm.name}/openhcl/storvsp ${c.name}`) ?? []).find((e) => e.variant === undefined)?.statement;
      if (!stmt) continue;
      out.push({ offset: hintAfterHead(doc, stmt), label, kind: 'channelMap', tooltip: channelTooltip(c, vm.name, vm.vcpus) });
    }
  }
  // A VM a variant does not change is the base's very object (the lowering's memo): same map.
  const baseVms = new Set(scenario.vms);
  for (const v of scenario.variants) {
    for (const vm of v.scenario.vms) {
      if (baseVms.has(vm)) continue;
      for (const c of vm.openhcl?.storvsp ?? []) {
        const label = channelLabel(c);
        if (baseMaps.get(`${vm.name}\u0000${c.name}`) === label) continue;
        // The variant's own statement closest to the controller: its override of it, of the VM, or the variant.
        const at =
          (facts.byKey.get(`vm ${vm.name}/openhcl/storvsp ${c.name}`) ?? []).find((e) => e.variant === v.name)?.statement ??
          (facts.byKey.get(`vm ${vm.name}/openhcl`) ?? []).find((e) => e.variant === v.name)?.statement ??
          (facts.byKey.get(`vm ${vm.name}`) ?? []).find((e) => e.variant === v.name)?.statement;
        const offset = at ? hintAfterHead(doc, at) : variantHeadEnd(doc, v.name);
        if (offset === undefined) continue;
        out.push({ offset, label: at?.keyword.name === 'storvsp' ? label : `${c.name}: ${label}`, kind: 'channelMap', tooltip: channelTooltip(c, vm.name, vm.vcpus, v.name) });
      }
    }
  }
  return out;
}

function variantHeadEnd(doc: IdeDocument, name: string): number | undefined {
  const s = doc.analysis.parse.file.statements.find((x) => x.keyword.name === 'variant' && argName(x.args[0]) === name);
  return s ? hintAfterHead(doc, s) : undefined;
}

// ---- the value a variant replaces ------------------------------------------------------------

function argsText(doc: IdeDocument, s: Statement): string {
  if (s.args.length === 0) return '';
  return doc.text.slice(s.args[0].start, s.args[s.args.length - 1].end);
}

function variantValueHint(doc: IdeDocument, s: Statement, spec: StatementSpec, variant: string): InlayHintItem | undefined {
  // Settings and the mode of a block (`boost off`); not named blocks, steps or repeatable statements.
  if (spec.step || spec.repeatable || spec.args.length === 0 || s.args.length === 0) return undefined;
  if (spec.args[0].type.kind === 'name' || spec.id === 'variant.based_on' || spec.id === 'variant.description') return undefined;
  const facts = statementFacts(doc);
  const key = facts.keyOf.get(s);
  if (key === undefined) return undefined;
  const list = facts.byKey.get(key) ?? [];
  const chain = basedOnChain(doc, variant);
  // Only in a block the base (or a variant this one builds on) has: a block the variant adds
  // replaces nothing.
  const slash = key.lastIndexOf('/');
  if (slash > 0 && !(facts.byKey.get(key.slice(0, slash)) ?? []).some((e) => e.variant === undefined || chain.includes(e.variant))) return undefined;
  let from = 'base';
  let prev = list.find((e) => e.variant === undefined)?.statement;
  for (const v of chain) {
    const hit = list.filter((e) => e.variant === v).at(-1)?.statement;
    if (hit) {
      prev = hit;
      from = v;
      break;
    }
  }
  let value: string;
  let tooltip: string;
  if (prev) {
    value = argsText(doc, prev);
    const line = docIndex(doc).lines.positionAt(prev.start).line + 1;
    tooltip = `Variant \`${variant}\` replaces \`${spec.keyword} ${value}\` of ${from === 'base' ? 'the base scenario' : `variant \`${from}\``} (line ${line}).`;
  } else if (spec.default !== undefined) {
    value = `${spec.default} (default)`;
    tooltip = `Not written in ${from === 'base' ? 'the base scenario' : `variant \`${from}\``}: the default \`${spec.default}\` applies there${spec.assumption ? ' (an assumption of vpscope, not a documented number)' : ''}.`;
  } else return undefined;
  const label = `${from === 'base' ? 'base' : from}: ${value}`;
  const last = s.args[s.args.length - 1];
  return { offset: last.end, label, kind: 'variantValue', tooltip };
}

// ---- defaults a block leaves out ----------------------------------------------------------------

/** A default worth showing inline: one short word or number (not prose like `min(8 x VPs, 256)`). */
const SIMPLE_DEFAULT = /^-?[\w.%/,-]+$/;

function defaultsHint(doc: IdeDocument, s: Statement, spec: StatementSpec): InlayHintItem | undefined {
  const body = s.body;
  if (!body || body.missing || !spec.children?.length) return undefined;
  const parent = spec.id;
  const written = new Set(body.statements.map((c) => c.keyword.name));
  const items: string[] = [];
  const docs: string[] = [];
  for (const id of spec.children) {
    const c = resolveStatement(id.slice(id.lastIndexOf('.') + 1), parent);
    if (!c || c.body !== 'none' || c.step || c.repeatable || c.required || c.variantOnly) continue;
    if (c.default === undefined || !SIMPLE_DEFAULT.test(c.default) || c.default === 'none' || c.default === 'unset') continue;
    if (written.has(c.keyword) || (spec.id === 'vm' && s.args[0] && meaninglessInVm(doc, argName(s.args[0]), undefined, c.keyword))) continue;
    items.push(`${c.keyword} ${c.default}${c.assumption ? '*' : ''}`);
    docs.push(`- \`${c.keyword} ${c.default}\`${c.assumption ? ' (*an assumption of vpscope*)' : ''}${c.source ? ` — ${c.source}` : ''}`);
  }
  if (items.length === 0) return undefined;
  const shown = items.slice(0, MAX_DEFAULTS_SHOWN).join(', ') + (items.length > MAX_DEFAULTS_SHOWN ? `, …+${items.length - MAX_DEFAULTS_SHOWN}` : '');
  return {
    offset: hintAfterHead(doc, s),
    label: `defaults: ${shown}`,
    kind: 'defaults',
    tooltip: `Settings \`${s.keyword.name}\` leaves out, and the defaults that apply (docs/language.md; \`*\` marks vpscope's assumptions):\n\n${docs.join('\n')}`,
  };
}
