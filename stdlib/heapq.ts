/**
 * Python's `heapq`: a binary min-heap kept in a plain array. Items are compared the way Python's
 * `<` compares them (see {@linkcode py_lt}): numbers, strings, arrays as tuples
 * (lexicographically), and objects that define `__lt__`. A custom `lt` may be passed as the last
 * argument for speed (the event loop's timer heap does that).
 *
 * @example
 * ```ts
 * import { heappop, heappush } from "./heapq.ts";
 * const h: [number, string][] = [];
 * heappush(h, [2, "b"]);
 * heappush(h, [1, "a"]);
 * console.assert(heappop(h)[1] === "a");
 * ```
 *
 * @module
 */

import { IndexError } from "./builtins.ts";
import { type_name, unorderable } from "./builtins.ts";

/** A strict "less than" between two heap items. */
export type LessThan<T> = (a: T, b: T) => boolean;

/**
 * Python's `a < b` for numbers, bigints, strings, booleans, arrays (compared as tuples) and
 * objects with a `__lt__(other)` method. Other mixes raise Python's `TypeError`.
 */
export function py_lt(a: unknown, b: unknown): boolean {
  const ta = typeof a;
  if (
    (ta === "number" || ta === "bigint" || ta === "boolean") &&
    (typeof b === "number" || typeof b === "bigint" || typeof b === "boolean")
  ) {
    return (a as number) < (b as number);
  }
  if (ta === "string" && typeof b === "string") return (a as string) < b;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const x = a[i], y = b[i];
      if (x === y) continue;
      if (py_eq(x, y)) continue;
      return py_lt(x, y);
    }
    return a.length < b.length;
  }
  if (a !== null && ta === "object" && typeof (a as { __lt__?: unknown }).__lt__ === "function") {
    return Boolean((a as { __lt__(o: unknown): unknown }).__lt__(b));
  }
  if (b !== null && typeof b === "object" && typeof (b as { __gt__?: unknown }).__gt__ === "function") {
    return Boolean((b as { __gt__(o: unknown): unknown }).__gt__(a));
  }
  throw unorderable("<", type_name(a), type_name(b));
}

/** Python's `==` for the values {@linkcode py_lt} compares. */
export function py_eq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ta = typeof a;
  if (
    (ta === "number" || ta === "bigint" || ta === "boolean") &&
    (typeof b === "number" || typeof b === "bigint" || typeof b === "boolean")
  ) {
    // Numbers by value, as Python's `==` (`True == 1`, an int equal to a float); NaN is not equal.
    // deno-lint-ignore eqeqeq
    return (a as number) == (b as number);
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => py_eq(x, b[i]));
  }
  if (a !== null && typeof a === "object" && typeof (a as { __eq__?: unknown }).__eq__ === "function") {
    return Boolean((a as { __eq__(o: unknown): unknown }).__eq__(b));
  }
  return false;
}

function _siftdown<T>(heap: T[], startpos: number, pos: number, lt: LessThan<T>): void {
  const newitem = heap[pos];
  while (pos > startpos) {
    const parentpos = (pos - 1) >> 1;
    const parent = heap[parentpos];
    if (lt(newitem, parent)) {
      heap[pos] = parent;
      pos = parentpos;
      continue;
    }
    break;
  }
  heap[pos] = newitem;
}

function _siftup<T>(heap: T[], pos: number, lt: LessThan<T>): void {
  const endpos = heap.length;
  const startpos = pos;
  const newitem = heap[pos];
  let childpos = 2 * pos + 1;
  while (childpos < endpos) {
    const rightpos = childpos + 1;
    if (rightpos < endpos && !lt(heap[childpos], heap[rightpos])) childpos = rightpos;
    heap[pos] = heap[childpos];
    pos = childpos;
    childpos = 2 * pos + 1;
  }
  heap[pos] = newitem;
  _siftdown(heap, startpos, pos, lt);
}

/** Pushes `item` onto the heap. */
export function heappush<T>(heap: T[], item: T, lt: LessThan<T> = py_lt): void {
  heap.push(item);
  _siftdown(heap, 0, heap.length - 1, lt);
}

/** Pops and returns the smallest item; `IndexError` if the heap is empty. */
export function heappop<T>(heap: T[], lt: LessThan<T> = py_lt): T {
  if (heap.length === 0) throw new IndexError("index out of range");
  const lastelt = heap.pop() as T;
  if (heap.length > 0) {
    const returnitem = heap[0];
    heap[0] = lastelt;
    _siftup(heap, 0, lt);
    return returnitem;
  }
  return lastelt;
}

/** Pops the smallest item and pushes `item`, in one step. */
export function heapreplace<T>(heap: T[], item: T, lt: LessThan<T> = py_lt): T {
  if (heap.length === 0) throw new IndexError("index out of range");
  const returnitem = heap[0];
  heap[0] = item;
  _siftup(heap, 0, lt);
  return returnitem;
}

/** Pushes `item`, then pops and returns the smallest item. */
export function heappushpop<T>(heap: T[], item: T, lt: LessThan<T> = py_lt): T {
  if (heap.length > 0 && lt(heap[0], item)) {
    const top = heap[0];
    heap[0] = item;
    _siftup(heap, 0, lt);
    return top;
  }
  return item;
}

/** Turns `x` into a heap, in place, in linear time. */
export function heapify<T>(x: T[], lt: LessThan<T> = py_lt): void {
  for (let i = (x.length >> 1) - 1; i >= 0; i--) _siftup(x, i, lt);
}
