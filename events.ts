/**
 * Port of `asyncio/events.py`: `Handle`, `TimerHandle`, the abstract event loop, the running-loop
 * registry and `get_event_loop`/`set_event_loop`/`new_event_loop`, with the deprecated policy API
 * kept working (it warns, as in Python 3.14).
 *
 * @module
 */

import {
  _current_data,
  _holder_context,
  _run_in_holder,
  Context,
  type ContextVar,
} from "./stdlib/contextvars.ts";
import {
  KeyboardInterrupt,
  NotImplementedError,
  RuntimeError,
  SystemExit,
  type_name,
  TypeError,
  unorderable,
} from "./stdlib/builtins.ts";
import { _format_callback_source, extract_stack, type FrameSummary } from "./format_helpers.ts";
import { _warn } from "./_warnings.ts";
import { _set_module, repr } from "./stdlib/_repr.ts";
import type { Future } from "./futures.ts";
import type { Task } from "./tasks.ts";
import type { Awaitable, Coroutine } from "./coroutines.ts";
import type { BaseProtocol } from "./protocols.ts";
import type {
  DatagramTransport,
  ReadTransport,
  SubprocessTransport,
  Transport,
  WriteTransport,
} from "./transports.ts";
import type { TransportSocket } from "./trsock.ts";
import type { Address, AddrInfo, socket } from "./stdlib/socket.ts";
import type { SSLOption } from "./sslproto.ts";

/** Any callback. */
// deno-lint-ignore no-explicit-any
export type AnyFn = (...args: any[]) => unknown;

/** The keyword options of `call_soon`, `call_later` and `call_at`. */
export interface CallOptions {
  /** The context the callback runs in (default: a copy of the current one). */
  context?: Context | null;
}

/** The keyword options of `create_task` (3.14 passes them all to the Task or the task factory). */
export interface TaskOptions {
  /** The task's name (default `Task-N`). */
  name?: string | null;
  /** The context the task runs in (default: a copy of the current one). */
  context?: Context | null;
  /** Run the coroutine's first step now, inside `create_task`, if the loop is running. */
  eager_start?: boolean;
  /** Other options a custom task factory understands. */
  [key: string]: unknown;
}

/** The `context` dictionary given to exception handlers (the keys CPython uses). */
export interface ExceptionContext {
  /** What happened. */
  message: string;
  /** The exception, if any. */
  exception?: unknown;
  /** The future involved, if any. */
  future?: unknown;
  /** The task involved, if any. */
  task?: unknown;
  /** The handle involved, if any. */
  handle?: unknown;
  /** The protocol involved, if any. */
  protocol?: unknown;
  /** The transport involved, if any. */
  transport?: unknown;
  /** The socket involved, if any. */
  socket?: unknown;
  /** The asynchronous generator involved, if any. */
  asyncgen?: unknown;
  /** Where the future or handle was created (debug mode). */
  source_traceback?: FrameSummary[];
  /** Where the handle being run was created (debug mode). */
  handle_traceback?: FrameSummary[];
  /** Any other key. */
  [key: string]: unknown;
}

/** An exception handler: `handler(loop, context)`. */
export type ExceptionHandler = (loop: AbstractEventLoop, context: ExceptionContext) => void;

/** A task factory: `factory(loop, coro, options)` returns a Task (or a Future). */
export type TaskFactory = <T>(
  loop: AbstractEventLoop,
  coro: Coroutine<T>,
  options: TaskOptions,
) => Future<T>;

/**
 * Python's `Handle`: a callback scheduled with `call_soon`; `cancel()` keeps it from running.
 */
export class Handle {
  /** @internal */
  _callback: AnyFn | null;
  /** @internal */
  _args: unknown[] | null;
  /** @internal */
  _cancelled = false;
  /** @internal */
  _loop: AbstractEventLoop;
  // `_source_traceback` and `_repr` are set in debug mode only: they default to null on the
  // prototype (below the class), which keeps every handle two fields smaller (a million handles
  // waiting to run are that much less for the garbage collector to move).
  /** @internal Where the handle was made (debug mode). */
  declare _source_traceback: FrameSummary[] | null;
  /** @internal The repr frozen when a handle is cancelled in debug mode. */
  declare _repr: string | null;
  /**
   * @internal The context, or the variables of the context copy the callback runs in: a handle
   * scheduled without a context runs in a copy of the current one, kept as its variables and made
   * into a Context object only if someone asks for it (one field for both: a million handles
   * waiting to run are 8 MB less for the garbage collector to move).
   */
  _context: Context | ReadonlyMap<ContextVar<unknown>, unknown>;

