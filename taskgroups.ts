/**
 * Port of `asyncio/taskgroups.py`: `TaskGroup`, structured concurrency.
 *
 * The first child to fail (with anything but `CancelledError`) aborts the group: the other
 * children and the body are cancelled, and on exit every error comes back together in a
 * `BaseExceptionGroup('unhandled errors in a TaskGroup', [...])`. `KeyboardInterrupt` and
 * `SystemExit` are re-raised as they are. The group tells its own cancellation of the parent
 * task from an outside one with `cancelling()`/`uncancel()`.
 *
 * @module
 */

import { type AbstractEventLoop, get_running_loop, type TaskOptions } from "./events.ts";
import { CancelledError } from "./exceptions.ts";
import { type Future, future_add_to_awaited_by, future_discard_from_awaited_by } from "./futures.ts";
import { current_task, type Task } from "./tasks.ts";
import { _set_plain_form, type Coroutine } from "./coroutines.ts";
import { BaseExceptionGroup, KeyboardInterrupt, RuntimeError, SystemExit } from "./stdlib/builtins.ts";
import { repr } from "./stdlib/_repr.ts";

/**
 * @internal A TaskGroup's children that its done callback has not seen yet (CPython's `_tasks`
 * set): `add` when a child is made, `delete` when its done callback runs, `size` how many are
 * left. A hash set makes every child cost an insert and a delete (and rehashing as it grows and
 * shrinks); here the children are kept in an array, a finished one until finished ones are the
 * majority, when the array is compacted. Iterating gives the children not done yet (what the
 * group cancels), not those done whose callback is still to run.
 */
export class _TaskSet implements Iterable<Task<unknown>> {
  /** How many children the group still waits for. */
  size = 0;
  private _list: Task<unknown>[] = [];

  /** A new child. */
  add(task: Task<unknown>): void {
    this._list.push(task);
    this.size++;
  }

  /** A child's done callback ran (once per child). */
  delete(_task: Task<unknown>): void {
    this.size--;
    const list = this._list;
    if (list.length > 32 && list.length > 2 * this.size) this._list = list.filter((t) => !t.done());
  }

  /** The children not done yet. */
  *[Symbol.iterator](): Iterator<Task<unknown>> {
    const list = this._list;
    for (let i = 0; i < list.length; i++) if (!list[i].done()) yield list[i];
  }
}

/**
 * Python's `asyncio.TaskGroup`, entered with `async_with`.
 *
 * Note for JavaScript: a child that catches `CancelledError` with a bare `catch` and does not
 * re-throw it keeps running after the group aborted; re-throw it.
 *
 * @example
 * ```ts
 * import * as asyncio from "./mod.ts";
 * function* fetch(n: number) { yield* asyncio.sleep(0.01 * n); return n; }
 * function* main() {
 *   const tasks: asyncio.Task<number>[] = [];
 *   yield* asyncio.async_with(new asyncio.TaskGroup(), function* (tg) {
 *     tasks.push(tg.create_task(fetch(1)), tg.create_task(fetch(2)));
 *   });
 *   return tasks[0].result() + tasks[1].result();
 * }
 * console.assert(await asyncio.run(main()) === 3);
 * ```
 */
export class TaskGroup {
  /** @internal */
  _entered = false;
  /** @internal */
  _exiting = false;
  /** @internal */
  _aborting = false;
  /** @internal */
  _loop: AbstractEventLoop | null = null;
  /** @internal */
  _parent_task: Task<unknown> | null = null;
  /** @internal */
  _parent_cancel_requested = false;
  /** @internal */
  _tasks: _TaskSet = new _TaskSet();
  /** @internal */
  _errors: unknown[] | null = [];
  /** @internal */
  _base_error: unknown = null;
  /** @internal */
  _on_completed_fut: Future<boolean> | null = null;
  private readonly _on_task_done_cb = (t: Task<unknown>) => this._on_task_done(t);

  /** Python's repr: `<TaskGroup tasks=2 entered>`. */
  __repr__(): string {
    const info = [""];
    if (this._tasks.size) info.push(`tasks=${this._tasks.size}`);
    if (this._errors && this._errors.length) info.push(`errors=${this._errors.length}`);
    if (this._aborting) info.push("cancelling");
    else if (this._entered) info.push("entered");
    return `<TaskGroup${info.join(" ")}>`;
  }

  /** Enters the group (inside a task). */
  // deno-lint-ignore require-yield
  *__aenter__(): Coroutine<this> {
    return this._enter();
  }

  /** @internal `__aenter__`'s work (it never suspends; see _set_plain_form). */
  _enter(): this {
    if (this._entered) throw new RuntimeError(`TaskGroup ${repr(this)} has already been entered`);
    if (this._loop === null) this._loop = get_running_loop();
    this._parent_task = current_task(this._loop);
    if (this._parent_task === null) {
      throw new RuntimeError(`TaskGroup ${repr(this)} cannot determine the parent task`);
    }
    this._entered = true;
    return this;
  }

