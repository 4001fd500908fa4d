/**
 * Port of `asyncio/timeouts.py`: `timeout()`, `timeout_at()` and the `Timeout` context manager.
 *
 * On expiry the enclosing task is cancelled; on exit, if this timeout's cancellation is the one
 * propagating (the task's `uncancel()` count drops back to what it was on entry), the
 * `CancelledError` becomes a `TimeoutError`. That arithmetic is what makes nested timeouts, and
 * timeouts inside cancelled tasks, report the right thing.
 *
 * @module
 */

import { get_running_loop, type Handle } from "./events.ts";
import { CancelledError } from "./exceptions.ts";
import { current_task, type Task } from "./tasks.ts";
import { _set_plain_form } from "./coroutines.ts";
import {
  bad_operands,
  is_exception_group,
  RuntimeError,
  TimeoutError,
  type_name,
  unorderable,
} from "./stdlib/builtins.ts";

/** Python's `_State` of a Timeout. */
export enum _State {
  CREATED = "created",
  ENTERED = "active",
  EXPIRING = "expiring",
  EXPIRED = "expired",
  EXITED = "finished",
}

/**
 * Python's `asyncio.Timeout`. Use {@linkcode timeout} or {@linkcode timeout_at} to make one, and
 * enter it with `async_with`.
 *
 * @example
 * ```ts
 * import * as asyncio from "./mod.ts";
 * function* main() {
 *   try {
 *     yield* asyncio.async_with(asyncio.timeout(0.01), function* () {
 *       yield* asyncio.sleep(10);
 *     });
 *   } catch (e) {
 *     return e instanceof asyncio.TimeoutError;
 *   }
 *   return false;
 * }
 * console.assert(await asyncio.run(main()) === true);
 * ```
 */
export class Timeout {
  /** @internal */
  _state: _State = _State.CREATED;
  /** @internal */
  _timeout_handler: Handle | null = null;
  /** @internal */
  _task: Task<unknown> | null = null;
  /** @internal */
  _when: number | null;
  /** @internal */
  _cancelling = 0;
  /** @internal The loop time `timeout()` computed the deadline from (see `_enter`). */
  _made_at = 0;
  /** @internal The loop and the iteration (`_iteration`) `timeout()` made this in. */
  _made_in = -1;
  /** @internal (see `_made_in`) */
  _made_by: object | null = null;
  private readonly _on_timeout_cb = () => this._on_timeout();

  /** A timeout at the loop time `when` (`null`: never). */
  constructor(when: number | null) {
    this._when = when;
  }

  /** The deadline (loop time), or `null`. */
  when(): number | null {
    return this._when;
  }

  /** Moves the deadline (`null`: never); only while the timeout is active. */
  reschedule(when: number | null): void {
    if (this._state !== _State.ENTERED) {
      if (this._state === _State.CREATED) throw new RuntimeError("Timeout has not been entered");
      throw new RuntimeError(`Cannot change state of ${this._state} Timeout`);
    }
    this._reschedule(when, null);
  }

  /**
   * @internal `reschedule` past its state checks; `now` is the loop time if the caller knows it
   * (see `_enter`), or `null` to read it here.
   */
  _reschedule(when: number | null, now: number | null): void {
    this._when = when;
    if (this._timeout_handler !== null) this._timeout_handler.cancel();
    if (when === null || when === undefined) {
      this._timeout_handler = null;
    } else {
      if (typeof when !== "number") {
        throw unorderable("<=", type_name(when), "float");
      }
      const loop = get_running_loop();
      if (when <= (now ?? loop.time())) this._timeout_handler = loop.call_soon(this._on_timeout_cb);
      else this._timeout_handler = loop.call_at(when, this._on_timeout_cb);
    }
  }

  /** Whether the deadline passed while the block ran. */
  expired(): boolean {
    return this._state === _State.EXPIRING || this._state === _State.EXPIRED;
  }

  /** Python's repr: `<Timeout [active] when=12.345>`. */
  __repr__(): string {
    const info = [""];
    if (this._state === _State.ENTERED) {
      const when = this._when !== null ? String(Math.round(this._when * 1000) / 1000) : "None";
      info.push(`when=${when}`);
    }
    return `<Timeout [${this._state}]${info.join(" ")}>`;
  }

  /** Enters the timeout (inside a task). */
  // deno-lint-ignore require-yield
  *__aenter__(): Generator<unknown, this, unknown> {
    return this._enter();
  }

