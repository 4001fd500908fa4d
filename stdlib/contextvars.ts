/**
 * A port of Python's `contextvars` module (PEP 567): context variables whose values follow the
 * logical flow of asyncio tasks and callbacks.
 *
 * A {@linkcode Context} is an immutable mapping from {@linkcode ContextVar} to value; setting a
 * variable replaces the current context's mapping by a new one (copy on write), so a copy taken
 * by {@linkcode copy_context} never sees later changes. Every asyncio task runs in its own copy,
 * and every callback scheduled with `call_soon` runs in the context captured when it was
 * scheduled.
 *
 * @example A value set inside `Context.run` stays inside that context
 * ```ts
 * import { ContextVar, copy_context } from "./contextvars.ts";
 * const request_id = new ContextVar<string>("request_id", { default: "-" });
 * const ctx = copy_context();
 * ctx.run(() => request_id.set("r1"));
 * console.assert(request_id.get() === "-");
 * console.assert(ctx.get(request_id) === "r1");
 * ```
 *
 * @module
 */

import { KeyError, LookupError, RuntimeError, type_name, TypeError, ValueError } from "./builtins.ts";
import { _set_symbol_repr, hex_id, repr, tuple } from "./_repr.ts";

const MISSING: unique symbol = Symbol("MISSING");

type VarMap = Map<ContextVar<unknown>, unknown>;
const EMPTY: VarMap = new Map();

/**
 * Python's `contextvars.Context`: a mapping of context variables to their values, and the place
 * code runs in through {@linkcode Context.run}.
 */
export class Context implements Iterable<ContextVar<unknown>> {
  /** @internal The variables' values; never mutated once shared (copy on write). */
  _data: VarMap = EMPTY;
  /** @internal The context that was current when this one was entered. */
  _prev: Context | null = null;
  /** @internal Whether this context is entered (running) now. */
  _entered = false;
  /**
   * @internal While this context stands in for one kept as its variables (see
   * {@linkcode _run_in_holder}): what keeps them, where the Context made for it goes if one is asked
   * for ({@linkcode _promote}).
   */
  _holder: _Holder | null = null;
  /** @internal The Context made while this one stood in (see {@linkcode _promote}). */
  _promoted: Context | null = null;

  /**
   * Runs `callable(...args)` with this context as the current one and returns its result.
   * Changes made to context variables inside stay in this context. A context can be entered
   * only once at a time: a nested `run` of the same context raises `RuntimeError`.
   */
  run<A extends unknown[], R>(callable: (...args: A) => R, ...args: A): R {
    if (this._entered) {
      throw new RuntimeError(`cannot enter context: ${repr(this)} is already entered`);
    }
    if (typeof callable !== "function") {
      throw new TypeError(`'${type_name(callable)}' object is not callable`);
    }
    this._prev = _current;
    this._entered = true;
    _current = this;
    try {
      return callable(...args);
    } finally {
      _current = this._prev;
      this._prev = null;
      this._entered = false;
    }
  }

  /** Python's `ctx.copy()`: a new context with the same values. */
  copy(): Context {
    const c = new Context();
    c._data = this._data;
    return c;
  }

  /** Python's `ctx.get(var, default=None)`. */
  get<T>(variable: ContextVar<T>, default_?: T | null): T | null {
    check_var(variable);
    const v = this._data.get(variable as ContextVar<unknown>);
    if (v === undefined && !this._data.has(variable as ContextVar<unknown>)) {
      return default_ === undefined ? null : default_;
    }
    return v as T;
  }

  /** Python's `ctx[var]`: raises `KeyError` if the variable has no value in this context. */
  __getitem__<T>(variable: ContextVar<T>): T {
    check_var(variable);
    if (!this._data.has(variable as ContextVar<unknown>)) throw new KeyError(variable);
    return this._data.get(variable as ContextVar<unknown>) as T;
  }

  /** Python's `var in ctx`. */
  has(variable: ContextVar<unknown>): boolean {
    check_var(variable);
    return this._data.has(variable);
  }

  /** Python's `len(ctx)`. */
  get size(): number {
    return this._data.size;
  }

  /** Python's `ctx.keys()`. */
  keys(): ContextVar<unknown>[] {
    return [...this._data.keys()];
  }

