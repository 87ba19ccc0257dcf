/** Terminal-safe text for the trace summary and messages (numbers: core/format.ts). */

/**
 * Makes text safe to print on a terminal or to write into one line of a generated file: control
 * characters (C0 but tab and line feed, DEL, C1 such as CSI) and the Unicode line and paragraph
 * separators become `\xNN` / `\uNNNN`, so an ESC, BEL or CR from a trace's comms, exit reasons or
 * file names can neither drive the terminal nor start a new line.
 */
export function escapeControls(s: string, keepNewlines = true): string {
  return s.replace(keepNewlines ? CONTROLS_BUT_LF : CONTROLS, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}
// eslint-disable-next-line no-control-regex
const CONTROLS_BUT_LF = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]/g;
