/**
 * Port of `asyncio/futures.py`: `Future`, and the bridges to JavaScript Promises.
 *
 * A `Future` is its own iterator: `yield* fut` in a coroutine yields the future to the task (which
 * waits for it) and evaluates to `fut.result()`. It is also a thenable, so plain `async` code can
 * `await fut`. A Promise can be awaited from a coroutine through {@linkcode wrap_promise}.
 *
 * @module
 */

import { _CANCELLED, _FINISHED, _future_repr, _PENDING, type FutureState, isfuture } from "./base_futures.ts";
import { CancelledError, InvalidStateError } from "./exceptions.ts";
import {
  _callback_failed,
  type AbstractEventLoop,
  type AnyFn,
  type ExceptionContext,
  get_event_loop,
  Handle,
} from "./events.ts";
import {
  _context_from_data,
  _current_data,
  _run_in_data1,
  Context,
  type ContextVar,
  copy_context,
} from "./stdlib/contextvars.ts";

/** The variables of a context copy not made into a Context object yet. */
type CtxData = ReadonlyMap<ContextVar<unknown>, unknown>;
import { RuntimeError, StopIteration, TypeError, ValueError } from "./stdlib/builtins.ts";
import { extract_stack, type FrameSummary } from "./format_helpers.ts";
import { runtime } from "./stdlib/_host.ts";
import { _Collected, repr } from "./stdlib/_repr.ts";

export { isfuture };

/** A done callback: called with the future once it is done. */
// deno-lint-ignore no-explicit-any
export type DoneCallback<F = any> = (fut: F) => unknown;

/** What the "exception was never retrieved" finalizer needs, without the future itself. */
interface Unretrieved {
  loop: AbstractEventLoop;
  message: string;
  exception: unknown;
  /** The exception itself, when `exception` is a stand-in for it (see _report_copy). */
  exception_ref: WeakRef<object> | null;
  /**
   * A task's context, or its variables (see Task's `_context`): the report runs in it, as CPython
   * runs a task's finalizer (gh-96704).
   */
  context: Context | CtxData | null;
  future: string;
  source_traceback: FrameSummary[] | null;
}

const _unretrieved = new FinalizationRegistry<Unretrieved>((held) => {
  const context: ExceptionContext = {
    message: held.message,
    exception: held.exception_ref?.deref() ?? held.exception,
    future: new _Collected(held.future),
  };
  if (held.source_traceback) context.source_traceback = held.source_traceback;
  try {
    const ctx = held.context === null || held.context instanceof Context
      ? held.context
      : _context_from_data(held.context);
    if (ctx !== null && !ctx._entered) {
      ctx.run(() => held.loop.call_exception_handler(context));
    } else {
      held.loop.call_exception_handler(context);
    }
  } catch {
    // A finalizer has nowhere to report to.
  }
});

/** @internal The loop methods the future uses on its hot path (BaseEventLoop has them). */
interface FastLoop {
  _call_soon?(cb: DoneCallback, args: unknown[], ctx: Context | null): unknown;
  _add_callback?(handle: unknown): void;
  _check_closed(): void;
  _debug: boolean;
  call_soon: unknown;
  _native_call_soon?: unknown;
}

/**
 * @internal Marks a `_run` method that, called on a done future, runs the done callback kept in
 * `_callback0` (Future's own, and Task's): only a future whose `_run` is such a method is queued as
 * the handle of its callback (a subclass with a `_run` of its own is not).
 */
export const _runs_done_callback: unique symbol = Symbol("asyncio.runs_done_callback");

/**
 * @internal A task waiting on a future, as the future's callback list holds it: the entry
 * `[_task_wakeup, task]` stands for "wake `task` up" (CPython's C Task registers itself in the same
 * spirit, with no bound method per task). When the future is done, the task puts itself in the
 * loop's ready queue as the handle of its wake-up (no closure per task, no Handle per wake-up).
 */