  /**
   * Python's `Handle(callback, args, loop, context=None)`. (Internally, `context` may also be the
   * variables of a context copy: they are kept as they are, see `_context`.)
   */
  constructor(
    callback: AnyFn,
    args: unknown[],
    loop: AbstractEventLoop,
    context: Context | null = null,
  ) {
    this._context = context === null || context === undefined ? _current_data() : context;
    this._loop = loop;
    this._callback = callback;
    this._args = args;
    if (loop._debug) {
      this._source_traceback = extract_stack(2);
    }
  }

  /** @internal The parts of the repr. */
  _repr_info(): string[] {
    const info = [this.constructor.name];
    if (this._cancelled) info.push("cancelled");
    if (this._callback !== null) {
      info.push(_format_callback_source(this._callback, this._args ?? [], this._loop.get_debug()));
    }
    if (this._source_traceback && this._source_traceback.length) {
      const frame = this._source_traceback[this._source_traceback.length - 1];
      info.push(`created at ${frame[0]}:${frame[1]}`);
    }
    return info;
  }

  /** Python's repr: `<Handle callback()>`. */
  __repr__(): string {
    if (this._repr !== null) return this._repr;
    return `<${this._repr_info().join(" ")}>`;
  }

  /** The context the callback runs in. */
  get_context(): Context {
    const ctx = this._context;
    return ctx instanceof Context ? ctx : _holder_context(this);
  }

  /** Keeps the callback from running (if it has not run yet). */
  cancel(): void {
    if (!this._cancelled) {
      this._cancelled = true;
      if (this._loop.get_debug()) this._repr = this.__repr__();
      this._callback = null;
      this._args = null;
    }
  }

  /** Whether `cancel()` was called. */
  cancelled(): boolean {
    return this._cancelled;
  }

  /** @internal Runs the callback in its context; an exception goes to the loop's handler. */
  _run(): void {
    try {
      _run_in_holder(this, this._callback as AnyFn, this._args as unknown[]);
    } catch (exc) {
      _callback_failed(this, this._loop, this._callback, this._args ?? [], exc, this._source_traceback);
    }
  }
}

/**
 * @internal What `Handle._run` does when its callback raises (shared with the Task, which is its
 * own handle): `SystemExit` and `KeyboardInterrupt` propagate, anything else goes to the loop's
 * exception handler.
 */
export function _callback_failed(
  handle: unknown,
  loop: AbstractEventLoop,
  callback: unknown,
  args: unknown[],
  exc: unknown,
  source_traceback: FrameSummary[] | null,
): void {
  if (exc instanceof SystemExit || exc instanceof KeyboardInterrupt) throw exc;
  const cb = _format_callback_source(callback, args, loop.get_debug());
  const context: ExceptionContext = { message: `Exception in callback ${cb}`, exception: exc, handle };
  if (source_traceback) context.source_traceback = source_traceback;
  loop.call_exception_handler(context);
}

/** Python's `_ThreadSafeHandle`: there is one thread here, so it is a `Handle`. */
export class _ThreadSafeHandle extends Handle {}

(Handle.prototype as { _source_traceback: FrameSummary[] | null })._source_traceback = null;
(Handle.prototype as { _repr: string | null })._repr = null;

/** Python's `TimerHandle`: a callback scheduled for a time with `call_later`/`call_at`. */
export class TimerHandle extends Handle {
  /** @internal */
  _when: number;
  /** @internal Whether it is in the loop's timer heap. */
  _scheduled = false;

  /** Python's `TimerHandle(when, callback, args, loop, context=None)`. */
  constructor(
    when: number,
    callback: AnyFn,
    args: unknown[],
    loop: AbstractEventLoop,
    context: Context | null = null,
  ) {
    super(callback, args, loop, context);
    if (this._source_traceback) this._source_traceback.pop();
    this._when = when;
  }

  /** @internal */
  override _repr_info(): string[] {
    const info = super._repr_info();
    info.splice(this._cancelled ? 2 : 1, 0, `when=${repr(this._when)}`);
    return info;
  }

  /** Python's `<`: timers compare by their time. */
  __lt__(other: unknown): boolean {
    if (other instanceof TimerHandle) return this._when < other._when;
    throw unorderable("<", "TimerHandle", type_name(other));
  }

  /** Python's `<=`. */
  __le__(other: unknown): boolean {
    if (other instanceof TimerHandle) return this._when < other._when || this.__eq__(other);
    throw unorderable("<=", "TimerHandle", type_name(other));
  }

