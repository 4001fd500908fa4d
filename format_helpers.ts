/**
 * Port of `asyncio/format_helpers.py`: how callbacks and creation sites are printed in reprs and
 * log messages.
 *
 * JavaScript functions do not expose their source file and line, so the `" at FILE:LINE"` that
 * CPython appends to a callback's name is left out. Creation sites ({@linkcode extract_stack})
 * come from JavaScript stack traces.
 *
 * @module
 */

import { DEBUG_STACK_DEPTH } from "./constants.ts";
import { repr } from "./stdlib/_repr.ts";

/** One frame of a creation site: `[file, line, function name, source line]`, as Python's FrameSummary. */
export type FrameSummary = [string, number, string, string | null];

/** Python's `traceback.format_list` without the source lines: `  File "F", line N, in NAME` per frame. */
export function format_frames(frames: readonly FrameSummary[]): string {
  return frames.map((f) => `  File "${f[0]}", line ${f[1]}, in ${f[2]}`).join("\n");
}

/**
 * @internal `obj[name]` bound to `obj`, named as Python names a bound method in a callback's repr:
 * `Class.name`, the class being the one that defines the method (`BaseProtocol.connection_made`
 * for a protocol that does not override it). A plain `bind()` would be printed `connection_made`.
 */
export function _bound_method<K extends string, O extends { [k in K]: (...args: never[]) => unknown }>(
  obj: O,
  name: K,
): O[K] {
  const fn = obj[name];
  const bound = fn.bind(obj) as O[K] & { __qualname__?: string };
  let owner: object | null = obj;
  while (owner !== null && !Object.hasOwn(owner, name)) owner = Object.getPrototypeOf(owner);
  const cls = (owner ?? obj).constructor as { name?: string } | undefined;
  bound.__qualname__ = cls?.name ? `${cls.name}.${name}` : name;
  return bound;
}

/**
 * The name Python would print for a callback: its `__qualname__`, else its name (`<lambda>` for an
 * anonymous function), else (not a function) its repr.
 */
export function _callback_name(func: unknown): string {
  if (typeof func === "function") {
    const qual = (func as { __qualname__?: unknown }).__qualname__;
    if (typeof qual === "string" && qual) return qual;
    let name = func.name;
    if (name.startsWith("bound ")) name = name.slice(6);
    // (a function without a name is an anonymous one: Python's lambdas are named `<lambda>`)
    return name || "<lambda>";
  }
  return repr(func);
}

/** Python's `_format_args_and_kwargs`: the arguments in debug mode, `()` otherwise. */
export function _format_args_and_kwargs(args: readonly unknown[], debug = false): string {
  if (!debug) return "()";
  return "(" + args.map((a) => repr(a)).join(", ") + ")";
}

/** Python's `_format_callback`. */
export function _format_callback(
  func: unknown,
  args: readonly unknown[],
  debug = false,
  suffix = "",
): string {
  let func_repr = _callback_name(func);
  func_repr += _format_args_and_kwargs(args, debug);
  if (suffix) func_repr += suffix;
  return func_repr;
}

/** Python's `_format_callback_source` (without the source location, which JS does not expose). */
export function _format_callback_source(func: unknown, args: readonly unknown[], debug = false): string {
  return _format_callback(func, args, debug);
}

/**
 * Python's `extract_stack`: the calling stack, oldest frame first, at most `limit` frames
 * (`DEBUG_STACK_DEPTH` by default), without this module's own frames.
 */
export function extract_stack(skip = 1, limit: number = DEBUG_STACK_DEPTH): FrameSummary[] {
  const stack = new Error().stack ?? "";
  return _stack_frames(stack.split("\n").slice(1 + skip), limit).reverse();
}

/**
 * @internal The frames of the lines of a JavaScript stack trace (`Error.stack` without its first
 * line), innermost first, at most `limit`. A line without a position (a generator's resumption,
 * `at main.next (<anonymous>)`) is no frame. Names are V8's, less its `async ` mark and the
 * `Module.` it puts before a function called through a module namespace (`asyncio.create_task`);
 * a frame without a name is the module's top level, `<module>` as in Python.
 */