export interface _Waker {
  /** The context the wake-up runs in. */
  get_context(): Context;
  /** Schedules the wake-up on the loop (the task is its own handle). */
  _schedule_wakeup(fut: Future<unknown>): void;
  /** The wake-up itself. */
  __wakeup(fut: Future<unknown>): void;
}

/**
 * @internal The callback of a `[_task_wakeup, task]` entry (see {@linkcode _Waker}); a future
 * never calls it directly. Its name is what reprs show, as CPython's `Task.task_wakeup`.
 */
export function _task_wakeup(_fut: Future<unknown>): void {
  throw new RuntimeError("_task_wakeup stands for a waiting task and is never called");
}
(_task_wakeup as { __qualname__?: string }).__qualname__ = "Task.task_wakeup";

/**
 * A stand-in for `e` in a report: an object of its class with its own properties and its stack
 * as text, but not the frames (nor the causes, which may hold frames too).
 */
function _report_copy(e: Error): Error {
  const copy = Object.create(Object.getPrototypeOf(e)) as Error;
  for (const k of Object.getOwnPropertyNames(e)) {
    if (k === "__cause__" || k === "__context__" || k === "stack") continue;
    Object.defineProperty(copy, k, Object.getOwnPropertyDescriptor(e, k)!);
  }
  Object.defineProperty(copy, "stack", { value: String(e.stack), writable: true, configurable: true });
  return copy;
}

/** The keyword options of `Future`'s constructor. */
export interface FutureOptions {
  /** The loop the future belongs to (default: `get_event_loop()`). */
  loop?: AbstractEventLoop | null;
}

// Whether the engine lets Error.stackTraceLimit be set (V8 and JavaScriptCore do; a frozen
// realm may not).
const _can_limit_stack = (() => {
  const d = Object.getOwnPropertyDescriptor(Error, "stackTraceLimit");
  return d !== undefined && d.writable === true && typeof d.value === "number";
})();

/**
 * @internal The CancelledError the loop raises for a cancelled future or task (`msg` null: no
 * argument), made without a JavaScript stack. Where the loop makes one is its own code (a task
 * waking up from the future it awaited, a gather collecting results), never the program's, so
 * its frames would tell nothing, and capturing them is most of what a cancellation costs on Node
 * (1-2 µs an error: cancelling 100,000 waiting tasks ran at about 0.65x CPython with them, 3.9-4.2x
 * without, `bench:compare`'s `cancel_100k_sleeping_tasks`). Its `stack` is its first line on every
 * host (Deno still pays for a capture of its own, whatever the limit; Bun leaves `stack` out under a
 * limit of 0, so it is set), and a traceback printed for it is the exception line alone (README,
 * "Tracebacks come from JavaScript stacks").
 */
export function _loop_cancelled_error(msg: unknown): CancelledError {
  if (!_can_limit_stack) {
    const e = _new_cancelled_error(msg);
    Object.defineProperty(e, "stack", { value: e.toString(), writable: true, configurable: true });
    return e;
  }
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  let e: CancelledError;
  try {
    e = _new_cancelled_error(msg);
  } finally {
    Error.stackTraceLimit = limit;
  }
  // (`stack` is read on Bun only: on V8 the first read formats it, through the host)
  if (runtime === "bun" && typeof e.stack !== "string") {
    Object.defineProperty(e, "stack", { value: e.toString(), writable: true, configurable: true });
  }
  return e;
}

/** `CancelledError()` for a null message, else `CancelledError(msg)` (CPython's `_cancel_message`). */
function _new_cancelled_error(msg: unknown): CancelledError {
  return msg === null || msg === undefined ? new CancelledError() : new CancelledError(msg);
}

/**
 * Python's `asyncio.Future`: a result that will be available later.
 *
 * @example Awaiting a future from a coroutine
 * ```ts
 * import * as asyncio from "./mod.ts";
 * function* main() {
 *   const loop = asyncio.get_running_loop();
 *   const fut = loop.create_future<string>();
 *   loop.call_later(0.01, () => fut.set_result("done"));
 *   return yield* fut;
 * }
 * console.assert(await asyncio.run(main()) === "done");
 * ```
 */
