/**
 * Port of `asyncio/tasks.py`: `Task` (a coroutine driven step by step by the loop), and the
 * functions built on it: `create_task`, `sleep`, `gather`, `wait`, `wait_for`, `shield`,
 * `as_completed`, `ensure_future`, `current_task`, `all_tasks`, eager task factories.
 *
 * `Task.__step` is CPython's, line for line: it resumes the generator with `next()` (or
 * `throw(exc)`), looks at what the generator yielded, and when it is a future registers
 * `__wakeup` as that future's done callback. So `task.cancel()` throws `CancelledError` into the
 * generator at its current `yield*`: its `finally` blocks run, and it may catch the error and
 * carry on.
 *
 * Where CPython's C Task saves allocations, this port does too, without changing what can be
 * observed: a task is the ready-queue handle of its own next step and of its wake-up from a future
 * that uses Future's own `add_done_callback` (see `_Waker` in futures.ts), and `sleep(0)` is a small
 * hand-made coroutine object rather than a generator.
 *
 * @module
 */

import { _CANCELLED, _PENDING } from "./base_futures.ts";
import { _task_repr } from "./base_tasks.ts";
import {
  _coro_tracking,
  _format_coroutine,
  _GeneratorPrototype,
  _has_await,
  _is_coroutine,
  _is_thenable,
  _name_coroutine_function,
  _set_coro_name,
  _track_coroutine,
  type Awaitable,
  type Coroutine,
  iscoroutine,
} from "./coroutines.ts";
import {
  _callback_failed,
  _get_running_loop,
  type AbstractEventLoop,
  type ExceptionContext,
  get_event_loop,
  get_running_loop,
  Handle,
  type TaskOptions,
} from "./events.ts";
import { CancelledError, InvalidStateError, TimeoutError } from "./exceptions.ts";
import {
  _get_loop,
  _loop_cancelled_error,
  _runs_done_callback,
  _set_result_unless_cancelled,
  _take_awaited_at,
  _task_wakeup,
  type _Waker,
  Future,
  future_add_to_awaited_by,
  future_discard_from_awaited_by,
  isfuture,
  wrap_promise,
} from "./futures.ts";
import {
  _current_data,
  _holder_context,
  _run_in_holder,
  _run_in_holder1,
  Context,
  type ContextVar,
} from "./stdlib/contextvars.ts";
import {
  AssertionError,
  KeyboardInterrupt,
  py_str,
  RuntimeError,
  StopAsyncIteration,
  StopIteration,
  SystemExit,
  type_name,
  TypeError,
  unorderable,
  ValueError,
} from "./stdlib/builtins.ts";
import { _Collected, _set_module, repr, tuple } from "./stdlib/_repr.ts";
import { timeout as _timeout } from "./timeouts.ts";
import { Queue } from "./queues.ts";
import { _warn } from "./_warnings.ts";

let _task_name_counter = 0;

/** The options of `Task`'s constructor. */
export interface TaskInit {
  /** The loop (default: `get_event_loop()`). */
  loop?: AbstractEventLoop | null;
  /** The name (default `Task-N`). */
  name?: unknown;
  /** The context to run in (default: a copy of the current one). */
  context?: Context | null;
  /** Start the coroutine now, inside the constructor, if the loop is running. */
  eager_start?: boolean;
}

/**
 * Future's own add_done_callback: a task awaiting a future that uses it registers itself in the
 * callbacks, and gather recognises the futures that use it.
 */
const _future_add_done_callback = Future.prototype.add_done_callback;

/**
 * @internal A task's step, scheduled with `call_soon`: the only place a Task's generator is
 * resumed (`_format_handle` recognises it to show the task instead).
 */
export function task_step(task: Task<unknown>, exc?: unknown): void {
  task.__step(exc);
}

function task_wakeup_run(task: Task<unknown>): void {
  task.__wakeup(task._fut_waiter as Future<unknown>);
}

function make_wakeup(task: Task<unknown>): (fut: Future<unknown>) => void {
  const task_wakeup = (fut: Future<unknown>) => task.__wakeup(fut);
  (task_wakeup as { __qualname__?: string }).__qualname__ = "Task.task_wakeup";
  return task_wakeup;
}

/**
 * What the finalizer of a registered task gets: enough to drop it from `all_tasks` and to report
 * "Task was destroyed but it is pending!" without keeping the task (or its coroutine) alive.
 */
interface TaskRegistration {
  loop: AbstractEventLoop;
  ref: WeakRef<Task<unknown>>;
  name: string;
  /** Its coroutine, as the task's repr shows it (`sleep() running`). */
  coro: string;
  log: boolean;
  source_traceback: import("./format_helpers.ts").FrameSummary[] | null;
}

// In debug mode, registered tasks are tracked weakly: one that is collected while still registered
// was pending, and is reported as CPython does.
const _task_registry = new FinalizationRegistry<TaskRegistration>((held) => {
  const store = (held.loop as LoopTaskStore)._asyncio_tasks;
  store?.weak.delete(held.ref);
  if (!held.log || held.loop.is_closed()) return;
  const context: ExceptionContext = {
    task: new _Collected(`<Task pending name=${repr(held.name)} coro=<${held.coro}>>`),
    message: "Task was destroyed but it is pending!",
  };
  if (held.source_traceback) context.source_traceback = held.source_traceback;
  try {
    held.loop.call_exception_handler(context);
  } catch {
    // A finalizer has nowhere to report to.
  }
});

const _future_result = Future.prototype.result;

/**
 * Python's `asyncio.Task`: runs a coroutine (a generator) on the loop, and is the Future of its
 * result.
 *
 * Differences a JavaScript user must know: a bare `catch (e)` also catches `CancelledError`;
 * re-throw it (or call `uncancel()` on purpose), or the cancellation is swallowed. In debug mode
 * the loop warns when a task finishes normally after swallowing a cancellation it did not
 * `uncancel()`.
 *
 * @example Cancellation runs `finally` blocks
 * ```ts
 * import * as asyncio from "./mod.ts";
 * const log: string[] = [];
 * function* worker() {
 *   try {
 *     yield* asyncio.sleep(3600);
 *   } finally {
 *     log.push("cleaned up");
 *   }
 * }
 * function* main() {
 *   const t = asyncio.create_task(worker());
 *   yield* asyncio.sleep(0);
 *   t.cancel();
 *   try {
 *     yield* t;
 *   } catch (e) {
 *     if (!(e instanceof asyncio.CancelledError)) throw e;
 *   }
 *   return t.cancelled();
 * }
 * console.assert(await asyncio.run(main()) === true && log[0] === "cleaned up");
 * ```
 */
