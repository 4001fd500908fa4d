/**
 * Port of `asyncio/coroutines.py`, and the two helpers that stand in for `async with` and
 * `async for` in generator-based coroutines.
 *
 * A coroutine here is a generator object: `async def f()` is written `function* f()`, `await x`
 * is `yield* x`. {@linkcode async_with} and {@linkcode async_for} call the CPython protocol
 * methods (`__aenter__`/`__aexit__`, `__aiter__`/`__anext__`) the way the Python statements do.
 *
 * @module
 */

import { StopAsyncIteration, TypeError } from "./stdlib/builtins.ts";
import { getenv } from "./stdlib/_host.ts";
import { type_name } from "./stdlib/builtins.ts";
import { _coro_name, _coro_names } from "./stdlib/_repr.ts";
import { _dev_mode, _warn } from "./_warnings.ts";
import { extract_stack, format_frames, type FrameSummary } from "./format_helpers.ts";

/**
 * A coroutine object: a generator that `yield*`s futures (or bare `yield`s to let one loop
 * iteration pass) and returns `T`.
 */
export type Coroutine<T = unknown> = Generator<unknown, T, unknown>;

/**
 * Anything a coroutine can `yield*` to get a `T`: a coroutine, a `Future`, a `Task`, or any
 * object whose iterator behaves like theirs.
 */
export interface Awaitable<T = unknown> {
  /** The iterator `yield*` drives. */
  [Symbol.iterator](): Iterator<unknown, T, unknown>;
}

/**
 * Python's `_is_debug_mode()`: development mode (`PYTHONDEVMODE`), or `PYTHONASYNCIODEBUG` set to
 * a non-empty value.
 */
export function _is_debug_mode(): boolean {
  return _dev_mode() || Boolean(getenv("PYTHONASYNCIODEBUG"));
}

const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor;
const GeneratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf((function* () {})()));
/** @internal `%GeneratorPrototype%`: what generator objects inherit from. */
export const _GeneratorPrototype: object = GeneratorPrototype;

// --- "coroutine ... was never awaited" ------------------------------------------------------
//
// CPython warns when a coroutine object is destroyed without having been started: the usual sign
// of a missing `await`. A generator has no destructor, and a FinalizationRegistry entry per
// coroutine would cost more than most calls; so here it is a debug-mode check, and for the
// library's own coroutine functions whose result is easily dropped (`asyncio.sleep(1);`,
// `queue.put(x);`, `writer.drain();`, `lock.acquire();` without `yield*` do nothing). Created while
// the running loop is in debug mode, such a coroutine is handed out wrapped in a
// _TrackedCoroutine, registered here until it is first resumed (or closed). The plain functions
// among them test `_coro_tracking` (one boolean); the generator methods are swapped for tracking
// wrappers when the first loop enters debug mode (_trackable_method), so that a process that never
// uses debug mode runs them as they are.

/**
 * @internal True once a loop has been put in debug mode in this process: only then do the
 * library's coroutine functions look further (see {@linkcode _track_coroutine}). A plain boolean,
 * so that the check costs nothing otherwise.
 */
export let _coro_tracking = false;
let _debug_probe: () => boolean = () => false;
const _trackable_methods: [Record<string, unknown>, string, string][] = [];

/** @internal Called by a loop put in debug mode; `probe` says whether the running loop is in it. */
export function _enable_coro_tracking(probe: () => boolean): void {
  if (_coro_tracking) return;
  _coro_tracking = true;
  _debug_probe = probe;
  for (const [proto, key, name] of _trackable_methods) _wrap_method(proto, key, name);
}

/**
 * @internal Registers the generator method `proto[key]` (CPython's `__qualname__`: `name`) to be
 * replaced by a tracking wrapper once tracking is enabled (see {@linkcode _enable_coro_tracking}).
 */
