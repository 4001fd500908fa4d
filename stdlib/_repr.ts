/**
 * Python's `repr()` for the values asyncio messages print.
 *
 * Objects may define a `__repr__()` method (the port's classes do: `<Task pending name='Task-1'
 * coro=<main() running>>`); strings, numbers, `null`, booleans, arrays (as lists), `Uint8Array`
 * (as bytes) and functions are printed the way Python prints their counterparts.
 *
 * @module
 */

const _ids = new WeakMap<object, number>();
let _next_id = 0x7f0000001000;

/** A stable pseudo address for an object, standing in for Python's `id()` in reprs. */
export function id(obj: object): number {
  let v = _ids.get(obj);
  if (v === undefined) {
    v = _next_id;
    _next_id += 0x40;
    _ids.set(obj, v);
  }
  return v;
}

/**
 * @internal Names of coroutine objects, for reprs (`<coroutine object NAME at 0x...>`, a task's
 * `coro=<NAME() running>`): a JavaScript generator object does not know the function that made it,
 * so the port records the name where it knows it (`create_task` and friends, library coroutines).
 */
export const _coro_names: WeakMap<object, string> = new WeakMap();

const _GeneratorPrototype: object = Object.getPrototypeOf(function* () {}).prototype;

/**
 * @internal The name of a coroutine object: the one recorded for it, else its own `__qualname__`
 * (the port's hand-made coroutine objects have one), else `undefined`.
 */
export function _coro_name(coro: object): string | undefined {
  const name = _coro_names.get(coro);
  if (name !== undefined) return name;
  const q = (coro as { __qualname__?: unknown }).__qualname__;
  return typeof q === "string" ? q : undefined;
}

/**
 * @internal Stands in, by its repr, for an object that is gone: the `future` of an "exception was
 * never retrieved" report and the `task` of "Task was destroyed but it is pending!" are made after
 * the object was collected (a finalizer cannot reach it), from the repr taken while it lived.
 * {@linkcode repr} and `String()` give that text.
 */
export class _Collected {
  /** Wraps the repr `text`. */
  constructor(readonly text: string) {}
  /** The repr taken while the object lived. */
  __repr__(): string {
    return this.text;
  }
  /** The same text. */
  toString(): string {
    return this.text;
  }
}

/**
 * @internal Gives classes the module Python's default repr names them with (`<asyncio.protocols.Protocol
 * object at 0x...>`). Set on the classes themselves only: a subclass of yours is shown by its name alone
 * (its module is not known).
 */
export function _set_module(
  module: string,
  ...classes: (abstract new (...args: never[]) => unknown)[]
): void {
  for (const cls of classes) Object.defineProperty(cls, "__module__", { value: module, configurable: true });
}

/**
 * @internal A class's name as Python prints it in a default repr or a traceback: `module.Name`
 * when the class itself was given a module ({@linkcode _set_module}), else its name alone.
 */
export function _module_qualname(cls: { name?: string; __module__?: unknown }, name: string): string {
  return Object.hasOwn(cls, "__module__") && typeof cls.__module__ === "string"
    ? `${cls.__module__}.${name}`
    : name;
}

/** `0x...` text of {@linkcode id}, as Python's default reprs show it. */
export function hex_id(obj: object): string {
  return "0x" + id(obj).toString(16);
}

function str_repr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === quote || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + quote;
}

/** Python's `repr()` of a bytes value. */
export function bytes_repr(b: Uint8Array): string {
  let s = "";
  let has_single = false;
  let has_double = false;
  for (const c of b) {
    if (c === 0x27) has_single = true;
    if (c === 0x22) has_double = true;
  }
  const quote = has_single && !has_double ? '"' : "'";
  for (const c of b) {
    if (c === 0x5c) s += "\\\\";
    else if (c === quote.charCodeAt(0)) s += "\\" + quote;
    else if (c === 0x0a) s += "\\n";
    else if (c === 0x0d) s += "\\r";
    else if (c === 0x09) s += "\\t";
    else if (c < 0x20 || c >= 0x7f) s += "\\x" + c.toString(16).padStart(2, "0");
    else s += String.fromCharCode(c);
  }
  return "b" + quote + s + quote;
}

function num_repr(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (n === Infinity) return "inf";
  if (n === -Infinity) return "-inf";
  // A whole number is shown as Python shows an int; a fraction as Python's float repr, which
  // switches to an exponent of at least two digits below 1e-4 (JavaScript: below 1e-6, as `1e-7`).
  if (Number.isInteger(n) || Math.abs(n) >= 1e-4) return String(n);
  const [mantissa, exp] = n.toExponential().split("e");
  const digits = exp.slice(1).padStart(2, "0");
  return `${mantissa}e${exp[0]}${digits}`;
}