export class Future<T = unknown> implements Iterator<Future<T>, T, unknown>, PromiseLike<T> {
  /** @internal */
  _state: FutureState = _PENDING;
  /** @internal */
  _result: T | undefined = undefined;
  /** @internal */
  _exception: unknown = null;
  /** @internal */
  _loop: AbstractEventLoop;
  // `_source_traceback` (debug mode), `_cancel_message` and `_cancelled_exc` (a cancellation) are
  // set on few futures: they default to null on the prototype (after the class), which keeps every
  // future and task three fields smaller.
  /** @internal Where the future was made (debug mode). */
  declare _source_traceback: FrameSummary[] | null;
  /** @internal The message of `cancel(msg)`. */
  declare _cancel_message: unknown;
  /** @internal The CancelledError made for the cancellation (made once). */
  declare _cancelled_exc: CancelledError | null;
  /**
   * @internal The first done callback, kept in two fields rather than in a list (as CPython's C
   * Future keeps `fut_callback0`/`fut_context0`): most futures and tasks have exactly one.
   */
  _callback0: DoneCallback | null = null;
  /** @internal Its context, or the variables of the context copy it runs in (see _callbacks). */
  _context0: Context | CtxData | _Waker | null = null;
  /**
   * @internal The other done callbacks and their contexts, or the variables of the context copy
   * they run in (`null` until one is added).
   */
  _callbacks: [DoneCallback, Context | CtxData | _Waker][] | null = null;
  /** @internal Whether the "never retrieved" report holds a copy of the exception (tasks). */
  declare _report_by_copy: boolean;
  /**
   * Set while a task awaits this future (`yield*`): that is how `Task.__step` recognizes a
   * future. An object with a non-null `_asyncio_future_blocking` is taken for a future.
   */
  _asyncio_future_blocking = false;
  /** @internal */
  private __log_traceback = false;
  /** @internal */
  // One waiter is kept as it is, several in a Set (most futures have one waiter at most).
  private __asyncio_awaited_by: Future<unknown> | Set<Future<unknown>> | null = null;

  /** Creates a pending future bound to `options.loop` (default: `get_event_loop()`). */
  constructor(options?: FutureOptions) {
    const loop = options?.loop;
    this._loop = loop ?? get_event_loop();
    if (this._loop._debug) this._source_traceback = extract_stack(2);
  }

  /** Python's repr: `<Future pending cb=[...]>`. */
  __repr__(): string {
    return _future_repr(this);
  }

  /** Python's `str()`. */
  toString(): string {
    return this.__repr__();
  }

  /** @internal Whether an unretrieved exception would be logged. */
  get _log_traceback(): boolean {
    return this.__log_traceback;
  }
  set _log_traceback(val: boolean) {
    if (val) throw new ValueError("_log_traceback can only be set to False");
    if (this.__log_traceback) {
      this.__log_traceback = false;
      _unretrieved.unregister(this);
    }
  }

  /** @internal The tasks/futures awaiting this one (3.14's call-graph support), or `null`. */
  get _asyncio_awaited_by(): ReadonlySet<Future<unknown>> | null {
    const a = this.__asyncio_awaited_by;
    if (a === null) return null;
    return a instanceof Set ? new Set(a) : new Set([a]);
  }

  /** @internal */
  _awaited_by_add(waiter: Future<unknown>): void {
    const a = this.__asyncio_awaited_by;
    if (a === null) this.__asyncio_awaited_by = waiter;
    else if (a instanceof Set) a.add(waiter);
    else if (a !== waiter) this.__asyncio_awaited_by = new Set([a, waiter]);
  }

