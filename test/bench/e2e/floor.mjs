// The floor of test/bench/trace.bench.ts (its floor()), standalone: 4 MiB reads, line ends by Buffer.indexOf,
// per line a walk to the CPU column, the timestamp and the end of the event name. node floor.mjs FILE
import { openSync, readSync, closeSync } from 'node:fs';
const file = process.argv[2];
const CHUNK = 4 << 20;
let events = 0, check = 0, carry = Buffer.alloc(0);
const line = (b, s, e) => {
  let i = s;
  while (i < e && b[i] !== 0x5d) i++;
  while (i < e && b[i] !== 0x3a) i++;
  const n = ++i + 1;
  i = n;
  while (i < e && b[i] !== 0x3a) i++;
  if (i < e) { events++; check += i - n; }
};
const buf = Buffer.allocUnsafe(CHUNK);
const fd = openSync(file, 'r');
for (;;) {
  const nb = readSync(fd, buf, 0, CHUNK, null);
  if (nb === 0) break;
  const b = buf.subarray(0, nb);
  let s = 0;
  if (carry.length) {
    const nl = b.indexOf(10);
    if (nl < 0) { carry = Buffer.concat([carry, b]); continue; }
    const l = Buffer.concat([carry, b.subarray(0, nl)]);
    line(l, 0, l.length);
    s = nl + 1;
    carry = Buffer.alloc(0);
  }
  for (;;) { const nl = b.indexOf(10, s); if (nl < 0) break; line(b, s, nl); s = nl + 1; }
  if (s < b.length) carry = Buffer.from(b.subarray(s));
}
closeSync(fd);
console.log(events, check);