  /** Python's `ctx.values()`. */
  values(): unknown[] {
    return [...this._data.values()];
  }

  /** Python's `ctx.items()`. */
  items(): [ContextVar<unknown>, unknown][] {
    return [...this._data.entries()].map((e) => tuple(e));
  }

  /** Iterates over the variables, as Python's `iter(ctx)`. */
  [Symbol.iterator](): Iterator<ContextVar<unknown>> {
    return this._data.keys();
  }

  /** Python's repr. */
  __repr__(): string {
    return `<_contextvars.Context object at ${hex_id(this)}>`;
  }
}

function check_var(v: unknown): void {
  if (!(v instanceof ContextVar)) {
    throw new TypeError(`a ContextVar key was expected, got ${repr(v)}`);
  }
}

let _current: Context = new Context();

/** `fn(...args)`, without spreading the few arguments callbacks usually have. */
function _apply(fn: (...a: never[]) => unknown, args: readonly unknown[]): unknown {
  const f = fn as (...a: unknown[]) => unknown;
  switch (args.length) {
    case 0:
      return f();
    case 1:
      return f(args[0]);
    case 2:
      return f(args[0], args[1]);
    default:
      return f(...args);
  }
}

/**
 * `ctx.run(fn, ...args)` without the rest-parameter array: the event loop's hot path (every
 * callback runs in its context, through `_run_in_holder`).
 */
function _run_in(ctx: Context, fn: (...a: never[]) => unknown, args: readonly unknown[]): unknown {
  if (ctx._entered) {
    throw new RuntimeError(`cannot enter context: ${repr(ctx)} is already entered`);
  }
  ctx._prev = _current;
  ctx._entered = true;
  _current = ctx;
  try {
    return _apply(fn, args);
  } finally {
    _current = ctx._prev as Context;
    ctx._prev = null;
    ctx._entered = false;
  }
}

/** `_run_in` for a function of one argument (no arguments array). */
function _run_in1<A>(ctx: Context, fn: (a: A) => unknown, arg: A): unknown {
  if (ctx._entered) {
    throw new RuntimeError(`cannot enter context: ${repr(ctx)} is already entered`);
  }
  ctx._prev = _current;
  ctx._entered = true;
  _current = ctx;
  try {
    return fn(arg);
  } finally {
    _current = ctx._prev as Context;
    ctx._prev = null;
    ctx._entered = false;
  }
}

/** @internal The current context's variables (an immutable snapshot: set() replaces it). */
export function _current_data(): ReadonlyMap<ContextVar<unknown>, unknown> {
  return _current._data;
}

/** @internal A new context holding `data` (what `copy_context()` would have made). */
export function _context_from_data(data: ReadonlyMap<ContextVar<unknown>, unknown>): Context {
  const c = new Context();
  c._data = data as VarMap;
  return c;
}

/**
 * @internal What keeps a context as its variables until someone asks for the Context object: a
 * Handle or a Task (`_context` holds either).
 */
export interface _Holder {
  _context: Context | ReadonlyMap<ContextVar<unknown>, unknown>;
}

const _scratch = new Context();

/** The holder of a one-shot callback's context: nobody keeps it (see `_run_in_data1`); never written. */
const _NO_HOLDER: _Holder = { _context: EMPTY };

/**
 * @internal A context kept as variables (by a Handle, a Task) runs in a stand-in Context: the
 * scratch one, unless it is in use. Where the Context object itself matters (a Token records it;
 * `get_context()` returns it), the stand-in is replaced by a Context of its own, given to the
 * holder, with the same variables and place in the chain of entered contexts: `_promote`. Until
 * then no Context object is made, which saves one per callback and per task. `_stand_in_enter`
 * and `_stand_in_exit` are what `_run_in` does, plus that bookkeeping.
 */
function _stand_in_enter(holder: _Holder, data: ReadonlyMap<ContextVar<unknown>, unknown>): Context {
  const ctx = _scratch._entered ? new Context() : _scratch;
  ctx._data = data as VarMap;
  ctx._holder = holder;
  ctx._prev = _current;
  ctx._entered = true;
  _current = ctx;
  return ctx;
}

/**
 * Leaves a stand-in. Its variables cannot have changed unless it was promoted (a change is a
 * `ContextVar.set()`, which promotes it first), so there is nothing to give back to the holder.
 * The idle scratch context lets go of them (a one-shot callback's were the last reference).
 */
