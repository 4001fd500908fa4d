/**
 * Port of `asyncio/base_subprocess.py`: the subprocess transport common to the loops
 * ({@linkcode BaseSubprocessTransport}) and the protocols of its pipe transports.
 *
 * @module
 */

import type { AbstractEventLoop } from "./events.ts";
import type { Future } from "./futures.ts";
import type { Coroutine } from "./coroutines.ts";
import { BaseProtocol, type Protocol, type SubprocessProtocol } from "./protocols.ts";
import {
  type BaseTransport,
  SubprocessTransport,
  type Transport,
  type WriteTransport,
} from "./transports.ts";
import { logger } from "./log.ts";
import { _is_exit, AssertionError, NotImplementedError, ProcessLookupError } from "./stdlib/builtins.ts";
import { repr } from "./stdlib/_repr.ts";
import { PIPE, type Popen, type StdioArg } from "./stdlib/subprocess.ts";
import { SIGKILL, SIGTERM } from "./stdlib/signal.ts";
import { deque } from "./stdlib/collections.ts";
import { _bound_method } from "./format_helpers.ts";

type AnyFn = (...args: never[]) => unknown;

/** What `_start()` gets: the command and the streams (CPython's `Popen` arguments). */
export interface SubprocessStartArgs {
  /** The program and its arguments, or the shell command. */
  args: string | string[];
  /** Whether `args` is a command for the shell. */
  shell: boolean;
  /** The child's streams (`PIPE`, `DEVNULL`, `STDOUT`, `null`). */
  stdin: StdioArg;
  /** (see `stdin`) */
  stdout: StdioArg;
  /** (see `stdin`) */
  stderr: StdioArg;
  /** Always 0 (checked by the loop). */
  bufsize: number;
  /** The rest of `Popen`'s options (`cwd`, `env`). */
  kwargs: Record<string, unknown>;
}

/**
 * Python's `BaseSubprocessTransport`: starts the child (`_start`, the loop's subclass), connects
 * its pipes with `connect_read_pipe`/`connect_write_pipe`, hands the protocol their data, and
 * calls `connection_lost` once the child has exited and every pipe is closed.
 */
export class BaseSubprocessTransport extends SubprocessTransport {
  /** @internal */
  _closed = false;
  /** @internal */
  _protocol: SubprocessProtocol | null;
  /** @internal */
  _loop: AbstractEventLoop | null;
  /** @internal */
  _proc: Popen | null = null;
  /** @internal */
  _pid: number | null = null;
  /** @internal */
  _returncode: number | null = null;
  /** @internal */
  _exit_waiters: Future<number | null>[] | null = [];
  /** @internal Calls to make once the pipes are connected (then `null`). */
  _pending_calls: deque<[AnyFn, unknown[]]> | null = new deque();
  /** @internal The pipe protocols by descriptor (0, 1, 2); `null` until connected. */
  _pipes: Map<number, WriteSubprocessPipeProto | null> = new Map();
  /** @internal */
  _finished = false;
  /** @internal */
  _pipes_connected = false;

  /** Starts the child and the connection of its pipes (`waiter` is set once they are connected). */
  constructor(
    loop: AbstractEventLoop,
    protocol: SubprocessProtocol,
    start: SubprocessStartArgs,
    waiter: Future<null> | null = null,
    extra: Record<string, unknown> | null = null,
  ) {
    super(extra);
    this._protocol = protocol;
    this._loop = loop;
    if (start.stdin === PIPE) this._pipes.set(0, null);
    if (start.stdout === PIPE) this._pipes.set(1, null);
    if (start.stderr === PIPE) this._pipes.set(2, null);
    try {
      this._start(start);
    } catch (e) {
      this.close();
      throw e;
    }
    this._pid = this._proc!.pid;
    this._extra.subprocess = this._proc;
    if (this._loop.get_debug()) {
      const program = typeof start.args === "string" ? start.args : start.args[0];
      logger.debug(`process ${repr(program)} created: pid ${this._pid}`);
    }
    this._loop.create_task(this._connect_pipes(waiter));
  }

  /** Python's repr: `<_UnixSubprocessTransport pid=123 running stdin=<...>>`. */
  __repr__(): string {
    const info: string[] = [this.constructor.name];
    if (this._closed) info.push("closed");
    if (this._pid !== null) info.push(`pid=${this._pid}`);
    if (this._returncode !== null) info.push(`returncode=${this._returncode}`);
    else if (this._pid !== null) info.push("running");
    else info.push("not started");
    const stdin = this._pipes.get(0);
    if (stdin) info.push(`stdin=${repr(stdin.pipe)}`);
    const stdout = this._pipes.get(1);
    const stderr = this._pipes.get(2);
    if (stdout && stderr === stdout) {
      info.push(`stdout=stderr=${repr(stdout.pipe)}`);
    } else {
      if (stdout) info.push(`stdout=${repr(stdout.pipe)}`);
      if (stderr) info.push(`stderr=${repr(stderr.pipe)}`);
    }
    return `<${info.join(" ")}>`;
  }