export function _trackable_method(proto: object, key: string, name: string): void {
  _trackable_methods.push([proto as Record<string, unknown>, key, name]);
  if (_coro_tracking) _wrap_method(proto as Record<string, unknown>, key, name);
}

function _wrap_method(proto: Record<string, unknown>, key: string, name: string): void {
  const method = proto[key] as (this: unknown, ...args: unknown[]) => Coroutine;
  const tracked = {
    [key](this: unknown, ...args: unknown[]): Coroutine {
      return _track_coroutine(method.apply(this, args), name);
    },
  }[key] as ((this: unknown, ...args: unknown[]) => Coroutine) & { _is_coroutine?: symbol };
  tracked._is_coroutine = _is_coroutine;
  proto[key] = tracked;
}

const _never_awaited = new FinalizationRegistry<{ name: string; tb: FrameSummary[] }>(({ name, tb }) => {
  let message = `coroutine '${name}' was never awaited`;
  if (tb.length) {
    message += "\nCoroutine created at (most recent call last)\n" + format_frames(tb);
  }
  _warn(message, "RuntimeWarning");
});

/**
 * @internal What a library coroutine function returns when {@linkcode _coro_tracking} is set:
 * `coro` itself, or, while the running loop is in debug mode, `coro` wrapped so that it is
 * reported ("coroutine 'NAME' was never awaited", a `RuntimeWarning`, with where it was made) if
 * it is collected without having been resumed or closed. `name` is CPython's `__qualname__`.
 */
export function _track_coroutine<C extends Coroutine>(coro: C, name: string): C {
  if (!_debug_probe()) return coro;
  const tracked = new _TrackedCoroutine(coro);
  _never_awaited.register(tracked, { name, tb: extract_stack(3) }, tracked);
  _coro_names.set(tracked, name);
  return tracked as unknown as C;
}

/** A coroutine handed out by {@linkcode _track_coroutine}: it drives the one it wraps. */
class _TrackedCoroutine {
  private _started = false;
  constructor(private readonly _coro: Coroutine) {}

  [Symbol.iterator](): this {
    return this;
  }

  private _start(): void {
    this._started = true;
    _never_awaited.unregister(this);
  }

  next(value?: unknown): IteratorResult<unknown> {
    if (!this._started) this._start();
    return this._coro.next(value);
  }

  throw(e: unknown): IteratorResult<unknown> {
    if (!this._started) this._start();
    return this._coro.throw(e);
  }

  return(value?: unknown): IteratorResult<unknown> {
    if (!this._started) this._start();
    return this._coro.return(value);
  }
}
Object.setPrototypeOf(_TrackedCoroutine.prototype, GeneratorPrototype);
const GeneratorFunctionPrototype = GeneratorFunction.prototype;
const _body_ready: unique symbol = Symbol("asyncio.body_ready");

/**
 * @internal Makes the first call of a body passed to {@linkcode async_with} / {@linkcode async_for}
 * cheaper. V8 gives each generator function its own `prototype` object, made when the function is
 * first called, and a hidden class for its generator objects: about 1 µs for a closure written
 * inline, i.e. for every `async_with(cm, function* () {...})` a loop runs, several times what the
 * rest of an uncontended `async with` costs. A body given the shared generator prototype before
 * its first call skips making that object (half the cost, measured). The marker keeps a body
 * called again (a named function) from being set again, which would cost more than it saves.
 * Its generators still are ordinary generators (`iscoroutine()` holds); what changes on the body
 * is that `body.prototype` is no longer a fresh object (no coroutine code looks at it) and that it
 * carries the marker, a symbol-keyed property (README, "From Python to TypeScript").
 */
function _prepare_body(body: unknown): void {
  const f = body as { [_body_ready]?: true; prototype: unknown };
  if (
    f[_body_ready] === undefined && Object.getPrototypeOf(f) === GeneratorFunctionPrototype &&
    Object.isExtensible(f)
  ) {
    f[_body_ready] = true;
    try {
      f.prototype = GeneratorPrototype;
    } catch {
      // A read-only prototype stays.
    }
  }
}