export class Task<T = unknown> extends Future<T> {
  private __log_destroy_pending = true;
  /** @internal The record the "destroyed but pending" finalizer gets (while registered). */
  declare _registration: TaskRegistration | null;
  /**
   * @internal In debug mode, the stack where the task's coroutines last awaited a pending future
   * (`null` otherwise): the call stack `format_call_graph()` shows for it while it waits.
   */
  declare _await_stack: Error | null;
  /** @internal Links of the loop's task list (see `_register_task`). */
  _ll_prev: Task<unknown> | null = null;
  /** @internal (A task is in its loop's list when it has a previous one or is the head.) */
  _ll_next: Task<unknown> | null = null;
  /**
   * @internal The name, or the number N of the default name `Task-N` until that is first asked for
   * (as CPython's C Task keeps it; one field for both).
   */
  private __name: string | number;
  /** @internal */
  declare _num_cancels_requested: number;
  /** @internal */
  declare _must_cancel: boolean;
  /** @internal The future the task waits for, or `null`. */
  _fut_waiter: Future<unknown> | null = null;
  /** @internal */
  _coro: Coroutine<T> | null;
  /**
   * @internal The task's context, or (until someone asks for the Context object: `get_context()`,
   * a Token made in the task) the variables of the copy the task was given, as a Handle keeps its
   * context: most tasks never need the object, and a task is 48 bytes smaller without it.
   */
  _context: Context | ReadonlyMap<ContextVar<unknown>, unknown>;
  /** @internal The done callback that resumes the task (made on first use). */
  declare private _wakeup_cb: ((fut: Future<unknown>) => void) | null;

  /** Wraps `coro` and schedules its first step (or runs it now with `eager_start`). */
  constructor(coro: Coroutine<T>, options?: TaskInit) {
    super({ loop: options?.loop ?? null });
    if (this._source_traceback) this._source_traceback.pop();
    if (!iscoroutine(coro)) {
      this._log_destroy_pending = false;
      throw new TypeError(`a coroutine was expected, got ${repr(coro)}`);
    }
    const name = options?.name;
    // The default name `Task-N` is made when first asked for (as CPython's C Task does).
    this.__name = name === null || name === undefined ? ++_task_name_counter : py_str(name);
    this._coro = coro;
    this._context = options?.context ?? _current_data();
    if (options?.eager_start && this._loop.is_running()) {
      this.__eager_start();
    } else {
      this.__schedule_step(null);
      _register_task(this);
    }
  }

  /** Python's repr: `<Task pending name='Task-1' coro=<main() running> ...>`. */
  override __repr__(): string {
    return _task_repr(this);
  }

  /** The coroutine (generator) the task runs; `null` once an eager task finished. */
  get_coro(): Coroutine<T> | null {
    return this._coro;
  }

  /** The context the task runs in. */
  get_context(): Context {
    const ctx = this._context;
    return ctx instanceof Context ? ctx : _holder_context(this);
  }

  /** @internal The name (made on first use). */
  get _name(): string {
    const name = this.__name;
    return typeof name === "string" ? name : (this.__name = `Task-${name}`);
  }
  set _name(value: string) {
    this.__name = value;
  }

  /** The task's name. */
  get_name(): string {
    return this._name;
  }

  /** Renames the task. */
  set_name(value: unknown): void {
    this._name = py_str(value);
  }

  /** Not supported on a task: `RuntimeError`. */
  override set_result(_result: T): void {
    throw new RuntimeError("Task does not support set_result operation");
  }

  /** Not supported on a task: `RuntimeError`. */
  override set_exception(_exception: unknown): void {
    throw new RuntimeError("Task does not support set_exception operation");
  }