  /** Python's `str()`: the repr. */
  override toString(): string {
    return this.__repr__();
  }

  /** @internal Starts the child: sets `_proc` (the loop's subclass does it). */
  _start(_start: SubprocessStartArgs): void {
    throw new NotImplementedError();
  }

  /** Replaces the protocol. */
  override set_protocol(protocol: BaseProtocol): void {
    this._protocol = protocol as SubprocessProtocol;
  }

  /** The protocol. */
  override get_protocol(): BaseProtocol {
    return this._protocol!;
  }

  /** Whether `close()` was called. */
  override is_closing(): boolean {
    return this._closed;
  }

  /** Closes the pipes, and kills the child if it is still running. */
  override close(): void {
    if (this._closed) return;
    this._closed = true;
    for (const proto of this._pipes.values()) {
      if (proto === null) continue;
      // (not once the loop is closed: it may be, just after the child was killed)
      if (this._loop !== null && !this._loop.is_closed()) proto.pipe!.close();
    }
    if (this._proc !== null && this._returncode === null && this._proc.poll() === null) {
      if (this._loop?.get_debug()) logger.warning(`Close running child process: kill ${this.__repr__()}`);
      try {
        this._proc.kill();
      } catch (e) {
        // The child may have exited already.
        if (!(e instanceof ProcessLookupError)) throw e;
      }
    }
  }

  /** The child's process id. */
  override get_pid(): number {
    return this._pid as number;
  }

  /** The child's return code, once it has exited. */
  override get_returncode(): number | null {
    return this._returncode;
  }

  /** The transport of pipe `fd` (0, 1, 2), or `null`. */
  override get_pipe_transport(fd: number): BaseTransport | null {
    const proto = this._pipes.get(fd);
    return proto === undefined ? null : (proto?.pipe ?? null);
  }

  /** @internal */
  _check_proc(): void {
    if (this._proc === null) throw new ProcessLookupError();
  }

  /** Sends signal `signal` to the child (nothing if it has exited). */
  override send_signal(signal: number): void {
    this._check_proc();
    try {
      this._proc!.send_signal(signal);
    } catch (e) {
      if (!(e instanceof ProcessLookupError)) throw e;
    }
  }

  /** `send_signal(SIGTERM)`. */
  override terminate(): void {
    this.send_signal(SIGTERM);
  }

  /** `send_signal(SIGKILL)`. */
  override kill(): void {
    this.send_signal(SIGKILL);
  }

  /** @internal Connects the child's pipes, then calls `connection_made` and what waited for it. */
  *_connect_pipes(waiter: Future<null> | null): Coroutine<void> {
    try {
      const proc = this._proc!;
      const loop = this._loop!;
      if (proc.stdin !== null) {
        const [, pipe] = yield* loop.connect_write_pipe(
          () => new WriteSubprocessPipeProto(this, 0),
          proc.stdin,
        );
        this._pipes.set(0, pipe);
      }
      if (proc.stdout !== null) {
        const [, pipe] = yield* loop.connect_read_pipe(
          () => new ReadSubprocessPipeProto(this, 1),
          proc.stdout,
        );
        this._pipes.set(1, pipe);
      }
      if (proc.stderr !== null) {
        const [, pipe] = yield* loop.connect_read_pipe(
          () => new ReadSubprocessPipeProto(this, 2),
          proc.stderr,
        );
        this._pipes.set(2, pipe);
      }
      if (this._pending_calls === null) throw new AssertionError();
      const protocol = this._protocol!;
      loop.call_soon(_bound_method(protocol, "connection_made"), this as unknown as Transport);
      for (const [callback, data] of this._pending_calls) loop.call_soon(callback, ...(data as never[]));
      this._pending_calls = null;
    } catch (exc) {
      if (_is_exit(exc)) throw exc;
      if (waiter !== null && !waiter.cancelled()) waiter.set_exception(exc as Error);
      return;
    }
    if (waiter !== null && !waiter.cancelled()) waiter.set_result(null);
    this._pipes_connected = true;
  }