  /** @internal */
  _awaited_by_discard(waiter: Future<unknown>): void {
    const a = this.__asyncio_awaited_by;
    if (a === waiter) this.__asyncio_awaited_by = null;
    else if (a instanceof Set) a.delete(waiter);
  }

  /** The event loop the future is bound to. */
  get_loop(): AbstractEventLoop {
    const loop = this._loop;
    if (loop === null || loop === undefined) throw new RuntimeError("Future object is not initialized.");
    return loop;
  }

  /**
   * @internal The CancelledError to raise (the saved one first, once). The loop's own callers
   * (a task waking up, gather) pass `stackless`: see {@linkcode _loop_cancelled_error}. Raised by
   * `result()` or `exception()`, it keeps the stack of the code that asked.
   */
  _make_cancelled_error(stackless = false): CancelledError {
    if (this._cancelled_exc !== null) {
      const exc = this._cancelled_exc;
      this._cancelled_exc = null;
      return exc;
    }
    return stackless
      ? _loop_cancelled_error(this._cancel_message)
      : _new_cancelled_error(this._cancel_message);
  }

  /** Cancels the future and schedules its callbacks; `false` if it was already done. */
  cancel(msg: unknown = null): boolean {
    this._log_traceback = false;
    if (this._state !== _PENDING) return false;
    this._state = _CANCELLED;
    this._cancel_message = msg ?? null;
    this.__schedule_callbacks();
    return true;
  }

  /** Schedules every done callback with `call_soon` and clears the list. */
  private __schedule_callbacks(): void {
    const callback0 = this._callback0;
    const callbacks = this._callbacks;
    if (callback0 === null && callbacks === null) return;
    const context0 = this._context0;
    this._callback0 = null;
    this._context0 = null;
    this._callbacks = null;
    const loop = this._loop as unknown as FastLoop;
    // (only the loop's own call_soon, unreplaced, is the loop's `_native_call_soon`: a loop of
    // another kind, or one whose call_soon was replaced, takes the public path)
    if (loop.call_soon !== loop._native_call_soon) {
      if (callback0 !== null) this.__schedule_generic(callback0, context0!);
      if (callbacks !== null) {
        for (let i = 0; i < callbacks.length; i++) this.__schedule_generic(callbacks[i][0], callbacks[i][1]);
      }
      return;
    }
    // The loop's own path (what CPython's C Future does): no argument parsing per callback.
    loop._check_closed();
    if (callback0 !== null) {
      if (callback0 === _task_wakeup) {
        (context0 as _Waker)._schedule_wakeup(this);
      } else if (
        callbacks === null && !loop._debug &&
        (this._run as { [_runs_done_callback]?: true })[_runs_done_callback] === true
      ) {
        // The only callback: the future itself waits in the ready queue as the handle that runs
        // it (no Handle, no argument list), keeping it in `_callback0` until then; a done future
        // has no callback list to show or remove from, so nothing else sees it there.
        this._callback0 = callback0;
        this._context0 = context0;
        loop._add_callback!(this);
      } else {
        this.__schedule_fast(loop, callback0, context0!, [this]);
      }
    }
    if (callbacks !== null) {
      const args = [this];
      for (let i = 0; i < callbacks.length; i++) {
        const [callback, ctx] = callbacks[i];
        if (callback === _task_wakeup) (ctx as _Waker)._schedule_wakeup(this);
        else this.__schedule_fast(loop, callback, ctx, args);
      }
    }
  }

  /** One callback, through the loop's `_call_soon`. */
  private __schedule_fast(
    loop: FastLoop,
    callback: DoneCallback,
    ctx: Context | CtxData | _Waker,
    args: unknown[],
  ) {
    // (a Handle keeps a Context or the variables of a context copy in the same field: either is
    // passed as the handle's context)
    loop._call_soon!(callback, args, ctx as Context);
  }