  /**
   * Python's `get_stack()`. JavaScript cannot inspect a suspended generator's frames, so this
   * returns an empty list for a pending task, and the exception's stack lines for a failed one.
   */
  get_stack(options?: { limit?: number | null }): string[] {
    if (this._state === _PENDING || !(this._exception instanceof Error)) return [];
    const lines = (this._exception.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
    const limit = options?.limit;
    return limit === null || limit === undefined ? lines : lines.slice(0, Math.max(limit, 0));
  }

  /** Python's `print_stack()`: prints {@linkcode get_stack}'s lines (to `file.write` or stderr). */
  print_stack(options?: { limit?: number | null; file?: { write(s: string): unknown } | null }): void {
    const frames = this.get_stack({ limit: options?.limit });
    const out: string[] = [];
    if (frames.length === 0) out.push(`No stack for ${repr(this)}`);
    else if (this._exception !== null) out.push(`Traceback for ${repr(this)} (most recent call last):`);
    else out.push(`Stack for ${repr(this)} (most recent call last):`);
    out.push(...frames);
    if (this._exception !== null && this._exception !== undefined) {
      const e = this._exception as Error;
      out.push(e.message ? `${e.name}: ${e.message}` : String(e.name));
    }
    const text = out.join("\n") + "\n";
    if (options?.file) options.file.write(text);
    else console.error(text.slice(0, -1));
  }

  /**
   * Requests cancellation: `CancelledError(msg)` is thrown into the coroutine at its next step
   * (the future it awaits is cancelled). Returns `false` if the task is done. Each call counts
   * in {@linkcode cancelling}.
   */
  override cancel(msg: unknown = null): boolean {
    this._log_traceback = false;
    if (this.done()) return false;
    this._num_cancels_requested += 1;
    if (this._fut_waiter !== null) {
      if (this._fut_waiter.cancel(msg)) {
        // The awaited future may be a task that ignores the request: keep it for later.
        return true;
      }
    }
    this._must_cancel = true;
    this._cancel_message = msg ?? null;
    return true;
  }

  /** The number of pending cancellation requests. */
  cancelling(): number {
    return this._num_cancels_requested;
  }

  /** Takes back one cancellation request; returns the number left. */
  uncancel(): number {
    if (this._num_cancels_requested > 0) {
      this._num_cancels_requested -= 1;
      if (this._num_cancels_requested === 0) this._must_cancel = false;
    }
    return this._num_cancels_requested;
  }

  /** Runs the first step now, inside the constructor (eager start). */
  private __eager_start(): void {
    const prev_task = _swap_current_task(this._loop, this);
    try {
      _register_eager_task(this);
      try {
        _run_in_holder(this, () => this.__step_run_and_handle_result(null), []);
      } finally {
        _unregister_eager_task(this);
      }
    } finally {
      try {
        const curtask = _swap_current_task(this._loop, prev_task);
        // deno-lint-ignore no-unsafe-finally
        if (curtask !== this) throw new RuntimeError("eager task swap mismatch");
      } finally {
        if (this.done()) this._coro = null;
        else _register_task(this);
      }
    }
  }

  /** @internal One step of the coroutine: CPython's `Task.__step`. */
  __step(exc: unknown = null): void {
    if (this.done()) {
      throw new InvalidStateError(`__step(): already done: ${repr(this)}, ${repr(exc)}`);
    }
    if (this._must_cancel) {
      if (!(exc instanceof CancelledError)) exc = this._make_cancelled_error(true);
      this._must_cancel = false;
    }
    this._fut_waiter = null;
    _enter_task(this._loop, this);
    try {
      this.__step_run_and_handle_result(exc);
    } finally {
      _leave_task(this._loop, this);
    }
  }

  /** Resumes the generator and acts on what it yielded or how it ended. */
  private __step_run_and_handle_result(exc: unknown): void {
    const coro = this._coro as Coroutine<T>;
    let result: unknown;
    try {
      const r = exc === null || exc === undefined ? coro.next() : coro.throw(exc);
      if (r.done) {
        if (this._must_cancel) {
          // The task was cancelled right before the coroutine returned.
          this._must_cancel = false;
          super.cancel(this._cancel_message);
          this.__finished();
        } else {
          if (this._num_cancels_requested > 0 && this._loop._debug) this.__warn_swallowed();
          this.__done_result(r.value);
        }
        return;
      }
      result = r.value;
    } catch (e) {
      if (e instanceof CancelledError) {
        this._cancelled_exc = e;
        super.cancel();
        this.__finished();
      } else if (e instanceof KeyboardInterrupt || e instanceof SystemExit) {
        this.__done_exception(e);
        throw e;
      } else if (e instanceof StopIteration) {
        // PEP 479: Python turns a StopIteration leaving a coroutine into this RuntimeError (at the
        // frame it leaves; here where it leaves the task's coroutine).
        const err = new RuntimeError("coroutine raised StopIteration");
        err.__cause__ = err.__context__ = e;
        this.__done_exception(err);
      } else {
        this.__done_exception(e);
      }
      return;
    }
    if (result === undefined || result === null) {
      // A bare `yield` gives up the loop for one iteration.
      if (this._await_stack !== null) this._await_stack = null; // (no stack for a bare yield)
      this.__schedule_step(null);
      return;
    }
    const blocking = (result as { _asyncio_future_blocking?: unknown })._asyncio_future_blocking;
    if (blocking !== undefined && blocking !== null) {
      const fut = result as Future<unknown>;
      if (_get_loop(fut) !== this._loop) {
        this.__schedule_step(
          new RuntimeError(`Task ${repr(this)} got Future ${repr(fut)} attached to a different loop`),
        );
      } else if (blocking) {
        if (fut === (this as Future<unknown>)) {
          this.__schedule_step(new RuntimeError(`Task cannot await on itself: ${repr(this)}`));
        } else {
          future_add_to_awaited_by(fut, this);
          fut._asyncio_future_blocking = false;
          if (
            fut.add_done_callback === _future_add_done_callback && fut._state === _PENDING &&
            !this._loop._debug
          ) {
            // A pending future whose add_done_callback is Future's own (a Future, a Task, gather's
            // future, a subclass that does not override it; CPython's C Task calls it for those
            // but a plain Future or Task): the task registers itself in the callbacks, with the
            // effect that call would have (see _Waker in futures.ts).
            fut._add_callback_entry(_task_wakeup, this);
          } else {
            fut.add_done_callback(this._wakeup_cb ??= make_wakeup(this), { context: this.get_context() });
          }
          this._fut_waiter = fut;
          if (this._loop._debug) this._await_stack = _take_awaited_at();
          if (this._must_cancel) {
            if (fut.cancel(this._cancel_message)) this._must_cancel = false;
          }
        }
      } else {
        this.__schedule_step(
          new RuntimeError(
            `yield was used instead of yield from in task ${repr(this)} with ${repr(fut)}`,
          ),
        );
      }
    } else if (iscoroutine(result)) {
      this.__schedule_step(
        new RuntimeError(
          `yield was used instead of yield from for generator in task ${repr(this)} with ${repr(result)}`,
        ),
      );
    } else {
      this.__schedule_step(new RuntimeError(`Task got bad yield: ${repr(result)}`));
    }
  }

  /**
   * Schedules the next step, with an exception to throw in or not. A task has at most one step
   * scheduled at a time, so outside debug mode the task itself sits in the loop's ready queue as
   * the handle of its step (see {@linkcode _run}); in debug mode a real Handle is made, with the
   * bookkeeping debug mode does on handles.
   */
  private __schedule_step(exc: unknown): void {
    const loop = this._loop as unknown as LoopInternals;
    if (loop.call_soon !== loop._native_call_soon) {
      // A call_soon replaced on the loop (or a loop of another kind): it is called, as CPython's
      // Task calls `loop.call_soon`.
      if (exc === null) this._loop.call_soon(task_step, this, { context: this.get_context() });
      else this._loop.call_soon(task_step, this, exc, { context: this.get_context() });
      return;
    }
    loop._check_closed();
    if (this._loop._debug) {
      const h = new Handle(task_step, exc === null ? [this] : [this, exc], this._loop, this.get_context());
      if (h._source_traceback) h._source_traceback.length = 0;
      loop._add_callback(h);
    } else {
      // (written only when there is one: the field stays the prototype's null otherwise)
      if (exc !== null || this._step_exc !== null) this._step_exc = exc;
      loop._add_callback(this as unknown as Handle);
    }
  }

  /** @internal Handle protocol: the task is never a cancelled handle (false, on the prototype). */
  declare readonly _cancelled: boolean;
  /** @internal The exception the scheduled step throws in (or `null`). */
  declare private _step_exc: unknown;

  /**
   * @internal Queues the task as the handle of its wake-up from `fut` (see _Waker in futures.ts).
   * `fut` is the task's `_fut_waiter`: the task registered its wake-up on the future it then
   * waits for, and only its next step clears that. So `_run` tells a wake-up (`_fut_waiter` set)
   * from a step (not set), with no field of its own.
   */
  _schedule_wakeup(fut: Future<unknown>): void {
    if (fut !== this._fut_waiter) throw new AssertionError("a task woken by a future it does not wait for");
    (this._loop as unknown as LoopInternals)._add_callback(this as unknown as Handle);
  }

  /**
   * @internal Handle protocol: runs the scheduled step (or wake-up) in the task's context; a done
   * task is queued only as the handle of its done callback (see Future's `_run`).
   */
  override _run(): void {
    if (this._state !== _PENDING) {
      this._run_done_callback();
      return;
    }
    const fut = this._fut_waiter;
    if (fut !== null) {
      try {
        _run_in_holder1(this, task_wakeup_run, this);
      } catch (e) {
        _callback_failed(this, this._loop, _task_wakeup, [fut], e, null);
      }
      return;
    }
    const exc = this._step_exc;
    if (exc !== null) this._step_exc = null;
    try {
      if (exc === null) _run_in_holder1(this, task_step, this);
      else _run_in_holder(this, task_step, [this, exc]);
    } catch (e) {
      _callback_failed(this, this._loop, task_step, [this], e, null);
    }
  }

  /** The coroutine returned: the task gets its result. */
  private __done_result(value: T): void {
    Future.prototype.set_result.call(this, value);
    this.__finished();
  }

  /** The coroutine raised: the task gets its exception. */
  private __done_exception(e: unknown): void {
    Future.prototype.set_exception.call(this, e);
    this.__finished();
  }

  /** Bookkeeping once the task is done. */
  private __finished(): void {
    _unregister_task(this);
  }

  /** Debug mode: warns that a cancellation was swallowed. */
  private __warn_swallowed(): void {
    _warn(
      `Task ${repr(this)} finished normally after its cancellation was caught and not ` +
        "uncancel()ed: a catch block swallowed CancelledError",
      "RuntimeWarning",
    );
  }

  /** @internal Called when the awaited future is done: resumes the task. */
  __wakeup(future: Future<unknown>): void {
    future_discard_from_awaited_by(future, this);
    let failed = false;
    let err: unknown;
    if (future._state === _CANCELLED && future.result === _future_result) {
      // (what Future's result() raises, without a stack: see _loop_cancelled_error)
      failed = true;
      err = future._make_cancelled_error(true);
    } else {
      try {
        future.result();
      } catch (e) {
        failed = true;
        err = e;
      }
    }
    if (failed) this.__step(err ?? new RuntimeError("a future raised a null exception"));
    else this.__step();
  }

  /** @internal Log "Task was destroyed but it is pending!" if collected while pending. */
  get _log_destroy_pending(): boolean {
    return this.__log_destroy_pending;
  }
  set _log_destroy_pending(v: boolean) {
    this.__log_destroy_pending = v;
    if (this._registration !== null) this._registration.log = v;
  }
}

/** The loop internals the task uses on its hot path. */
interface LoopInternals {
  _add_callback(handle: Handle): void;
  _check_closed(): void;
  call_soon: unknown;
  _native_call_soon?: unknown;
}

// A task's "never retrieved" report holds a copy of its exception (see Future.set_exception).
Task.prototype._report_by_copy = true;
(Task.prototype._run as { [_runs_done_callback]?: true })[_runs_done_callback] = true;
// Set in debug mode only, and for tasks awaiting a Future subclass: prototype defaults keep every
// task two fields smaller (see Future's fields).
Task.prototype._registration = null;
Task.prototype._await_stack = null;
(Task.prototype as unknown as { _wakeup_cb: null })._wakeup_cb = null;
// Set on a task that is cancelled, or stepped with an exception to throw in.
Task.prototype._num_cancels_requested = 0;
Task.prototype._must_cancel = false;
(Task.prototype as unknown as { _step_exc: null })._step_exc = null;

/** Python's `_PyTask`: the same class. */
export const _PyTask: typeof Task = Task;

/**
 * Schedules `coro` as a Task on the running loop and returns the Task. Options are passed to
 * the Task (or to the loop's task factory), as in 3.14: `name`, `context`, `eager_start`.
 *
 * @example
 * ```ts
 * import * as asyncio from "./mod.ts";
 * function* child(x: number) { yield* asyncio.sleep(0.01); return x * 2; }
 * function* main() {
 *   const t = asyncio.create_task(child(21), { name: "child" });
 *   return yield* t;
 * }
 * console.assert(await asyncio.run(main()) === 42);
 * ```
 */
export function create_task<T>(coro: Coroutine<T>, options?: TaskOptions): Task<T> {
  const loop = get_running_loop();
  return loop.create_task(coro, options);
}

/** `wait()` returns when any future finishes or is cancelled. */
export const FIRST_COMPLETED = "FIRST_COMPLETED";
/** `wait()` returns when any future finishes with an exception (or all are done). */
export const FIRST_EXCEPTION = "FIRST_EXCEPTION";
/** `wait()` returns when all futures are done. */
export const ALL_COMPLETED = "ALL_COMPLETED";
/** The `return_when` values of `wait()`. */
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

/** The options of {@linkcode wait}. */
export interface WaitOptions {
  /** Seconds to wait at most (`null`: no limit). */
  timeout?: number | null;
  /** When to return (default `ALL_COMPLETED`). */
  return_when?: ReturnWhen;
}

/**
 * Waits for the futures/tasks in `fs` (an iterable, not empty; coroutines are refused) and
 * resolves to `[done, pending]`, two Sets. It does not raise on timeout.
 *
 * @example
 * ```ts
 * import * as asyncio from "./mod.ts";
 * function* main() {
 *   const fast = asyncio.create_task(asyncio.sleep(0.01, "fast"));
 *   const slow = asyncio.create_task(asyncio.sleep(10, "slow"));
 *   const [done, pending] = yield* asyncio.wait([fast, slow], { return_when: asyncio.FIRST_COMPLETED });
 *   slow.cancel();
 *   return [done.size, pending.size];
 * }
 * console.assert((await asyncio.run(main())).join() === "1,1");
 * ```
 */
export function* wait<F extends Future<unknown>>(
  fs: Iterable<F>,
  options?: WaitOptions,
): Generator<unknown, [Set<F>, Set<F>], unknown> {
  if (isfuture(fs) || iscoroutine(fs)) {
    throw new TypeError(`expect a list of futures, not ${type_name(fs)}`);
  }
  const set = new Set(fs);
  if (set.size === 0) throw new ValueError("Set of Tasks/Futures is empty.");
  const return_when = options?.return_when ?? ALL_COMPLETED;
  if (return_when !== FIRST_COMPLETED && return_when !== FIRST_EXCEPTION && return_when !== ALL_COMPLETED) {
    throw new ValueError(`Invalid return_when value: ${return_when}`);
  }
  for (const f of set) {
    if (iscoroutine(f)) throw new TypeError("Passing coroutines is forbidden, use tasks explicitly.");
  }
  const loop = get_running_loop();
  return yield* _wait(set, options?.timeout ?? null, return_when, loop);
}

function _release_waiter(waiter: Future<unknown>): void {
  if (!waiter.done()) waiter.set_result(null);
}

/**
 * Waits for one awaitable with a timeout (seconds, or `null`); on timeout, cancels it and raises
 * `TimeoutError`. A coroutine runs in the caller's task (as in CPython 3.12+, through `timeout()`).
 *
 * @example
 * ```ts
 * import * as asyncio from "./mod.ts";
 * function* main() {
 *   try {
 *     yield* asyncio.wait_for(asyncio.sleep(10), 0.01);
 *   } catch (e) {
 *     return e instanceof asyncio.TimeoutError;
 *   }
 *   return false;
 * }
 * console.assert(await asyncio.run(main()) === true);
 * ```
 */
export function wait_for<T>(
  fut: Awaitable<T> | PromiseLike<T>,
  timeout: number | null,
): Generator<unknown, T, unknown> {
  const coro = _wait_for(fut, timeout);
  return _coro_tracking ? _track_coroutine(coro, "wait_for") : coro;
}
(wait_for as { _is_coroutine?: symbol })._is_coroutine = _is_coroutine;
_name_coroutine_function(_wait_for, "wait_for");

function* _wait_for<T>(
  fut: Awaitable<T> | PromiseLike<T>,
  timeout: number | null,
): Generator<unknown, T, unknown> {
  if (timeout !== null && timeout !== undefined && typeof timeout !== "number") {
    throw unorderable("<=", type_name(timeout), "int");
  }
  if (timeout !== null && timeout !== undefined && timeout <= 0) {
    const f = ensure_future(fut);
    if (f.done()) return f.result();
    yield* _cancel_and_wait(f);
    try {
      return f.result();
    } catch (exc) {
      if (exc instanceof CancelledError) {
        const te = new TimeoutError();
        te.__cause__ = exc;
        te.__context__ = exc;
        throw te;
      }
      throw exc;
    }
  }
  let aw: Awaitable<T>;
  if (iscoroutine(fut) || isfuture(fut)) {
    aw = fut as Awaitable<T>;
  } else if (_is_thenable(fut) || _has_await(fut)) {
    aw = ensure_future(fut);
  } else {
    // What `await fut` says in CPython, where this is awaited inside the timeout.
    throw new TypeError(`object ${type_name(fut)} can't be used in 'await' expression`);
  }
  // `async with timeouts.timeout(timeout): return await fut`, with the context manager's calls
  // written out: two generator levels fewer for every resumption of the awaited coroutine.
  // (Timeout's enter and exit never suspend: their synchronous bodies are called.)
  const cm = _timeout(timeout ?? null);
  cm._enter();
  let result: T;
  try {
    result = yield* aw;
  } catch (e) {
    const exc_type = e !== null && typeof e === "object" ? (e as object).constructor : typeof e;
    cm._exit(exc_type, e);
    throw e;
  }
  cm._exit(null, null);
  return result;
}

function* _wait<F extends Future<unknown>>(
  fs: Set<F>,
  timeout: number | null,
  return_when: ReturnWhen,
  loop: AbstractEventLoop,
): Generator<unknown, [Set<F>, Set<F>], unknown> {
  const waiter = loop.create_future<null>();
  let timeout_handle: import("./events.ts").TimerHandle | null = null;
  if (timeout !== null) timeout_handle = loop.call_later(timeout, _release_waiter, waiter);
  let counter = fs.size;
  const cur_task = current_task(loop);

  const _on_completion = (f: Future<unknown>) => {
    counter -= 1;
    if (
      counter <= 0 || return_when === FIRST_COMPLETED ||
      (return_when === FIRST_EXCEPTION && !f.cancelled() && f.exception() !== null)
    ) {
      if (timeout_handle !== null) timeout_handle.cancel();
      if (!waiter.done()) waiter.set_result(null);
    }
    future_discard_from_awaited_by(f, cur_task);
  };

  for (const f of fs) {
    f.add_done_callback(_on_completion);
    future_add_to_awaited_by(f, cur_task);
  }
  try {
    yield* waiter;
  } finally {
    if (timeout_handle !== null) timeout_handle.cancel();
    for (const f of fs) {
      f.remove_done_callback(_on_completion);
      // 3.14.7 (gh-152569): futures still pending are no longer awaited by this task.
      if (!f.done()) future_discard_from_awaited_by(f, cur_task);
    }
  }
  const done = new Set<F>();
  const pending = new Set<F>();
  for (const f of fs) {
    if (f.done()) done.add(f);
    else pending.add(f);
  }
  return tuple([done, pending]); // (a tuple in Python)
}

function* _cancel_and_wait(fut: Future<unknown>): Generator<unknown, void, unknown> {
  const loop = get_running_loop();
  const waiter = loop.create_future<null>();
  const cb = () => _release_waiter(waiter);
  fut.add_done_callback(cb);
  try {
    fut.cancel();
    yield* waiter;
  } finally {
    fut.remove_done_callback(cb);
  }
}

/**
 * What {@linkcode as_completed} returns: iterate it with `for...of` to get awaitables of the
 * results in completion order (the classic form), or with `async_for` to get the original
 * futures/tasks as they complete (3.13's form).
 */
export class _AsCompletedIterator<T> implements Iterable<Coroutine<T>> {
  // The completed futures, in completion order; `null` for each one the timeout cut off. A Queue,
  // as in CPython: with several tasks waiting on one iterator, a waiter woken and then cancelled
  // before it runs passes its item on to the next waiter.
  private _done = new Queue<Future<unknown> | null>();
  private _timeout_handle: import("./events.ts").TimerHandle | null = null;
  private _todo: Set<Future<T>>;
  private _todo_left: number;
  private readonly _on_completion = (f: Future<unknown>) => this._handle_completion(f);

