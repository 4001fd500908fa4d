/**
 * Python's built-in exception classes, as asyncio raises and catches them.
 *
 * Every class extends JavaScript's `Error`; `BaseException` sits between `Error` and the rest so
 * that `Exception` (what a broad `except Exception:` catches) can be told apart from the classes
 * that derive only from `BaseException` in Python (`KeyboardInterrupt`, `SystemExit`,
 * `GeneratorExit`, asyncio's `CancelledError`). A plain JavaScript `Error` that is not a
 * `BaseException` counts as an `Exception` (see {@linkcode is_exception}).
 *
 * `e.message` is what Python's `str(e)` gives; `e.args` holds the constructor arguments.
 *
 * @module
 */

import { _as_tuple, _is_tuple, repr, tuple } from "./_repr.ts";

/** Python's `str()` of an exception built from `args`. */
function args_str(args: readonly unknown[]): string {
  if (args.length === 0) return "";
  if (args.length === 1) return typeof args[0] === "string" ? args[0] : py_str(args[0]);
  return "(" + args.map((a) => repr(a)).join(", ") + ")";
}

/** Python's `str()` for values a message may carry. */
export function py_str(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (v instanceof BaseExceptionGroup) {
    // (a group's str() counts its members)
    const n = v.exceptions.length;
    return `${v.message} (${n} sub-exception${n > 1 ? "s" : ""})`;
  }
  if (v instanceof Error) return v.message;
  // An object with a Python repr (the port's classes) gives its str() as its toString(), where that
  // differs (Queue's `<Queue maxsize=0>`); else str() is the repr, as in Python.
  if (
    typeof v === "object" && typeof (v as { __repr__?: unknown }).__repr__ === "function" &&
    (v as object).toString !== Object.prototype.toString
  ) {
    return String(v);
  }
  return repr(v);
}

/**
 * The root of Python's exception hierarchy. Extends `Error`, so `instanceof Error` holds.
 *
 * @example Catching the asyncio cancellation and everything else
 * ```ts
 * import { BaseException, RuntimeError } from "./builtins.ts";
 * const e = new RuntimeError("boom");
 * console.assert(e instanceof BaseException && e.message === "boom");
 * ```
 */