  /** Python's `>`. */
  __gt__(other: unknown): boolean {
    if (other instanceof TimerHandle) return this._when > other._when;
    throw unorderable(">", "TimerHandle", type_name(other));
  }

  /** Python's `>=`. */
  __ge__(other: unknown): boolean {
    if (other instanceof TimerHandle) return this._when > other._when || this.__eq__(other);
    throw unorderable(">=", "TimerHandle", type_name(other));
  }

  /** Python's `!=`. */
  __ne__(other: unknown): boolean {
    return !this.__eq__(other);
  }

  /** Python's `hash()`: the hash of the time. */
  __hash__(): number {
    return this._when;
  }

  /**
   * Python's `==`. Python returns `NotImplemented` for a non-TimerHandle and lets the other side
   * answer; there is no reflected comparison here, so the answer is `false` (what `==` ends with).
   */
  __eq__(other: unknown): boolean {
    if (!(other instanceof TimerHandle)) return false;
    const a = this._args, b = other._args;
    const same_args = a === b ||
      (a !== null && b !== null && a.length === b.length && a.every((x, i) => x === b[i]));
    return this._when === other._when && this._callback === other._callback && same_args &&
      this._cancelled === other._cancelled;
  }

  /** Cancels the timer; the loop drops it from its heap. */
  override cancel(): void {
    if (!this._cancelled) this._loop._timer_handle_cancelled(this);
    super.cancel();
  }

  /** The absolute time (on `loop.time()`'s clock) the callback is scheduled for. */
  when(): number {
    return this._when;
  }
}

/**
 * What `sendfile()`/`sock_sendfile()` read: a binary file (`open(path, "rb")` from
 * `@pystd/asyncio/io`), or any object with Python's `readinto` (which may return a Promise);
 * `seek` is needed for a non-zero `offset`, and moves the position past what was sent.
 */
export interface SendfileFile {
  /** Reads into `b`; the count read, 0 at the end. */
  readinto(b: Uint8Array): number | PromiseLike<number>;
  /** Moves to `offset`. */
  seek?(offset: number, whence?: number): unknown;
  /** `"rb"` and the like: a mode without `b` is refused. */
  readonly mode?: string;
}

/** The keyword arguments of `create_datagram_endpoint`. */
export interface CreateDatagramEndpointOptions {
  /** AF_INET or AF_INET6 (default: from the addresses). */
  family?: number;
  /** The protocol number. */
  proto?: number;
  /** getaddrinfo flags. */
  flags?: number;
  /** SO_REUSEPORT (not available on these hosts: ValueError). */
  reuse_port?: boolean | null;
  /** SO_BROADCAST; `remote_addr` is then not connected to. */
  allow_broadcast?: boolean | null;
  /** An existing datagram socket to use instead. */
  sock?: socket | null;
}

/** The keyword arguments of `create_connection` / `create_unix_connection`. */
export interface CreateConnectionOptions {
  /** TLS: `true` for the defaults, or the options of {@linkcode SSLOption}. */
  ssl?: SSLOption | boolean | null;
  /** Address family (`socket.AF_INET`, `AF_INET6`; 0: any). */
  family?: number;
  /** Protocol number for `getaddrinfo`. */
  proto?: number;
  /** `getaddrinfo` flags. */
  flags?: number;
  /** An already connected socket to use instead of host and port. */
  sock?: socket | null;
  /** A local address to bind to (not supported by the hosts; see `stdlib/socket.ts`). */
  local_addr?: Address | null;
  /** The name to check the server's certificate against (TLS). */
  server_hostname?: string | null;
  /** Seconds to wait for the TLS handshake. */
  ssl_handshake_timeout?: number | null;
  /** Seconds to wait for the TLS shutdown. */
  ssl_shutdown_timeout?: number | null;
  /** Happy Eyeballs (RFC 8305): seconds before starting the next attempt. */
  happy_eyeballs_delay?: number | null;
  /** How addresses are interleaved by family. */
  interleave?: number | null;
  /** Raise an `ExceptionGroup` of every attempt's error. */
  all_errors?: boolean;
}