  /** @internal */
  constructor(aws: Iterable<Awaitable<T> | PromiseLike<T>>, timeout: number | null) {
    const loop = get_event_loop();
    const todo = new Set<Future<T>>();
    for (const aw of new Set(aws)) todo.add(ensure_future(aw, { loop }));
    for (const f of todo) f.add_done_callback(this._on_completion);
    if (todo.size && timeout !== null) {
      this._timeout_handle = loop.call_later(timeout, () => this._handle_timeout());
    }
    this._todo = todo;
    this._todo_left = todo.size;
  }

  /** `async for` support: the iterator itself. */
  __aiter__(): this {
    return this;
  }

  /** `async for` support: the next future to complete; `StopAsyncIteration` at the end. */
  *__anext__(): Generator<unknown, Future<T>, unknown> {
    if (!this._todo_left) throw new StopAsyncIteration();
    this._todo_left -= 1;
    return (yield* this._wait_for_one(false)) as Future<T>;
  }

  /** Plain iteration: a coroutine per awaitable, resolving to the next result to complete. */
  *[Symbol.iterator](): Iterator<Coroutine<T>> {
    while (this._todo_left) {
      this._todo_left -= 1;
      yield this._wait_for_one(true) as Coroutine<T>;
    }
  }

  /** The timeout passed: every pending wait raises `TimeoutError`. */
  private _handle_timeout(): void {
    for (const f of this._todo) {
      f.remove_done_callback(this._on_completion);
      this._done.put_nowait(null);
    }
    this._todo.clear();
  }