  /** @internal Calls `cb(...data)` soon, or once the pipes are connected. */
  _call(cb: AnyFn, ...data: unknown[]): void {
    if (this._pending_calls !== null) this._pending_calls.append([cb, data]);
    else this._loop!.call_soon(cb, ...(data as never[]));
  }

  /** @internal */
  _pipe_connection_lost(fd: number, exc: Error | null): void {
    const protocol = this._protocol!;
    this._call(_bound_method(protocol, "pipe_connection_lost"), fd, exc);
    this._try_finish();
  }

  /** @internal */
  _pipe_data_received(fd: number, data: Uint8Array): void {
    const protocol = this._protocol!;
    this._call(_bound_method(protocol, "pipe_data_received"), fd, data);
  }

  /** @internal The child exited with `returncode`. */
  _process_exited(returncode: number): void {
    if (returncode === null || returncode === undefined) throw new AssertionError(String(returncode));
    if (this._returncode !== null) throw new AssertionError(String(this._returncode));
    if (this._loop!.get_debug()) logger.info(`${this.__repr__()} exited with return code ${returncode}`);
    this._returncode = returncode;
    if (this._proc!.returncode === null) this._proc!.returncode = returncode;
    const protocol = this._protocol!;
    this._call(_bound_method(protocol, "process_exited"));
    this._try_finish();
  }

  /** @internal Waits for the child to exit; its return code. */
  *_wait(): Coroutine<number | null> {
    if (this._returncode !== null) return this._returncode;
    const waiter = this._loop!.create_future<number | null>();
    this._exit_waiters!.push(waiter);
    return yield* waiter;
  }

  /** @internal */
  _try_finish(): void {
    if (this._finished) throw new AssertionError();
    if (this._returncode === null) return;
    if (!this._pipes_connected) {
      // The pipes were not all connected (the child did not start, or connecting was
      // cancelled): the pipes count as closed, and whoever waits for the exit is woken now.
      for (const waiter of this._exit_waiters ?? []) {
        if (!waiter.cancelled()) waiter.set_result(this._returncode);
      }
    }
    if ([...this._pipes.values()].every((p) => p !== null && p.disconnected)) {
      this._finished = true;
      this._call(_bound_method(this, "_call_connection_lost"), null);
    }
  }

  /** @internal */
  _call_connection_lost(exc: Error | null): void {
    try {
      this._protocol!.connection_lost(exc);
    } finally {
      // Wakes whoever waits in wait().
      for (const waiter of this._exit_waiters ?? []) {
        if (!waiter.cancelled()) waiter.set_result(this._returncode);
      }
      this._exit_waiters = null;
      this._loop = null;
      this._proc = null;
      this._protocol = null;
    }
  }
}

/** Python's `WriteSubprocessPipeProto`: the protocol of the child's stdin pipe transport. */
export class WriteSubprocessPipeProto extends BaseProtocol {
  /** The subprocess transport (until the pipe is closed). */
  proc: BaseSubprocessTransport | null;
  /** 0, 1 or 2. */
  readonly fd: number;
  /** The pipe transport. */
  pipe: WriteTransport | Transport | null = null;
  /** Whether the pipe was closed. */
  disconnected = false;

  /** For pipe `fd` of `proc`. */
  constructor(proc: BaseSubprocessTransport, fd: number) {
    super();
    this.proc = proc;
    this.fd = fd;
  }

  /** Keeps the pipe transport. */
  override connection_made(transport: BaseTransport): void {
    this.pipe = transport as Transport;
  }

  /** Python's repr. */
  __repr__(): string {
    return `<${this.constructor.name} fd=${this.fd} pipe=${repr(this.pipe)}>`;
  }

  /** The pipe closed: tells the subprocess transport. */
  override connection_lost(exc: Error | null): void {
    this.disconnected = true;
    this.proc!._pipe_connection_lost(this.fd, exc);
    this.proc = null;
  }

  /** Passes flow control on to the subprocess protocol. */
  override pause_writing(): void {
    this.proc!._protocol!.pause_writing();
  }

  /** (see `pause_writing`) */
  override resume_writing(): void {
    this.proc!._protocol!.resume_writing();
  }
}

/** Python's `ReadSubprocessPipeProto`: the protocol of the child's stdout and stderr pipes. */
export class ReadSubprocessPipeProto extends WriteSubprocessPipeProto implements Protocol {
  /** Data from the child: to the subprocess transport. */
  data_received(data: Uint8Array): void {
    this.proc!._pipe_data_received(this.fd, data);
  }

  /** EOF: the pipe transport closes itself (`null`). */
  eof_received(): boolean | null {
    return null;
  }
}