/** The keyword arguments of `create_server` / `create_unix_server`. */
export interface CreateServerOptions {
  /** Address family (0: any). */
  family?: number;
  /** `getaddrinfo` flags (default `AI_PASSIVE`). */
  flags?: number;
  /** An already bound socket to serve on instead of host and port. */
  sock?: socket | null;
  /** The listen backlog (default 100). */
  backlog?: number;
  /** TLS: the options of {@linkcode SSLOption} (a certificate and key are required). */
  ssl?: SSLOption | null;
  /** Set `SO_REUSEADDR` (default: true on POSIX). */
  reuse_address?: boolean | null;
  /** Set `SO_REUSEPORT`. */
  reuse_port?: boolean | null;
  /** Set `SO_KEEPALIVE` on accepted sockets. */
  keep_alive?: boolean | null;
  /** Seconds to wait for the TLS handshake. */
  ssl_handshake_timeout?: number | null;
  /** Seconds to wait for the TLS shutdown. */
  ssl_shutdown_timeout?: number | null;
  /** Start accepting now (default true). */
  start_serving?: boolean;
  /** Unix servers: remove the socket file when the server closes (default true). */
  cleanup_socket?: boolean;
}

/** Python's `AbstractServer`: what `create_server` returns. */
export abstract class AbstractServer {
  /** Stops listening; existing connections stay open. */
  close(): void {
    throw new NotImplementedError();
  }
  /** Closes every connection the server accepted. */
  close_clients(): void {
    throw new NotImplementedError();
  }
  /** Aborts every connection the server accepted. */
  abort_clients(): void {
    throw new NotImplementedError();
  }
  /** The loop the server belongs to. */
  get_loop(): AbstractEventLoop {
    throw new NotImplementedError();
  }
  /** Whether the server accepts connections. */
  is_serving(): boolean {
    throw new NotImplementedError();
  }
  /** The listening sockets (empty once closed). */
  get sockets(): readonly TransportSocket[] {
    throw new NotImplementedError();
  }
  /** Starts accepting connections. */
  start_serving(): Coroutine<void> {
    throw new NotImplementedError();
  }
  /** Accepts connections until cancelled. */
  serve_forever(): Coroutine<void> {
    throw new NotImplementedError();
  }
  /** Waits until the server is closed and its connections are gone. */
  wait_closed(): Coroutine<void> {
    throw new NotImplementedError();
  }
  /** `async with server:` enters the server. */
  // deno-lint-ignore require-yield
  *__aenter__(): Generator<never, this, unknown> {
    return this;
  }
  /** `async with server:` closes the server and waits for it on exit. */
  *__aexit__(..._exc: unknown[]): Generator<unknown, void, unknown> {
    this.close();
    yield* this.wait_closed();
  }
}

/**
 * The options of `loop.subprocess_exec()`/`subprocess_shell()` (Python's keyword arguments): the
 * streams (`PIPE` by default; `DEVNULL`, `STDOUT` for stderr, or `null` to inherit), the
 * arguments CPython checks (`universal_newlines`, `shell`, `bufsize`, `text`, `encoding`,
 * `errors`), and `Popen`'s `cwd`, `env` and `close_fds`.
 */
export interface SubprocessLoopOptions {
  /** The child's stdin. */
  stdin?: number | null;
  /** The child's stdout. */
  stdout?: number | null;
  /** The child's stderr. */
  stderr?: number | null;
  /** Must be false. */
  universal_newlines?: boolean;
  /** Must be false for `subprocess_exec`, true for `subprocess_shell`. */
  shell?: boolean;
  /** Must be 0. */
  bufsize?: number;
  /** Must be null. */
  encoding?: string | null;
  /** Must be null. */
  errors?: string | null;
  /** Must be false. */
  text?: boolean | null;
  /** The child's working directory. */
  cwd?: string | null;
  /** The child's whole environment. */
  env?: Record<string, string> | null;
  /** Accepted, without effect: a child gets its three standard streams and no other descriptor. */
  close_fds?: boolean;
}

/**
 * A file object a pipe transport takes (`loop.connect_read_pipe`, `loop.connect_write_pipe`):
 * `sys.stdin`, `sys.stdout`, `sys.stderr` of `stdlib/sys.ts`, or a socket. The transport closes it.
 */
export interface PipeFile {
  /** Its descriptor number. */
  fileno(): number;
  /** Closes it. */
  close(): void;
}

/**
 * Python's `AbstractEventLoop`: the interface of an event loop. `BaseEventLoop` implements it.
 * `run_forever()` and `run_until_complete()` return Promises here (the host runs its own loop).
 */
export class AbstractEventLoop {
  /** @internal The debug flag (read on hot paths). */
  _debug = false;

