/**
 * Port of `asyncio/subprocess.py`: {@linkcode create_subprocess_exec} and
 * {@linkcode create_subprocess_shell} give a {@linkcode Process} whose `stdin` is a
 * `StreamWriter` and `stdout`/`stderr` are `StreamReader`s.
 *
 * Python's keyword arguments are an options object last: `create_subprocess_exec("ls", "-l",
 * { stdout: PIPE })`. The streams take `PIPE`, `DEVNULL`, `null` (inherit, the default) and, for
 * `stderr`, `STDOUT`; `cwd` and `env` are passed on (see `stdlib/subprocess.ts` for what the
 * hosts allow).
 *
 * @example
 * ```ts
 * import * as asyncio from "./mod.ts";
 * const { PIPE } = asyncio.subprocess;
 * const out = await asyncio.run(function* () {
 *   const proc = yield* asyncio.create_subprocess_exec("echo", "hello", { stdout: PIPE });
 *   const [stdout] = yield* proc.communicate();
 *   return new TextDecoder().decode(stdout!);
 * }());
 * console.assert(out === "hello\n");
 * ```
 *
 * @module
 */

import { type AbstractEventLoop, get_running_loop, type SubprocessLoopOptions } from "./events.ts";
import type { SubprocessProtocol } from "./protocols.ts";
import { _DEFAULT_LIMIT, FlowControlMixin, StreamReader, StreamWriter } from "./streams.ts";
import { gather } from "./tasks.ts";
import { _trackable_method, type Coroutine } from "./coroutines.ts";
import type { Future } from "./futures.ts";
import type { BaseTransport, SubprocessTransport, Transport } from "./transports.ts";
import type { BaseSubprocessTransport } from "./base_subprocess.ts";
import { logger } from "./log.ts";
import { AssertionError, BrokenPipeError, ConnectionResetError, TypeError } from "./stdlib/builtins.ts";
import { _set_module, repr, tuple } from "./stdlib/_repr.ts";
import { _split_options, DEVNULL, PIPE, STDOUT } from "./stdlib/subprocess.ts";

export { DEVNULL, PIPE, STDOUT };

/**
 * The options of the subprocess functions (Python's keyword arguments): the loop's (the streams
 * default to `null` here: inherited), and the readers' `limit`.
 */
export interface SubprocessOptions extends SubprocessLoopOptions {
  /** The limit of the `StreamReader`s (64 KiB by default). */
  limit?: number;
}

/**
 * Python's `SubprocessStreamProtocol`: `StreamReaderProtocol`'s counterpart for a child process:
 * a `StreamReader` for stdout and stderr, a `StreamWriter` for stdin.
 */
export class SubprocessStreamProtocol extends FlowControlMixin implements SubprocessProtocol {
  /** @internal */
  _limit: number;
  /** The writer of the child's stdin, once connected (with `PIPE`). */
  stdin: StreamWriter | null = null;
  /** The reader of the child's stdout, once connected (with `PIPE`). */
  stdout: StreamReader | null = null;
  /** The reader of the child's stderr, once connected (with `PIPE`). */
  stderr: StreamReader | null = null;
  /** @internal */
  _transport: SubprocessTransport | null = null;
  /** @internal */
  _process_exited = false;
  /** @internal The read pipes still open. */
  _pipe_fds: number[] = [];
  /** @internal Settles when stdin's pipe closes. */
  _stdin_closed: Future<null>;

  /** With the readers' `limit`. */
  constructor(limit: number, loop: AbstractEventLoop) {
    super(loop);
    this._limit = limit;
    this._stdin_closed = this._loop.create_future<null>();
  }

  /** Python's repr. */
  __repr__(): string {
    const info = [this.constructor.name];
    if (this.stdin !== null) info.push(`stdin=${repr(this.stdin)}`);
    if (this.stdout !== null) info.push(`stdout=${repr(this.stdout)}`);
    if (this.stderr !== null) info.push(`stderr=${repr(this.stderr)}`);
    return `<${info.join(" ")}>`;
  }