const _gen_next = GeneratorPrototype.next as (this: Generator, v?: unknown) => IteratorResult<unknown>;
const _gen_throw = GeneratorPrototype.throw as (this: Generator, e: unknown) => IteratorResult<unknown>;
const _gen_return = GeneratorPrototype.return as (this: Generator, v: unknown) => IteratorResult<unknown>;

/**
 * @internal What `yield*` drives in place of a body's generator: it resumes the generator through
 * the generator prototype's own `next`/`throw`/`return`, passing each call and its value on
 * unchanged, so the delegation is the one `yield*` would do on the generator itself. The reason is
 * V8's: a body written inline gets a new hidden class for its generators each time the closure is
 * made, so `yield*` on the generator itself looks its methods up on a class never seen before
 * (an inline-cache miss, ~0.3 µs, for `[Symbol.iterator]` and `next` each); this object's class is
 * always the same. Measured: ~0.9 µs less per `async_with` with an inline body, none lost for a
 * named one.
 */
class _BodyDelegate<R> implements Iterator<unknown, R, unknown> {
  constructor(private readonly _gen: Generator<unknown, R, unknown>) {}
  [Symbol.iterator](): this {
    return this;
  }
  next(value?: unknown): IteratorResult<unknown, R> {
    return _gen_next.call(this._gen, value) as IteratorResult<unknown, R>;
  }
  throw(e: unknown): IteratorResult<unknown, R> {
    return _gen_throw.call(this._gen, e) as IteratorResult<unknown, R>;
  }
  return(value: unknown): IteratorResult<unknown, R> {
    return _gen_return.call(this._gen, value) as IteratorResult<unknown, R>;
  }
}

/**
 * @internal Whether `gen`, just returned by `body`, is one of the generators
 * {@linkcode _prepare_body} arranged for (its prototype is the shared one, and a generator
 * function's results always are generators): those can be resumed with the generator prototype's
 * own methods.
 */
function _is_prepared_gen(body: unknown, gen: unknown): gen is Generator {
  return gen !== null && typeof gen === "object" && Object.getPrototypeOf(gen) === GeneratorPrototype &&
    (body as { [_body_ready]?: true })[_body_ready] === true;
}

/** @internal Calls a body and gives back what to `yield*`: a prepared generator's delegate. */
function _call_body<T, R>(
  body: (value: T) => Generator<unknown, R, unknown>,
  value: T,
): Iterable<unknown, R, unknown> {
  const gen = body(value);
  return _is_prepared_gen(body, gen) ? new _BodyDelegate(gen) : gen;
}

/**
 * True if `obj` is a coroutine object, i.e. a generator object. Other iterables (arrays,
 * strings, iterators) are not coroutines.
 */
export function iscoroutine(obj: unknown): obj is Coroutine {
  if (obj === null || typeof obj !== "object") return false;
  return Object.prototype.isPrototypeOf.call(GeneratorPrototype, obj);
}

/** @internal Whether `func` is a generator function (the port's `async def`). */
export function _iscoroutinefunction(func: unknown): boolean {
  return typeof func === "function" &&
    (func instanceof GeneratorFunction ||
      (func as { _is_coroutine?: unknown })._is_coroutine === _is_coroutine);
}

/** @internal The marker that makes `iscoroutinefunction` true for a wrapped function. */
export const _is_coroutine: unique symbol = Symbol("_is_coroutine");

/** @internal An object with a `then` method: a Promise or another thenable, awaited by wrapping it. */
export function _is_thenable(obj: unknown): obj is PromiseLike<unknown> {
  return obj !== null && typeof obj === "object" && typeof (obj as PromiseLike<unknown>).then === "function";
}

/** @internal An object with an `__await__` method (Python's awaitable protocol). */
export function _has_await(obj: unknown): obj is { __await__(): Iterator<unknown, unknown, unknown> } {
  return obj !== null && typeof obj === "object" &&
    typeof (obj as { __await__?: unknown }).__await__ === "function";
}