  /** Runs until `stop()` is called. */
  run_forever(): Promise<void> {
    throw new NotImplementedError();
  }
  /** Runs until `future` is done; resolves to its result. */
  run_until_complete<T>(future: Awaitable<T>): Promise<T>;
  /** Runs until the Promise settles; resolves to its value. */
  run_until_complete<T>(future: PromiseLike<T>): Promise<T>;
  /** Runs until `future` is done; resolves to its result. */
  run_until_complete<T>(_future: Awaitable<T> | PromiseLike<T>): Promise<T> {
    throw new NotImplementedError();
  }
  /** Stops the loop after the current iteration. */
  stop(): void {
    throw new NotImplementedError();
  }
  /** Whether the loop is running. */
  is_running(): boolean {
    throw new NotImplementedError();
  }
  /** Whether the loop is closed. */
  is_closed(): boolean {
    throw new NotImplementedError();
  }
  /** Closes the loop; it must not be running. */
  close(): void {
    throw new NotImplementedError();
  }
  /** Finalizes asynchronous generators (none are tracked on this host). */
  shutdown_asyncgens(): Coroutine<void> {
    throw new NotImplementedError();
  }
  /** Shuts the default executor down. */
  shutdown_default_executor(_timeout?: number | null): Coroutine<void> {
    throw new NotImplementedError();
  }
  /** @internal Called by `TimerHandle.cancel()`. */
  _timer_handle_cancelled(_handle: TimerHandle): void {
    throw new NotImplementedError();
  }
  /** Schedules `callback(...args)` soon; a trailing `{ context }` is the keyword option. */
  call_soon<A extends unknown[]>(
    _callback: (...args: A) => unknown,
    ..._args: [...A] | [...A, CallOptions]
  ): Handle {
    throw new NotImplementedError();
  }
  /** Schedules `callback(...args)` after `delay` seconds. */
  call_later<A extends unknown[]>(
    _delay: number,
    _callback: (...args: A) => unknown,
    ..._args: [...A] | [...A, CallOptions]
  ): TimerHandle {
    throw new NotImplementedError();
  }
  /** Schedules `callback(...args)` at the loop time `when`. */
  call_at<A extends unknown[]>(
    _when: number,
    _callback: (...args: A) => unknown,
    ..._args: [...A] | [...A, CallOptions]
  ): TimerHandle {
    throw new NotImplementedError();
  }
  /** Schedules a callback from outside the loop (wakes it if it waits). */
  call_soon_threadsafe<A extends unknown[]>(
    _callback: (...args: A) => unknown,
    ..._args: [...A] | [...A, CallOptions]
  ): Handle {
    throw new NotImplementedError();
  }
  /** The loop's clock, in seconds. */
  time(): number {
    throw new NotImplementedError();
  }
  /** A new Future bound to this loop. */
  create_future<T = unknown>(): Future<T> {
    throw new NotImplementedError();
  }
  /** Wraps a coroutine in a Task scheduled on this loop. */
  create_task<T>(_coro: Coroutine<T>, _options?: TaskOptions): Task<T> {
    throw new NotImplementedError();
  }
  /** Sets the task factory (`null` for the default). */
  set_task_factory(_factory: TaskFactory | null): void {
    throw new NotImplementedError();
  }
  /** The task factory, or `null`. */
  get_task_factory(): TaskFactory | null {
    throw new NotImplementedError();
  }
  /** The exception handler, or `null`. */
  get_exception_handler(): ExceptionHandler | null {
    throw new NotImplementedError();
  }
  /** Sets the exception handler (`null` for the default). */
  set_exception_handler(_handler: ExceptionHandler | null): void {
    throw new NotImplementedError();
  }
  /** The default exception handler: logs the context. */
  default_exception_handler(_context: ExceptionContext): void {
    throw new NotImplementedError();
  }
  /** Calls the exception handler with `context`. */
  call_exception_handler(_context: ExceptionContext): void {
    throw new NotImplementedError();
  }
  /** Runs `func(...args)` in an executor (on this host: on the loop); a Future of its result. */
  run_in_executor<A extends unknown[], R>(
    _executor: unknown,
    _func: (...args: A) => R | PromiseLike<R>,
    ..._args: A
  ): Future<Awaited<R>> {
    throw new NotImplementedError();
  }
  /** Sets the default executor. */
  set_default_executor(_executor: unknown): void {
    throw new NotImplementedError();
  }
  /** Resolves `host`/`port` (Python's `getaddrinfo`, on the host's resolver). */
  getaddrinfo(
    _host: string | null,
    _port: number | string | null,
    _options?: { family?: number; type?: number; proto?: number; flags?: number },
  ): Coroutine<AddrInfo[]> {
    throw new NotImplementedError();
  }
  /** `getnameinfo(sockaddr, flags)`: `[host, port]`. */
  getnameinfo(
    _sockaddr: [string, number] | [string, number, number, number],
    _flags?: number,
  ): Coroutine<[string, string]> {
    throw new NotImplementedError();
  }
  /** Python's `connect_read_pipe(protocol_factory, pipe)`: a read transport over a pipe. */
  connect_read_pipe<P extends BaseProtocol>(
    _protocol_factory: () => P,
    _pipe: PipeFile,
  ): Coroutine<[ReadTransport, P]> {
    throw new NotImplementedError();
  }
  /** Python's `connect_write_pipe(protocol_factory, pipe)`: a write transport over a pipe. */
  connect_write_pipe<P extends BaseProtocol>(
    _protocol_factory: () => P,
    _pipe: PipeFile,
  ): Coroutine<[WriteTransport, P]> {
    throw new NotImplementedError();
  }
  /** Python's `subprocess_shell(protocol_factory, cmd, ...)`: runs `cmd` with `/bin/sh -c`. */
  subprocess_shell<P extends BaseProtocol>(
    _protocol_factory: () => P,
    _cmd: string,
    _options?: SubprocessLoopOptions,
  ): Coroutine<[SubprocessTransport, P]> {
    throw new NotImplementedError();
  }
  /** Python's `subprocess_exec(protocol_factory, program, *args, ...)`: options last. */
  subprocess_exec<P extends BaseProtocol>(
    _protocol_factory: () => P,
    _program: string,
    ..._args: (string | SubprocessLoopOptions)[]
  ): Coroutine<[SubprocessTransport, P]> {
    throw new NotImplementedError();
  }
  /** Opens a TCP connection; `[transport, protocol]`. */
  create_connection<P extends BaseProtocol>(
    _protocol_factory: () => P,
    _host?: string | null,
    _port?: number | string | null,
    _options?: CreateConnectionOptions,
  ): Coroutine<[Transport, P]> {
    throw new NotImplementedError();
  }
  /** Starts a TCP server on `host` (a name, an address, or a list of them) and `port`. */
  create_server(
    _protocol_factory: () => BaseProtocol,
    _host?: string | string[] | null,
    _port?: number | string | null,
    _options?: CreateServerOptions,
  ): Coroutine<AbstractServer> {
    throw new NotImplementedError();
  }
  /** Opens a Unix socket connection to `path`; `[transport, protocol]`. */
  create_unix_connection<P extends BaseProtocol>(
    _protocol_factory: () => P,
    _path?: string | null,
    _options?: CreateConnectionOptions,
  ): Coroutine<[Transport, P]> {
    throw new NotImplementedError();
  }
  /** Starts a Unix socket server on `path`. */
  create_unix_server(
    _protocol_factory: () => BaseProtocol,
    _path?: string | null,
    _options?: CreateServerOptions,
  ): Coroutine<AbstractServer> {
    throw new NotImplementedError();
  }
  /** Wraps a connection accepted elsewhere in a transport; `[transport, protocol]`. */
  connect_accepted_socket<P extends BaseProtocol>(
    _protocol_factory: () => P,
    _sock: socket,
    _options?: {
      ssl?: SSLOption | null;
      ssl_handshake_timeout?: number | null;
      ssl_shutdown_timeout?: number | null;
    },
  ): Coroutine<[Transport, P]> {
    throw new NotImplementedError();
  }
  /** Upgrades a connection to TLS; the new transport. */
  start_tls(
    _transport: Transport,
    _protocol: BaseProtocol,
    _sslcontext: SSLOption | boolean,
    _options?: {
      server_side?: boolean;
      server_hostname?: string | null;
      ssl_handshake_timeout?: number | null;
      ssl_shutdown_timeout?: number | null;
    },
  ): Coroutine<Transport> {
    throw new NotImplementedError();
  }
  /** Opens a datagram (UDP) endpoint; `[transport, protocol]`. */
  create_datagram_endpoint<P extends BaseProtocol>(
    _protocol_factory: () => P,
    _local_addr?: Address | null,
    _remote_addr?: Address | null,
    _options?: CreateDatagramEndpointOptions,
  ): Coroutine<[DatagramTransport, P]> {
    throw new NotImplementedError();
  }
  /** Receives a datagram: `[data, address]`. */
  sock_recvfrom(_sock: socket, _bufsize: number): Coroutine<[Uint8Array, Address | null]> {
    throw new NotImplementedError();
  }
  /** Receives a datagram into `buf`: `[count, address]`. */
  sock_recvfrom_into(_sock: socket, _buf: Uint8Array, _nbytes?: number): Coroutine<[number, Address | null]> {
    throw new NotImplementedError();
  }
  /** Sends a datagram to `address`; the number of bytes sent. */
  sock_sendto(_sock: socket, _data: Uint8Array, _address: Address): Coroutine<number> {
    throw new NotImplementedError();
  }
  /** Sends a file on a transport; the number of bytes sent. */
  sendfile(
    _transport: Transport,
    _file: SendfileFile,
    _offset?: number,
    _count?: number | null,
    _options?: { fallback?: boolean },
  ): Coroutine<number> {
    throw new NotImplementedError();
  }
  /** Sends a file on a non-blocking socket; the number of bytes sent. */
  sock_sendfile(
    _sock: socket,
    _file: SendfileFile,
    _offset?: number,
    _count?: number | null,
    _options?: { fallback?: boolean },
  ): Coroutine<number> {
    throw new NotImplementedError();
  }
  /** Calls `callback(...args)` whenever `fd` (a socket, or its number) is readable. */
  add_reader(_fd: socket | number, _callback: AnyFn, ..._args: unknown[]): void {
    throw new NotImplementedError();
  }
  /** Stops watching `fd` for reading; `true` if it was watched. */
  remove_reader(_fd: socket | number): boolean {
    throw new NotImplementedError();
  }
  /** Calls `callback(...args)` whenever `fd` is writable. */
  add_writer(_fd: socket | number, _callback: AnyFn, ..._args: unknown[]): void {
    throw new NotImplementedError();
  }
  /** Stops watching `fd` for writing; `true` if it was watched. */
  remove_writer(_fd: socket | number): boolean {
    throw new NotImplementedError();
  }
  /** Receives up to `nbytes` from a non-blocking socket. */
  sock_recv(_sock: socket, _nbytes: number): Coroutine<Uint8Array> {
    throw new NotImplementedError();
  }
  /** Receives into `buf`; the number of bytes. */
  sock_recv_into(_sock: socket, _buf: Uint8Array): Coroutine<number> {
    throw new NotImplementedError();
  }
  /** Sends all of `data`. */
  sock_sendall(_sock: socket, _data: Uint8Array): Coroutine<void> {
    throw new NotImplementedError();
  }
  /** Connects a non-blocking socket. */
  sock_connect(_sock: socket, _address: Address): Coroutine<void> {
    throw new NotImplementedError();
  }
  /** Accepts a connection: `[socket, address]`. */
  sock_accept(_sock: socket): Coroutine<[socket, Address]> {
    throw new NotImplementedError();
  }
  /** Calls `callback(...args)` whenever signal `sig` arrives. */
  add_signal_handler(_sig: number, _callback: AnyFn, ..._args: unknown[]): void {
    throw new NotImplementedError();
  }
  /** Removes the handler of signal `sig`; `true` if there was one. */
  remove_signal_handler(_sig: number): boolean {
    throw new NotImplementedError();
  }
  /** Whether debug mode is on. */
  get_debug(): boolean {
    throw new NotImplementedError();
  }
  /** Turns debug mode on or off. */
  set_debug(_enabled: boolean): void {
    throw new NotImplementedError();
  }
}