  /** Makes the streams over the pipes' transports. */
  override connection_made(transport: BaseTransport): void {
    const t = transport as SubprocessTransport;
    this._transport = t;
    const stdout_transport = t.get_pipe_transport(1);
    if (stdout_transport !== null) {
      this.stdout = new StreamReader({ limit: this._limit, loop: this._loop });
      this.stdout.set_transport(stdout_transport as Transport);
      this._pipe_fds.push(1);
    }
    const stderr_transport = t.get_pipe_transport(2);
    if (stderr_transport !== null) {
      this.stderr = new StreamReader({ limit: this._limit, loop: this._loop });
      this.stderr.set_transport(stderr_transport as Transport);
      this._pipe_fds.push(2);
    }
    const stdin_transport = t.get_pipe_transport(0);
    if (stdin_transport !== null) {
      this.stdin = new StreamWriter(stdin_transport as Transport, this as never, null, this._loop);
    }
  }

  /** Data from stdout (1) or stderr (2): fed to its reader. */
  pipe_data_received(fd: number, data: Uint8Array): void {
    const reader = fd === 1 ? this.stdout : fd === 2 ? this.stderr : null;
    if (reader !== null) reader.feed_data(data);
  }

  /** A pipe closed: EOF (or the error) for its reader; stdin's closing settles `_stdin_closed`. */
  pipe_connection_lost(fd: number, exc: Error | null): void {
    if (fd === 0) {
      const pipe = this.stdin;
      if (pipe !== null) pipe.close();
      this.connection_lost(exc);
      if (exc === null) {
        this._stdin_closed.set_result(null);
      } else {
        this._stdin_closed.set_exception(exc);
        // (awaiting wait_closed() is not required: the error is not reported if nobody does)
        this._stdin_closed._log_traceback = false;
      }
      return;
    }
    const reader = fd === 1 ? this.stdout : fd === 2 ? this.stderr : null;
    if (reader !== null) {
      if (exc === null) reader.feed_eof();
      else reader.set_exception(exc);
    }
    const i = this._pipe_fds.indexOf(fd);
    if (i >= 0) this._pipe_fds.splice(i, 1);
    this._maybe_close_transport();
  }

  /** The child exited. */
  process_exited(): void {
    this._process_exited = true;
    this._maybe_close_transport();
  }

  /** @internal */
  _maybe_close_transport(): void {
    if (this._pipe_fds.length === 0 && this._process_exited) {
      this._transport!.close();
      this._transport = null;
    }
  }

  /** @internal What `StreamWriter.wait_closed()` waits for (stdin's). */
  override _get_close_waiter(stream: StreamWriter): Future<null> {
    if (stream === this.stdin) return this._stdin_closed;
    return undefined as unknown as Future<null>;
  }
}

/** Python's `asyncio.subprocess.Process`: a child process started by the functions below. */
export class Process {
  /** @internal */
  _transport: BaseSubprocessTransport;
  /** @internal */
  _protocol: SubprocessStreamProtocol;
  /** @internal */
  _loop: AbstractEventLoop;
  /** The writer of the child's stdin (with `PIPE`), else `null`. */
  stdin: StreamWriter | null;
  /** The reader of the child's stdout (with `PIPE`), else `null`. */
  stdout: StreamReader | null;
  /** The reader of the child's stderr (with `PIPE`), else `null`. */
  stderr: StreamReader | null;
  /** The child's process id. */
  pid: number;

  /** Made by the functions below. */
  constructor(
    transport: BaseSubprocessTransport,
    protocol: SubprocessStreamProtocol,
    loop: AbstractEventLoop,
  ) {
    this._transport = transport;
    this._protocol = protocol;
    this._loop = loop;
    this.stdin = protocol.stdin;
    this.stdout = protocol.stdout;
    this.stderr = protocol.stderr;
    this.pid = transport.get_pid()!;
  }

  /** Python's repr: `<Process 1234>`. */
  __repr__(): string {
    return `<${this.constructor.name} ${this.pid}>`;
  }

  /** Python's `str()`. */
  toString(): string {
    return this.__repr__();
  }

  /** The return code once the child has exited (`-N` if signal N ended it), else `null`. */
  get returncode(): number | null {
    return this._transport.get_returncode();
  }

  /** Waits for the child to exit; its return code. */
  *wait(): Coroutine<number> {
    return (yield* this._transport._wait()) as number;
  }

  /** Sends signal `signal` to the child. */
  send_signal(signal: number): void {
    this._transport.send_signal(signal);
  }