  /** A future completed: queue it for the next wait. */
  private _handle_completion(f: Future<unknown>): void {
    if (!this._todo.size) return;
    this._todo.delete(f as Future<T>);
    this._done.put_nowait(f);
    if (!this._todo.size && this._timeout_handle !== null) this._timeout_handle.cancel();
  }

  /** Waits for the next completed future; its result if `resolve`, else the future. */
  private *_wait_for_one(resolve: boolean): Generator<unknown, unknown, unknown> {
    const f = yield* this._done.get();
    if (f === null) throw new TimeoutError();
    return resolve ? f.result() : f;
  }
}

/**
 * Runs the awaitables concurrently and gives them back in completion order: `for (const c of
 * as_completed(aws)) { const r = yield* c; }`, or `yield* async_for(as_completed(aws), function*
 * (task) {...})`. With a `timeout` (seconds), `TimeoutError` is raised once it passes.
 */
export function as_completed<T>(
  fs: Iterable<Awaitable<T> | PromiseLike<T>>,
  options?: { timeout?: number | null },
): _AsCompletedIterator<T> {
  if (
    isfuture(fs) || iscoroutine(fs) ||
    (fs !== null && typeof (fs as unknown as PromiseLike<T>).then === "function")
  ) {
    throw new TypeError(`expects an iterable of awaitables, not ${type_name(fs)}`);
  }
  if (fs === null || fs === undefined || typeof (fs as Iterable<unknown>)[Symbol.iterator] !== "function") {
    throw new TypeError(`'${type_name(fs)}' object is not iterable`);
  }
  return new _AsCompletedIterator(fs, options?.timeout ?? null);
}

/**
 * Suspends the calling coroutine for `delay` seconds and returns `result`. `sleep(0)` just lets
 * the loop run other ready work once. A NaN delay raises `ValueError`.
 *
 * @example
 * ```ts
 * import * as asyncio from "./mod.ts";
 * function* main() {
 *   return yield* asyncio.sleep(0.01, "slept");
 * }
 * console.assert(await asyncio.run(main()) === "slept");
 * ```
 */
export function sleep(delay: number): Generator<unknown, null, unknown>;
/** Sleeps `delay` seconds and returns `result`. */
export function sleep<T>(delay: number, result: T): Generator<unknown, T, unknown>;
export function sleep<T>(delay: number, result: T | null = null): Generator<unknown, T | null, unknown> {
  // CPython's sleep(0) awaits its `__sleep0()` helper, a bare `yield`: here a hand-made coroutine
  // object does that (see _Sleep0).
  const coro = typeof delay === "number" && delay <= 0
    ? new _Sleep0(result) as unknown as Generator<unknown, T | null, unknown>
    : _sleep(delay, result);
  return _coro_tracking ? _track_coroutine(coro, "sleep") : coro;
}
(sleep as { _is_coroutine?: symbol })._is_coroutine = _is_coroutine;
_name_coroutine_function(_sleep, "sleep");

// What _Sleep0 yields: one shared (frozen) iterator result, since a sleeping task's `yield*` keeps
// the result it is suspended at.
const _YIELD_NONE: IteratorResult<undefined, never> = Object.freeze({ value: undefined, done: false });

/**
 * What `sleep(0)` (or a negative delay) returns: a coroutine object written by hand, that yields
 * once (a bare `yield`: the task gives up one loop iteration) and returns the result. It behaves
 * as that generator would (`next`, `throw`, `return`, and `iscoroutine()` holds: its prototype
 * chain is the generators' one) but is a fraction of a generator's size and cost: the many tasks
 * of a fan-out that sleep(0) each hold one generator frame fewer.
 */
class _Sleep0<T> {
  // 0: not started; 1: suspended at its yield; 2: finished.
  private _state = 0;
  constructor(private _result: T | null) {}

