/**
 * Entry point of the OpenHCL model (contracts.ts: `OpenHclBuilder`). run.ts calls `buildOpenHcl`
 * once per VM with an `openhcl` block, after the host, the VP threads and the guest exist and
 * before time 0.
 */
import { registerCodeDocs } from '../../model/codes';
import type { OpenHclBuilder } from '../contracts';
import { openHclRunCodeDocs } from './findings';
import { OpenHclModel } from './model';

// The run hazard codes (VPS303...VPS320) describe themselves to the shells (SARIF rules, hovers).
registerCodeDocs(openHclRunCodeDocs);

export const buildOpenHcl: OpenHclBuilder = (ctx, setup) => {
  const m = new OpenHclModel(ctx, setup);
  m.start();
  return { storage: m, finish: (now) => m.finish(now) };
};

export { OpenHclModel } from './model';
export { openHclFindings, openHclRunCodeDocs, OpenHclRunCodes } from './findings';
