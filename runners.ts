/**
 * Port of `asyncio/runners.py`: `asyncio.run()` and `Runner`.
 *
 * `run()` and `Runner.run()` return Promises here (the host runs its own event loop), but misuse
 * throws synchronously as CPython raises: calling them from inside a running loop raises
 * `RuntimeError` before anything runs.
 *
 * @module
 */

import { _get_running_loop, type AbstractEventLoop, new_event_loop, set_event_loop } from "./events.ts";
import { _has_await, _is_thenable, type Awaitable, type Coroutine, iscoroutine } from "./coroutines.ts";
import { CancelledError } from "./exceptions.ts";
import { _set_module } from "./stdlib/_repr.ts";
import { _gather, all_tasks, type Task } from "./tasks.ts";
import { type Context, copy_context } from "./stdlib/contextvars.ts";
import { KeyboardInterrupt, RuntimeError, TypeError } from "./stdlib/builtins.ts";
import { THREAD_JOIN_TIMEOUT } from "./constants.ts";
import { add_signal_listener, remove_signal_listener } from "./stdlib/_host.ts";
import { isfuture, wrap_promise } from "./futures.ts";

/**
 * The coroutine `Runner.run()` runs for `aw`: `aw` itself if it is a coroutine, else a coroutine
 * awaiting it (a Future, a Promise, or an object with `__await__`); else CPython's TypeError.
 */
function _as_coroutine<T>(aw: Awaitable<T> | PromiseLike<T>): Coroutine<T> {
  if (iscoroutine(aw)) return aw as Coroutine<T>;
  if (isfuture(aw)) {
    return (function* _wrap_awaitable() {
      return yield* aw as Awaitable<T>;
    })();
  }
  if (_is_thenable(aw)) {
    return (function* _wrap_awaitable() {
      return yield* wrap_promise(aw as PromiseLike<T>);
    })();
  }
  if (_has_await(aw)) {
    const it = aw as unknown as { __await__(): Iterator<unknown, T, unknown> };
    return (function* _wrap_awaitable() {
      return yield* { [Symbol.iterator]: () => it.__await__() };
    })();
  }
  throw new TypeError("An asyncio.Future, a coroutine or an awaitable is required");
}

enum _State {
  CREATED = "created",
  INITIALIZED = "initialized",
  CLOSED = "closed",
}

/** The options of {@linkcode Runner} and {@linkcode run}. */
export interface RunnerOptions {
  /** Turn the loop's debug mode on or off (default: leave it). */
  debug?: boolean | null;
  /** Makes the loop (default: `new_event_loop()`, which is then set as the current loop). */
  loop_factory?: (() => AbstractEventLoop) | null;
}

/**
 * Python's `asyncio.Runner`: owns an event loop, runs coroutines in it, and closes it.
 *
 * @example
 * ```ts
 * import * as asyncio from "./mod.ts";
 * function* add(a: number, b: number) { yield* asyncio.sleep(0); return a + b; }
 * await using runner = new asyncio.Runner();
 * console.assert((await runner.run(add(1, 2))) === 3);
 * console.assert((await runner.run(add(3, 4))) === 7);
 * ```
 */
export class Runner {
  private _state = _State.CREATED;
  private _debug: boolean | null;
  private _loop_factory: (() => AbstractEventLoop) | null;
  private _loop: AbstractEventLoop | null = null;
  private _context: Context | null = null;
  private _interrupt_count = 0;
  private _set_event_loop = false;

  /** Creates the runner; the loop is made on first use. */
  constructor(options?: RunnerOptions) {
    this._debug = options?.debug ?? null;
    this._loop_factory = options?.loop_factory ?? null;
  }

  /** Python's `__enter__`: makes the loop. */
  __enter__(): this {
    this._lazy_init();
    return this;
  }

  /** Python's `__exit__`: closes the runner. */
  __exit__(..._exc: unknown[]): Promise<void> {
    return this.close();
  }

  /** `await using runner = new Runner()` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Cancels the tasks left on the loop, finalizes it and closes it. Does nothing unless the loop
   * was made and not yet closed.
   */
  async close(): Promise<void> {
    if (this._state !== _State.INITIALIZED) return;
    const loop = this._loop as AbstractEventLoop;
    try {
      await _cancel_all_tasks(loop);
      await loop.run_until_complete(loop.shutdown_asyncgens());
      await loop.run_until_complete(loop.shutdown_default_executor(THREAD_JOIN_TIMEOUT));
    } finally {
      if (this._set_event_loop) set_event_loop(null);
      loop.close();
      this._loop = null;
      this._state = _State.CLOSED;
      // (Not in CPython.) A host resource the loop was still opening for itself (Deno's I/O
      // poller) is closed as soon as it is open: wait for that, so that none outlives run().
      const opening = (loop as { _io_poller_opening?: Promise<void> | null })._io_poller_opening;
      if (opening) await opening;
    }
  }