// The running loop. One JavaScript thread: a module variable, set while a loop runs callbacks.
let _running_loop: AbstractEventLoop | null = null;

/** The running event loop; `RuntimeError('no running event loop')` if there is none. */
export function get_running_loop(): AbstractEventLoop {
  const loop = _running_loop;
  if (loop === null) throw new RuntimeError("no running event loop");
  return loop;
}

/** The running event loop, or `null`. */
export function _get_running_loop(): AbstractEventLoop | null {
  return _running_loop;
}

/** Sets the running event loop (used by the loops themselves). */
export function _set_running_loop(loop: AbstractEventLoop | null): void {
  _running_loop = loop;
}

/** Python's `_AbstractEventLoopPolicy` (deprecated since 3.14). */
export class _AbstractEventLoopPolicy {
  /** The loop for the current context. */
  get_event_loop(): AbstractEventLoop {
    throw new NotImplementedError();
  }
  /** Sets the loop for the current context. */
  set_event_loop(_loop: AbstractEventLoop | null): void {
    throw new NotImplementedError();
  }
  /** Creates a new loop. */
  new_event_loop(): AbstractEventLoop {
    throw new NotImplementedError();
  }
}

let _default_loop_factory: (() => AbstractEventLoop) | null = null;

/** @internal Installs the factory of the default loop class (done by `unix_events.ts`). */
export function _set_default_loop_factory(factory: () => AbstractEventLoop): void {
  _default_loop_factory = factory;
}

