/**
 * Port of `asyncio/log.py`: the `asyncio` logger.
 *
 * Python's `logging` is not ported; this logger has the part asyncio uses (`debug`, `info`,
 * `warning`, `error`, `critical`, `exception`, a level) and prints to stderr the way Python's
 * last-resort handler does (the message, then the exception). Replace {@linkcode Logger.handler}
 * to send records elsewhere.
 *
 * @example Capturing asyncio's log records
 * ```ts
 * import { logger } from "./log.ts";
 * const seen: string[] = [];
 * const old = logger.handler;
 * logger.handler = (record) => seen.push(record.message);
 * logger.error("hello");
 * logger.handler = old;
 * console.assert(seen[0] === "hello");
 * ```
 *
 * @module
 */

import { write_stderr } from "./stdlib/_host.ts";
import { type BaseExceptionGroup, is_exception_group, py_str } from "./stdlib/builtins.ts";
import { _traceback_frames, format_frames } from "./format_helpers.ts";
import { _module_qualname } from "./stdlib/_repr.ts";

/** Python's logging levels. */
export const DEBUG = 10;
/** Python's logging levels. */
export const INFO = 20;
/** Python's logging levels. */
export const WARNING = 30;
/** Python's logging levels. */
export const ERROR = 40;
/** Python's logging levels. */
export const CRITICAL = 50;

const level_names: Record<number, string> = {
  10: "DEBUG",
  20: "INFO",
  30: "WARNING",
  40: "ERROR",
  50: "CRITICAL",
};

/** One log record. */
export interface LogRecord {
  /** The logger's name. */
  name: string;
  /** The numeric level. */
  levelno: number;
  /** The level's name (`"ERROR"`...). */
  levelname: string;
  /** The formatted message. */
  message: string;
  /** The exception logged with it, if any. */
  exc_info: unknown;
}

function format(msg: string, args: unknown[]): string {
  if (args.length === 0) return msg;
  let i = 0;
  return msg.replace(/%[sdrf%]/g, (m) => {
    if (m === "%%") return "%";
    const a = args[i++];
    if (m === "%r") return String(a);
    if (m === "%d") return String(Math.trunc(Number(a)));
    return String(a);
  });
}

/**
 * Formats an exception for the log as Python's `traceback.format_exception()` does: the chain of
 * causes first (`__cause__`, or `__context__` unless `__suppress_context__`), each with its
 * traceback (the frames of its JavaScript stack, oldest first, without source lines), then
 * `module.Class: str(e)` and its notes; an exception group in boxes, its members numbered (at most
 * 15 shown, 10 groups deep, Python's defaults). A value that is not an `Error` gets its `str()`.
 */
export function format_exception(e: unknown): string {
  const ctx: _PrintContext = { depth: 0, need_close: false, lines: [], seen: new Set() };
  _format_chain(e, ctx);
  return ctx.lines.join("\n");
}

const _CAUSE = "\nThe above exception was the direct cause of the following exception:\n";
const _CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n";
const _MAX_GROUP_WIDTH = 15;
const _MAX_GROUP_DEPTH = 10;

/** Python's `_ExceptionPrintContext`: how deep in groups the lines are, and the lines. */
interface _PrintContext {
  depth: number;
  need_close: boolean;
  lines: string[];
  seen: Set<unknown>;
}

interface _Chained {
  __cause__?: unknown;
  __context__?: unknown;
  __suppress_context__?: boolean;
  __notes__?: unknown;
}

function _indent(ctx: _PrintContext): string {
  return " ".repeat(2 * ctx.depth);
}

/** Python's `_ctx.emit()`: each line of `text` after the margin of the current group depth. */
function _emit(ctx: _PrintContext, text: string, margin_char = "|"): void {
  const prefix = _indent(ctx) + (ctx.depth ? margin_char + " " : "");
  for (const line of text.split("\n")) ctx.lines.push(prefix + line);
}

/** `e` and what caused it, the causes first (Python's `TracebackException.format`). */
function _format_chain(e: unknown, ctx: _PrintContext): void {
  // Each exception with the message that links it to its cause (none for the first cause).
  const chain: [string | null, unknown][] = [];
  let exc: unknown = e;
  ctx.seen.add(exc);
  while (exc !== null && exc !== undefined) {
    let msg: string | null = null;
    let next: unknown = null;
    if (typeof exc === "object") {
      const { __cause__: cause, __context__: context, __suppress_context__: suppress } = exc as _Chained;
      if (cause !== null && cause !== undefined) [msg, next] = [_CAUSE, cause];
      else if (context !== null && context !== undefined && !suppress) [msg, next] = [_CONTEXT, context];
    }
    // (an exception seen before ends the chain: Python's cycle check)
    if (next !== null && ctx.seen.has(next)) [msg, next] = [null, null];
    if (next !== null) ctx.seen.add(next);
    chain.push([msg, exc]);
    exc = next;
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    if (chain[i][0] !== null) _emit(ctx, chain[i][0]!);
    _format_one(chain[i][1], ctx);
  }
}

