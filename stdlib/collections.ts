/**
 * Python's `collections.deque`, as a ring buffer: `append`/`popleft` (the event loop's ready
 * queue) and `appendleft`/`pop` are O(1) and allocate nothing once the buffer has grown.
 *
 * @example
 * ```ts
 * import { deque } from "./collections.ts";
 * const d = new deque<number>([1, 2]);
 * d.append(3);
 * d.appendleft(0);
 * console.assert(d.popleft() === 0 && d.pop() === 3 && d.length === 2);
 * ```
 *
 * @module
 */

import { IndexError, ValueError } from "./builtins.ts";

/** A double-ended queue with an optional `maxlen`, like Python's `collections.deque`. */
export class deque<T> implements Iterable<T> {
  private _buf: (T | undefined)[];
  private _head = 0;
  private _len = 0;
  private _mask: number;
  /** The maximum length, or `null` for unbounded. */
  readonly maxlen: number | null;

  /** Creates a deque holding `iterable`'s items. */
  constructor(iterable?: Iterable<T> | null, maxlen: number | null = null) {
    if (maxlen !== null && maxlen < 0) throw new ValueError("maxlen must be non-negative");
    this.maxlen = maxlen;
    this._buf = new Array(16);
    this._mask = 15;
    if (iterable) { for (const x of iterable) this.append(x); }
  }

  /** The number of items (Python's `len(d)`). */
  get length(): number {
    return this._len;
  }

  private _grow(): void {
    const old = this._buf;
    const n = old.length;
    const buf = new Array<T | undefined>(n * 2);
    for (let i = 0; i < this._len; i++) buf[i] = old[(this._head + i) & this._mask];
    this._buf = buf;
    this._head = 0;
    this._mask = n * 2 - 1;
  }

  /** Adds `x` at the right end. */
  append(x: T): void {
    if (this.maxlen !== null && this._len === this.maxlen) {
      if (this.maxlen === 0) return;
      this.popleft();
    }
    if (this._len === this._buf.length) this._grow();
    this._buf[(this._head + this._len) & this._mask] = x;
    this._len++;
  }

  /** Adds `x` at the left end. */
  appendleft(x: T): void {
    if (this.maxlen !== null && this._len === this.maxlen) {
      if (this.maxlen === 0) return;
      this.pop();
    }
    if (this._len === this._buf.length) this._grow();
    this._head = (this._head - 1) & this._mask;
    this._buf[this._head] = x;
    this._len++;
  }

  /** Removes and returns the leftmost item; `IndexError` if empty. */
  popleft(): T {
    if (this._len === 0) throw new IndexError("pop from an empty deque");
    const i = this._head;
    const x = this._buf[i] as T;
    this._buf[i] = undefined;
    this._head = (i + 1) & this._mask;
    this._len--;
    return x;
  }

  /** Removes and returns the rightmost item; `IndexError` if empty. */
  pop(): T {
    if (this._len === 0) throw new IndexError("pop from an empty deque");
    this._len--;
    const i = (this._head + this._len) & this._mask;
    const x = this._buf[i] as T;
    this._buf[i] = undefined;
    return x;
  }

  /** The item at index `i` (negative counts from the right), like `d[i]`. */
  at(i: number): T {
    if (i < 0) i += this._len;
    if (i < 0 || i >= this._len) throw new IndexError("deque index out of range");
    return this._buf[(this._head + i) & this._mask] as T;
  }

  /** The leftmost item, `d[0]`. */
  peekleft(): T {
    return this.at(0);
  }

  /** Removes every item. */
  clear(): void {
    this._buf = new Array(16);
    this._mask = 15;
    this._head = 0;
    this._len = 0;
  }

  /** Adds every item of `iterable` at the right end. */
  extend(iterable: Iterable<T>): void {
    for (const x of iterable) this.append(x);
  }

  /** Removes the first occurrence of `value`; `ValueError` if absent. */
  remove(value: T): void {
    for (let i = 0; i < this._len; i++) {
      if (this._buf[(this._head + i) & this._mask] === value) {
        if (i < this._len - 1 - i) {
          // Closer to the left end: shift the items before it one place right.
          for (let j = i; j > 0; j--) {
            this._buf[(this._head + j) & this._mask] = this._buf[(this._head + j - 1) & this._mask];
          }
          this._buf[this._head] = undefined;
          this._head = (this._head + 1) & this._mask;
        } else {
          for (let j = i; j < this._len - 1; j++) {
            this._buf[(this._head + j) & this._mask] = this._buf[(this._head + j + 1) & this._mask];
          }
          this._buf[(this._head + this._len - 1) & this._mask] = undefined;
        }
        this._len--;
        return;
      }
    }
    throw new ValueError("deque.remove(x): x not in deque");
  }

  /** Python's `x in d`. */
  includes(value: T): boolean {
    for (let i = 0; i < this._len; i++) {
      if (this._buf[(this._head + i) & this._mask] === value) return true;
    }
    return false;
  }

  /** Rotates `n` steps to the right (left if negative). */
  rotate(n = 1): void {
    if (this._len <= 1) return;
    n %= this._len;
    if (n < 0) n += this._len;
    for (let i = 0; i < n; i++) this.appendleft(this.pop());
  }

  /** Iterates from left to right. */
  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this._len; i++) yield this._buf[(this._head + i) & this._mask] as T;
  }

  /** The items as an array. */
  toArray(): T[] {
    const out = new Array<T>(this._len);
    for (let i = 0; i < this._len; i++) out[i] = this._buf[(this._head + i) & this._mask] as T;
    return out;
  }
}
