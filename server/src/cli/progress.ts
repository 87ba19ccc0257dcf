/**
 * A progress bar for long CLI jobs: drawn on stderr only when stderr is a TTY (never in CI logs or
 * pipes), redrawn at most every 100 ms.
 */
export interface Progress {
  /** `fraction` in [0, 1]; `detail` is a short suffix such as "120 MB". */
  update(fraction: number, detail?: string): void;
  done(): void;
}

export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update() {}, done() {} };
  let last = 0;
  let shown = false;
  const width = 30;
  return {
    update(fraction, detail) {
      const now = performance.now();
      if (now - last < 100 && fraction < 1) return;
      last = now;
      const f = Math.max(0, Math.min(1, fraction));
      const full = Math.round(f * width);
      stream.write(`\r${label} [${'#'.repeat(full)}${'.'.repeat(width - full)}] ${(f * 100).toFixed(0).padStart(3)}%${detail ? ' ' + detail : ''}\x1b[K`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}
