/**
 * The commands on scenarios, `check` and `simulate`, which share the simulator, the scenario model
 * and the analyses: one bundle for both (dist/cli-scenario.js), loaded by main.ts when one of them runs.
 */
export { main as check } from './check';
export { main as simulate } from './simulate';