function _stand_in_exit(ctx: Context): void {
  _current = ctx._prev as Context;
  ctx._prev = null;
  ctx._entered = false;
  ctx._holder = null;
  ctx._data = EMPTY;
  const real = ctx._promoted;
  if (real !== null) {
    real._entered = false;
    real._prev = null;
    ctx._promoted = null;
  }
}

/**
 * @internal Gives the holder of the running stand-in `stand_in` a Context of its own, which
 * takes the stand-in's place in the chain of entered contexts (as the current one, or as the
 * previous one of the context entered after it) until the stand-in's run ends.
 */
function _promote(stand_in: Context): Context {
  if (stand_in._promoted !== null) return stand_in._promoted;
  const real = new Context();
  real._data = stand_in._data;
  real._prev = stand_in._prev;
  real._entered = true;
  stand_in._promoted = real;
  if (stand_in._holder !== _NO_HOLDER) stand_in._holder!._context = real;
  if (_current === stand_in) {
    _current = real;
  } else {
    for (let c: Context | null = _current; c !== null; c = c._prev) {
      if (c._prev === stand_in) {
        c._prev = real;
        break;
      }
    }
  }
  return real;
}

/**
 * @internal The Context of a holder (a Handle, a Task): made from its variables when first asked
 * for; the running stand-in promoted if the holder's context is entered now.
 */
export function _holder_context(holder: _Holder): Context {
  const ctx = holder._context;
  if (ctx instanceof Context) return ctx;
  for (let c: Context | null = _current; c !== null; c = c._prev) {
    if (c._holder === holder && c._promoted === null) return _promote(c);
  }
  return (holder._context = _context_from_data(ctx));
}

/**
 * @internal Runs `fn(...args)` in `holder._context`: the Context itself if it is one, else a
 * stand-in for the copy whose variables it holds (no Context object is made unless the callback
 * needs one: see `_promote`). Handles and tasks run their callbacks and steps through this.
 */
export function _run_in_holder(
  holder: _Holder,
  fn: (...a: never[]) => unknown,
  args: readonly unknown[],
): void {
  const held = holder._context;
  if (held instanceof Context) {
    _run_in(held, fn, args);
    return;
  }
  const ctx = _stand_in_enter(holder, held);
  try {
    _apply(fn, args);
  } finally {
    _stand_in_exit(ctx);
  }
}

/** @internal `_run_in_holder` with one argument (a task's step). */
export function _run_in_holder1<A>(holder: _Holder, fn: (a: A) => unknown, arg: A): void {
  const held = holder._context;
  if (held instanceof Context) {
    _run_in1(held, fn, arg);
    return;
  }
  const ctx = _stand_in_enter(holder, held);
  try {
    fn(arg);
  } finally {
    _stand_in_exit(ctx);
  }
}

/**
 * @internal `fn(arg)` in `context`, or in a copy of a context that holds the variables `context`
 * (a one-shot callback: the copy is the scratch context unless it is in use, and what the callback
 * sets is dropped with it).
 */
export function _run_in_data1<A>(
  context: Context | ReadonlyMap<ContextVar<unknown>, unknown>,
  fn: (a: A) => unknown,
  arg: A,
): void {
  if (context instanceof Context) {
    _run_in1(context, fn, arg);
    return;
  }
  const ctx = _stand_in_enter(_NO_HOLDER, context);
  try {
    fn(arg);
  } finally {
    _stand_in_exit(ctx);
  }
}

/** Python's `contextvars.copy_context()`: a copy of the current context. */
export function copy_context(): Context {
  return _current.copy();
}

/** @internal The current context itself (not a copy). */
export function _get_context(): Context {
  return _current._holder !== null ? _promote(_current) : _current;
}

/** Options of {@linkcode ContextVar}'s constructor. */
export interface ContextVarOptions<T> {
  /** The value `get()` returns when the variable has no value in the current context. */
  default?: T;
}

/**
 * Python's `contextvars.ContextVar`: a variable whose value depends on the current context.
 *
 * @example
 * ```ts
 * import { ContextVar } from "./contextvars.ts";
 * const v = new ContextVar<number>("v", { default: 0 });
 * const token = v.set(1);
 * console.assert(v.get() === 1);
 * v.reset(token);
 * console.assert(v.get() === 0);
 * ```
 */
