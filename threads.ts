/**
 * Port of `asyncio/threads.py`: `to_thread`.
 *
 * JavaScript hosts give a program one thread for its code (workers share no objects with it), so
 * there is no thread to hand `func` to. `to_thread` keeps CPython's contract everywhere else: it
 * runs `func(...args)` through the loop's default executor (`run_in_executor(null, ...)`, which
 * here calls it on the loop, soon), inside a copy of the caller's context, and resolves to its
 * result or raises its exception. A `func` that returns a Promise has that Promise awaited, which
 * is how JavaScript code offloads work that would block (file system, network, a worker); a
 * `func` that computes for a long time blocks the loop for that long.
 *
 * @module
 */

import type { Coroutine } from "./coroutines.ts";
import { get_running_loop } from "./events.ts";
import { copy_context } from "./stdlib/contextvars.ts";

/**
 * Python's `asyncio.to_thread(func, *args)`: calls `func(...args)` in a copy of the current
 * context, through the running loop's default executor, and resolves to what it returns (a
 * returned Promise is awaited). There is no thread (see the module doc): `func` runs on the loop.
 * Python's keyword arguments have no JavaScript twin; pass an options object as an argument.
 *
 * @example
 * ```ts
 * import * as asyncio from "./mod.ts";
 * function* main() {
 *   const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
 *   return yield* asyncio.to_thread(sum, [40, 2]);
 * }
 * console.assert((await asyncio.run(main())) === 42);
 * ```
 */
export function* to_thread<A extends unknown[], R>(
  func: (...args: A) => R | PromiseLike<R>,
  ...args: A
): Coroutine<Awaited<R>> {
  const loop = get_running_loop();
  const ctx = copy_context();
  return yield* loop.run_in_executor(null, (): R | PromiseLike<R> => ctx.run(func, ...args));
}