  /** The runner's loop (made if needed). */
  get_loop(): AbstractEventLoop {
    this._lazy_init();
    return this._loop as AbstractEventLoop;
  }

  /**
   * Runs `coro` (or any awaitable) in the runner's loop, in the runner's context unless
   * `options.context` is given, and resolves to its result. Ctrl-C (SIGINT) cancels it; the
   * Promise then rejects with `KeyboardInterrupt`.
   */
  run<T>(coro: Awaitable<T> | PromiseLike<T>, options?: { context?: Context | null }): Promise<T> {
    if (_get_running_loop() !== null) {
      throw new RuntimeError("Runner.run() cannot be called from a running event loop");
    }
    this._lazy_init();
    const main = _as_coroutine(coro);
    const context = options?.context ?? this._context;
    const loop = this._loop as AbstractEventLoop;
    const task = loop.create_task(main, { context }) as Task<T>;

    const sigint_handler = () => this._on_sigint(task);
    let installed = false;
    try {
      add_signal_listener("SIGINT", sigint_handler);
      installed = true;
    } catch {
      // No signal support here (or no permission): run without the SIGINT handler.
    }
    this._interrupt_count = 0;
    let p: Promise<T>;
    try {
      p = loop.run_until_complete(task);
    } catch (e) {
      if (installed) remove_signal_listener("SIGINT", sigint_handler);
      throw e;
    }
    return p.then(
      (v) => {
        if (installed) remove_signal_listener("SIGINT", sigint_handler);
        return v;
      },
      (e) => {
        if (installed) remove_signal_listener("SIGINT", sigint_handler);
        if (this._interrupt_count > 0) {
          if (e instanceof CancelledError && task.uncancel() === 0) throw new KeyboardInterrupt();
          if (this._interrupt_count > 1) throw new KeyboardInterrupt();
        }
        throw e;
      },
    );
  }

  /** Makes the loop and the context on first use. */
  private _lazy_init(): void {
    if (this._state === _State.CLOSED) throw new RuntimeError("Runner is closed");
    if (this._state === _State.INITIALIZED) return;
    if (this._loop_factory === null) {
      this._loop = new_event_loop();
      if (!this._set_event_loop) {
        set_event_loop(this._loop);
        this._set_event_loop = true;
      }
    } else {
      this._loop = this._loop_factory();
    }
    if (this._debug !== null) this._loop.set_debug(this._debug);
    this._context = copy_context();
    this._state = _State.INITIALIZED;
  }

  /** The SIGINT listener: cancels the main task (a second one stops the loop). */
  private _on_sigint(main_task: Task<unknown>): void {
    this._interrupt_count += 1;
    const loop = this._loop as AbstractEventLoop;
    if (this._interrupt_count === 1 && !main_task.done()) {
      main_task.cancel();
      loop.call_soon_threadsafe(() => {});
      return;
    }
    // A second Ctrl-C: CPython raises KeyboardInterrupt wherever the program is. JavaScript
    // cannot interrupt running code, so the loop is stopped and run() rejects with it.
    loop.stop();
  }
}

/**
 * Runs a coroutine in a new event loop, closes the loop, and resolves to the coroutine's result.
 * The entry point of an asyncio program: `await asyncio.run(main())`.
 *
 * @example
 * ```ts
 * import * as asyncio from "./mod.ts";
 * function* main() {
 *   yield* asyncio.sleep(0.01);
 *   return "hello";
 * }
 * console.assert(await asyncio.run(main()) === "hello");
 * ```
 */
export function run<T>(main: Awaitable<T> | PromiseLike<T>, options?: RunnerOptions): Promise<T> {
  if (_get_running_loop() !== null) {
    throw new RuntimeError("asyncio.run() cannot be called from a running event loop");
  }
  // CPython makes the loop, then raises TypeError from Runner.run() and closes the loop. The
  // argument is checked first here, so the error is thrown synchronously with nothing to close.
  const coro = _as_coroutine(main);
  const runner = new Runner(options);
  let p: Promise<T>;
  try {
    runner.__enter__();
    p = runner.run(coro);
  } catch (e) {
    return runner.close().then(() => {
      throw e;
    });
  }
  return p.then(
    async (v) => {
      await runner.close();
      return v;
    },
    async (e) => {
      await runner.close();
      throw e;
    },
  );
}

async function _cancel_all_tasks(loop: AbstractEventLoop): Promise<void> {
  const to_cancel = all_tasks(loop);
  if (to_cancel.size === 0) return;
  for (const task of to_cancel) task.cancel();
  // (an array, not a spread: any number of tasks can be left)
  await loop.run_until_complete(_gather([...to_cancel], true));
  for (const task of to_cancel) {
    if (task.cancelled()) continue;
    if (task.exception() !== null) {
      loop.call_exception_handler({
        message: "unhandled exception during asyncio.run() shutdown",
        exception: task.exception(),
        task,
      });
    }
  }
}

_set_module("asyncio.runners", Runner);
