/**
 * Port of `asyncio/exceptions.py`: the exceptions asyncio raises. Messages are CPython's.
 *
 * `CancelledError` derives from `BaseException` as in Python, and so from JavaScript's `Error`:
 * a bare `catch (e)` catches it too. Code that catches broadly inside a coroutine must re-throw
 * `CancelledError` (or call `uncancel()` deliberately), or the task's cancellation is lost.
 *
 * @module
 */

import { BaseException, EOFError, Exception, RuntimeError } from "./stdlib/builtins.ts";
import { _set_module, repr } from "./stdlib/_repr.ts";

/**
 * The task or future was cancelled. Thrown into a coroutine at its current `yield*` by
 * `Task.cancel()`.
 */
export class CancelledError extends BaseException {}

/** The operation has exceeded the given deadline: the builtin `TimeoutError` (as in Python 3.11+). */
export { TimeoutError } from "./stdlib/builtins.ts";

/** The internal state of a Future or Task does not allow the operation. */
export class InvalidStateError extends Exception {}

/** `loop.sendfile()` cannot be done natively and falling back was not allowed. */
export class SendfileNotAvailableError extends RuntimeError {}

/** `readexactly()` reached the end of the stream before reading `expected` bytes. */
export class IncompleteReadError extends EOFError {
  /** The bytes read before the end of the stream. */
  partial: Uint8Array;
  /** The number of bytes asked for, or `null`. */
  expected: number | null;

  /** Builds the error from what was read and what was expected. */
  constructor(partial: Uint8Array, expected: number | null) {
    const r_expected = expected === null ? "undefined" : repr(expected);
    super(`${partial.length} bytes read on a total of ${r_expected} expected bytes`);
    this.partial = partial;
    this.expected = expected;
  }
}

/** A separator was not found within the stream's buffer limit. */
export class LimitOverrunError extends Exception {
  /** The number of bytes to consume. */
  consumed: number;

  /** Builds the error. */
  constructor(message: string, consumed: number) {
    super(message);
    this.consumed = consumed;
  }
}

/** The `Barrier` was broken (reset or aborted) while tasks waited on it. */
export class BrokenBarrierError extends RuntimeError {}

_set_module(
  "asyncio.exceptions",
  CancelledError,
  InvalidStateError,
  SendfileNotAvailableError,
  IncompleteReadError,
  LimitOverrunError,
  BrokenBarrierError,
);
