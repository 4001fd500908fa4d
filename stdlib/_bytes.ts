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

/** Below this size a received chunk is joined with the ones after it by a read; above, handed out as it is. */
const COALESCE = 16 * 1024;

/**
 * @internal What has been received and not read yet, as a kernel's receive buffer holds it: the
 * chunks the host delivered, read from the front (the emulated socket's and pipe end's). A read
 * gets a chunk as it is (no copy) when the chunk is large or the last one, and small chunks
 * joined up to the size asked for.
 */
export class ChunkQueue {
  /** How many bytes are queued. */
  size = 0;
  private _chunks: Uint8Array[] = [];
  private _head = 0;

  /** Queues a chunk (kept as it is: the caller hands it over). */
  push(chunk: Uint8Array): void {
    this._chunks.push(chunk);
    this.size += chunk.length;
  }

  /** Up to `n` (> 0) bytes from the front of a non-empty queue. */
  take(n: number): Uint8Array {
    const chunks = this._chunks;
    const first = chunks[this._head];
    let out: Uint8Array;
    if (first.length >= n) {
      if (first.length === n) {
        out = first;
        this._head++;
      } else {
        out = first.subarray(0, n);
        chunks[this._head] = first.subarray(n);
      }
    } else if (this._head + 1 === chunks.length || first.length >= COALESCE) {
      out = first;
      this._head++;
    } else {
      out = new Uint8Array(Math.min(n, this.size));
      this._copy_out(out, out.length);
    }
    this._taken(out.length);
    return out;
  }

  /** Copies up to `want` bytes from the front into `buffer` (from its start); how many. */
  take_into(buffer: Uint8Array, want: number): number {
    const n = this._copy_out(buffer, want);
    this._taken(n);
    return n;
  }

  /** Everything queued, in one array; the queue is left empty. */
  take_all(): Uint8Array {
    const out = new Uint8Array(this.size);
    this._copy_out(out, out.length);
    this.clear();
    return out;
  }

  /** Drops everything queued. */
  clear(): void {
    this._chunks = [];
    this._head = 0;
    this.size = 0;
  }

  /** Copies up to `want` bytes from the front into `target`, consuming the chunks it copies. */
  private _copy_out(target: Uint8Array, want: number): number {
    const chunks = this._chunks;
    let off = 0;
    while (off < want && this._head < chunks.length) {
      const c = chunks[this._head];
      const take = Math.min(c.length, want - off);
      target.set(take === c.length ? c : c.subarray(0, take), off);
      off += take;
      if (take === c.length) this._head++;
      else chunks[this._head] = c.subarray(take);
    }
    return off;
  }

  /** `n` bytes were taken: the array of chunks is dropped or compacted now and then. */
  private _taken(n: number): void {
    this.size -= n;
    if (this._head === this._chunks.length) {
      this._chunks = [];
      this._head = 0;
    } else if (this._head > 64 && this._head * 2 > this._chunks.length) {
      this._chunks = this._chunks.slice(this._head);
      this._head = 0;
    }
  }
}