/**
 * True if `func` is a coroutine function (a generator function here). Deprecated, as in
 * Python 3.14: inspect the function yourself.
 */
export function iscoroutinefunction(func: unknown): boolean {
  _warn(
    "'asyncio.iscoroutinefunction' is deprecated and slated for removal in Python 3.16; " +
      "use inspect.iscoroutinefunction() instead",
    "DeprecationWarning",
  );
  return _iscoroutinefunction(func);
}

/**
 * Names a coroutine object for reprs (`coro=<NAME() running>`, `<coroutine object NAME at
 * 0x...>`). JavaScript generator objects do not know the function that made them: the library's
 * own coroutine functions are named once (see {@linkcode _name_coroutines}); a user's are shown as
 * `coroutine` unless named with this.
 */
export function _set_coro_name(coro: object, name: string): void {
  _coro_names.set(coro, name);
}

/**
 * @internal Gives the coroutine objects a generator function makes the name `qualname` (Python's
 * `__qualname__`) in reprs, at no cost per call: the name is a property of the prototype the
 * function gives its generators. Not a generator function, or one already named: nothing.
 */
export function _name_coroutine_function(fn: unknown, qualname: string): void {
  if (typeof fn !== "function" || !(fn instanceof GeneratorFunction)) return;
  const proto = (fn as { prototype?: unknown }).prototype;
  if (
    proto !== null && typeof proto === "object" && Object.getPrototypeOf(proto) === GeneratorPrototype &&
    !Object.hasOwn(proto, "__qualname__")
  ) {
    Object.defineProperty(proto, "__qualname__", { value: qualname, configurable: true });
  }
}

/**
 * @internal Names the library's coroutine functions (see {@linkcode _name_coroutine_function}):
 * each generator function in `ns` (a module's exports) by its key, and each generator method of
 * its classes (and of their base classes) `Class.method` after the class that defines it.
 * Nested namespaces (`asyncio.subprocess`) are named the same way.
 */
export function _name_coroutines(ns: object, depth = 0): void {
  for (const key of Object.keys(ns)) {
    const v = (ns as Record<string, unknown>)[key];
    if (typeof v === "function") {
      _name_coroutine_function(v, key);
      let proto = (v as { prototype?: unknown }).prototype;
      while (
        proto !== null && typeof proto === "object" && proto !== Object.prototype &&
        Object.hasOwn(proto, "constructor")
      ) {
        const owner = (proto as { constructor: { name?: string } }).constructor.name ?? "";
        for (const m of Object.getOwnPropertyNames(proto)) {
          const d = Object.getOwnPropertyDescriptor(proto, m);
          if (d !== undefined && typeof d.value === "function") {
            _name_coroutine_function(d.value, `${owner}.${m}`);
          }
        }
        proto = Object.getPrototypeOf(proto);
      }
    } else if (depth === 0 && v !== null && typeof v === "object" && Object.getPrototypeOf(v) === null) {
      _name_coroutines(v, 1);
    }
  }
}

/** Python's `_format_coroutine`: `name()` plus what can be known of its state. */
export function _format_coroutine(coro: unknown, state: "running" | "done" | null = null): string {
  const name = coro !== null && typeof coro === "object" ? _coro_name(coro) : undefined;
  const coro_name = `${name ?? "coroutine"}()`;
  return state ? `${coro_name} ${state}` : coro_name;
}

/** An asynchronous context manager, as `async with` uses it. */
export interface AsyncContextManager<T> {
  /** Entered by `async with`; its result is bound by `as`. */
  __aenter__(): Awaitable<T>;
  /**
   * Left by `async with`, with the exception that left the body (or nulls); a truthy result
   * suppresses the exception.
   */
  __aexit__(exc_type: unknown, exc: unknown, tb: unknown): Awaitable<unknown>;
}