/** Python's `_BaseDefaultEventLoopPolicy`: one loop set per (the only) thread. */
export class _BaseDefaultEventLoopPolicy extends _AbstractEventLoopPolicy {
  /** The loop class's factory; the default is the selector loop. */
  _loop_factory: (() => AbstractEventLoop) | null = null;
  /** @internal */
  _local: { _loop: AbstractEventLoop | null } = { _loop: null };

  /** The loop set with `set_event_loop`; `RuntimeError` if none is set. */
  override get_event_loop(): AbstractEventLoop {
    if (this._local._loop === null) {
      throw new RuntimeError("There is no current event loop in thread 'MainThread'.");
    }
    return this._local._loop;
  }

  /** Sets the loop. */
  override set_event_loop(loop: AbstractEventLoop | null): void {
    if (loop !== null && loop !== undefined && !(loop instanceof AbstractEventLoop)) {
      throw new TypeError(
        `loop must be an instance of AbstractEventLoop or None, not '${type_name(loop)}'`,
      );
    }
    this._local._loop = loop ?? null;
  }

  /** Creates a new loop (not set as current). */
  override new_event_loop(): AbstractEventLoop {
    const factory = this._loop_factory ?? _default_loop_factory;
    if (factory === null) throw new RuntimeError("no event loop class is registered");
    return factory();
  }
}