export class BaseException extends Error {
  // (a tuple for repr() once read: marking it costs, and most exceptions' args are never read)
  #args: unknown[];
  /** The arguments given to the constructor, as Python's `args` (a tuple: `repr()` shows `('boom',)`). */
  get args(): unknown[] {
    return _as_tuple(this.#args);
  }
  set args(v: unknown[]) {
    this.#args = v;
  }
  /** Python's `__cause__` (set by `raise X from Y`). */
  __cause__: Error | null = null;
  /** Python's `__context__` (the exception being handled when this one was raised). */
  __context__: Error | null = null;
  /** Python's `__suppress_context__`. */
  __suppress_context__ = false;
  /** Python's `__notes__` (PEP 678), if any note was added. */
  __notes__?: string[];

  /** Builds the exception; the message is Python's `str()` of the arguments. */
  constructor(...args: unknown[]) {
    super(args_str(args));
    this.#args = args;
    this.name = new.target.name;
  }

  /** Python's `with_traceback()`: there are no tracebacks here, so it returns the exception. */
  with_traceback(_tb: unknown): this {
    return this;
  }

  /** Python's `add_note()` (PEP 678). */
  add_note(note: string): void {
    if (typeof note !== "string") {
      throw new TypeError(`note must be a str, not '${type_name(note)}'`);
    }
    (this.__notes__ ??= []).push(note);
  }

  /** Python's `str(e)`. */
  override toString(): string {
    return this.message ? `${this.name}: ${this.message}` : this.name;
  }
}

/** Python's `Exception`: what `except Exception` catches. */
export class Exception extends BaseException {}

/** Python's `TypeError`. Extends JavaScript's `TypeError` too, so both kinds of check hold. */
export class TypeError extends globalThis.TypeError {
  #args: unknown[];
  /** The arguments given to the constructor (a tuple, as {@linkcode BaseException.args}). */
  get args(): unknown[] {
    return _as_tuple(this.#args);
  }
  set args(v: unknown[]) {
    this.#args = v;
  }
  /** Python's `__cause__`. */
  __cause__: Error | null = null;
  /** Python's `__context__`. */
  __context__: Error | null = null;
  /** Python's `__suppress_context__`. */
  __suppress_context__ = false;
  /** Python's `__notes__` (PEP 678), if any note was added. */
  __notes__?: string[];
  /** Builds the exception; the message is Python's `str()` of the arguments. */
  constructor(...args: unknown[]) {
    super(args_str(args));
    this.#args = args;
    this.name = new.target.name;
  }

  /** Python's `with_traceback()`: there are no tracebacks here, so it returns the exception. */
  with_traceback(_tb: unknown): this {
    return this;
  }

  /** Python's `add_note()` (PEP 678). */
  add_note(note: string): void {
    BaseException.prototype.add_note.call(this as unknown as BaseException, note);
  }
}

/** Python's `ArithmeticError`. */
export class ArithmeticError extends Exception {}
/** Python's `OverflowError`. */
export class OverflowError extends ArithmeticError {}
/** Python's `ZeroDivisionError`. */
export class ZeroDivisionError extends ArithmeticError {}
/** Python's `AssertionError`. */
export class AssertionError extends Exception {}
/** Python's `AttributeError`. */
export class AttributeError extends Exception {}
/** Python's `LookupError`. */
export class LookupError extends Exception {}
/** Python's `IndexError`. */
export class IndexError extends LookupError {}
/** Python's `KeyError`: its message is the `repr()` of its single argument, as in Python. */
export class KeyError extends LookupError {
  /** Builds the exception. */
  constructor(...args: unknown[]) {
    super(...args);
    if (args.length === 1) this.message = repr(args[0]);
  }
}
/** Python's `NameError`. */
export class NameError extends Exception {}
/** Python's `RuntimeError`. */
export class RuntimeError extends Exception {}
/** Python's `NotImplementedError`. */
export class NotImplementedError extends RuntimeError {}
/** Python's `RecursionError`. */
export class RecursionError extends RuntimeError {}
/** Python's `StopIteration`, with the generator's return value. */
export class StopIteration extends Exception {
  /** The value the iterator returned. */
  get value(): unknown {
    return this.args.length > 0 ? this.args[0] : null;
  }
}
/** Python's `StopAsyncIteration`: `__anext__` throws it at the end of an async iteration. */
export class StopAsyncIteration extends Exception {}
/** Python's `ValueError`. */
export class ValueError extends Exception {}
/** Python's `UnicodeError`. */
export class UnicodeError extends ValueError {}
/** Python's `BufferError`. */
export class BufferError extends Exception {}
/** Python's `EOFError`. */
export class EOFError extends Exception {}
/** Python's `MemoryError`. */
export class MemoryError extends Exception {}
/** Python's `Warning`. */
export class Warning extends Exception {}
/** Python's `DeprecationWarning`. */
export class DeprecationWarning extends Warning {}
/** Python's `ResourceWarning`. */
export class ResourceWarning extends Warning {}
/** Python's `RuntimeWarning`. */
export class RuntimeWarning extends Warning {}
/** Python's `UserWarning`. */
export class UserWarning extends Warning {}

/** Python's `KeyboardInterrupt`: derives from `BaseException` only, like in Python. */
export class KeyboardInterrupt extends BaseException {}
/** Python's `SystemExit`, with the exit `code`. */
export class SystemExit extends BaseException {
  /** The exit status (Python's `code`). */
  get code(): unknown {
    if (this.args.length === 0) return null;
    return this.args.length === 1 ? this.args[0] : this.args;
  }
}
/** Python's `GeneratorExit`. */
export class GeneratorExit extends BaseException {}

/**
 * Python's `OSError`. `new OSError(errno, strerror)` gives the message `[Errno N] strerror`, and
 * the constructor picks the subclass Python would (`ConnectionRefusedError` for `ECONNREFUSED`...)
 * when called on `OSError` itself, as Python does.
 */
export class OSError extends Exception {
  /** The error number, or `null`. */
  errno: number | null = null;
  /** The error text, or `null`. */
  strerror: string | null = null;
  /** The file name involved, or `null`. */
  filename: unknown = null;
  /** The second file name involved, or `null`. */
  filename2: unknown = null;

