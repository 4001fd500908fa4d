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
import {
  AttributeError,
  RuntimeError,
  type_name,
  TypeError,
  unorderable,
  ValueError,
} from "./stdlib/builtins.ts";

import type { Future } from "./futures.ts";
import {
  _coro_tracking,
  _GeneratorPrototype,
  _is_coroutine,
  _set_plain_form,
  _set_wait_form,
  _track_coroutine,
  _trackable_method,
  _WOULD_SUSPEND,
  async_with,
  type Coroutine,
} from "./coroutines.ts";
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

  /** @internal Takes the lock if that needs no waiting (free, and no waiter before us). */
  _take_if_free(): boolean {
    if (!this._locked && (this._waiters === null || _all_cancelled(this._waiters))) {
      this._locked = true;
      return true;
    }
    return false;
  }

  /**
   * Waits until the lock is free, then takes it; returns `true`. (A coroutine object written by
   * hand, `_LockAcquire`, which shows the generator it stands for.)
   */
  acquire(): Coroutine<boolean> {
    const coro = new _LockAcquire(this) as unknown as Coroutine<boolean>;
    return _coro_tracking ? _track_coroutine(coro, "Lock.acquire") : coro;
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

  /** @internal Wakes the first waiter, if any. */
  _wake_up_first(): void {
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

  /**
   * Waits until the flag is set; returns `true`. (A coroutine object written by hand,
   * `_EventWait`, which shows the generator it stands for.)
   */
  wait(): Coroutine<boolean> {
    const coro = new _EventWait(this) as unknown as Coroutine<boolean>;
    return _coro_tracking ? _track_coroutine(coro, "Event.wait") : coro;
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
    if (lock !== null && lock !== undefined) {
      // CPython takes the lock's locked, acquire and release methods here.
      for (const name of ["locked", "acquire", "release"]) {
        if (typeof (lock as unknown as Record<string, unknown>)[name] !== "function") {
          throw new AttributeError(`'${type_name(lock)}' object has no attribute '${name}'`);
        }
      }
    }
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
    if (typeof predicate !== "function") {
      throw new TypeError(`'${type_name(predicate)}' object is not callable`);
    }
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
    if (typeof value !== "number") throw unorderable("<", type_name(value), "int");
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

  /** @internal Takes a permit if that needs no waiting. */
  _take_if_free(): boolean {
    if (this.locked()) return false;
    this._value -= 1;
    return true;
  }

  /**
   * Takes a permit, waiting for one if needed; returns `true`. (A coroutine object written by
   * hand, `_SemaphoreAcquire`, which shows the generator it stands for.)
   */
  acquire(): Coroutine<boolean> {
    const coro = new _SemaphoreAcquire(this) as unknown as Coroutine<boolean>;
    return _coro_tracking ? _track_coroutine(coro, "Semaphore.acquire") : coro;
  }

  /** Gives a permit back and wakes the next waiter. */
  release(): void {
    this._value += 1;
    this._wake_up_next();
  }

  /** @internal Wakes the next waiter; `false` if there was none. */
  _wake_up_next(): boolean {
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

// How a _WaitCoro is resumed, and where it is.
const _W_NEXT = 0, _W_THROW = 1, _W_RETURN = 2;
const _W_START = 0, _W_WAITING = 1, _W_DONE = 2;

/**
 * @internal A coroutine object written by hand for a wait on one future: `Lock.acquire()`,
 * `Semaphore.acquire()` and `Event.wait()` return one. Each subclass shows, above it, the
 * generator method it stands for, which has this shape:
 *
 * ```ts ignore
 * function* wait() {
 *   const fut = begin();     // null: no need to wait
 *   if (fut === null) return true;
 *   // the subclass's try/catch/finally around:
 *   yield* fut;
 *   ...
 * }
 * ```
 *
 * It is resumed as that generator is, and `yield* fut` is delegated as the language does (the
 * future's own `next`/`throw`/`return`), so a task cannot tell the difference; `_end` is the
 * code after the `yield*` (the catch and finally blocks included), told how the `yield*` ended.
 * The reason is memory: with many tasks waiting (a semaphore over 100k tasks) the generator and
 * its register file were ~270 bytes per waiter, this object is 48 (the waits run the same code
 * otherwise). Its prototype chain is the generators' (`iscoroutine()` holds). What it does not
 * copy: a generator refuses to be resumed from inside its own body ("already running"), which
 * cannot happen here, as nothing it runs calls back into it.
 */
abstract class _WaitCoro {
  private _phase = _W_START;
  private _fut: Future<boolean> | null = null;

  /** Does what comes before the `yield*`: the future to wait on, or `null` if none is needed. */
  protected abstract _begin(): Future<boolean> | null;

  /**
   * The code after the `yield*`, which ended by `mode`: `_W_NEXT` (the future's result is
   * `value`), `_W_THROW` (`value` raised), `_W_RETURN` (the coroutine is closed with `value`:
   * the finally blocks run). Returns what the coroutine returns, or throws.
   */
  protected abstract _end(fut: Future<boolean>, mode: number, value: unknown): unknown;

  [Symbol.iterator](): this {
    return this;
  }

  next(value?: unknown): IteratorResult<unknown, boolean> {
    return this._resume(_W_NEXT, value);
  }

  throw(e: unknown): IteratorResult<unknown, boolean> {
    return this._resume(_W_THROW, e);
  }

  return(value: unknown): IteratorResult<unknown, boolean> {
    return this._resume(_W_RETURN, value);
  }

  private _resume(mode: number, arg: unknown): IteratorResult<unknown, boolean> {
    const phase = this._phase;
    if (phase === _W_START) {
      // A generator that has not started finishes on throw() or return() without running.
      this._phase = _W_DONE;
      if (mode === _W_THROW) throw arg;
      if (mode === _W_RETURN) return { value: arg as boolean, done: true };
      const fut = this._begin();
      if (fut === null) return { value: true, done: true };
      this._fut = fut;
      this._phase = _W_WAITING;
      mode = _W_NEXT;
      arg = undefined;
    } else if (phase === _W_DONE) {
      if (mode === _W_THROW) throw arg;
      return { value: (mode === _W_RETURN ? arg : undefined) as boolean, done: true };
    }
    const fut = this._fut!;
    let r: IteratorResult<unknown>;
    try {
      r = mode === _W_NEXT ? fut.next() : mode === _W_THROW ? fut.throw(arg) : fut.return(arg as boolean);
    } catch (e) {
      this._phase = _W_DONE;
      this._fut = null;
      this._end(fut, _W_THROW, e);
      throw e; // (_end rethrows it; this is for the type checker)
    }
    if (!r.done) return r;
    this._phase = _W_DONE;
    this._fut = null;
    return { value: this._end(fut, mode, mode === _W_RETURN ? arg : r.value) as boolean, done: true };
  }
}
Object.setPrototypeOf(_WaitCoro.prototype, _GeneratorPrototype);

/**
 * What `Lock.acquire()` and `Semaphore.acquire()` do before they wait: take the lock or a permit if
 * that needs no waiting (`null`), else queue a future to wait on.
 */
function _acquire_begin(prim: Lock | Semaphore): Future<boolean> | null {
  if (prim._take_if_free()) return null;
  if (prim._waiters === null) prim._waiters = new deque();
  const fut = prim._get_loop().create_future<boolean>();
  prim._waiters.append(fut);
  return fut;
}

/**
 * @internal What `Lock.acquire()` returns; it stands for:
 *
 * ```ts ignore
 * *acquire() {
 *   if (this._take_if_free()) return true;
 *   if (this._waiters === null) this._waiters = new deque();
 *   const fut = this._get_loop().create_future();
 *   this._waiters.append(fut);
 *   try {
 *     try {
 *       yield* fut;
 *     } finally {
 *       this._waiters.remove(fut);
 *     }
 *   } catch (e) {
 *     // Cancelled: if the lock is free, the next waiter may take it.
 *     if (e instanceof CancelledError && !this._locked) this._wake_up_first();
 *     throw e;
 *   }
 *   this._locked = true;
 *   return true;
 * }
 * ```
 */
class _LockAcquire extends _WaitCoro {
  constructor(private readonly _lock: Lock) {
    super();
  }

  /** The name reprs show. */
  get __qualname__(): string {
    return "Lock.acquire";
  }

  protected _begin(): Future<boolean> | null {
    return _acquire_begin(this._lock);
  }

  protected _end(fut: Future<boolean>, mode: number, value: unknown): unknown {
    const lock = this._lock;
    lock._waiters!.remove(fut);
    if (mode === _W_THROW) {
      if (value instanceof CancelledError && !lock._locked) lock._wake_up_first();
      throw value;
    }
    if (mode === _W_RETURN) return value;
    lock._locked = true;
    return true;
  }
}

/**
 * @internal What `Semaphore.acquire()` returns; it stands for:
 *
 * ```ts ignore
 * *acquire() {
 *   if (this._take_if_free()) return true;
 *   if (this._waiters === null) this._waiters = new deque();
 *   const fut = this._get_loop().create_future();
 *   this._waiters.append(fut);
 *   try {
 *     try {
 *       yield* fut;
 *     } finally {
 *       this._waiters.remove(fut);
 *     }
 *   } catch (e) {
 *     // Woken and then cancelled: the permit it was given goes back.
 *     if (e instanceof CancelledError && fut.done() && !fut.cancelled()) this._value += 1;
 *     throw e;
 *   } finally {
 *     while (this._value > 0) if (!this._wake_up_next()) break;
 *   }
 *   return true;
 * }
 * ```
 */
class _SemaphoreAcquire extends _WaitCoro {
  constructor(private readonly _sem: Semaphore) {
    super();
  }

  /** The name reprs show. */
  get __qualname__(): string {
    return "Semaphore.acquire";
  }

  protected _begin(): Future<boolean> | null {
    return _acquire_begin(this._sem);
  }

  protected _end(fut: Future<boolean>, mode: number, value: unknown): unknown {
    const sem = this._sem;
    try {
      sem._waiters!.remove(fut);
      if (mode === _W_THROW && value instanceof CancelledError && fut.done() && !fut.cancelled()) {
        sem._value += 1;
      }
    } finally {
      while (sem._value > 0) {
        if (!sem._wake_up_next()) break;
      }
    }
    if (mode === _W_THROW) throw value;
    return mode === _W_RETURN ? value : true;
  }
}

/**
 * @internal What `Event.wait()` returns; it stands for:
 *
 * ```ts ignore
 * *wait() {
 *   if (this._value) return true;
 *   const fut = this._get_loop().create_future();
 *   this._waiters.append(fut);
 *   try {
 *     yield* fut;
 *     return true;
 *   } finally {
 *     this._waiters.remove(fut);
 *   }
 * }
 * ```
 */
class _EventWait extends _WaitCoro {
  constructor(private readonly _event: Event) {
    super();
  }

  /** The name reprs show. */
  get __qualname__(): string {
    return "Event.wait";
  }

  protected _begin(): Future<boolean> | null {
    const event = this._event;
    if (event._value) return null;
    const fut = event._get_loop().create_future<boolean>();
    event._waiters.append(fut);
    return fut;
  }

  protected _end(fut: Future<boolean>, mode: number, value: unknown): unknown {
    this._event._waiters.remove(fut);
    if (mode === _W_THROW) throw value;
    return mode === _W_RETURN ? value : true;
  }
}

for (const method of [Lock.prototype.acquire, Semaphore.prototype.acquire, Event.prototype.wait]) {
  (method as { _is_coroutine?: symbol })._is_coroutine = _is_coroutine;
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
    if (typeof parties !== "number") throw unorderable("<", type_name(parties), "int");
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
_trackable_method(Condition.prototype, "wait", "Condition.wait");
_trackable_method(Barrier.prototype, "wait", "Barrier.wait");
_trackable_method(Barrier.prototype, "reset", "Barrier.reset");
_trackable_method(Barrier.prototype, "abort", "Barrier.abort");