  next(): IteratorResult<undefined, T | null> {
    if (this._state === 0) {
      this._state = 1;
      return _YIELD_NONE;
    }
    if (this._state === 1) {
      this._state = 2;
      const result = this._result;
      this._result = null;
      return { value: result, done: true };
    }
    // (what a finished generator answers)
    return { value: undefined as T | null, done: true };
  }

  throw(e: unknown): never {
    this._state = 2;
    this._result = null;
    throw e;
  }

  return(value: T | null): IteratorResult<undefined, T | null> {
    this._state = 2;
    this._result = null;
    return { value, done: true };
  }

  /** The name reprs show: `coro=<sleep() running>`. */
  get __qualname__(): string {
    return "sleep";
  }
}
Object.setPrototypeOf(_Sleep0.prototype, _GeneratorPrototype);

function* _sleep<T>(delay: number, result: T | null): Generator<unknown, T | null, unknown> {
  if (Number.isNaN(delay)) throw new ValueError("Invalid delay: NaN (not a number)");
  if (typeof delay !== "number") {
    throw unorderable("<=", type_name(delay), "int");
  }
  const loop = get_running_loop();
  const future = loop.create_future<T | null>();
  const h = loop.call_later(delay, _set_result_unless_cancelled, future, result);
  try {
    return yield* future;
  } finally {
    h.cancel();
  }
}

/**
 * Wraps a coroutine or an awaitable (or a Promise) in a Future; a Future is returned as it is.
 *
 * @example
 * ```ts
 * import * as asyncio from "./mod.ts";
 * function* main() {
 *   const t = asyncio.ensure_future(asyncio.sleep(0, 7));
 *   return (t instanceof asyncio.Task) && (yield* t) === 7;
 * }
 * console.assert(await asyncio.run(main()));
 * ```
 */
export function ensure_future<T>(
  coro_or_future: Awaitable<T> | PromiseLike<T>,
  options?: { loop?: AbstractEventLoop | null },
): Future<T> {
  const loop_arg = options?.loop ?? null;
  if (isfuture(coro_or_future)) {
    const f = coro_or_future as unknown as Future<T>;
    if (loop_arg !== null && loop_arg !== _get_loop(f)) {
      throw new ValueError(
        "The future belongs to a different loop than the one specified as the loop argument",
      );
    }
    return f;
  }
  let coro: Coroutine<T>;
  if (iscoroutine(coro_or_future)) {
    coro = coro_or_future as Coroutine<T>;
  } else if (_is_thenable(coro_or_future)) {
    const loop = loop_arg ?? get_event_loop();
    return wrap_promise(coro_or_future as PromiseLike<T>, { loop });
  } else if (_has_await(coro_or_future)) {
    const aw = coro_or_future as unknown as { __await__(): Iterator<unknown, T, unknown> };
    coro = (function* _wrap_awaitable() {
      return yield* { [Symbol.iterator]: () => aw.__await__() };
    })();
  } else {
    throw new TypeError("An asyncio.Future, a coroutine or an awaitable is required");
  }
  const loop = loop_arg ?? get_event_loop();
  try {
    return loop.create_task(coro);
  } catch (e) {
    if (e instanceof RuntimeError) coro.return(undefined as T);
    throw e;
  }
}

/** Python's `_GatheringFuture`: cancelling it cancels the children. */
export class _GatheringFuture<T> extends Future<T> {
  /** @internal */
  _children: Future<unknown>[];
  /** @internal */
  _cancel_requested = false;

  /** @internal */
  constructor(children: Future<unknown>[], options: { loop: AbstractEventLoop }) {
    super({ loop: options.loop });
    this._children = children;
  }