// Objects whose repr is being computed now: a nested repr of one of them prints "..." (Python's
// reprlib.recursive_repr), even across `__repr__` methods that call repr() again.
const _active = new Set<unknown>();

const TUPLE: unique symbol = Symbol("tuple");

/**
 * Marks `items` (an array, returned) as a Python tuple for {@linkcode repr}: `('127.0.0.1', 80)`
 * rather than a list. The mark is a non-enumerable symbol; the array is otherwise unchanged.
 */
export function tuple<T extends unknown[]>(items: [...T]): T {
  return _as_tuple(items as T);
}

// Python's reprs of the markers the port makes symbols (`<Token.MISSING>`).
const _symbol_reprs = new Map<symbol, string>();

/** @internal Gives the symbol `sym` the repr `text`. */
export function _set_symbol_repr(sym: symbol, text: string): void {
  _symbol_reprs.set(sym, text);
}

/** @internal Marks `items` as a tuple unless it is one already (or is not an extensible array). */
export function _as_tuple<T extends unknown[]>(items: T): T {
  if (Array.isArray(items) && !(items as { [TUPLE]?: true })[TUPLE] && Object.isExtensible(items)) {
    Object.defineProperty(items, TUPLE, { value: true });
  }
  return items;
}

/** @internal Whether `v` is an array marked as a tuple (see {@linkcode _as_tuple}). */
export function _is_tuple(v: unknown): boolean {
  return Array.isArray(v) && (v as { [TUPLE]?: true })[TUPLE] === true;
}

/** Python's `repr()`. */
export function repr(v: unknown, seen: Set<unknown> = _active): string {
  switch (typeof v) {
    case "string":
      return str_repr(v);
    case "number":
      return num_repr(v);
    case "bigint":
      return v.toString();
    case "boolean":
      return v ? "True" : "False";
    case "undefined":
      return "None";
    case "symbol":
      return _symbol_reprs.get(v) ?? v.toString();
    case "function": {
      const custom = (v as { __repr__?: unknown }).__repr__;
      if (typeof custom === "function" && Object.hasOwn(v, "__repr__")) return String(custom.call(v));
      const name = v.name || "<lambda>";
      if (/^class\s/.test(Function.prototype.toString.call(v))) return `<class '${name}'>`;
      return `<function ${name} at ${hex_id(v)}>`;
    }
  }
  if (v === null) return "None";
  const obj = v as Record<string, unknown>;
  if (typeof obj.__repr__ === "function") {
    if (seen.has(v)) return "...";
    seen.add(v);
    try {
      return String((obj.__repr__ as () => unknown).call(v));
    } finally {
      seen.delete(v);
    }
  }
  if (v instanceof Uint8Array) return bytes_repr(v);
  if (Array.isArray(v)) {
    if (seen.has(v)) return "[...]";
    seen.add(v);
    try {
      if ((v as { [TUPLE]?: true })[TUPLE]) {
        return "(" + v.map((x) => repr(x, seen)).join(", ") + (v.length === 1 ? ",)" : ")");
      }
      return "[" + v.map((x) => repr(x, seen)).join(", ") + "]";
    } finally {
      seen.delete(v);
    }
  }
  if (v instanceof Error) {
    const args = (v as { args?: unknown[] }).args;
    const name = v.constructor?.name ?? "Error";
    if (Array.isArray(args)) return `${name}(${args.map((a) => repr(a, seen)).join(", ")})`;
    return v.message ? `${name}(${str_repr(v.message)})` : `${name}()`;
  }
  if (v instanceof Set) {
    if (v.size === 0) return "set()";
    return "{" + [...v].map((x) => repr(x, seen)).join(", ") + "}";
  }
  if (v instanceof Map) {
    return "{" + [...v].map(([k, x]) => `${repr(k, seen)}: ${repr(x, seen)}`).join(", ") + "}";
  }
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    if (seen.has(v)) return "{...}";
    seen.add(v);
    try {
      return "{" + Object.entries(obj).map(([k, x]) => `${str_repr(k)}: ${repr(x, seen)}`).join(", ") + "}";
    } finally {
      seen.delete(v);
    }
  }
  if (Object.prototype.isPrototypeOf.call(_GeneratorPrototype, v as object)) {
    // A generator object is the port's coroutine object (its function's name is not reachable
    // from it: "coroutine" where the port did not record one).
    return `<coroutine object ${_coro_name(v as object) ?? "coroutine"} at ${hex_id(v as object)}>`;
  }
  if (typeof (v as { then?: unknown }).then === "function" && v instanceof Promise) {
    return `<Promise object at ${hex_id(v)}>`;
  }
  const ctor = (v as { constructor?: { name?: string; __module__?: string } }).constructor;
  const name = ctor?.name ?? "object";
  return `<${ctor !== undefined ? _module_qualname(ctor, name) : name} object at ${hex_id(v as object)}>`;
}
