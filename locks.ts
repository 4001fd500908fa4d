/**
 * Port of `asyncio/locks.py`: `Lock`, `Event`, `Condition`, `Semaphore`, `BoundedSemaphore` and
 * `Barrier`, with CPython's fairness (waiters woken in FIFO order) and its care for waiters
 * cancelled after they were woken (no permit is lost or handed out twice).
 *
 * Each is an asynchronous context manager: `yield* asyncio.async_with(lock, function* () {...})`.
 *
 * @module
 */

import { deque } from "./stdlib/collections.ts";
import { _LoopBoundMixin } from "./mixins.ts";
import { BrokenBarrierError, CancelledError } from "./exceptions.ts";
import { RuntimeError, ValueError } from "./stdlib/builtins.ts";
import type { Future } from "./futures.ts";
import { _set_plain_form, _set_wait_form, _WOULD_SUSPEND, async_with, type Coroutine } from "./coroutines.ts";
import { hex_id } from "./stdlib/_repr.ts";

/** `<asyncio.locks.NAME object at 0x... [extra]>`, as CPython's reprs of the primitives. */
function prim_repr(obj: object, extra: string): string {
  return `<asyncio.locks.${obj.constructor.name} object at ${hex_id(obj)} [${extra}]>`;
}

// The locks walk their waiters with index loops, not `for...of`: a deque's iterator is a
// generator, an allocation and a resumption per item on paths every acquire and release takes.

function _all_cancelled(waiters: deque<Future<boolean>>): boolean {
  for (let i = 0; i < waiters.length; i++) if (!waiters.at(i).cancelled()) return false;
  return true;
}

/** Python's `_ContextManagerMixin`: `async with` acquires and releases. */
export abstract class _ContextManagerMixin extends _LoopBoundMixin {
  /** Acquires. */
  abstract acquire(): Coroutine<boolean>;
  /** Releases. */
  abstract release(): void;

  /** `async with` enters by acquiring. */
  *__aenter__(): Coroutine<null> {
    yield* this.acquire();
    return null;
  }

  /**
   * @internal What `acquire()` does when it does not wait, if it would not wait (`true`); `false`,
   * having done nothing, if it would wait or is not the class's own `acquire` (overridden).
   */
  _try_acquire(): boolean {
    return false;
  }

  /** `async with` leaves by releasing. */
  // deno-lint-ignore require-yield
  *__aexit__(_exc_type: unknown, _exc: unknown, _tb: unknown): Coroutine<void> {
    this.release();
  }
}
_set_plain_form(_ContextManagerMixin.prototype.__aenter__, function (this: _ContextManagerMixin) {
  return this._try_acquire() ? null : _WOULD_SUSPEND;
});
_set_wait_form(_ContextManagerMixin.prototype.__aenter__, function (this: _ContextManagerMixin) {
  return this.acquire();
});
_set_plain_form(_ContextManagerMixin.prototype.__aexit__, function (this: _ContextManagerMixin): void {
  this.release();
});

/**
 * Python's `asyncio.Lock`: a mutual-exclusion lock, not owned by a task; waiters acquire it in
 * FIFO order.
 *
 * @example
 * ```ts
 * import * as asyncio from "./mod.ts";
 * const lock = new asyncio.Lock();
 * let inside = 0, max_inside = 0;
 * function* worker() {
 *   yield* asyncio.async_with(lock, function* () {
 *     inside++;
 *     max_inside = Math.max(max_inside, inside);
 *     yield* asyncio.sleep(0);
 *     inside--;
 *   });
 * }
 * function* main() {
 *   yield* asyncio.gather(worker(), worker(), worker());
 * }
 * await asyncio.run(main());
 * console.assert(max_inside === 1);
 * ```
 */
export class Lock extends _ContextManagerMixin {
  /** @internal */
  _waiters: deque<Future<boolean>> | null = null;
  /** @internal */
  _locked = false;

  /** Python's repr: `<asyncio.locks.Lock object at 0x... [unlocked]>`. */
  __repr__(): string {
    let extra = this._locked ? "locked" : "unlocked";
    if (this._waiters && this._waiters.length) extra = `${extra}, waiters:${this._waiters.length}`;
    return prim_repr(this, extra);
  }

  /** Whether the lock is held. */
  locked(): boolean {
    return this._locked;
  }

  /** @internal See _ContextManagerMixin._try_acquire. */
  override _try_acquire(): boolean {
    return this.acquire === Lock.prototype.acquire && this._take_if_free();
  }

  /** Takes the lock if that needs no waiting (free, and no waiter before us). */
  private _take_if_free(): boolean {
    if (!this._locked && (this._waiters === null || _all_cancelled(this._waiters))) {
      this._locked = true;
      return true;
    }
    return false;
  }