  /** Asks the child to stop (SIGTERM). */
  terminate(): void {
    this._transport.terminate();
  }

  /** Kills the child (SIGKILL). */
  kill(): void {
    this._transport.kill();
  }

  /** @internal */
  *_feed_stdin(input: Uint8Array | null): Coroutine<void> {
    const debug = this._loop.get_debug();
    const stdin = this.stdin!;
    try {
      if (input !== null) {
        stdin.write(input);
        if (debug) logger.debug(`${this.__repr__()} communicate: feed stdin (${input.length} bytes)`);
      }
      yield* stdin.drain();
    } catch (exc) {
      // communicate() ignores a closed pipe (write() and drain() raise these).
      if (!(exc instanceof BrokenPipeError || exc instanceof ConnectionResetError)) throw exc;
      if (debug) logger.debug(`${this.__repr__()} communicate: stdin got ${repr(exc)}`);
    }
    if (debug) logger.debug(`${this.__repr__()} communicate: close stdin`);
    stdin.close();
  }

  /** @internal */
  // deno-lint-ignore require-yield
  *_noop(): Coroutine<null> {
    return null;
  }

  /** @internal */
  *_read_stream(fd: number): Coroutine<Uint8Array> {
    const transport = this._transport.get_pipe_transport(fd)!;
    let stream: StreamReader;
    if (fd === 2) {
      stream = this.stderr!;
    } else {
      if (fd !== 1) throw new AssertionError();
      stream = this.stdout!;
    }
    const name = fd === 1 ? "stdout" : "stderr";
    if (this._loop.get_debug()) logger.debug(`${this.__repr__()} communicate: read ${name}`);
    const output = yield* stream.read();
    if (this._loop.get_debug()) logger.debug(`${this.__repr__()} communicate: close ${name}`);
    transport.close();
    return output;
  }

  /**
   * Sends `input` to stdin (then closes it), reads stdout and stderr to their end, waits for the
   * child to exit: `[stdout, stderr]` (`null` for a stream that is not a pipe).
   */
  *communicate(input: Uint8Array | null = null): Coroutine<[Uint8Array | null, Uint8Array | null]> {
    const stdin = this.stdin !== null ? this._feed_stdin(input) : this._noop();
    const stdout = this.stdout !== null ? this._read_stream(1) : this._noop();
    const stderr = this.stderr !== null ? this._read_stream(2) : this._noop();
    const [, out, err] = yield* gather(stdin, stdout, stderr);
    yield* this.wait();
    return tuple([out, err]); // (a tuple in Python)
  }
}
_trackable_method(Process.prototype, "wait", "Process.wait");

/**
 * Python's `asyncio.create_subprocess_shell(cmd, ...)`: runs `cmd` with `/bin/sh -c`; a
 * {@linkcode Process}.
 */
export function* create_subprocess_shell(cmd: string, options: SubprocessOptions = {}): Coroutine<Process> {
  const { limit = _DEFAULT_LIMIT, stdin = null, stdout = null, stderr = null, ...kwds } = options;
  const loop = get_running_loop();
  const [transport, protocol] = yield* loop.subprocess_shell(
    () => new SubprocessStreamProtocol(limit, loop),
    cmd,
    { stdin, stdout, stderr, ...kwds },
  );
  return new Process(transport as BaseSubprocessTransport, protocol, loop);
}

/**
 * Python's `asyncio.create_subprocess_exec(program, *args, ...)`: runs `program` with `args`
 * (options last); a {@linkcode Process}.
 */
export function* create_subprocess_exec(
  program: string,
  ...args: (string | SubprocessOptions)[]
): Coroutine<Process> {
  if (program === undefined) {
    throw new TypeError("create_subprocess_exec() missing 1 required positional argument: 'program'");
  }
  const [argv, options] = _split_options<SubprocessOptions>(args);
  const { limit = _DEFAULT_LIMIT, stdin = null, stdout = null, stderr = null, ...kwds } = options;
  const loop = get_running_loop();
  const [transport, protocol] = yield* loop.subprocess_exec(
    () => new SubprocessStreamProtocol(limit, loop),
    program,
    ...argv,
    { stdin, stdout, stderr, ...kwds },
  );
  return new Process(transport as BaseSubprocessTransport, protocol, loop);
}

_set_module("asyncio.subprocess", SubprocessStreamProtocol);