  /** Builds the exception, Python's way. */
  constructor(...args: unknown[]) {
    super(...args);
    if (new.target === OSError && args.length >= 2 && typeof args[0] === "number") {
      const sub = _errno_map.get(args[0]);
      if (sub !== undefined) {
        const e = new sub(...args);
        return e;
      }
    }
    if (args.length >= 2 && args.length <= 5) {
      this.errno = typeof args[0] === "number" ? args[0] : null;
      this.strerror = args[1] === undefined ? null : String(args[1]);
      if (args.length >= 3) this.filename = args[2];
      if (args.length >= 5) this.filename2 = args[4];
      let msg = `[Errno ${py_str(args[0])}] ${py_str(args[1])}`;
      if (args.length >= 3) {
        msg += `: ${repr(args[2])}`;
        if (args.length >= 5) msg += ` -> ${repr(args[4])}`;
      }
      this.message = msg;
      this.args = args.slice(0, 2);
    }
  }
}
/** Python's `EnvironmentError` (an alias of `OSError`). */
export const EnvironmentError = OSError;
/** Python's `IOError` (an alias of `OSError`). */
export const IOError = OSError;
/** Python's `BlockingIOError`. */
export class BlockingIOError extends OSError {}
/** Python's `ChildProcessError`. */
export class ChildProcessError extends OSError {}
/** Python's `ConnectionError`. */
export class ConnectionError extends OSError {}
/** Python's `BrokenPipeError`. */
export class BrokenPipeError extends ConnectionError {}
/** Python's `ConnectionAbortedError`. */
export class ConnectionAbortedError extends ConnectionError {}
/** Python's `ConnectionRefusedError`. */
export class ConnectionRefusedError extends ConnectionError {}
/** Python's `ConnectionResetError`. */
export class ConnectionResetError extends ConnectionError {}
/** Python's `FileExistsError`. */
export class FileExistsError extends OSError {}
/** Python's `FileNotFoundError`. */
export class FileNotFoundError extends OSError {}
/** Python's `InterruptedError`. */
export class InterruptedError extends OSError {}
/** Python's `IsADirectoryError`. */
export class IsADirectoryError extends OSError {}
/** Python's `NotADirectoryError`. */
export class NotADirectoryError extends OSError {}
/** Python's `PermissionError`. */
export class PermissionError extends OSError {}
/** Python's `ProcessLookupError`. */
export class ProcessLookupError extends OSError {}
/**
 * Python's builtin `TimeoutError` (a subclass of `OSError`). Since Python 3.11
 * `asyncio.TimeoutError` is this very class; `timeout()` and `wait_for()` raise it.
 */
export class TimeoutError extends OSError {}

/** Linux errno values, as Python's `errno` module has them. */
export const errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  EWOULDBLOCK: 11,
  ENOMEM: 12,
  EACCES: 13,
  EEXIST: 17,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  EPIPE: 32,
  EALREADY: 114,
  EINPROGRESS: 115,
  ENOTSOCK: 88,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  EISCONN: 106,
  ENOTCONN: 107,
  ESHUTDOWN: 108,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  ENFILE: 23,
  EMFILE: 24,
  ENOBUFS: 105,
} as const;

const _errno_map = new Map<number, new (...args: unknown[]) => OSError>([
  [errno.EAGAIN, BlockingIOError],
  [errno.EALREADY, BlockingIOError],
  [errno.EINPROGRESS, BlockingIOError],
  [errno.ECHILD, ChildProcessError],
  [errno.EPIPE, BrokenPipeError],
  [errno.ESHUTDOWN, BrokenPipeError],
  [errno.ECONNABORTED, ConnectionAbortedError],
  [errno.ECONNREFUSED, ConnectionRefusedError],
  [errno.ECONNRESET, ConnectionResetError],
  [errno.EEXIST, FileExistsError],
  [errno.ENOENT, FileNotFoundError],
  [errno.EISDIR, IsADirectoryError],
  [errno.ENOTDIR, NotADirectoryError],
  [errno.EINTR, InterruptedError],
  [errno.EACCES, PermissionError],
  [errno.EPERM, PermissionError],
  [errno.ESRCH, ProcessLookupError],
  [errno.ETIMEDOUT, TimeoutError],
]);

/**
 * True for the exceptions Python code re-raises before a catch-all
 * (`except (SystemExit, KeyboardInterrupt): raise`).
 */
export function _is_exit(e: unknown): boolean {
  return e instanceof SystemExit || e instanceof KeyboardInterrupt;
}

/**
 * True if `e` is what Python's `except Exception` catches: any `Error` that is not one of the
 * `BaseException`-only classes (`CancelledError`, `KeyboardInterrupt`, `SystemExit`,
 * `GeneratorExit`, or a `BaseExceptionGroup` holding one of them).
 */
export function is_exception(e: unknown): boolean {
  // Python's ExceptionGroup derives from both BaseExceptionGroup and Exception.
  if (e instanceof BaseException) return e instanceof Exception || e instanceof ExceptionGroup;
  return true;
}

/** The class name Python would print for a value's type (`type(x).__name__`). */
export function type_name(v: unknown): string {
  if (v === null || v === undefined) return "NoneType";
  switch (typeof v) {
    case "string":
      return "str";
    case "number":
      return Number.isInteger(v) ? "int" : "float";
    case "bigint":
      return "int";
    case "boolean":
      return "bool";
    case "function":
      return "function";
    case "symbol":
      return "symbol";
  }
  if (Array.isArray(v)) return _is_tuple(v) ? "tuple" : "list";
  if (v instanceof Uint8Array) return "bytes";
  if (v instanceof Map) return "dict";
  if (v instanceof Set) return "set";
  // A generator object is what a coroutine is in this port (`type(coro()).__name__`).
  if (Object.prototype.toString.call(v) === "[object Generator]") return "coroutine";
  const ctor = (v as { constructor?: { name?: string } }).constructor;
  if (ctor && ctor.name && ctor !== Object) return ctor.name;
  return "dict";
}

/** Python's `TypeError` for `a <op> b` when the two types do not compare (`a`, `b`: type names). */
export function unorderable(op: string, a: string, b: string): TypeError {
  return new TypeError(`'${op}' not supported between instances of '${a}' and '${b}'`);
}

/** Python's `TypeError` for `a <op> b` when the operator does not take the two types. */
export function bad_operands(op: string, a: string, b: string): TypeError {
  return new TypeError(`unsupported operand type(s) for ${op}: '${a}' and '${b}'`);
}

type Matcher = (e: Error) => boolean;
type ExcClass = abstract new (...args: never[]) => Error;

const _BAD_MATCH =
  "expected an exception type, a tuple of exception types, or a callable (other than a class)";

/** Whether `f` is an exception class (`Error` or a subclass). */
function is_exception_class(f: unknown): f is ExcClass {
  return typeof f === "function" &&
    (f === Error || (f as { prototype?: unknown }).prototype instanceof Error);
}

/**
 * Python's `isinstance(e, cls)` for an exception class: `BaseException` (or `Error`) takes every
 * error, `Exception` what `except Exception` catches ({@linkcode is_exception}: the port's
 * `TypeError` extends JavaScript's, and `ExceptionGroup` is an `Exception` in Python), other
 * classes their instances.
 */
function py_isinstance(e: Error, cls: ExcClass): boolean {
  if (cls === BaseException || cls === Error) return true;
  if (cls === Exception) return is_exception(e);
  return e instanceof cls;
}

/** Whether `f` was written as a class (Python's `isinstance(f, type)` for a function-like value). */
function is_class(f: unknown): boolean {
  return typeof f === "function" && /^class[\s{]/.test(Function.prototype.toString.call(f));
}

/**
 * Python's `get_matcher_type`: an exception class, an array (Python's tuple) of exception classes,
 * or a predicate that is not a class. Anything else is a `TypeError`, raised at once.
 */
function make_matcher(cond: ExcClass | readonly ExcClass[] | Matcher): Matcher {
  if (Array.isArray(cond)) {
    const classes = cond as readonly unknown[];
    if (!classes.every(is_exception_class)) throw new TypeError(_BAD_MATCH);
    return (e) => classes.some((c) => py_isinstance(e, c as ExcClass));
  }
  if (is_exception_class(cond)) {
    const cls = cond;
    return (e) => py_isinstance(e, cls);
  }
  if (typeof cond === "function" && !is_class(cond)) return cond as Matcher;
  throw new TypeError(_BAD_MATCH);
}

/**
 * Python's `BaseExceptionGroup`: several exceptions raised together. `new BaseExceptionGroup(msg,
 * excs)` returns an {@linkcode ExceptionGroup} when every member is an `Exception`, as in Python.
 * `message` is the group's own message; `String(eg)` is Python's `str(eg)` with the
 * " (N sub-exceptions)" suffix. `message` and `exceptions` are read-only, as in Python: assigning
 * either raises `AttributeError`.
 */
export class BaseExceptionGroup<E extends Error = Error> extends BaseException {
  #message = "";
  #exceptions: readonly E[] = [];

  /** Builds the group; validates its arguments with Python's messages. */
  constructor(message: string, exceptions: readonly E[]) {
    if (arguments.length !== 2) {
      throw new TypeError(
        `BaseExceptionGroup.__new__() takes exactly 2 arguments (${arguments.length} given)`,
      );
    }
    if (typeof message !== "string") {
      throw new TypeError(`BaseExceptionGroup.__new__() argument 1 must be str, not ${type_name(message)}`);
    }
    if (!Array.isArray(exceptions)) {
      throw new TypeError("second argument (exceptions) must be a sequence");
    }
    if (exceptions.length === 0) {
      throw new ValueError("second argument (exceptions) must be a non-empty sequence");
    }
    exceptions.forEach((e, i) => {
      if (!(e instanceof Error)) {
        throw new ValueError(`Item ${i} of second argument (exceptions) is not an exception`);
      }
    });
    const all_exc = exceptions.every(is_exception);
    if (new.target === BaseExceptionGroup && all_exc) {
      return new ExceptionGroup(message, exceptions) as unknown as BaseExceptionGroup<E>;
    }
    if (!all_exc) {
      if (new.target === ExceptionGroup) {
        throw new TypeError("Cannot nest BaseExceptions in an ExceptionGroup");
      }
      // A subclass of ExceptionGroup is an Exception: it cannot hold BaseExceptions either.
      if (new.target.prototype instanceof ExceptionGroup) {
        throw new TypeError(`Cannot nest BaseExceptions in '${new.target.name}'`);
      }
    }
    super(message, exceptions);
    // (the accessors below answer for these; Error's own `message` property would shadow them)
    delete (this as { message?: string }).message;
    this.#message = message;
    this.#exceptions = Object.freeze(tuple([...exceptions]));
  }

  /** The group's own message (without the count of members). */
  override get message(): string {
    return this.#message;
  }
  override set message(_v: string) {
    throw new AttributeError("readonly attribute");
  }

  /** The member exceptions, in order (frozen: Python's tuple). */
  get exceptions(): readonly E[] {
    return this.#exceptions;
  }
  set exceptions(_v: readonly E[]) {
    throw new AttributeError("readonly attribute");
  }

  /** The class name and Python's `str(eg)` ({@linkcode py_str}: the message and the number of members). */
  override toString(): string {
    return `${this.name}: ${py_str(this)}`;
  }

  /** Python's `derive()`: a group of the same kind with other members. */
  derive(excs: readonly Error[]): BaseExceptionGroup {
    return new BaseExceptionGroup(this.message, excs);
  }

  /**
   * Python's `exceptiongroup_subset`: `derive()`'s group (which must be a group), with this
   * group's `__cause__`, `__context__` and a copy of its notes (when they are an array).
   */
  private _derive_and_copy(excs: readonly Error[]): BaseExceptionGroup {
    const eg = this.derive(excs) as unknown;
    if (!(eg instanceof BaseExceptionGroup)) {
      throw new TypeError("derive must return an instance of BaseExceptionGroup");
    }
    eg.__cause__ = this.__cause__;
    eg.__context__ = this.__context__;
    if (Array.isArray(this.__notes__)) eg.__notes__ = [...this.__notes__];
    return eg;
  }

  /**
   * Python's `subgroup()`: the members matching `cond` (a class, an array of classes or a
   * predicate), keeping the nesting; `null` if none match.
   */
  subgroup(cond: ExcClass | readonly ExcClass[] | Matcher): BaseExceptionGroup | null {
    return this._split(make_matcher(cond), false)[0];
  }

  /** Python's `split()`: `[matching, rest]`, each a group or `null`. */
  split(
    cond: ExcClass | readonly ExcClass[] | Matcher,
  ): [BaseExceptionGroup | null, BaseExceptionGroup | null] {
    return this._split(make_matcher(cond), true);
  }

  /** Python's `exceptiongroup_split_recursive`; `with_rest` false for `subgroup()`. */
  private _split(
    match: Matcher,
    with_rest: boolean,
  ): [BaseExceptionGroup | null, BaseExceptionGroup | null] {
    if (match(this)) return [this, null];
    const yes: Error[] = [];
    const no: Error[] = [];
    for (const e of this.exceptions) {
      if (e instanceof BaseExceptionGroup) {
        const [m, r] = e._split(match, with_rest);
        if (m) yes.push(m);
        if (r) no.push(r);
      } else if (match(e)) {
        yes.push(e);
      } else if (with_rest) {
        no.push(e);
      }
    }
    return [
      yes.length ? this._derive_and_copy(yes) : null,
      no.length ? this._derive_and_copy(no) : null,
    ];
  }
}

/** Python's `ExceptionGroup`: a {@linkcode BaseExceptionGroup} whose members are all `Exception`s. */
export class ExceptionGroup<E extends Error = Error> extends BaseExceptionGroup<E> {}

/** Python's `isinstance(e, ExceptionGroup)`-style check for either group class. */
export function is_exception_group(e: unknown): e is BaseExceptionGroup {
  return e instanceof BaseExceptionGroup;
}

export { repr };