  /** Waits until the lock is free, then takes it; returns `true`. */
  *acquire(): Coroutine<boolean> {
    if (this._take_if_free()) return true;
    if (this._waiters === null) this._waiters = new deque();
    const fut = this._get_loop().create_future<boolean>();
    this._waiters.append(fut);
    try {
      try {
        yield* fut;
      } finally {
        this._waiters.remove(fut);
      }
    } catch (e) {
      if (e instanceof CancelledError) {
        if (!this._locked) this._wake_up_first();
      }
      throw e;
    }
    this._locked = true;
    return true;
  }

  /** Frees the lock and wakes the first waiter; `RuntimeError` if it is not held. */
  release(): void {
    if (this._locked) {
      this._locked = false;
      this._wake_up_first();
    } else {
      throw new RuntimeError("Lock is not acquired.");
    }
  }

  /** Wakes the first waiter, if any. */
  private _wake_up_first(): void {
    if (!this._waiters || this._waiters.length === 0) return;
    const fut = this._waiters.peekleft();
    if (!fut.done()) fut.set_result(true);
  }
}

/**
 * Python's `asyncio.Event`: a flag tasks can wait for.
 *
 * @example
 * ```ts
 * import * as asyncio from "./mod.ts";
 * function* main() {
 *   const ev = new asyncio.Event();
 *   asyncio.get_running_loop().call_later(0.01, () => ev.set());
 *   return yield* ev.wait();
 * }
 * console.assert(await asyncio.run(main()) === true);
 * ```
 */
export class Event extends _LoopBoundMixin {
  /** @internal */
  _waiters: deque<Future<boolean>> = new deque();
  /** @internal */
  _value = false;

  /** Python's repr: `<asyncio.locks.Event object at 0x... [unset]>`. */
  __repr__(): string {
    let extra = this._value ? "set" : "unset";
    if (this._waiters.length) extra = `${extra}, waiters:${this._waiters.length}`;
    return prim_repr(this, extra);
  }

  /** Whether the flag is set. */
  is_set(): boolean {
    return this._value;
  }

  /** Sets the flag and wakes every waiter. */
  set(): void {
    if (!this._value) {
      this._value = true;
      for (const fut of this._waiters) if (!fut.done()) fut.set_result(true);
    }
  }

  /** Clears the flag. */
  clear(): void {
    this._value = false;
  }

  /** Waits until the flag is set; returns `true`. */
  *wait(): Coroutine<boolean> {
    if (this._value) return true;
    const fut = this._get_loop().create_future<boolean>();
    this._waiters.append(fut);
    try {
      yield* fut;
      return true;
    } finally {
      this._waiters.remove(fut);
    }
  }
}

/**
 * Python's `asyncio.Condition`: tasks wait for a notification while holding a lock (its own,
 * or the `Lock` given).
 */
export class Condition extends _ContextManagerMixin {
  /** @internal */
  _lock: Lock;
  /** @internal */
  _waiters: deque<Future<boolean>> = new deque();

  /** Creates the condition over `lock` (default: a new `Lock`). */
  constructor(lock: Lock | null = null) {
    super();
    this._lock = lock ?? new Lock();
  }

  /** Whether the underlying lock is held. */
  locked(): boolean {
    return this._lock.locked();
  }

  /** Acquires the underlying lock. */
  acquire(): Coroutine<boolean> {
    return this._lock.acquire();
  }

  /** @internal See _ContextManagerMixin._try_acquire. */
  override _try_acquire(): boolean {
    return this.acquire === Condition.prototype.acquire && this._lock._try_acquire();
  }

  /** Releases the underlying lock. */
  release(): void {
    this._lock.release();
  }

  /** Python's repr. */
  __repr__(): string {
    let extra = this.locked() ? "locked" : "unlocked";
    if (this._waiters.length) extra = `${extra}, waiters:${this._waiters.length}`;
    return prim_repr(this, extra);
  }

  /**
   * Releases the lock, waits for a notification, re-acquires the lock, returns `true`.
   * `RuntimeError` if the lock is not held.
   */
  *wait(): Coroutine<boolean> {
    if (!this.locked()) throw new RuntimeError("cannot wait on un-acquired lock");
    const fut = this._get_loop().create_future<boolean>();
    this.release();
    try {
      try {
        this._waiters.append(fut);
        try {
          yield* fut;
          return true;
        } finally {
          this._waiters.remove(fut);
        }
      } finally {
        // Take the lock back, however many times this is cancelled meanwhile.
        let err: unknown = null;
        while (true) {
          try {
            yield* this.acquire();
            break;
          } catch (e) {
            if (e instanceof CancelledError) err = e;
            // deno-lint-ignore no-unsafe-finally
            else throw e;
          }
        }
        // CPython re-raises the last CancelledError here, replacing what was propagating.
        // deno-lint-ignore no-unsafe-finally
        if (err !== null) throw err;
      }
    } catch (e) {
      // A woken waiter that fails passes its notification on.
      this._notify(1);
      throw e;
    }
  }