let _event_loop_policy: _AbstractEventLoopPolicy | null = null;

/** @internal The current policy, created on first use. */
export function _get_event_loop_policy(): _AbstractEventLoopPolicy {
  if (_event_loop_policy === null) _event_loop_policy = new _BaseDefaultEventLoopPolicy();
  return _event_loop_policy;
}

/** Deprecated as in Python 3.14 (removal planned for 3.16): the current policy. */
export function get_event_loop_policy(): _AbstractEventLoopPolicy {
  _warn(
    "'asyncio.get_event_loop_policy' is deprecated and slated for removal in Python 3.16",
    "DeprecationWarning",
  );
  return _get_event_loop_policy();
}

/** @internal Sets the policy without the deprecation warning. */
export function _set_event_loop_policy(policy: _AbstractEventLoopPolicy | null): void {
  if (policy !== null && policy !== undefined && !(policy instanceof _AbstractEventLoopPolicy)) {
    throw new TypeError(
      `policy must be an instance of AbstractEventLoopPolicy or None, not '${type_name(policy)}'`,
    );
  }
  _event_loop_policy = policy ?? null;
}

/** Deprecated as in Python 3.14: sets the policy (`null` restores the default). */
export function set_event_loop_policy(policy: _AbstractEventLoopPolicy | null): void {
  _warn(
    "'asyncio.set_event_loop_policy' is deprecated and slated for removal in Python 3.16",
    "DeprecationWarning",
  );
  _set_event_loop_policy(policy);
}

/**
 * The running loop when called from a coroutine or callback; otherwise the loop set with
 * {@linkcode set_event_loop}. As in 3.14, it never creates one: `RuntimeError` if none is set.
 */
export function get_event_loop(): AbstractEventLoop {
  const current = _running_loop;
  if (current !== null) return current;
  return _get_event_loop_policy().get_event_loop();
}

/** Sets the current event loop (what `get_event_loop()` returns outside a running loop). */
export function set_event_loop(loop: AbstractEventLoop | null): void {
  _get_event_loop_policy().set_event_loop(loop);
}

/** Creates a new event loop (a `SelectorEventLoop` unless a policy says otherwise). */
export function new_event_loop(): AbstractEventLoop {
  return _get_event_loop_policy().new_event_loop();
}

/** Python's `on_fork()`: there is no fork here, so it only resets the loop state. */
export function on_fork(): void {
  if (_event_loop_policy instanceof _BaseDefaultEventLoopPolicy) {
    _event_loop_policy._local = { _loop: null };
  }
  _set_running_loop(null);
}

_set_module(
  "asyncio.events",
  AbstractEventLoop,
  AbstractServer,
  _AbstractEventLoopPolicy,
  _BaseDefaultEventLoopPolicy,
);