/** One exception: its traceback, its line and notes; a group's members in their boxes. */
function _format_one(e: unknown, ctx: _PrintContext): void {
  if (!(e instanceof Error)) {
    _emit(ctx, py_str(e));
    return;
  }
  const frames = typeof e.stack === "string" ? _traceback_frames(e.stack) : [];
  const stack = format_frames(frames);
  if (!is_exception_group(e)) {
    if (frames.length) {
      _emit(ctx, "Traceback (most recent call last):");
      _emit(ctx, stack);
    }
    _format_exception_only(e, ctx);
    return;
  }
  if (ctx.depth > _MAX_GROUP_DEPTH) {
    _emit(ctx, `... (max_group_depth is ${_MAX_GROUP_DEPTH})`);
    return;
  }
  const toplevel = ctx.depth === 0;
  if (toplevel) ctx.depth++;
  if (frames.length) {
    _emit(ctx, "Exception Group Traceback (most recent call last):", toplevel ? "+" : "|");
    _emit(ctx, stack);
  }
  _format_exception_only(e, ctx);
  const members = (e as BaseExceptionGroup).exceptions;
  const n = members.length <= _MAX_GROUP_WIDTH ? members.length : _MAX_GROUP_WIDTH + 1;
  ctx.need_close = false;
  for (let i = 0; i < n; i++) {
    const last = i === n - 1;
    // (a member that is a group closes the box itself, and says so through need_close)
    if (last) ctx.need_close = true;
    const truncated = i >= _MAX_GROUP_WIDTH;
    ctx.lines.push(
      _indent(ctx) + (i === 0 ? "+-" : "  ") +
        `+---------------- ${truncated ? "..." : i + 1} ----------------`,
    );
    ctx.depth++;
    if (!truncated) _format_chain(members[i], ctx);
    else {
      const remaining = members.length - _MAX_GROUP_WIDTH;
      _emit(ctx, `and ${remaining} more exception${remaining > 1 ? "s" : ""}`);
    }
    if (last && ctx.need_close) {
      ctx.lines.push(_indent(ctx) + "+------------------------------------");
      ctx.need_close = false;
    }
    ctx.depth--;
  }
  if (toplevel) ctx.depth = 0;
}

/** Python's `format_exception_only`: `module.Class: str(e)`, then the notes. */
function _format_exception_only(e: Error, ctx: _PrintContext): void {
  const cls = e.constructor as { name?: string; __module__?: unknown };
  // (a class's own module only: a subclass defined elsewhere is not in it; builtins have none)
  const name = _module_qualname(cls, cls.name || e.name);
  const text = py_str(e);
  _emit(ctx, text ? `${name}: ${text}` : name);
  const notes = (e as _Chained).__notes__;
  if (Array.isArray(notes)) { for (const note of notes) _emit(ctx, py_str(note)); }
}

/** A small logger with Python's `logging.Logger` methods. */
export class Logger {
  /** Records below this level are dropped. */
  level = WARNING;
  /** Where records go; by default, stderr. */
  handler: (record: LogRecord) => void = Logger.stderr_handler;

  /** Creates a logger named `name`. */
  constructor(readonly name: string) {}

  /** The default handler: the message, then the exception's traceback, on stderr. */
  static stderr_handler(record: LogRecord): void {
    let text = record.message + "\n";
    if (record.exc_info !== undefined && record.exc_info !== null) {
      text += format_exception(record.exc_info) + "\n";
    }
    write_stderr(text);
  }

  /** Python's `setLevel()`. */
  setLevel(level: number): void {
    this.level = level;
  }

  /** Python's `isEnabledFor()`. */
  isEnabledFor(level: number): boolean {
    return level >= this.level;
  }

  /** Logs `msg % args` at `level`; `options.exc_info` attaches an exception. */
  log(level: number, msg: string, ...args: unknown[]): void {
    if (level < this.level) return;
    let exc_info: unknown = undefined;
    const last = args[args.length - 1];
    if (
      last !== null && typeof last === "object" && Object.getPrototypeOf(last) === Object.prototype &&
      "exc_info" in (last as object)
    ) {
      exc_info = (last as { exc_info: unknown }).exc_info;
      args = args.slice(0, -1);
    }
    this.handler({
      name: this.name,
      levelno: level,
      levelname: level_names[level] ?? `Level ${level}`,
      message: format(msg, args),
      exc_info,
    });
  }

  /** Logs at DEBUG. */
  debug(msg: string, ...args: unknown[]): void {
    this.log(DEBUG, msg, ...args);
  }
  /** Logs at INFO. */
  info(msg: string, ...args: unknown[]): void {
    this.log(INFO, msg, ...args);
  }
  /** Logs at WARNING. */
  warning(msg: string, ...args: unknown[]): void {
    this.log(WARNING, msg, ...args);
  }
  /** Logs at ERROR. */
  error(msg: string, ...args: unknown[]): void {
    this.log(ERROR, msg, ...args);
  }
  /** Logs at CRITICAL. */
  critical(msg: string, ...args: unknown[]): void {
    this.log(CRITICAL, msg, ...args);
  }
}

/** The `asyncio` logger. */
export const logger: Logger = new Logger("asyncio");