  /**
   * @internal `__aenter__` without its generator (it never suspends): what `wait_for` calls, one
   * generator fewer per call.
   *
   * A timeout made by `timeout(delay)` with `delay` of 1 µs or more and entered in the same loop
   * iteration (`async_with(timeout(d), ...)`, `wait_for`) decides whether its deadline has passed
   * with the time the deadline was computed from, where CPython reads the clock again: a read
   * costs ~0.1 µs on this machine, a third of what a `wait_for` that finishes in time spends in
   * the loop. The second read can only matter if the time between the two reads reaches `delay`:
   * CPython then calls the timeout soon where this makes it a timer already due. Both expire in
   * the next iteration; only the timeout's place among that iteration's callbacks differs. (A
   * shorter delay, and a timeout entered in a later iteration, read the clock as CPython does.)
   */
  _enter(): this {
    if (this._state !== _State.CREATED) throw new RuntimeError("Timeout has already been entered");
    const task = current_task();
    if (task === null) throw new RuntimeError("Timeout should be used inside a task");
    this._state = _State.ENTERED;
    this._task = task;
    this._cancelling = task.cancelling();
    const loop = task.get_loop() as { _iteration?: number };
    const known = this._made_by === loop && this._made_in === loop._iteration;
    this._reschedule(this._when, known ? this._made_at : null);
    return this;
  }

  /** Leaves the timeout; turns its own cancellation into `TimeoutError`. */
  // deno-lint-ignore require-yield
  *__aexit__(exc_type: unknown, exc_val: unknown, _exc_tb: unknown): Generator<unknown, null, unknown> {
    return this._exit(exc_type, exc_val);
  }

  /** @internal `__aexit__` without its generator (it never suspends), as `_enter`. */
  _exit(exc_type: unknown, exc_val: unknown): null {
    if (this._state !== _State.ENTERED && this._state !== _State.EXPIRING) {
      throw new RuntimeError(`Timeout exited in state ${this._state}`);
    }
    if (this._timeout_handler !== null) {
      this._timeout_handler.cancel();
      this._timeout_handler = null;
    }
    if (this._state === _State.EXPIRING) {
      this._state = _State.EXPIRED;
      if ((this._task as Task<unknown>).uncancel() <= this._cancelling && exc_type !== null) {
        if (exc_val instanceof CancelledError) {
          const te = new TimeoutError();
          te.__cause__ = exc_val;
          te.__context__ = exc_val;
          te.__suppress_context__ = true;
          throw te;
        } else if (exc_val !== null && exc_val !== undefined) {
          Timeout._insert_timeout_error(exc_val);
          if (is_exception_group(exc_val)) {
            for (const exc of exc_val.exceptions) Timeout._insert_timeout_error(exc);
          }
        }
      }
    } else if (this._state === _State.ENTERED) {
      this._state = _State.EXITED;
    }
    return null;
  }

  /** @internal */
  _on_timeout(): void {
    (this._task as Task<unknown>).cancel();
    this._state = _State.EXPIRING;
    this._timeout_handler = null;
  }

  /**
   * @internal Puts a `TimeoutError` between an exception and the `CancelledError` in its
   * `__context__` chain. JavaScript does not chain exceptions by itself, so this only finds the
   * `CancelledError` where `__context__` was set explicitly.
   */
  static _insert_timeout_error(exc_val: unknown): void {
    let e = exc_val as { __context__?: unknown };
    while (e !== null && typeof e === "object" && e.__context__ !== null && e.__context__ !== undefined) {
      if (e.__context__ instanceof CancelledError) {
        const te = new TimeoutError();
        te.__context__ = te.__cause__ = e.__context__;
        e.__context__ = te;
        break;
      }
      e = e.__context__ as { __context__?: unknown };
    }
  }
}
_set_plain_form(Timeout.prototype.__aenter__, Timeout.prototype._enter);
_set_plain_form(
  Timeout.prototype.__aexit__,
  function (this: Timeout, exc_type: unknown, exc_val: unknown): null {
    return this._exit(exc_type, exc_val);
  },
);

/**
 * A timeout `delay` seconds from now (`null`: never), to enter with `async_with`. When it
 * expires the block is cancelled and `TimeoutError` is raised out of it.
 */
export function timeout(delay: number | null): Timeout {
  const loop = get_running_loop();
  if (delay === null || delay === undefined) return new Timeout(null);
  if (typeof delay !== "number") {
    throw bad_operands("+", "float", type_name(delay));
  }
  const now = loop.time();
  const t = new Timeout(now + delay);
  const iteration = (loop as { _iteration?: number })._iteration;
  if (iteration !== undefined && delay >= 1e-6) {
    t._made_at = now;
    t._made_in = iteration;
    t._made_by = loop;
  }
  return t;
}

/** Like {@linkcode timeout}, with an absolute deadline on `loop.time()`'s clock. */
export function timeout_at(when: number | null): Timeout {
  return new Timeout(when);
}