export function _stack_frames(lines: readonly string[], limit = Infinity): FrameSummary[] {
  const frames: FrameSummary[] = [];
  for (const line of lines) {
    if (frames.length >= limit) break;
    const f = _parse_frame_line(line);
    if (f !== null) frames.push([f[0], f[1], f[2] ?? "<module>", null]);
  }
  return frames;
}

/**
 * @internal One line of a JavaScript stack trace as `[file, line, name]` (`name` undefined for a
 * frame without one), or `null` for a line without a position.
 */
export function _parse_frame_line(line: string): [string, number, string | undefined] | null {
  // (`at async f (...)` marks a frame of an async function; `at async file:1:2` one of the top level)
  const m = /^\s*at (?:async )?(?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/.exec(line);
  if (m === null) return null;
  return [m[2], Number(m[3]), m[1]?.replace(/^Module\./, "")];
}

// The frames where a task's coroutines are resumed from: the bottom of its coroutine stack.
/** @internal */
export const _STEP_FRAME = /^(?:Task\.)?(?:__step|__step_run_and_handle_result|__eager_start)$|^task_step$/;
// The port's own plumbing between coroutine frames (what the language does in Python: `await` of a
// future, `async with`), left out as CPython's stacks have no frame there. (The generators' own
// resumption frames, `at main.next (<anonymous>)`, have no position: no frame is made of them.)
/** @internal */
export const _PLUMBING_FRAME: RegExp =
  /^(?:Future|Task|_GatheringFuture|_AsyncWith|_BodyDelegate|_TrackedCoroutine|_Sleep0)\.(?:next|throw|return|_run|_resume)$/;

// (JavaScriptCore names a method without its class: those of the modules that have such plumbing)
/** @internal */
export const _PLUMBING_METHOD = /^(?:next|throw|return|_run|_resume)$/;
/** @internal */
export const _PLUMBING_FILE = /[/\\](?:futures|coroutines|tasks)\.[jt]s$/;

/** @internal Whether the frame `name` in `file` is the port's plumbing between coroutine frames. */
export function _is_plumbing(name: string, file: string): boolean {
  return _PLUMBING_FRAME.test(name) || (_PLUMBING_METHOD.test(name) && _PLUMBING_FILE.test(file));
}

/**
 * @internal The traceback Python would show for an exception with this JavaScript stack, oldest
 * frame first: the frames below the task step that ran the coroutine (CPython's task step adds no
 * frame; the loop's are not part of a coroutine's traceback), or below and including the
 * `Handle._run` that ran a callback (as CPython's `events.py ... in _run`), or below the loop's
 * frames for an exception made there, without the port's plumbing between coroutines, the context
 * machinery and the exception classes' constructors (C code in CPython: no frames).
 */
export function _traceback_frames(stack: string): FrameSummary[] {
  const frames: FrameSummary[] = [];
  let made = false;
  for (const f of _stack_frames(stack.split("\n").slice(1))) {
    // The exception classes' own constructors, innermost: CPython's are not Python frames.
    if (!made && f[2].startsWith("new ") && _BUILTINS_FILE.test(f[0])) continue;
    made = true;
    if (_STEP_FRAME.test(f[2]) || _LOOP_FRAME.test(f[2])) break;
    if (_is_plumbing(f[2], f[0]) || _CONTEXTVARS_FILE.test(f[0])) continue;
    frames.push(f);
    if (f[2] === "Handle._run" || (f[2] === "_run" && /[/\\]events\.[jt]s$/.test(f[0]))) break;
  }
  return frames.reverse();
}

// The loop's own frames: an exception made there (a task's CancelledError, made as the task wakes
// up) has no frame of CPython's below them.
const _LOOP_FRAME =
  /^(?:\w+\.)?(?:_run_once|_run_once_ready|_run_forever_loop|__wakeup)$|^task_wakeup(?:_run)?$/;
// contextvars is C in CPython (Context.run adds no frame), and so are the exception classes.
const _CONTEXTVARS_FILE = /[/\\]stdlib[/\\]contextvars\.[jt]s$/;
const _BUILTINS_FILE = /[/\\]stdlib[/\\]builtins\.[jt]s$/;
