/**
 * @internal Byte helpers shared by the stdlib modules and the transports.
 *
 * @module
 */

/** The arrays joined into a new one (Python's `b"".join(chunks)`). */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
