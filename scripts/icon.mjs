// Draws images/icon.png (128x128, the extension icon): four vCPU rows of run slices and a time
// cursor, as an SVG screenshotted by headless Chromium. Usage: node scripts/icon.mjs images/icon.png
import { chromium } from 'playwright-core';
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128">
<rect x="4" y="4" width="120" height="120" rx="20" fill="#1e2a3a"/>
<g font-family="monospace" font-size="11" fill="#8fa3bf"><text x="12" y="33">v0</text><text x="12" y="57">v1</text><text x="12" y="81">v2</text><text x="12" y="105">v3</text></g>
<g>
<rect x="34" y="24" width="30" height="12" rx="2" fill="#4fc3f7"/><rect x="80" y="24" width="36" height="12" rx="2" fill="#4fc3f7"/>
<rect x="44" y="48" width="40" height="12" rx="2" fill="#81c784"/><rect x="96" y="48" width="20" height="12" rx="2" fill="#81c784"/>
<rect x="34" y="72" width="14" height="12" rx="2" fill="#ffb74d"/><rect x="62" y="72" width="54" height="12" rx="2" fill="#ffb74d"/>
<rect x="50" y="96" width="26" height="12" rx="2" fill="#e57373"/><rect x="88" y="96" width="28" height="12" rx="2" fill="#e57373"/>
</g>
<line x1="72" y1="16" x2="72" y2="114" stroke="#ffffff" stroke-width="2" stroke-dasharray="4 3"/>
</svg>`;
const b = await chromium.launch({ executablePath: '/usr/bin/chromium' });
const p = await b.newPage({ viewport: { width: 128, height: 128 } });
await p.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
await p.locator('svg').screenshot({ path: process.argv[2], omitBackground: true });
await b.close();
