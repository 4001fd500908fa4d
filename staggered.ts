/**
 * Port of `asyncio/staggered.py`: `staggered_race`, the engine of "happy eyeballs" connects.
 *
 * @module
 */

import { type AbstractEventLoop, get_running_loop } from "./events.ts";
import { CancelledError, TimeoutError } from "./exceptions.ts";
import { type Future, future_add_to_awaited_by, future_discard_from_awaited_by } from "./futures.ts";
import { Event } from "./locks.ts";
import { current_task, type Task, wait_for } from "./tasks.ts";
import type { Coroutine } from "./coroutines.ts";
import { AssertionError, ExceptionGroup, KeyboardInterrupt, SystemExit } from "./stdlib/builtins.ts";
import { tuple } from "./stdlib/_repr.ts";

/**
 * Starts the coroutine functions one after another, `delay` seconds apart (or as soon as the
 * previous one fails; `null`: one at a time), and takes the first to succeed, cancelling the
 * others. Resolves to `[winner_result, winner_index, exceptions]` (`null`s if none won;
 * `exceptions` has one entry per coroutine started, `null` for the winner).
 *
 * @example
 * ```ts
 * import * as asyncio from "./mod.ts";
 * function* main() {
 *   const [result, index] = yield* asyncio.staggered_race([
 *     function* () { yield* asyncio.sleep(1); return "slow"; },
 *     function* () { yield* asyncio.sleep(0.01); return "fast"; },
 *   ], 0.01);
 *   return `${result}@${index}`;
 * }
 * console.assert(await asyncio.run(main()) === "fast@1");
 * ```
 */
export function* staggered_race<T>(
  coro_fns: Iterable<() => Coroutine<T>>,
  delay: number | null,
  options?: { loop?: AbstractEventLoop | null },
): Coroutine<[T | null, number | null, (unknown | null)[]]> {
  const loop = options?.loop ?? get_running_loop();
  const parent_task = current_task(loop);
  const enum_coro_fns = coro_fns[Symbol.iterator]();
  let next_index = 0;
  let winner_result: T | null = null;
  let winner_index: number | null = null;
  const unhandled_exceptions: Error[] = [];
  const exceptions: (unknown | null)[] = [];
  const running_tasks = new Set<Task<void>>();
  let on_completed_fut: Future<null> | null = null;

  const task_done = (task: Task<void>) => {
    running_tasks.delete(task);
    future_discard_from_awaited_by(task, parent_task);
    if (on_completed_fut !== null && !on_completed_fut.done() && running_tasks.size === 0) {
      on_completed_fut.set_result(null);
    }
    if (task.cancelled()) return;
    const exc = task.exception();
    if (exc === null) return;
    unhandled_exceptions.push(exc as Error);
  };

  function* run_one_coro(ok_to_start: Event, previous_failed: Event | null): Coroutine<void> {
    yield* ok_to_start.wait();
    if (previous_failed !== null) {
      try {
        yield* wait_for(previous_failed.wait(), delay);
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
      }
    }
    const step = enum_coro_fns.next();
    if (step.done) return;
    const this_index = next_index++;
    const coro_fn = step.value;
    const this_failed = new Event();
    const next_ok_to_start = new Event();
    const next_task = loop.create_task(run_one_coro(next_ok_to_start, this_failed));
    future_add_to_awaited_by(next_task, parent_task);
    running_tasks.add(next_task);
    next_task.add_done_callback(task_done);
    next_ok_to_start.set();
    exceptions.push(null);
    if (exceptions.length !== this_index + 1) throw new AssertionError();
    let result: T;
    try {
      result = yield* coro_fn();
    } catch (e) {
      if (e instanceof SystemExit || e instanceof KeyboardInterrupt) throw e;
      exceptions[this_index] = e;
      this_failed.set();
      return;
    }
    // CPython asserts that there is no winner yet (Python runs asserts unless -O is given): a
    // coroutine that swallows its cancellation and returns after another won fails the race with
    // `ExceptionGroup("staggered race failed", [AssertionError()])`.
    if (winner_index !== null) throw new AssertionError();
    winner_index = this_index;
    winner_result = result;
    const me = current_task(loop);
    for (const t of running_tasks) if (t !== me) t.cancel();
  }

  let propagate_cancellation_error: unknown = null;
  const ok_to_start = new Event();
  const first_task = loop.create_task(run_one_coro(ok_to_start, null));
  future_add_to_awaited_by(first_task, parent_task);
  running_tasks.add(first_task);
  first_task.add_done_callback(task_done);
  ok_to_start.set();
  while (running_tasks.size) {
    on_completed_fut = loop.create_future<null>();
    try {
      yield* on_completed_fut;
    } catch (ex) {
      if (!(ex instanceof CancelledError)) throw ex;
      propagate_cancellation_error = ex;
      for (const task of running_tasks) task.cancel(...ex.args);
    }
    on_completed_fut = null;
  }
  if (unhandled_exceptions.length) throw new ExceptionGroup("staggered race failed", unhandled_exceptions);
  if (propagate_cancellation_error !== null) throw propagate_cancellation_error;
  return tuple([winner_result, winner_index, exceptions]); // (a tuple in Python)
}
