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

/** Formats an exception for the log: its stack, or `Name: message`. */
export function format_exception(e: unknown): string {
  if (e instanceof Error) {
    const head = e.message ? `${e.name}: ${e.message}` : e.name;
    const stack = typeof e.stack === "string" ? e.stack : "";
    const frames = stack.split("\n").filter((l) => /^\s+at /.test(l));
    return ["Traceback (most recent call last):", ...frames.reverse(), head].join("\n");
  }
  return String(e);
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
