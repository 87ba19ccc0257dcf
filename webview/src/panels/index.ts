/** Side panels beside the timeline (latency, stalls, findings, shares, counters, export). */
import type { AppApi } from '../contract';

export function mountPanels(container: HTMLElement, app: AppApi): void {
  container.textContent = '';
  const p = document.createElement('div');
  p.className = 'vps-panels';
  p.textContent = `${app.model.variants.length} timeline(s)`;
  container.appendChild(p);
}