/**
 * `async with cm as v: body` for generator coroutines:
 * `yield* async_with(cm, function* (v) { body })`. Returns what `body` returns (or `undefined`
 * when `__aexit__` suppressed an exception).
 *
 * @example
 * ```ts
 * import * as asyncio from "./mod.ts";
 * const lock = new asyncio.Lock();
 * function* main() {
 *   return yield* asyncio.async_with(lock, function* () {
 *     return lock.locked();
 *   });
 * }
 * console.assert(await asyncio.run(main()) === true);
 * ```
 */
export function async_with<T, R>(
  cm: AsyncContextManager<T>,
  body: (value: T) => Generator<unknown, R, unknown>,
): Generator<unknown, R, unknown> {
  return new _AsyncWith(cm, body) as unknown as Generator<unknown, R, unknown>;
}
(async_with as { _is_coroutine?: symbol })._is_coroutine = _is_coroutine;

// The phases of an _AsyncWith: not started; awaiting __aenter__; running the body; awaiting
// __aexit__ after the body returned; awaiting __aexit__ after the body raised; finished.
const _AW_START = 0, _AW_ENTER = 1, _AW_BODY = 2, _AW_EXIT = 3, _AW_EXIT_EXC = 4, _AW_DONE = 5;
// (awaiting an `__aenter__`'s wait form: the body then gets `null`)
const _AW_ENTER_WAIT = 6;
// How it is resumed: next(), throw(), return().
const _NEXT = 0, _THROW = 1, _RETURN = 2;

type _NextMethod = (this: Iterator<unknown, unknown, unknown>, v?: unknown) => IteratorResult<unknown>;

/**
 * @internal Set on an `__aenter__`/`__aexit__` generator method: a plain method that does the
 * same work and returns the same value when that work does not suspend, or does nothing and
 * returns {@linkcode _WOULD_SUSPEND} when it would (a lock that is held). {@linkcode async_with}
 * calls it when it finds it on the method the context manager has (an override in a subclass does
 * not have it, so it is awaited as usual), and awaits the generator only when told to: no
 * generator is made and driven for an enter or exit that does not suspend.
 */
export const _plain_form: unique symbol = Symbol("asyncio.plain_form");

/** @internal What a {@linkcode _plain_form} returns when the work would suspend. */
export const _WOULD_SUSPEND: unique symbol = Symbol("asyncio.would_suspend");

/**
 * @internal Set on an `__aenter__` generator method that has a {@linkcode _plain_form}, when what it
 * does once that says {@linkcode _WOULD_SUSPEND} is to await another coroutine and return `null`
 * (the locks' `__aenter__`: `yield* this.acquire(); return null`): {@linkcode async_with} then
 * awaits the coroutine this returns (`this.acquire()`) and gives the body `null`, instead of
 * driving the `__aenter__` generator that would await it (one generator fewer per waiter).
 */
export const _wait_form: unique symbol = Symbol("asyncio.wait_form");

type _CmMethod = ((this: unknown, ...args: unknown[]) => unknown) & {
  [_plain_form]?: (this: unknown, ...args: unknown[]) => unknown;
  [_wait_form]?: (this: unknown) => unknown;
};

/** @internal Gives `method` (a generator method) its plain form; see _plain_form. */
export function _set_plain_form(
  method: (...args: never[]) => Generator<unknown, unknown, unknown>,
  plain: (this: never, ...args: never[]) => unknown,
): void {
  (method as unknown as _CmMethod)[_plain_form] = plain as _CmMethod;
}

/** @internal Gives an `__aenter__` method its wait form; see {@linkcode _wait_form}. */
export function _set_wait_form(
  method: (...args: never[]) => Generator<unknown, unknown, unknown>,
  wait: (this: never) => unknown,
): void {
  (method as unknown as _CmMethod)[_wait_form] = wait as (this: unknown) => unknown;
}

