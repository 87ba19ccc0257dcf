// The README's first command ends here: check every bundled example, then simulate one with all
// its variants and write the results (text summary on stdout; JSON, a Chrome trace and the
// self-contained HTML report with the timeline view in out/).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const cli = ['dist/cli.js'];
const run = (args) => {
  console.log(`\n$ vpscope ${args.join(' ')}`);
  return spawnSync(process.execPath, [...cli, ...args], { stdio: 'inherit' }).status;
};

mkdirSync('out', { recursive: true });
const examples = readdirSync('examples').filter((f) => f.endsWith('.vps')).sort().map((f) => `examples/${f}`);
const checked = run(['check', ...examples]);
const example = process.env.VPSCOPE_DEMO ?? 'examples/openhcl-blocking-syscall.vps';
const simulated = run(['simulate', example, '--all-variants', '--out', 'out/demo.run.json', '--chrome-trace', 'out/demo.trace.json', '--html', 'out/demo.html']);
console.log('\nWrote out/demo.run.json (vpscope.run/1) and out/demo.trace.json (open it in https://ui.perfetto.dev or chrome://tracing).');
console.log(`Timeline view (works offline): open ${pathToFileURL(resolve('out/demo.html')).href} in a browser.`);
process.exit(checked === 0 && simulated === 0 ? 0 : 1);