  /** Cancels every child not done yet; `false` if none was cancelled or the gather is done. */
  override cancel(msg: unknown = null): boolean {
    if (this.done()) return false;
    let ret = false;
    for (const child of this._children) if (child.cancel(msg)) ret = true;
    if (ret) this._cancel_requested = true;
    return ret;
  }
}

/** The result type of an awaitable. */
export type Unwrap<A> = A extends Awaitable<infer R> ? R : A extends PromiseLike<infer P> ? P : never;
/** The results of `gather`. */
export type GatherResults<A extends readonly unknown[]> = { -readonly [K in keyof A]: Unwrap<A[K]> };
/** The results of `gather` with `return_exceptions`. */
export type GatherResultsOrErrors<A extends readonly unknown[]> = {
  -readonly [K in keyof A]: Unwrap<A[K]> | Error;
};

/** The options of {@linkcode gather}. */
export interface GatherOptions {
  /** Gather exceptions as results instead of failing on the first one. */
  return_exceptions?: boolean;
}

/**
 * Runs the awaitables concurrently; the returned Future resolves to their results, in order. A
 * trailing `{ return_exceptions: true }` gathers exceptions as results. Cancelling the gather
 * cancels every child.
 *
 * @example
 * ```ts
 * import * as asyncio from "./mod.ts";
 * function* main() {
 *   const [a, b] = yield* asyncio.gather(asyncio.sleep(0.01, "a"), asyncio.sleep(0, 2));
 *   return a + b;
 * }
 * console.assert(await asyncio.run(main()) === "a2");
 * ```
 */
export function gather<A extends readonly (Awaitable<unknown> | PromiseLike<unknown>)[]>(
  ...coros_or_futures: [...A]
): _GatheringFuture<GatherResults<A>>;
/** With `{ return_exceptions: true }`: exceptions are gathered as results. */
export function gather<A extends readonly (Awaitable<unknown> | PromiseLike<unknown>)[]>(
  ...args: [...A, GatherOptions & { return_exceptions: true }]
): _GatheringFuture<GatherResultsOrErrors<A>>;
/** With an options object. */
export function gather<A extends readonly (Awaitable<unknown> | PromiseLike<unknown>)[]>(
  ...args: [...A, GatherOptions]
): _GatheringFuture<GatherResults<A> | GatherResultsOrErrors<A>>;
export function gather(...args: unknown[]): _GatheringFuture<unknown[]> {
  let coros_or_futures = args;
  let return_exceptions = false;
  const last = args[args.length - 1];
  if (
    last !== null && typeof last === "object" && !isfuture(last) && !iscoroutine(last) &&
    (Object.getPrototypeOf(last) === Object.prototype || Object.getPrototypeOf(last) === null) &&
    Object.keys(last).every((k) => k === "return_exceptions")
  ) {
    return_exceptions = Boolean((last as GatherOptions).return_exceptions);
    coros_or_futures = args.slice(0, -1);
  }
  return _gather(coros_or_futures, return_exceptions);
}

/**
 * @internal {@linkcode gather} on an array of awaitables: what the library calls, because a spread
 * call (`gather(...tasks)`) puts every element on the stack and fails with `RangeError` past the
 * engine's limit on arguments (about 120,000 on V8), where CPython's `gather(*tasks)` has none.
 */
export function _gather(
  coros_or_futures: readonly unknown[],
  return_exceptions: boolean,
): _GatheringFuture<unknown[]> {
  if (coros_or_futures.length === 0) {
    const loop = get_event_loop();
    const outer = new _GatheringFuture<unknown[]>([], { loop });
    outer.set_result([]);
    return outer;
  }
  let loop = _get_running_loop();
  const cur_task = loop !== null ? current_task(loop) : null;

  let nfinished = 0;
  let nfuts = 0;
  let outer: _GatheringFuture<unknown[]> | null = null;
  const children: Future<unknown>[] = [];

  const _done_callback = (fut: Future<unknown>) => {
    nfinished += 1;
    if (cur_task !== null) future_discard_from_awaited_by(fut, cur_task);
    if (outer === null || outer.done()) {
      if (!fut.cancelled()) fut.exception(); // Mark the exception retrieved.
      return;
    }
    if (!return_exceptions) {
      if (fut.cancelled()) {
        outer.set_exception(fut._make_cancelled_error(true));
        return;
      } else {
        const exc = fut.exception();
        if (exc !== null) {
          outer.set_exception(exc);
          return;
        }
      }
    }
    if (nfinished === nfuts) {
      const results: unknown[] = [];
      for (const f of children) {
        let res: unknown;
        if (f.cancelled()) {
          res = _loop_cancelled_error(f._cancel_message === null ? "" : f._cancel_message);
        } else {
          res = f.exception();
          if (res === null) res = f.result();
        }
        results.push(res);
      }
      if (outer._cancel_requested) outer.set_exception(fut._make_cancelled_error(true));
      else outer.set_result(results);
    }
  };

  // An argument given twice is gathered once (CPython's arg_to_fut dict): a few arguments are
  // looked for among the earlier ones, more in a Map (whose making and hashing cost more than a
  // short scan). When every argument is a Future or Task with Future's own add_done_callback, no
  // code runs while they are gathered (no coroutine is wrapped, no callback is called), so a
  // pending one given before is recognised by the done callback gather gave it, and only the
  // done ones are kept in a Set: no Map of every argument.
  const nargs = coros_or_futures.length;
  let all_futures = nargs > 8;
  for (let i = 0; all_futures && i < nargs; i++) {
    const a = coros_or_futures[i];
    if (!(a instanceof Future) || a.add_done_callback !== _future_add_done_callback) all_futures = false;
  }
  const arg_to_fut = nargs > 8 && !all_futures ? new Map<unknown, Future<unknown>>() : null;
  let done_seen: Set<Future<unknown>> | null = null;
  const done_futs: Future<unknown>[] = [];
  for (let i = 0; i < nargs; i++) {
    const arg = coros_or_futures[i];
    let fut: Future<unknown> | undefined;
    if (all_futures) {
      const f = arg as Future<unknown>;
      if (f.done() ? done_seen !== null && done_seen.has(f) : f._has_done_callback(_done_callback)) fut = f;
    } else if (arg_to_fut !== null) {
      fut = arg_to_fut.get(arg);
    } else {
      const first = coros_or_futures.indexOf(arg);
      if (first < i) fut = children[first];
    }
    if (fut === undefined) {
      fut = ensure_future(arg as Awaitable<unknown>, { loop });
      if (loop === null) loop = _get_loop(fut);
      if (fut !== arg) (fut as Task<unknown>)._log_destroy_pending = false;
      nfuts += 1;
      if (arg_to_fut !== null) arg_to_fut.set(arg, fut);
      else if (all_futures && fut.done()) (done_seen ??= new Set()).add(fut);
      if (fut.done()) {
        done_futs.push(fut);
      } else {
        if (cur_task !== null) future_add_to_awaited_by(fut, cur_task);
        fut.add_done_callback(_done_callback);
      }
    }
    children.push(fut);
  }
  outer = new _GatheringFuture<unknown[]>(children, { loop: loop as AbstractEventLoop });
  for (const fut of done_futs) _done_callback(fut);
  return outer;
}

function _log_on_exception(fut: Future<unknown>): void {
  if (fut.cancelled()) return;
  const exc = fut.exception();
  if (exc === null) return;
  const context: ExceptionContext = {
    message: `${(exc as Error)?.constructor?.name ?? typeof exc} exception in shielded future`,
    exception: exc,
    future: fut,
  };
  if (fut._source_traceback) context.source_traceback = fut._source_traceback;
  fut._loop.call_exception_handler(context);
}

/**
 * Protects an awaitable from cancellation: cancelling the caller does not cancel it (the caller
 * still gets `CancelledError`). Keep a reference to the inner task.
 *
 * @example
 * ```ts
 * import * as asyncio from "./mod.ts";
 * function* main() {
 *   const inner = asyncio.create_task(asyncio.sleep(0.02, "kept"));
 *   const waiter = asyncio.create_task((function* () { return yield* asyncio.shield(inner); })());
 *   yield* asyncio.sleep(0);
 *   waiter.cancel();
 *   return yield* inner;
 * }
 * console.assert(await asyncio.run(main()) === "kept");
 * ```
 */
export function shield<T>(arg: Awaitable<T> | PromiseLike<T>): Future<T> {
  const inner = ensure_future(arg);
  if (inner.done()) return inner;
  const loop = _get_loop(inner);
  const outer = loop.create_future<T>();
  let cur_task: Task<unknown> | null = null;
  if (loop !== null) {
    cur_task = current_task(loop);
    if (cur_task !== null) future_add_to_awaited_by(inner, cur_task);
  }
  const _clear_awaited_by_callback = (i: Future<T>) => future_discard_from_awaited_by(i, cur_task);
  const _inner_done_callback = (i: Future<T>) => {
    if (outer.cancelled()) return;
    if (i.cancelled()) {
      outer.cancel();
    } else {
      const exc = i.exception();
      if (exc !== null) outer.set_exception(exc);
      else outer.set_result(i.result());
    }
  };
  const _outer_done_callback = (_o: Future<T>) => {
    if (!inner.done()) {
      inner.remove_done_callback(_inner_done_callback);
      inner.remove_done_callback(_log_on_exception);
      inner.add_done_callback(_log_on_exception);
    }
  };
  if (cur_task !== null) inner.add_done_callback(_clear_awaited_by_callback);
  inner.add_done_callback(_inner_done_callback);
  outer.add_done_callback(_outer_done_callback);
  return outer;
}

/**
 * Python's `run_coroutine_threadsafe(coro, loop)`. There is one thread here: it schedules the
 * coroutine on `loop` (waking it if it waits) and returns a Promise of its result, which code
 * outside the loop can `await`. Cancelling is done through the returned `cancel()` helper.
 */
export function run_coroutine_threadsafe<T>(
  coro: Coroutine<T>,
  loop: AbstractEventLoop,
): Promise<T> & { cancel(): boolean } {
  if (!iscoroutine(coro)) throw new TypeError("A coroutine object is required");
  let task: Future<T> | null = null;
  let cancelled = false;
  const p = new Promise<T>((resolve, reject) => {
    loop.call_soon_threadsafe(() => {
      if (cancelled) {
        coro.return(undefined as T);
        reject(new CancelledError());
        return;
      }
      try {
        task = ensure_future(coro, { loop });
      } catch (e) {
        reject(e);
        throw e;
      }
      task.add_done_callback((t) => {
        try {
          resolve(t.result());
        } catch (e) {
          reject(e);
        }
      });
    });
  });
  return Object.assign(p, {
    cancel(): boolean {
      if (task !== null) return task.cancel();
      if (cancelled) return false;
      cancelled = true;
      return true;
    },
  });
}

/** A task constructor usable with {@linkcode create_eager_task_factory}. */
export type TaskConstructor = new <T>(
  coro: Coroutine<T>,
  options?: TaskInit & Record<string, unknown>,
) => Future<T>;

/**
 * Makes a task factory that starts tasks eagerly with `custom_task_constructor` (for
 * `loop.set_task_factory`): each coroutine runs synchronously until it first suspends.
 */
export function create_eager_task_factory(
  custom_task_constructor: TaskConstructor,
): import("./events.ts").TaskFactory {
  return <T>(loop: AbstractEventLoop, coro: Coroutine<T>, options: TaskOptions) => {
    const { eager_start = true, ...rest } = options ?? {};
    return new custom_task_constructor<T>(coro, { ...rest, loop, eager_start });
  };
}

/** A task factory starting every task eagerly: `loop.set_task_factory(asyncio.eager_task_factory)`. */
export const eager_task_factory: import("./events.ts").TaskFactory = create_eager_task_factory(
  Task as unknown as TaskConstructor,
);

// The tasks of every loop. CPython keeps them weakly, so that a pending task nothing refers to is
// collected and reported ("Task was destroyed but it is pending!"). A WeakRef and a finalizer cost
// about 2 µs per task in V8, more than the rest of a task's life, so here that is done in debug
// mode only; otherwise a pending task is held by its loop until it finishes (or the loop and it
// are both collected). The store lives on the loop object, so it goes when the loop goes.
/**
 * @internal Where a loop's tasks are kept: the port's tasks in a doubly linked list through the
 * tasks themselves (as CPython 3.14 does: no hashing on the hot path), other task-like objects
 * in a Set, and in debug mode weak references.
 */
interface TaskStore {
  head: Task<unknown> | null;
  strong: Set<Task<unknown>>;
  weak: Set<WeakRef<Task<unknown>>>;
}
/** @internal A loop (or loop-like object) with its task store and current task. */
interface LoopTaskStore {
  _asyncio_tasks?: TaskStore;
  _asyncio_current_task?: Task<unknown> | null;
}

const _eager_tasks = new Set<Task<unknown>>();

function _store(loop: AbstractEventLoop): TaskStore {
  const l = loop as unknown as LoopTaskStore;
  return l._asyncio_tasks ??= { head: null, strong: new Set(), weak: new Set() };
}

/** The task running now on `loop` (default: the running loop), or `null`. */
export function current_task(loop: AbstractEventLoop | null = null): Task<unknown> | null {
  if (loop === null || loop === undefined) loop = get_running_loop();
  return (loop as unknown as LoopTaskStore)._asyncio_current_task ?? null;
}

/** The tasks of `loop` (default: the running loop) that are not done. */
export function all_tasks(loop: AbstractEventLoop | null = null): Set<Task<unknown>> {
  if (loop === null || loop === undefined) loop = get_running_loop();
  // In the order the tasks were made (CPython's set has its own order, see the README's "Sets of
  // tasks keep creation order"); asyncio.run() cancels its leftovers in this order, so that the
  // oldest waiter, first in a lock's or an Event's deque, is the first to leave it.
  const out = new Set<Task<unknown>>();
  const store = (loop as unknown as LoopTaskStore)._asyncio_tasks;
  if (store) {
    // (the list is newest first)
    const listed: Task<unknown>[] = [];
    for (let t = store.head; t !== null; t = t._ll_next) if (!t.done()) listed.push(t);
    for (let i = listed.length - 1; i >= 0; i--) out.add(listed[i]);
    for (const t of store.strong) if (!t.done()) out.add(t);
    for (const ref of store.weak) {
      const t = ref.deref();
      if (t !== undefined && !t.done()) out.add(t);
    }
  }
  for (const t of _eager_tasks) if (_get_loop(t) === loop && !t.done()) out.add(t);
  return out;
}

/** Registers a task scheduled on a loop (so `all_tasks` sees it). */
export function _register_task(task: Task<unknown>): void {
  const loop = _get_loop(task);
  const store = _store(loop);
  if (!(task instanceof Task)) {
    store.strong.add(task);
    return;
  }
  if (!loop._debug) {
    if (task._ll_prev !== null || store.head === task) return;
    task._ll_next = store.head;
    if (store.head !== null) store.head._ll_prev = task;
    store.head = task;
    return;
  }
  if (task._registration !== null) return;
  const ref = new WeakRef(task);
  store.weak.add(ref);
  const reg: TaskRegistration = {
    loop,
    ref,
    name: task._name,
    coro: _format_coroutine(task._coro, "running"),
    log: task._log_destroy_pending,
    source_traceback: task._source_traceback,
  };
  task._registration = reg;
  _task_registry.register(task, reg, reg);
}

/** Registers a task about to run its first step eagerly. */
export function _register_eager_task(task: Task<unknown>): void {
  _eager_tasks.add(task);
}

/** Makes `task` the current task of `loop`; `RuntimeError` if another one is current. */
export function _enter_task(loop: AbstractEventLoop, task: Task<unknown>): void {
  const l = loop as unknown as LoopTaskStore;
  const cur = l._asyncio_current_task;
  if (cur !== undefined && cur !== null) {
    throw new RuntimeError(
      `Cannot enter into task ${repr(task)} while another task ${repr(cur)} is being executed.`,
    );
  }
  l._asyncio_current_task = task;
}

/** Ends `task` being current on `loop`; `RuntimeError` if it is not the current one. */
export function _leave_task(loop: AbstractEventLoop, task: Task<unknown>): void {
  const l = loop as unknown as LoopTaskStore;
  const cur = l._asyncio_current_task;
  if (cur !== task) {
    throw new RuntimeError(
      `Leaving task ${repr(task)} does not match the current task ${repr(cur ?? null)}.`,
    );
  }
  l._asyncio_current_task = null;
}

/** Makes `task` (or none) current on `loop`; returns the previous one. */
export function _swap_current_task(
  loop: AbstractEventLoop,
  task: Task<unknown> | null,
): Task<unknown> | null {
  const l = loop as unknown as LoopTaskStore;
  const prev = l._asyncio_current_task ?? null;
  l._asyncio_current_task = task;
  return prev;
}

/** Unregisters a finished task. */
export function _unregister_task(task: Task<unknown>): void {
  const store = (_get_loop(task) as unknown as LoopTaskStore)._asyncio_tasks;
  if (store === undefined) return;
  if (!(task instanceof Task)) {
    store.strong.delete(task);
    return;
  }
  if (task._ll_prev !== null || store.head === task) {
    const prev = task._ll_prev, next = task._ll_next;
    if (prev !== null) prev._ll_next = next;
    else store.head = next;
    if (next !== null) next._ll_prev = prev;
    task._ll_prev = task._ll_next = null;
  }
  const reg = task._registration;
  if (reg === null || reg === undefined) return;
  task._registration = null;
  _task_registry.unregister(reg);
  store.weak.delete(reg.ref);
}

/** Unregisters a task that finished its eager first step. */
export function _unregister_eager_task(task: Task<unknown>): void {
  _eager_tasks.delete(task);
}

/** @internal Names the coroutine a task runs, for reprs. */
export { _set_coro_name };

_set_module("asyncio.tasks", _AsCompletedIterator);