/**
 * What {@linkcode async_with} returns: a coroutine object written by hand, that does what this
 * generator would do, step for step:
 *
 * ```ts ignore
 * function* async_with(cm, body) {
 *   // (the two protocol checks)
 *   const value = yield* cm.__aenter__();
 *   let result;
 *   try {
 *     result = yield* body(value);
 *   } catch (e) {
 *     if (!(yield* cm.__aexit__(type_of(e), e, null))) throw e;
 *     return undefined;
 *   }
 *   yield* cm.__aexit__(null, null, null);
 *   return result;
 * }
 * ```
 *
 * Each `yield*` is the language's delegation, done by hand (in `_run`): the iterator and its
 * `next` are taken once, `throw`/`return` are looked up when needed and passed on, the inner
 * iterator's results are handed out as they are, and a missing `throw` closes the iterator and
 * raises `TypeError`. A returned (closed) body ends the whole thing without `__aexit__`, as in the
 * generator. Two reasons for doing it by hand, both measured: a generator and its register file
 * take ~240 bytes, this object ~80, which matters with many tasks waiting inside an `async with`
 * (a semaphore's waiters); and a body's generator is resumed through the generator prototype's
 * own methods (see _BodyDelegate), not looked up on a hidden class V8 made for that one closure.
 * Its prototype chain is the generators' (`iscoroutine()` holds).
 */
class _AsyncWith<T, R> {
  private _phase = _AW_START;
  private _running = false;
  private _cm: AsyncContextManager<T> | null;
  private _body: ((value: T) => Generator<unknown, R, unknown>) | null;
  // The iterator the current `yield*` drives, and its `next`; `null` for a prepared body's
  // generator, resumed with the generator prototype's own next/throw/return.
  private _it: Iterator<unknown, unknown, unknown> | null = null;
  private _next: _NextMethod | null = null;
  // The body's result (until __aexit__ is done), or the exception __aexit__ is handling.
  private _held: unknown = undefined;