  /** Waits until `predicate()` is truthy; returns its last value. */
  *wait_for<R>(predicate: () => R): Coroutine<R> {
    let result = predicate();
    while (!result) {
      yield* this.wait();
      result = predicate();
    }
    return result;
  }

  /** Wakes up to `n` waiters; `RuntimeError` if the lock is not held. */
  notify(n = 1): void {
    if (!this.locked()) throw new RuntimeError("cannot notify on un-acquired lock");
    this._notify(n);
  }

  /** Wakes up to `n` waiters. */
  private _notify(n: number): void {
    let idx = 0;
    const waiters = this._waiters;
    for (let i = 0; i < waiters.length; i++) {
      if (idx >= n) break;
      const fut = waiters.at(i);
      if (!fut.done()) {
        idx += 1;
        fut.set_result(false);
      }
    }
  }

  /** Wakes every waiter; `RuntimeError` if the lock is not held. */
  notify_all(): void {
    this.notify(this._waiters.length);
  }
}

/**
 * Python's `asyncio.Semaphore`: a counter of permits; `acquire()` waits while it is zero.
 *
 * @example
 * ```ts
 * import * as asyncio from "./mod.ts";
 * const sem = new asyncio.Semaphore(2);
 * let running = 0, peak = 0;
 * function* job() {
 *   yield* asyncio.async_with(sem, function* () {
 *     peak = Math.max(peak, ++running);
 *     yield* asyncio.sleep(0.001);
 *     running--;
 *   });
 * }
 * function* main() {
 *   yield* asyncio.gather(job(), job(), job(), job());
 * }
 * await asyncio.run(main());
 * console.assert(peak === 2);
 * ```
 */
export class Semaphore extends _ContextManagerMixin {
  /** @internal */
  _waiters: deque<Future<boolean>> | null = null;
  /** @internal */
  _value: number;

  /** Creates the semaphore with `value` permits (`ValueError` if negative). */
  constructor(value = 1) {
    super();
    if (value < 0) throw new ValueError("Semaphore initial value must be >= 0");
    this._value = value;
  }

  /** Python's repr. */
  __repr__(): string {
    let extra = this.locked() ? "locked" : `unlocked, value:${this._value}`;
    if (this._waiters && this._waiters.length) extra = `${extra}, waiters:${this._waiters.length}`;
    return prim_repr(this, extra);
  }

  /** Whether `acquire()` would wait. */
  locked(): boolean {
    if (this._value === 0) return true;
    const waiters = this._waiters;
    if (waiters !== null) {
      for (let i = 0; i < waiters.length; i++) if (!waiters.at(i).cancelled()) return true;
    }
    return false;
  }

  /** @internal See _ContextManagerMixin._try_acquire. */
  override _try_acquire(): boolean {
    return this.acquire === Semaphore.prototype.acquire && this._take_if_free();
  }

  /** Takes a permit if that needs no waiting. */
  private _take_if_free(): boolean {
    if (this.locked()) return false;
    this._value -= 1;
    return true;
  }

  /** Takes a permit, waiting for one if needed; returns `true`. */
  *acquire(): Coroutine<boolean> {
    if (this._take_if_free()) return true;
    if (this._waiters === null) this._waiters = new deque();
    const fut = this._get_loop().create_future<boolean>();
    this._waiters.append(fut);
    try {
      try {
        yield* fut;
      } finally {
        this._waiters.remove(fut);
      }
    } catch (e) {
      if (e instanceof CancelledError && fut.done() && !fut.cancelled()) {
        // Woken and then cancelled: give the permit back.
        this._value += 1;
      }
      throw e;
    } finally {
      while (this._value > 0) {
        if (!this._wake_up_next()) break;
      }
    }
    return true;
  }

  /** Gives a permit back and wakes the next waiter. */
  release(): void {
    this._value += 1;
    this._wake_up_next();
  }

  /** Wakes the next waiter; `false` if there was none. */
  private _wake_up_next(): boolean {
    const waiters = this._waiters;
    if (!waiters || waiters.length === 0) return false;
    for (let i = 0; i < waiters.length; i++) {
      const fut = waiters.at(i);
      if (!fut.done()) {
        this._value -= 1;
        fut.set_result(true);
        return true;
      }
    }
    return false;
  }
}

