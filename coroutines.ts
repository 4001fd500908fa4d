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
import { _warn } from "./_warnings.ts";

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

/** Python's `_is_debug_mode()`: `PYTHONASYNCIODEBUG` is set to a non-empty value. */
export function _is_debug_mode(): boolean {
  return Boolean(getenv("PYTHONASYNCIODEBUG"));
}

const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor;
const GeneratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf((function* () {})()));
/** @internal `%GeneratorPrototype%`: what generator objects inherit from. */
export const _GeneratorPrototype: object = GeneratorPrototype;
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

const _coro_names = new WeakMap<object, string>();

/**
 * Names a coroutine object for reprs (`coro=<NAME() running>`). JavaScript generator objects do
 * not know the function that made them; `create_task` and friends call this when they can.
 */
export function _set_coro_name(coro: object, name: string): void {
  _coro_names.set(coro, name);
}

/** Python's `_format_coroutine`: `name()` plus what can be known of its state. */
export function _format_coroutine(coro: unknown, state: "running" | "done" | null = null): string {
  let name: string | undefined;
  if (coro !== null && typeof coro === "object") {
    name = _coro_names.get(coro);
    const q = (coro as { __qualname__?: unknown }).__qualname__;
    if (name === undefined && typeof q === "string") name = q;
  }
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
export function* async_with<T, R>(
  cm: AsyncContextManager<T>,
  body: (value: T) => Generator<unknown, R, unknown>,
): Generator<unknown, R, unknown> {
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
  const value = yield* cm.__aenter__();
  _prepare_body(body);
  let result: R;
  try {
    result = yield* body(value);
  } catch (e) {
    const exc_type = e !== null && typeof e === "object" ? (e as object).constructor : typeof e;
    const suppress = yield* cm.__aexit__(exc_type, e, null);
    if (!suppress) throw e;
    return undefined as R;
  }
  yield* cm.__aexit__(null, null, null);
  return result;
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
    if ((yield* body(item)) === BREAK) return;
  }
}