export class ContextVar<T> {
  /** The variable's name. */
  readonly name: string;
  private readonly _default: T | typeof MISSING;

  /** Creates a variable named `name`, with an optional `default`. */
  constructor(name: string, options?: ContextVarOptions<T>) {
    if (typeof name !== "string") throw new TypeError("context variable name must be a str");
    this.name = name;
    this._default = options && "default" in options ? options.default as T : MISSING;
  }

  /**
   * The variable's value in the current context; else `default_` if given; else the variable's
   * own default; else raises `LookupError`.
   */
  get(default_?: T): T {
    const data = _current._data;
    const v = data.get(this as ContextVar<unknown>);
    if (v !== undefined || data.has(this as ContextVar<unknown>)) return v as T;
    if (default_ !== undefined) return default_;
    if (this._default !== MISSING) return this._default;
    throw new LookupError(this);
  }

  /** Sets the variable's value in the current context; the token lets {@linkcode reset} undo it. */
  set(value: T): Token<T> {
    // (a Token records the Context: a stand-in gets one of its own first)
    const ctx = _current._holder !== null ? _promote(_current) : _current;
    const data = ctx._data;
    const key = this as ContextVar<unknown>;
    const old = data.has(key) ? data.get(key) as T : Token.MISSING;
    const next = new Map(data);
    next.set(key, value);
    ctx._data = next;
    return new Token<T>(ctx, this, old);
  }

  /** Restores the value the variable had before the `set()` that returned `token`. */
  reset(token: Token<T>): void {
    if (!(token instanceof Token)) {
      throw new TypeError(`expected an instance of Token, got ${repr(token)}`);
    }
    if (token._used) throw new RuntimeError(`${repr(token)} has already been used once`);
    if (token.var !== this) throw new ValueError(`${repr(token)} was created by a different ContextVar`);
    const ctx = _current;
    if (token._ctx !== ctx) throw new ValueError(`${repr(token)} was created in a different Context`);
    token._used = true;
    const next = new Map(ctx._data);
    if (token.old_value === Token.MISSING) next.delete(this as ContextVar<unknown>);
    else next.set(this as ContextVar<unknown>, token.old_value);
    ctx._data = next;
  }

  /** Python's repr. */
  __repr__(): string {
    const d = this._default === MISSING ? "" : ` default=${repr(this._default)}`;
    return `<ContextVar name=${repr(this.name)}${d} at ${hex_id(this)}>`;
  }
}

/** Python's `contextvars.Token`: returned by {@linkcode ContextVar.set}, consumed by `reset()`. */
export class Token<T> {
  /** The marker `old_value` holds when the variable had no value before `set()`. */
  static readonly MISSING: unique symbol = Symbol("Token.MISSING");
  /** @internal */
  _used = false;

  /** @internal */
  readonly _ctx: Context;
  /** The variable this token was made for. */
  readonly var: ContextVar<T>;
  /** The value before `set()`, or {@linkcode Token.MISSING}. */
  readonly old_value: T | typeof Token.MISSING;

  /** @internal Only {@linkcode ContextVar.set} makes tokens (elsewhere: Python's RuntimeError). */
  constructor(ctx: Context, variable: ContextVar<T>, old_value: T | typeof Token.MISSING) {
    if (!(ctx instanceof Context) || !(variable instanceof ContextVar)) {
      throw new RuntimeError("Tokens can only be created by ContextVars");
    }
    this._ctx = ctx;
    this.var = variable;
    this.old_value = old_value;
  }

  /** Python 3.14's `with var.set(value):`: entering gives the token itself. */
  __enter__(): this {
    return this;
  }

  /** Leaving the `with` block resets the variable (`var.reset(token)`). */
  __exit__(_type?: unknown, _value?: unknown, _tb?: unknown): void {
    this.var.reset(this);
  }

  /** `using _ = v.set(value);`: the same reset when the block ends. */
  [Symbol.dispose](): void {
    this.var.reset(this);
  }

  /** Python's repr. */
  __repr__(): string {
    const used = this._used ? " used" : "";
    return `<Token${used} var=${repr(this.var)} at ${hex_id(this)}>`;
  }
}
_set_symbol_repr(Token.MISSING, "<Token.MISSING>");
