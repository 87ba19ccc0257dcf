/**
 * `vpscope.simulation.*` and `vpscope.traceAnalysis.*` as the server applies them: read leniently
 * (anything out of range or of the wrong type is ignored, so the request or the scenario decides),
 * from `initializationOptions` at start and from `workspace/didChangeConfiguration` later.
 */
import type { SimulationSettings, TraceAnalysisSettings } from '../shared/protocol';

/** What a simulation uses when its request does not say: absent fields leave the scenario's. */
export interface SimulationDefaults {
  seed?: number;
  maxEvents?: number;
  /** Seeds per variant of the Simulate command (the scenario's `seeds` wins). */
  seeds?: number;
}

/** What a trace analysis uses when its request does not say: absent fields leave the analyser's. */
export interface TraceDefaults {
  thresholdUs?: number;
  stealPct?: number;
}

/** Same bound as the scenario language's `max_events` accepts in practice (an assumption: 10^12 events is days of simulation). */
const MAX_EVENTS_LIMIT = 1e12;

export function simulationDefaults(raw: unknown): SimulationDefaults {
  const out: SimulationDefaults = {};
  if (!raw || typeof raw !== 'object') return out;
  const r = raw as SimulationSettings & Record<string, unknown>;
  if (typeof r.seed === 'number' && Number.isSafeInteger(r.seed) && r.seed >= 0) out.seed = r.seed;
  if (typeof r.maxEvents === 'number' && Number.isSafeInteger(r.maxEvents) && r.maxEvents >= 1 && r.maxEvents <= MAX_EVENTS_LIMIT) out.maxEvents = r.maxEvents;
  // As `--seeds` accepts (1..10000); 1 is the single run, left out.
  if (typeof r.seeds === 'number' && Number.isSafeInteger(r.seeds) && r.seeds > 1 && r.seeds <= 10000) out.seeds = r.seeds;
  return out;
}

export function traceDefaults(raw: unknown): TraceDefaults {
  const out: TraceDefaults = {};
  if (!raw || typeof raw !== 'object') return out;
  const r = raw as TraceAnalysisSettings & Record<string, unknown>;
  // Thresholds above an hour / 100 % would report nothing: ignored as typos.
  if (typeof r.thresholdUs === 'number' && Number.isFinite(r.thresholdUs) && r.thresholdUs > 0 && r.thresholdUs <= 3.6e9) out.thresholdUs = r.thresholdUs;
  if (typeof r.stealPct === 'number' && Number.isFinite(r.stealPct) && r.stealPct > 0 && r.stealPct <= 100) out.stealPct = r.stealPct;
  return out;
}