  /** One callback, through a loop's public `call_soon`. */
  private __schedule_generic(callback: DoneCallback, ctx: Context | CtxData | _Waker): void {
    if (callback === _task_wakeup) {
      const task = ctx as _Waker;
      this._loop.call_soon((fut: Future<unknown>) => task.__wakeup(fut), this, {
        context: task.get_context(),
      });
    } else {
      this._loop.call_soon(callback, this, {
        context: ctx instanceof Context ? ctx : _context_from_data(ctx as CtxData),
      });
    }
  }

  /**
   * @internal Whether `fn` is one of the done callbacks (added and not run yet). Looked for from
   * the newest: a caller asking about a callback it added is answered at once.
   */
  _has_done_callback(fn: DoneCallback): boolean {
    if (this._callback0 === fn) return true;
    const cbs = this._callbacks;
    if (cbs === null) return false;
    for (let i = cbs.length - 1; i >= 0; i--) if (cbs[i][0] === fn) return true;
    return false;
  }

  /** @internal Adds a callback entry (the first one goes in `_callback0`, as CPython's C Future). */
  _add_callback_entry(fn: DoneCallback, ctx: Context | CtxData | _Waker): void {
    if (this._callback0 === null && this._callbacks === null) {
      this._callback0 = fn;
      this._context0 = ctx;
    } else if (this._callbacks === null) {
      // (an array literal: exactly one slot, where push() on [] would reserve 17)
      this._callbacks = [[fn, ctx]];
    } else {
      this._callbacks.push([fn, ctx]);
    }
  }

  /** Whether the future was cancelled. */
  cancelled(): boolean {
    return this._state === _CANCELLED;
  }

  /** Whether the future is done (it has a result, an exception, or was cancelled). */
  done(): boolean {
    return this._state !== _PENDING;
  }

  /**
   * The result. Raises the exception if one was set, `CancelledError` if cancelled,
   * `InvalidStateError('Result is not ready.')` if pending.
   */
  result(): T {
    if (this._state === _CANCELLED) throw this._make_cancelled_error();
    if (this._state !== _FINISHED) throw new InvalidStateError("Result is not set.");
    if (this.__log_traceback) this._log_traceback = false;
    if (this._exception !== null) throw this._exception;
    return this._result as T;
  }

  /** The exception set (or `null`), once done; `CancelledError` if cancelled. */
  exception(): unknown {
    if (this._state === _CANCELLED) throw this._make_cancelled_error();
    if (this._state !== _FINISHED) throw new InvalidStateError("Exception is not set.");
    if (this.__log_traceback) this._log_traceback = false;
    return this._exception;
  }

  /**
   * Adds a callback called (through `call_soon`) with the future once it is done; right away
   * (also through `call_soon`) if it is done already.
   */
  add_done_callback(fn: DoneCallback<this>, options?: { context?: Context | null }): void {
    const context = options?.context;
    if (this._state !== _PENDING) {
      this._loop.call_soon(fn, this, { context: context ?? null });
    } else {
      // Without a context, the callback runs in a copy of the current one: keep its variables
      // now, make the Context object only if someone asks for it (see Handle).
      this._add_callback_entry(fn as DoneCallback, context ?? _current_data());
    }
  }

  /** Removes every instance of `fn` from the callbacks; returns how many were removed. */
  remove_done_callback(fn: DoneCallback<this>): number {
    // (a done future's callbacks were all scheduled: its list is empty)
    if (this._state !== _PENDING) return 0;
    let cleared0 = 0;
    if (this._callback0 !== null && this._callback0 === fn) {
      this._callback0 = null;
      this._context0 = null;
      cleared0 = 1;
    }
    const cbs = this._callbacks;
    if (cbs === null) return cleared0;
    let n = 0;
    for (let i = 0; i < cbs.length; i++) if (cbs[i][0] !== fn) cbs[n++] = cbs[i];
    const removed = cbs.length - n;
    if (n === 0) this._callbacks = null;
    else cbs.length = n;
    return removed + cleared0;
  }