  constructor(cm: AsyncContextManager<T>, body: (value: T) => Generator<unknown, R, unknown>) {
    this._cm = cm;
    this._body = body;
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(value?: unknown): IteratorResult<unknown, R> {
    return this._resume(_NEXT, value);
  }

  throw(e: unknown): IteratorResult<unknown, R> {
    return this._resume(_THROW, e);
  }

  return(value: R): IteratorResult<unknown, R> {
    return this._resume(_RETURN, value);
  }

  /** The name reprs show: `coro=<async_with() running>`. */
  get __qualname__(): string {
    return "async_with";
  }

  private _resume(mode: number, arg: unknown): IteratorResult<unknown, R> {
    if (this._running) throw new TypeError("Generator is already running");
    const phase = this._phase;
    if (phase === _AW_START || phase === _AW_DONE) {
      // What a generator that has not started, or has finished, does.
      if (mode === _THROW) {
        this._finish();
        throw arg;
      }
      if (mode === _RETURN) {
        this._finish();
        return { value: arg as R, done: true };
      }
      if (phase === _AW_DONE) return { value: undefined as R, done: true };
    }
    this._running = true;
    try {
      return this._run(mode, arg);
    } catch (e) {
      this._finish();
      throw e;
    } finally {
      this._running = false;
    }
  }

  private _run(mode: number, arg: unknown): IteratorResult<unknown, R> {
    if (this._phase === _AW_START) {
      const cm = this._cm;
      if (cm === null || typeof cm !== "object" || typeof cm.__aenter__ !== "function") {
        throw new TypeError(
          `'${type_name(cm)}' object does not support the asynchronous context manager protocol`,
        );
      }
      if (typeof cm.__aexit__ !== "function") {
        throw new TypeError(
          `'${type_name(cm)}' object does not support the asynchronous context manager protocol ` +
            "(missed __aexit__ method)",
        );
      }
      const aenter = cm.__aenter__ as _CmMethod;
      const plain = aenter[_plain_form];
      const value = plain !== undefined ? plain.call(cm) : _WOULD_SUSPEND;
      if (value !== _WOULD_SUSPEND) {
        const done = this._begin_body(value as T);
        if (done !== null) return done;
      } else {
        const wait = aenter[_wait_form];
        if (wait !== undefined) {
          this._delegate(wait.call(cm));
          this._phase = _AW_ENTER_WAIT;
        } else {
          this._delegate(aenter.call(cm));
          this._phase = _AW_ENTER;
        }
      }
    }
    while (true) {
      const phase = this._phase;
      let r: IteratorResult<unknown>;
      try {
        const it = this._it!;
        const next = this._next;
        if (mode === _NEXT) {
          r = next === null ? _gen_next.call(it as Generator, arg) : next.call(it, arg);
        } else if (mode === _THROW) {
          const thrower = next === null ? _gen_throw : it.throw;
          if (thrower === undefined || thrower === null) {
            // yield* closes an iterator that cannot take the exception, then raises TypeError.
            const closer = it.return;
            if (closer !== undefined && closer !== null) {
              _check_result((closer as (this: unknown) => unknown).call(it));
            }
            throw new TypeError("The iterator does not provide a 'throw' method");
          }
          r = (thrower as (this: unknown, e: unknown) => IteratorResult<unknown>).call(it, arg);
        } else {
          const closer = next === null ? _gen_return : it.return;
          if (closer === undefined || closer === null) return this._done(arg as R);
          r = _check_result((closer as (this: unknown, v: unknown) => unknown).call(it, arg));
          if (r.done) return this._done(r.value as R);
          return r as IteratorResult<unknown, R>;
        }
        _check_result(r);
        if (!r.done) return r as IteratorResult<unknown, R>;
      } catch (e) {
        if (phase !== _AW_BODY) throw e;
        const done = this._begin_exit_exc(e);
        if (done !== null) return done;
        mode = _NEXT;
        arg = undefined;
        continue;
      }
      // The awaited iterator finished: go on to the next part.
      const value = r.value;
      mode = _NEXT;
      arg = undefined;
      const done = phase === _AW_ENTER
        ? this._begin_body(value as T)
        : phase === _AW_ENTER_WAIT
        ? this._begin_body(null as T)
        : phase === _AW_BODY
        ? this._begin_exit(value as R)
        : phase === _AW_EXIT
        ? this._done(this._held as R)
        : this._exc_exited(value);
      if (done !== null) return done;
    }
  }

  /** `__aenter__` gave `value`: the body begins (`null`: it is being awaited). */
  private _begin_body(value: T): IteratorResult<unknown, R> | null {
    const body = this._body!;
    _prepare_body(body);
    this._phase = _AW_BODY;
    try {
      const gen = body(value);
      if (_is_prepared_gen(body, gen)) {
        this._it = gen;
        this._next = null;
      } else {
        this._delegate(gen);
      }
    } catch (e) {
      return this._begin_exit_exc(e);
    }
    return null;
  }

  /** The body returned `result`: `__aexit__(null, null, null)` (`null`: it is being awaited). */
  private _begin_exit(result: R): IteratorResult<unknown, R> | null {
    const cm = this._cm!;
    const aexit = cm.__aexit__ as _CmMethod;
    const plain = aexit[_plain_form];
    if (plain !== undefined && plain.call(cm, null, null, null) !== _WOULD_SUSPEND) return this._done(result);
    this._held = result;
    this._delegate(aexit.call(cm, null, null, null));
    this._phase = _AW_EXIT;
    return null;
  }

  /** The body raised `e`: `__aexit__` with it (`null`: it is being awaited). */
  private _begin_exit_exc(e: unknown): IteratorResult<unknown, R> | null {
    const exc_type = e !== null && typeof e === "object" ? (e as object).constructor : typeof e;
    const cm = this._cm!;
    const aexit = cm.__aexit__ as _CmMethod;
    const plain = aexit[_plain_form];
    this._held = e;
    const suppress = plain !== undefined ? plain.call(cm, exc_type, e, null) : _WOULD_SUSPEND;
    if (suppress !== _WOULD_SUSPEND) return this._exc_exited(suppress);
    this._delegate(aexit.call(cm, exc_type, e, null));
    this._phase = _AW_EXIT_EXC;
    return null;
  }

  /** `__aexit__` answered `suppress` for the exception held: raise it again, or return. */
  private _exc_exited(suppress: unknown): IteratorResult<unknown, R> {
    const e = this._held;
    this._finish();
    if (!suppress) throw e;
    return { value: undefined as R, done: true };
  }

  /** Finishes, returning `value`. */
  private _done(value: R): IteratorResult<unknown, R> {
    this._finish();
    return { value, done: true };
  }

  /** `yield* awaitable` begins: takes its iterator and that iterator's `next`. */
  private _delegate(awaitable: unknown): void {
    const method = awaitable === null || awaitable === undefined
      ? undefined
      : (awaitable as { [Symbol.iterator]?: unknown })[Symbol.iterator];
    if (typeof method !== "function") throw new TypeError(`${type_name(awaitable)} is not iterable`);
    const it = method.call(awaitable);
    if (it === null || (typeof it !== "object" && typeof it !== "function")) {
      throw new TypeError("Result of the Symbol.iterator method is not an object");
    }
    this._it = it as Iterator<unknown, unknown, unknown>;
    this._next = (it as { next: _NextMethod }).next;
  }

  /** Finished: drops what it held, as a finished generator drops its frame. */
  private _finish(): void {
    this._phase = _AW_DONE;
    this._cm = null;
    this._body = null;
    this._it = null;
    this._next = null;
    this._held = undefined;
  }
}
Object.setPrototypeOf(_AsyncWith.prototype, GeneratorPrototype);

/** What `yield*` checks of an iterator's result: an object, else `TypeError`. */
function _check_result(r: unknown): IteratorResult<unknown> {
  if (r === null || (typeof r !== "object" && typeof r !== "function")) {
    throw new TypeError(`Iterator result ${String(r)} is not an object`);
  }
  return r as IteratorResult<unknown>;
}

/** An asynchronous iterator, as `async for` uses it. */
export interface AsyncIterator<T> {
  /** The next item; throws `StopAsyncIteration` at the end. */
  __anext__(): Awaitable<T>;
}

/** An asynchronous iterable, as `async for` uses it. */
export interface AsyncIterable<T> {
  /** Returns the asynchronous iterator. */
  __aiter__(): AsyncIterator<T>;
}

/** Returned by an {@linkcode async_for} body to leave the loop, like `break`. */
export const BREAK: unique symbol = Symbol("BREAK");

/**
 * `async for x in it: body` for generator coroutines:
 * `yield* async_for(it, function* (x) { body })`. The body may return {@linkcode BREAK} to stop
 * early, as `break` does.
 */
export function* async_for<T>(
  iterable: AsyncIterable<T>,
  body: (item: T) => Generator<unknown, unknown, unknown>,
): Generator<unknown, void, unknown> {
  if (iterable === null || typeof iterable !== "object" || typeof iterable.__aiter__ !== "function") {
    throw new TypeError(
      `'async for' requires an object with __aiter__ method, got ${type_name(iterable)}`,
    );
  }
  const it = iterable.__aiter__();
  if (it === null || typeof it !== "object" || typeof it.__anext__ !== "function") {
    throw new TypeError(
      `'async for' received an object from __aiter__ that does not implement __anext__: ${type_name(it)}`,
    );
  }
  _prepare_body(body);
  while (true) {
    let item: T;
    try {
      item = yield* it.__anext__();
    } catch (e) {
      if (e instanceof StopAsyncIteration) return;
      throw e;
    }
    if ((yield* _call_body(body, item)) === BREAK) return;
  }
}