/** Python's `asyncio.BoundedSemaphore`: releasing more than acquired raises `ValueError`. */
export class BoundedSemaphore extends Semaphore {
  /** @internal */
  _bound_value: number;

  /** Creates the semaphore with `value` permits, at most. */
  constructor(value = 1) {
    super(value);
    this._bound_value = value;
  }

  /** Gives a permit back; `ValueError` if that would exceed the initial value. */
  override release(): void {
    if (this._value >= this._bound_value) throw new ValueError("BoundedSemaphore released too many times");
    super.release();
  }
}

/** Python's `_BarrierState`. */
export enum _BarrierState {
  FILLING = "filling",
  DRAINING = "draining",
  RESETTING = "resetting",
  BROKEN = "broken",
}

/**
 * Python's `asyncio.Barrier`: `parties` tasks wait until all of them arrive; `wait()` returns
 * each one's arrival index.
 */
export class Barrier extends _LoopBoundMixin {
  /** @internal */
  _cond: Condition = new Condition();
  /** @internal */
  _parties: number;
  /** @internal */
  _state: _BarrierState = _BarrierState.FILLING;
  /** @internal */
  _count = 0;

  /** Creates a barrier for `parties` tasks (`ValueError` if fewer than 1). */
  constructor(parties: number) {
    super();
    if (parties < 1) throw new ValueError("parties must be >= 1");
    this._parties = parties;
  }

  /** Python's repr. */
  __repr__(): string {
    let extra = `${this._state}`;
    if (!this.broken) extra += `, waiters:${this.n_waiting}/${this.parties}`;
    return prim_repr(this, extra);
  }

  /** `async with barrier:` waits on it. */
  *__aenter__(): Coroutine<number> {
    return yield* this.wait();
  }

  /** `async with barrier:` does nothing on exit. */
  *__aexit__(..._args: unknown[]): Coroutine<void> {}

  /** Waits until all parties arrived; returns this task's index (0 to parties - 1). */
  *wait(): Coroutine<number> {
    return yield* async_with(
      this._cond,
      function* (this: Barrier) {
        yield* this._block();
        try {
          const index = this._count;
          this._count += 1;
          if (index + 1 === this._parties) yield* this._release();
          else yield* this._wait();
          return index;
        } finally {
          this._count -= 1;
          this._exit();
        }
      }.bind(this),
    );
  }

  /** Waits while the barrier drains or resets. */
  private *_block(): Coroutine<void> {
    yield* this._cond.wait_for(() =>
      this._state !== _BarrierState.DRAINING && this._state !== _BarrierState.RESETTING
    );
    if (this._state === _BarrierState.BROKEN) throw new BrokenBarrierError("Barrier aborted");
  }

  /** The last party arrived: let everyone through. */
  // deno-lint-ignore require-yield
  private *_release(): Coroutine<void> {
    this._state = _BarrierState.DRAINING;
    this._cond.notify_all();
  }

  /** Waits for the barrier to fill. */
  private *_wait(): Coroutine<void> {
    yield* this._cond.wait_for(() => this._state !== _BarrierState.FILLING);
    if (this._state === _BarrierState.BROKEN || this._state === _BarrierState.RESETTING) {
      throw new BrokenBarrierError("Abort or reset of barrier");
    }
  }

  /** A party leaves; the last one resets the state. */
  private _exit(): void {
    if (this._count === 0) {
      if (this._state === _BarrierState.RESETTING || this._state === _BarrierState.DRAINING) {
        this._state = _BarrierState.FILLING;
      }
      this._cond.notify_all();
    }
  }

  /** Resets the barrier; tasks waiting on it get `BrokenBarrierError`. */
  *reset(): Coroutine<void> {
    yield* async_with(
      this._cond,
      function* (this: Barrier) {
        if (this._count > 0) {
          if (this._state !== _BarrierState.RESETTING) this._state = _BarrierState.RESETTING;
        } else {
          this._state = _BarrierState.FILLING;
        }
        this._cond.notify_all();
      }.bind(this),
    );
  }

  /** Breaks the barrier: current and future waiters get `BrokenBarrierError`. */
  *abort(): Coroutine<void> {
    yield* async_with(
      this._cond,
      function* (this: Barrier) {
        this._state = _BarrierState.BROKEN;
        this._cond.notify_all();
      }.bind(this),
    );
  }

  /** The number of tasks the barrier waits for. */
  get parties(): number {
    return this._parties;
  }

  /** The number of tasks waiting now (while filling). */
  get n_waiting(): number {
    return this._state === _BarrierState.FILLING ? this._count : 0;
  }

  /** Whether the barrier is broken. */
  get broken(): boolean {
    return this._state === _BarrierState.BROKEN;
  }
}
_set_plain_form(Barrier.prototype.__aexit__, function (): void {});