  /** @internal The callbacks, for reprs. */
  _callback_list(): readonly (readonly [unknown, unknown])[] {
    // (the second item is a Context, the variables of one, or a waiting task)
    if (this._state !== _PENDING) return [];
    const rest = this._callbacks ?? [];
    return this._callback0 === null ? rest : [[this._callback0, this._context0], ...rest];
  }

  /**
   * @internal Handle protocol, for a done future queued as the handle of its only done callback
   * (see __schedule_callbacks): runs it, in its context, as the Handle it stands for would.
   */
  _run(): void {
    this._run_done_callback();
  }

  /** @internal Runs the done callback kept in `_callback0` (see `_run`). */
  _run_done_callback(): void {
    const callback = this._callback0!;
    const ctx = this._context0 as Context | CtxData;
    this._callback0 = null;
    this._context0 = null;
    try {
      _run_in_data1(ctx, callback, this);
    } catch (exc) {
      // The report names the Handle the callback would have had.
      const handle = new Handle(callback as AnyFn, [this], this._loop, ctx as Context);
      _callback_failed(handle, this._loop, callback, [this], exc, null);
    }
  }

  /** Sets the result; `InvalidStateError` if the future is done. */
  set_result(result: T): void {
    if (this._state !== _PENDING) throw new InvalidStateError("invalid state");
    this._result = result;
    this._state = _FINISHED;
    this.__schedule_callbacks();
  }

  /**
   * Sets an exception; `InvalidStateError` if done. A class is instantiated; a `StopIteration`
   * becomes a `RuntimeError`, as in CPython. Any value JavaScript can throw is taken (a task keeps
   * what its coroutine threw, `throw "text"` included); `null`/`undefined` raise CPython's
   * `TypeError('invalid exception object')`, which CPython raises for any non-exception.
   */
  set_exception(exception: unknown): void {
    if (this._state !== _PENDING) throw new InvalidStateError("invalid state");
    if (typeof exception === "function") {
      exception = new (exception as new () => unknown)();
    }
    if (exception instanceof StopIteration) {
      const new_exc = new RuntimeError(
        "StopIteration interacts badly with generators and cannot be raised into a Future",
      );
      new_exc.__cause__ = exception;
      new_exc.__context__ = exception;
      exception = new_exc;
    }
    if (exception === null || exception === undefined) {
      throw new TypeError("invalid exception object");
    }
    this._exception = exception;
    this._state = _FINISHED;
    this.__schedule_callbacks();
    this.__log_traceback = true;
    // The registry holds what it reports strongly. An exception a task's step threw keeps the
    // frames it was thrown through, the task's own among them, with their receivers (V8 until its
    // stack is read, Deno for good, for its error reports): holding it would keep the task alive
    // through its own report, never collected nor reported. So a task's report holds a copy of its
    // exception and reaches the exception itself weakly (see _report_copy).
    const stand_in = this._report_by_copy && exception instanceof Error;
    _unretrieved.register(this, {
      loop: this._loop,
      message: `${this.constructor.name} exception was never retrieved`,
      exception: stand_in ? _report_copy(exception as Error) : exception,
      exception_ref: stand_in ? new WeakRef(exception as Error) : null,
      context: (this as { _context?: Context | CtxData })._context ?? null,
      // (its repr now, as the report will show it: a task's name and coroutine with it)
      future: this.__repr__(),
      source_traceback: this._source_traceback,
    }, this);
  }

  /**
   * The iterator protocol `yield*` drives (Python's `__await__`): the first `next()` of a
   * pending future yields the future itself (the task then waits for it); once it is done,
   * `next()` returns its result (or throws its exception).
   */
  next(): IteratorResult<Future<T>, T> {
    if (this._state === _PENDING) {
      // Still flagged from the last yield: nothing waited for it (Python's check, per await).
      if (this._asyncio_future_blocking) throw new RuntimeError("await wasn't used with future");
      this._asyncio_future_blocking = true;
      // In debug mode, where the awaiting coroutines are (graph.ts shows it for a waiting task).
      if (this._loop._debug) _awaited_at = _deep_error();
      return { done: false, value: this };
    }
    return { done: true, value: this.result() };
  }