  /** Leaves the group: waits for every child, then raises what must be raised. */
  *__aexit__(et: unknown, exc: unknown, _tb: unknown): Coroutine<null> {
    try {
      return yield* this._aexit(et, exc);
    } finally {
      this._parent_task = null;
      this._errors = null;
      this._base_error = null;
    }
  }

  /** The body of `__aexit__`. */
  private *_aexit(et: unknown, exc: unknown): Coroutine<null> {
    this._exiting = true;
    if (exc !== null && exc !== undefined && this._is_base_error(exc) && this._base_error === null) {
      this._base_error = exc;
    }
    let propagate_cancellation_error: unknown = null;
    if (et !== null && et !== undefined && exc instanceof CancelledError) propagate_cancellation_error = exc;
    if (et !== null && et !== undefined) {
      if (!this._aborting) this._abort();
    }
    // Wait for every child, even if this task gets cancelled meanwhile.
    while (this._tasks.size) {
      if (this._on_completed_fut === null) {
        this._on_completed_fut = (this._loop as AbstractEventLoop).create_future<boolean>();
      }
      try {
        yield* this._on_completed_fut;
      } catch (ex) {
        if (!(ex instanceof CancelledError)) throw ex;
        if (!this._aborting) {
          propagate_cancellation_error = ex;
          this._abort();
        }
      }
      this._on_completed_fut = null;
    }
    if (this._base_error !== null) throw this._base_error;
    const parent = this._parent_task as Task<unknown>;
    if (this._parent_cancel_requested) {
      // This group cancelled the parent; take that request back.
      if (parent.uncancel() === 0) propagate_cancellation_error = null;
    }
    const errors = this._errors as unknown[];
    if (propagate_cancellation_error !== null && errors.length === 0) throw propagate_cancellation_error;
    if (et !== null && et !== undefined && !(exc instanceof CancelledError)) errors.push(exc);
    if (errors.length) {
      // An outside cancellation of the parent is kept: request it again after the errors.
      if (parent.cancelling()) {
        parent.uncancel();
        parent.cancel();
      }
      const eg = new BaseExceptionGroup("unhandled errors in a TaskGroup", errors as Error[]);
      eg.__suppress_context__ = true;
      throw eg;
    }
    return null;
  }

  /**
   * Creates a child task in the group. Options are passed on as `create_task` does. Raises
   * `RuntimeError` (and closes the coroutine) before the group is entered, after it finished,
   * or while it is shutting down.
   */
  create_task<T>(coro: Coroutine<T>, options?: TaskOptions): Task<T> {
    if (!this._entered) {
      coro.return(undefined as T);
      throw new RuntimeError(`TaskGroup ${repr(this)} has not been entered`);
    }
    if (this._exiting && this._tasks.size === 0) {
      coro.return(undefined as T);
      throw new RuntimeError(`TaskGroup ${repr(this)} is finished`);
    }
    if (this._aborting) {
      coro.return(undefined as T);
      throw new RuntimeError(`TaskGroup ${repr(this)} is shutting down`);
    }
    const task = (this._loop as AbstractEventLoop).create_task(coro, options);
    future_add_to_awaited_by(task, this._parent_task);
    // An eager task may be done already: it is added all the same, and its done callback (scheduled,
    // as for any done future) drops it. Handling it here would cancel the body inside this call
    // (3.14, gh-128550).
    this._tasks.add(task as Task<unknown>);
    task.add_done_callback(this._on_task_done_cb);
    return task;
  }

  /** @internal `KeyboardInterrupt` and `SystemExit` are re-raised as they are. */
  _is_base_error(exc: unknown): boolean {
    return exc instanceof SystemExit || exc instanceof KeyboardInterrupt;
  }

  /** @internal Cancels every child not done. */
  _abort(): void {
    this._aborting = true;
    for (const t of this._tasks) t.cancel();
  }

  /** @internal */
  _on_task_done(task: Task<unknown>): void {
    this._tasks.delete(task);
    future_discard_from_awaited_by(task, this._parent_task);
    if (this._on_completed_fut !== null && this._tasks.size === 0) {
      if (!this._on_completed_fut.done()) this._on_completed_fut.set_result(true);
    }
    if (task.cancelled()) return;
    const exc = task.exception();
    if (exc === null) return;
    (this._errors as unknown[]).push(exc);
    if (this._is_base_error(exc) && this._base_error === null) this._base_error = exc;
    const parent = this._parent_task as Task<unknown>;
    if (parent.done()) {
      // Not expected: the parent finished without leaving the group.
      (this._loop as AbstractEventLoop).call_exception_handler({
        message: `Task ${repr(task)} has errored out but its parent task ${
          repr(parent)
        } is already completed`,
        exception: exc,
        task,
      });
      return;
    }
    if (!this._aborting && !this._parent_cancel_requested) {
      // The first error: cancel the siblings and the body (the parent task) once.
      this._abort();
      this._parent_cancel_requested = true;
      parent.cancel();
    }
  }
}
_set_plain_form(TaskGroup.prototype.__aenter__, TaskGroup.prototype._enter);