  /** Rethrows an exception thrown into the awaiting coroutine (it surfaces at `yield*`). */
  throw(e?: unknown): IteratorResult<Future<T>, T> {
    throw e;
  }

  /** Ends an iteration early (a coroutine closed while awaiting). */
  return(value: T): IteratorResult<Future<T>, T> {
    return { done: true, value: value as T };
  }

  /** `yield* fut` iterates the future itself. */
  [Symbol.iterator](): Future<T> {
    return this;
  }

  /** Python's `__await__`: the same iterator. */
  __await__(): Future<T> {
    return this;
  }

  /**
   * Makes the future a thenable: plain `async` code can `await fut`. A cancelled future
   * rejects with `CancelledError`. Callbacks run when the loop runs the future's callbacks.
   */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const p = new Promise<T>((resolve, reject) => {
      const settle = () => {
        try {
          const r = this.result();
          // A Promise adopts a thenable result; a future resolving to itself would recurse forever.
          if (r === (this as unknown)) reject(new TypeError("Chaining cycle detected for Future"));
          else resolve(r);
        } catch (e) {
          reject(e);
        }
      };
      if (this._state !== _PENDING) settle();
      else this._add_callback_entry(settle, copy_context());
    });
    return p.then(onfulfilled, onrejected);
  }
}

Future.prototype._report_by_copy = false;
// Handle protocol (a done future queued as the handle of its callback is never a cancelled one).
(Future.prototype as unknown as { _cancelled: boolean })._cancelled = false;
(Future.prototype._run as { [_runs_done_callback]?: true })[_runs_done_callback] = true;
Future.prototype._source_traceback = null;
Future.prototype._cancel_message = null;
Future.prototype._cancelled_exc = null;

// The stack of the last await of a pending future, in debug mode (Future.next); the task that
// awaited takes it (_take_awaited_at).
let _awaited_at: Error | null = null;

/** @internal Takes the stack {@linkcode Future.next} saw last in debug mode (`null` if none since). */
export function _take_awaited_at(): Error | null {
  const e = _awaited_at;
  _awaited_at = null;
  return e;
}

/** @internal An `Error` whose stack goes as deep as a task's coroutines (a default one stops at 10 frames). */
export function _deep_error(): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 200;
  try {
    return new Error();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Python's `_PyFuture`: the same class (there is no C accelerator here). */
export const _PyFuture: typeof Future = Future;

/** @internal The loop of a future (or of a duck-typed one). */
export function _get_loop(fut: Future<unknown>): AbstractEventLoop {
  const get_loop = (fut as { get_loop?: () => AbstractEventLoop }).get_loop;
  if (typeof get_loop === "function") return get_loop.call(fut);
  return (fut as { _loop: AbstractEventLoop })._loop;
}

/** @internal Sets the result unless the future was cancelled. */
export function _set_result_unless_cancelled<T>(fut: Future<T>, result: T): void {
  if (fut.cancelled()) return;
  fut.set_result(result);
}

/** @internal Copies the state of a done `source` onto `dest`. */
export function _copy_future_state<T>(source: Future<T>, dest: Future<T>): void {
  if (dest.cancelled()) return;
  if (source.cancelled()) {
    dest.cancel();
  } else {
    const exception = source.exception();
    if (exception !== null) dest.set_exception(exception);
    else dest.set_result(source.result());
  }
}

/**
 * @internal Chains two futures: `destination` gets `source`'s outcome; cancelling
 * `destination` cancels `source`.
 */
export function _chain_future<T>(source: Future<T>, destination: Future<T>): void {
  if (!isfuture(source)) throw new TypeError("A future is required for source argument");
  if (!isfuture(destination)) throw new TypeError("A future is required for destination argument");
  const source_loop = _get_loop(source);
  const dest_loop = _get_loop(destination);
  destination.add_done_callback((d) => {
    if (d.cancelled()) {
      if (source_loop === dest_loop) source.cancel();
      else source_loop.call_soon_threadsafe(() => source.cancel());
    }
  });
  source.add_done_callback((s) => {
    if (destination.cancelled() && dest_loop.is_closed()) return;
    if (dest_loop === source_loop) _copy_future_state(s, destination);
    else if (!dest_loop.is_closed()) {
      dest_loop.call_soon_threadsafe(() => _copy_future_state(s, destination));
    }
  });
}

/**
 * Python's `wrap_future`. There are no `concurrent.futures` here: an asyncio Future is returned
 * as it is, and a Promise (or thenable) is wrapped with {@linkcode wrap_promise}.
 */
export function wrap_future<T>(
  future: Future<T> | PromiseLike<T>,
  options?: { loop?: AbstractEventLoop | null },
): Future<T> {
  if (isfuture(future)) return future as Future<T>;
  if (future !== null && typeof (future as PromiseLike<T>).then === "function") {
    return wrap_promise(future as PromiseLike<T>, options);
  }
  throw new TypeError(`concurrent.futures.Future is expected, got ${repr(future)}`);
}

/** @internal Host operations in flight; the loop yields to the host more often while any is. */
interface HostIoCounter {
  _host_io_begin?(): void;
  _host_io_end?(): void;
}

/**
 * Wraps a Promise (or any thenable) in a Future of the loop, so a coroutine can
 * `yield* wrap_promise(p)`. The Promise's value or rejection becomes the future's result or
 * exception. Cancelling the future (for instance by cancelling the task awaiting it) stops the
 * wait; the Promise itself keeps running, since Promises cannot be cancelled.
 *
 * @example
 * ```ts
 * import * as asyncio from "./mod.ts";
 * function* main() {
 *   return yield* asyncio.wrap_promise(Promise.resolve(42));
 * }
 * console.assert(await asyncio.run(main()) === 42);
 * ```
 */
export function wrap_promise<T>(
  promise: PromiseLike<T>,
  options?: { loop?: AbstractEventLoop | null },
): Future<T> {
  if (promise === null || typeof (promise as PromiseLike<T>)?.then !== "function") {
    throw new TypeError(`a Promise or thenable is required, got ${repr(promise)}`);
  }
  const loop = options?.loop ?? get_event_loop();
  const fut = loop.create_future<T>();
  const counter = loop as unknown as HostIoCounter;
  counter._host_io_begin?.();
  let ended = false;
  const end = () => {
    if (!ended) {
      ended = true;
      counter._host_io_end?.();
    }
  };
  // A cancelled wait no longer counts as host I/O the loop should hurry for.
  fut.add_done_callback(end);
  promise.then(
    (value) => {
      end();
      if (!loop.is_closed() && !fut.done()) {
        loop.call_soon_threadsafe(_set_result_unless_cancelled, fut, value);
      }
    },
    (err) => {
      end();
      if (!loop.is_closed() && !fut.done()) {
        loop.call_soon_threadsafe(_set_exception_unless_done, fut, err);
      }
    },
  );
  return fut;
}

function _set_exception_unless_done(fut: Future<unknown>, err: unknown): void {
  if (fut.done()) return;
  fut.set_exception(err ?? new RuntimeError("Promise rejected with " + repr(err)));
}

/** Python 3.14's `future_add_to_awaited_by(fut, waiter)`: records that `waiter` awaits `fut`. */
export function future_add_to_awaited_by(fut: unknown, waiter: unknown): void {
  if (fut instanceof Future && waiter instanceof Future) fut._awaited_by_add(waiter);
}

/** Python 3.14's `future_discard_from_awaited_by(fut, waiter)`. */
export function future_discard_from_awaited_by(fut: unknown, waiter: unknown): void {
  if (fut instanceof Future && waiter instanceof Future) fut._awaited_by_discard(waiter);
}
