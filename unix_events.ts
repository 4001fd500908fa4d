/**
 * Port of `asyncio/unix_events.py`: the Unix selector event loop (`SelectorEventLoop`, also
 * exported as `EventLoop`, the default loop class) with signal handlers.
 *
 * Signals are delivered by the host (`Deno.addSignalListener`, `process.on`): a handler runs as
 * a callback of the loop, as in CPython. Only the signals the host can listen to are accepted.
 *
 * @module
 */

import { BaseSelectorEventLoop } from "./selector_events.ts";
import { Server } from "./base_events.ts";
import type { CreateConnectionOptions, CreateServerOptions, PipeFile, SendfileFile } from "./events.ts";
import { SendfileNotAvailableError } from "./exceptions.ts";
import type { BaseProtocol } from "./protocols.ts";
import type { Transport } from "./transports.ts";
import type { Coroutine } from "./coroutines.ts";
import { sleep } from "./tasks.ts";
import { logger } from "./log.ts";
import { AF_UNIX, SOCK_STREAM, socket } from "./stdlib/socket.ts";
import { errno, FileNotFoundError, OSError } from "./stdlib/builtins.ts";
import { SERVER_TLS_UPGRADE, stat_path, unlink } from "./stdlib/_host.ts";
import {
  _BaseDefaultEventLoopPolicy,
  _set_default_loop_factory,
  type AbstractEventLoop,
  Handle,
} from "./events.ts";
import { _iscoroutinefunction, iscoroutine } from "./coroutines.ts";
import { NotImplementedError, RuntimeError, TypeError, ValueError } from "./stdlib/builtins.ts";
import { _signal_name, NSIG } from "./stdlib/signal.ts";
import { add_signal_listener, remove_signal_listener } from "./stdlib/_host.ts";
import { _set_module, repr } from "./stdlib/_repr.ts";
import type { DefaultSelector } from "./stdlib/selectors.ts";

import type { AnyFn } from "./selector_events.ts";
import { _test_selector_event } from "./selector_events.ts";
import * as os from "./stdlib/os.ts";
import { concat } from "./stdlib/_bytes.ts";
import {
  _FlowControlMixin,
  type _Leftover,
  _track_transport,
  _untrack_transport,
  ReadTransport,
} from "./transports.ts";
import type { Protocol } from "./protocols.ts";
import { _set_result_unless_cancelled, type Future } from "./futures.ts";
import { EVENT_READ, EVENT_WRITE } from "./stdlib/selectors.ts";
import {
  _is_exit,
  AssertionError,
  BlockingIOError,
  BrokenPipeError,
  InterruptedError,
} from "./stdlib/builtins.ts";
import * as constants from "./constants.ts";
import { BaseSubprocessTransport, type SubprocessStartArgs } from "./base_subprocess.ts";
import { Popen } from "./stdlib/subprocess.ts";
import { wrap_promise } from "./futures.ts";
import type { SubprocessProtocol } from "./protocols.ts";
import { _bound_method } from "./format_helpers.ts";

/** Python's `_UnixSelectorEventLoop`: the selector loop plus Unix signal handling. */
export class _UnixSelectorEventLoop extends BaseSelectorEventLoop {
  /** @internal The signal handlers by signal number. */
  _signal_handlers: Map<number, Handle> = new Map();
  private _signal_listeners = new Map<number, [string, () => void]>();

  /** Creates the loop over `selector` (default: a new `DefaultSelector`). */
  constructor(selector: DefaultSelector | null = null) {
    super(selector);
  }

  /**
   * @internal CPython's zero-copy path calls `os.sendfile()`, which JavaScript hosts do not
   * have: this raises as CPython does where `os.sendfile` is missing, and `sock_sendfile` falls
   * back to reading and sending.
   */
  // deno-lint-ignore require-yield
  override *_sock_sendfile_native(
    _sock: socket,
    _file: SendfileFile,
    _offset: number,
    _count: number | null,
  ): Coroutine<number> {
    throw new SendfileNotAvailableError("os.sendfile() is not available");
  }

  /** @internal Unix server sockets to unlink on close, with their inode. */
  _unix_server_sockets: Map<socket, number> = new Map();

  /** Opens a Unix socket connection to `path` (or wraps `sock`); `[transport, protocol]`. */
  override *create_unix_connection<P extends BaseProtocol>(
    protocol_factory: () => P,
    path: string | null = null,
    options: CreateConnectionOptions = {},
  ): Coroutine<[Transport, P]> {
    let {
      ssl = null,
      sock = null,
      server_hostname = null,
      ssl_handshake_timeout = null,
      ssl_shutdown_timeout = null,
    } = options;
    if (ssl) {
      if (server_hostname === null) throw new ValueError("you have to pass server_hostname when using ssl");
    } else {
      if (server_hostname !== null) throw new ValueError("server_hostname is only meaningful with ssl");
      if (ssl_handshake_timeout !== null) {
        throw new ValueError("ssl_handshake_timeout is only meaningful with ssl");
      }
      if (ssl_shutdown_timeout !== null) {
        throw new ValueError("ssl_shutdown_timeout is only meaningful with ssl");
      }
    }
    // Whether the socket is the loop's own (connected here), not the caller's.
    const own_sock = sock === null;
    if (path !== null) {
      if (sock !== null) throw new ValueError("path and sock can not be specified at the same time");
      sock = new socket(AF_UNIX, SOCK_STREAM, 0);
      try {
        sock.setblocking(false);
        yield* this.sock_connect(sock, path);
      } catch (e) {
        sock.close();
        throw e;
      }
    } else {
      if (sock === null) throw new ValueError("no path and sock were specified");
      if (sock.family !== AF_UNIX || sock.type !== SOCK_STREAM) {
        throw new ValueError(`A UNIX Domain Stream Socket was expected, got ${repr(sock)}`);
      }
      sock.setblocking(false);
    }
    try {
      return yield* this._create_connection_transport(
        sock,
        protocol_factory,
        ssl,
        server_hostname,
        false,
        ssl_handshake_timeout,
        ssl_shutdown_timeout,
      );
    } catch (e) {
      // As in create_connection: a socket connected here that no transport took is closed (CPython's
      // reference counting closes the one it drops).
      if (own_sock) sock.close();
      throw e;
    }
  }

  /** Starts a Unix socket server on `path` (or on the bound `sock`). */
  override *create_unix_server(
    protocol_factory: () => BaseProtocol,
    path: string | null = null,
    options: CreateServerOptions = {},
  ): Coroutine<Server> {
    let {
      sock = null,
      backlog = 100,
      ssl = null,
      ssl_handshake_timeout = null,
      ssl_shutdown_timeout = null,
      start_serving = true,
      cleanup_socket = true,
    } = options;
    if (typeof ssl === "boolean") throw new TypeError("ssl argument must be an SSLContext or None");
    if (ssl_handshake_timeout !== null && !ssl) {
      throw new ValueError("ssl_handshake_timeout is only meaningful with ssl");
    }
    if (ssl_shutdown_timeout !== null && !ssl) {
      throw new ValueError("ssl_shutdown_timeout is only meaningful with ssl");
    }
    if (ssl && !SERVER_TLS_UPGRADE) {
      // TLS goes on each accepted connection, which this host cannot do (see README).
      throw new NotImplementedError("this host cannot put TLS on the connections of a Unix socket server");
    }
    if (path !== null) {
      if (sock !== null) throw new ValueError("path and sock can not be specified at the same time");
      sock = new socket(AF_UNIX, SOCK_STREAM);
      if (path[0] !== "\0") {
        try {
          if (stat_path(path)?.is_socket) unlink(path);
        } catch (err) {
          logger.error(`Unable to check or remove stale UNIX socket ${repr(path)}: ${repr(err)}`);
        }
      }
      try {
        sock.bind(path);
      } catch (exc) {
        sock.close();
        if (exc instanceof OSError && exc.errno === errno.EADDRINUSE) {
          throw new OSError(errno.EADDRINUSE, `Address ${repr(path)} is already in use`);
        }
        throw exc;
      }
    } else {
      if (sock === null) throw new ValueError("path was not specified, and no sock specified");
      if (sock.family !== AF_UNIX || sock.type !== SOCK_STREAM) {
        throw new ValueError(`A UNIX Domain Stream Socket was expected, got ${repr(sock)}`);
      }
    }
    if (cleanup_socket) {
      const p = sock.getsockname() as string;
      if (p && p[0] !== "\0") {
        const st = stat_path(p);
        if (st !== null) this._unix_server_sockets.set(sock, st.ino);
      }
    }
    sock.setblocking(false);
    const server = new Server(
      this,
      [sock],
      protocol_factory,
      ssl,
      backlog,
      ssl_handshake_timeout,
      ssl_shutdown_timeout,
    );
    if (start_serving) {
      server._start_serving();
      yield* sleep(0);
    }
    return server;
  }

  /** @internal Stops serving on `sock`, and removes its socket file if this server made it. */
  override _stop_serving(sock: socket): void {
    const path = this._unix_server_sockets.has(sock) ? sock.getsockname() as string : null;
    super._stop_serving(sock);
    if (path !== null) {
      const prev_ino = this._unix_server_sockets.get(sock);
      this._unix_server_sockets.delete(sock);
      try {
        if (stat_path(path)?.ino === prev_ino) unlink(path);
      } catch (err) {
        if (!(err instanceof FileNotFoundError)) {
          logger.error(`Unable to clean up listening UNIX socket ${repr(path)}: ${repr(err)}`);
        }
      }
    }
  }

  /** Closes the loop and removes its signal handlers. */
  override close(): void {
    super.close();
    for (const sig of [...this._signal_handlers.keys()]) this.remove_signal_handler(sig);
  }

  /**
   * Calls `callback(...args)` on the loop whenever signal `sig` arrives. `ValueError` for an
   * invalid signal, `RuntimeError` for one that cannot be caught (or that the host cannot
   * deliver).
   */
  override add_signal_handler(sig: number, callback: AnyFn, ...args: unknown[]): void {
    if (iscoroutine(callback) || _iscoroutinefunction(callback)) {
      throw new TypeError("coroutines cannot be used with add_signal_handler()");
    }
    this._check_signal(sig);
    this._check_closed();
    const name = _signal_name(sig);
    if (name === undefined) throw new RuntimeError(`sig ${sig} cannot be caught`);
    const handle = new Handle(callback, args, this, null);
    this._signal_handlers.set(sig, handle);
    if (!this._signal_listeners.has(sig)) {
      // The host calls this once per signal on Node and Bun (CPython: once per byte its C handler
      // wrote to the wake-up fd); Deno merges the signals of one kind that arrive before its signal
      // stream is read (README, "Signals on Deno").
      const listener = () => this._handle_signal(sig);
      try {
        add_signal_listener(name, listener);
      } catch (e) {
        this._signal_handlers.delete(sig);
        throw new RuntimeError(`sig ${sig} cannot be caught: ${(e as Error).message}`);
      }
      this._signal_listeners.set(sig, [name, listener]);
    }
  }

  /** @internal The host's signal listener. */
  _handle_signal(sig: number): void {
    const handle = this._signal_handlers.get(sig);
    if (handle === undefined) return;
    if (handle._cancelled) this.remove_signal_handler(sig);
    else if (!this.is_closed()) this._add_callback_signalsafe(handle);
  }

  /** Removes the handler of `sig`; `true` if there was one. */
  override remove_signal_handler(sig: number): boolean {
    this._check_signal(sig);
    if (!this._signal_handlers.delete(sig)) return false;
    const l = this._signal_listeners.get(sig);
    if (l !== undefined) {
      this._signal_listeners.delete(sig);
      remove_signal_listener(l[0], l[1]);
    }
    return true;
  }

  /** @internal Python's `_make_read_pipe_transport`. */
  override _make_read_pipe_transport(
    pipe: PipeFile,
    protocol: Protocol,
    waiter: Future<null> | null = null,
    extra: Record<string, unknown> | null = null,
  ): _UnixReadPipeTransport {
    return new _UnixReadPipeTransport(this, pipe, protocol, waiter, extra);
  }

  /** @internal Python's `_make_write_pipe_transport`. */
  override _make_write_pipe_transport(
    pipe: PipeFile,
    protocol: Protocol,
    waiter: Future<null> | null = null,
    extra: Record<string, unknown> | null = null,
  ): _UnixWritePipeTransport {
    return new _UnixWritePipeTransport(this, pipe, protocol, waiter, extra);
  }

  /**
   * @internal Python's `_make_subprocess_transport`: starts the child; the host tells when it
   * exits (in CPython, a child watcher), which reaches the transport through `call_soon_threadsafe`.
   */
  override *_make_subprocess_transport(
    protocol: BaseProtocol,
    args: string | string[],
    shell: boolean,
    stdin: number | null,
    stdout: number | null,
    stderr: number | null,
    bufsize: number,
    kwargs: Record<string, unknown>,
    extra: Record<string, unknown> | null = null,
  ): Coroutine<_UnixSubprocessTransport> {
    const waiter = this.create_future<null>();
    const transp = new _UnixSubprocessTransport(
      this,
      protocol as SubprocessProtocol,
      { args, shell, stdin, stdout, stderr, bufsize, kwargs },
      waiter,
      extra,
    );
    const proc = transp._proc!;
    proc._exited.then((returncode) => {
      if (this.is_closed()) {
        logger.warning(`Loop ${repr(this)} that handles pid ${proc.pid} is closed`);
      } else {
        this.call_soon_threadsafe(
          (rc: number) => this._child_watcher_callback(proc.pid, rc, transp),
          returncode,
        );
      }
    });
    try {
      yield* waiter;
    } catch (e) {
      if (_is_exit(e)) throw e;
      transp.close();
      // (a child that did not start has no exit to wait for)
      if (!proc._start_failed) yield* transp._wait();
      throw e;
    }
    return transp;
  }

  /** @internal The child `pid` of `transp` exited with `returncode`. */
  _child_watcher_callback(_pid: number, returncode: number, transp: _UnixSubprocessTransport): void {
    transp._process_exited(returncode);
  }

  /** @internal */
  _check_signal(sig: unknown): void {
    if (typeof sig !== "number" || !Number.isInteger(sig)) {
      throw new TypeError(`sig must be an int, not ${repr(sig)}`);
    }
    if (sig < 1 || sig >= NSIG) throw new ValueError(`invalid signal number ${sig}`);
  }
}

/** The selector event loop class (Python's `asyncio.SelectorEventLoop` on Unix). */
export const SelectorEventLoop: typeof _UnixSelectorEventLoop = _UnixSelectorEventLoop;
/** The selector event loop type. */
export type SelectorEventLoop = _UnixSelectorEventLoop;
/** The default event loop class (Python 3.13's `asyncio.EventLoop`). */
export const EventLoop: typeof _UnixSelectorEventLoop = _UnixSelectorEventLoop;
/** The default event loop type. */
export type EventLoop = _UnixSelectorEventLoop;

/** Python's `_UnixDefaultEventLoopPolicy` (deprecated with the whole policy system). */
export class _UnixDefaultEventLoopPolicy extends _BaseDefaultEventLoopPolicy {
  /** Creates the policy; its loops are `SelectorEventLoop`s. */
  constructor() {
    super();
    this._loop_factory = () => new _UnixSelectorEventLoop();
  }
}

/** Python's `DefaultEventLoopPolicy` (deprecated). */
export const _DefaultEventLoopPolicy: typeof _UnixDefaultEventLoopPolicy = _UnixDefaultEventLoopPolicy;

_set_default_loop_factory((): AbstractEventLoop => new _UnixSelectorEventLoop());

// --- pipes ------------------------------------------------------------------------------------

/**
 * @internal The `os` functions the pipe transports call, through an object so tests can replace
 * them (CPython's tests patch `os.read`, `os.write`, `os.fstat`, `os.set_blocking`).
 */
export const _os: {
  read: (fd: number, n: number) => Uint8Array;
  write: (fd: number, data: Uint8Array) => number;
  fstat: (fd: number) => { st_mode: number };
  set_blocking: (fd: number, blocking: boolean) => void;
} = { read: os.read, write: os.write, fstat: os.fstat, set_blocking: os.set_blocking };

type PipeLoop = BaseSelectorEventLoop;

/**
 * What a pipe transport leaves when it is collected unclosed (CPython's `__del__`): its repr then
 * (not polled: a polled transport is not collectable) and the release, the pipe closed.
 */
function _pipe_leftover(name: string, fd: number, pipe: PipeFile, loop: PipeLoop, state: string): _Leftover {
  const loop_ref = new WeakRef(loop);
  return {
    describe() {
      const selector = (loop_ref.deref() as { _selector?: DefaultSelector | null } | undefined)?._selector ??
        null;
      return `<${name} fd=${fd} ${selector !== null ? state : "open"}>`;
    },
    release() {
      pipe.close();
    },
  };
}

/**
 * Python's `_UnixReadPipeTransport`: reads a pipe (or a socket, or a character device) with
 * `os.read` when the selector says it is readable, and gives the data to the protocol.
 */
export class _UnixReadPipeTransport extends ReadTransport {
  /** The most read in one go. */
  max_size = 256 * 1024;
  /** @internal */
  _loop: PipeLoop | null;
  /** @internal */
  _pipe: PipeFile | null;
  /** @internal */
  _fileno: number | null;
  /** @internal */
  _protocol: Protocol | null;
  /** @internal */
  _closing = false;
  /** @internal */
  _paused = false;

  /** Wraps `pipe`; `ValueError` if it is not a pipe, socket or character device. */
  constructor(
    loop: PipeLoop,
    pipe: PipeFile,
    protocol: Protocol,
    waiter: Future<null> | null = null,
    extra: Record<string, unknown> | null = null,
  ) {
    super(extra);
    this._extra.pipe = pipe;
    this._loop = loop;
    this._pipe = pipe;
    this._fileno = pipe.fileno();
    this._protocol = protocol;
    const mode = _os.fstat(this._fileno).st_mode;
    if (!(os.S_ISFIFO(mode) || os.S_ISSOCK(mode) || os.S_ISCHR(mode))) {
      this._pipe = null;
      this._fileno = null;
      this._protocol = null;
      throw new ValueError("Pipe transport is for pipes/sockets only.");
    }
    _os.set_blocking(this._fileno, false);
    _track_transport(this, _pipe_leftover(this.constructor.name, this._fileno, pipe, loop, "idle"));
    this._loop.call_soon(_bound_method(protocol, "connection_made"), this as unknown as Transport);
    // Reading starts once connection_made() has run.
    this._loop.call_soon(this._add_reader.bind(this), this._fileno, this._read_ready);
    // The waiter too is woken after connection_made().
    if (waiter !== null) this._loop.call_soon(_set_result_unless_cancelled, waiter, null);
  }

  /** @internal Bound once, so the loop's reader is this same function (tests compare it). */
  readonly _read_ready = (): void => this.__read_ready();

  /** @internal */
  _add_reader(fd: number, callback: AnyFn): void {
    if (!this.is_reading()) return;
    this._loop!._add_reader(fd, callback);
  }

  /** Whether data is being read (not paused, not closing). */
  override is_reading(): boolean {
    return !this._paused && !this._closing;
  }

  /** Python's repr: `<_UnixReadPipeTransport fd=0 polling>`. */
  __repr__(): string {
    const info: string[] = [this.constructor.name];
    if (this._pipe === null) info.push("closed");
    else if (this._closing) info.push("closing");
    info.push(`fd=${this._fileno}`);
    const selector = (this._loop as { _selector?: DefaultSelector | null } | null)?._selector ?? null;
    if (this._pipe !== null && selector !== null) {
      info.push(_test_selector_event(selector, this._fileno!, EVENT_READ) ? "polling" : "idle");
    } else if (this._pipe !== null) {
      info.push("open");
    } else {
      info.push("closed");
    }
    return `<${info.join(" ")}>`;
  }

  /** Python's `str()`: the repr. */
  override toString(): string {
    return this.__repr__();
  }

  private __read_ready(): void {
    let data: Uint8Array;
    try {
      data = _os.read(this._fileno!, this.max_size);
    } catch (exc) {
      if (exc instanceof BlockingIOError || exc instanceof InterruptedError) return;
      if (exc instanceof OSError) {
        this._fatal_error(exc, "Fatal read error on pipe transport");
        return;
      }
      throw exc;
    }
    if (data.length) {
      this._protocol!.data_received(data);
    } else {
      if (this._loop!.get_debug()) logger.info(`${this.__repr__()} was closed by peer`);
      this._closing = true;
      this._loop!._remove_reader(this._fileno!);
      const protocol = this._protocol!;
      this._loop!.call_soon(_bound_method(protocol, "eof_received"));
      this._loop!.call_soon(_bound_method(this, "_call_connection_lost"), null);
    }
  }

  /** Stops reading until `resume_reading()`. */
  override pause_reading(): void {
    if (!this.is_reading()) return;
    this._paused = true;
    this._loop!._remove_reader(this._fileno!);
    if (this._loop!.get_debug()) logger.debug(`${this.__repr__()} pauses reading`);
  }

  /** Reads again. */
  override resume_reading(): void {
    if (this._closing || !this._paused) return;
    this._paused = false;
    this._loop!._add_reader(this._fileno!, this._read_ready);
    if (this._loop!.get_debug()) logger.debug(`${this.__repr__()} resumes reading`);
  }

  /** Replaces the protocol. */
  override set_protocol(protocol: BaseProtocol): void {
    this._protocol = protocol as Protocol;
  }

  /** The protocol. */
  override get_protocol(): BaseProtocol {
    return this._protocol!;
  }

  /** Whether the transport is closing or closed. */
  override is_closing(): boolean {
    return this._closing;
  }

  /** Closes the transport: reading stops, `connection_lost(null)` is called soon. */
  override close(): void {
    if (!this._closing) this._close(null);
  }

  /** @internal */
  _fatal_error(exc: unknown, message = "Fatal error on pipe transport"): void {
    if (exc instanceof OSError && exc.errno === errno.EIO) {
      if (this._loop!.get_debug()) logger.debug(`${this.__repr__()}: ${message}`);
    } else {
      this._loop!.call_exception_handler({
        message,
        exception: exc as Error,
        transport: this,
        protocol: this._protocol,
      });
    }
    this._close(exc);
  }

  /** @internal */
  _close(exc: unknown): void {
    this._closing = true;
    this._loop!._remove_reader(this._fileno!);
    this._loop!.call_soon(_bound_method(this, "_call_connection_lost"), exc);
  }

  /** @internal */
  _call_connection_lost(exc: unknown): void {
    try {
      this._protocol!.connection_lost(exc as Error | null);
    } finally {
      this._pipe!.close();
      this._pipe = null;
      _untrack_transport(this);
      this._protocol = null;
      this._loop = null;
    }
  }
}

/**
 * Python's `_UnixWritePipeTransport`: writes to a pipe (or a socket, or a character device) with
 * `os.write`, buffering what the pipe does not take, with flow control.
 */
export class _UnixWritePipeTransport extends _FlowControlMixin {
  /** @internal */
  override _loop: PipeLoop | null;
  /** @internal */
  _pipe: PipeFile | null;
  /** @internal */
  _fileno: number | null;
  /** @internal */
  override _protocol: Protocol | null;
  /** @internal The bytes not written yet (chunks, in order). */
  _buffer: Uint8Array[] = [];
  /** @internal Their total size. */
  _buffer_size = 0;
  /** @internal */
  _conn_lost = 0;
  /** @internal Set by close() and write_eof(). */
  _closing = false;

  /** Wraps `pipe`; `ValueError` if it is not a pipe, socket or character device. */
  constructor(
    loop: PipeLoop,
    pipe: PipeFile,
    protocol: Protocol,
    waiter: Future<null> | null = null,
    extra: Record<string, unknown> | null = null,
  ) {
    super(extra, loop);
    this._loop = loop;
    this._extra.pipe = pipe;
    this._pipe = pipe;
    this._fileno = pipe.fileno();
    this._protocol = protocol;
    const mode = _os.fstat(this._fileno).st_mode;
    const is_char = os.S_ISCHR(mode);
    const is_fifo = os.S_ISFIFO(mode);
    const is_socket = os.S_ISSOCK(mode);
    if (!(is_char || is_fifo || is_socket)) {
      this._pipe = null;
      this._fileno = null;
      this._protocol = null;
      throw new ValueError("Pipe transport is only for pipes, sockets and character devices");
    }
    _os.set_blocking(this._fileno, false);
    _track_transport(this, _pipe_leftover(this.constructor.name, this._fileno, pipe, loop, "idle bufsize=0"));
    this._loop.call_soon(_bound_method(protocol, "connection_made"), this as unknown as Transport);
    // Watching a pipe's write end for readability is how its reader closing is noticed.
    if (is_socket || is_fifo) {
      this._loop.call_soon(this._loop._add_reader.bind(this._loop), this._fileno, this._read_ready);
    }
    if (waiter !== null) this._loop.call_soon(_set_result_unless_cancelled, waiter, null);
  }

  /** @internal Bound once, so the loop's callbacks are these same functions (tests compare them). */
  readonly _read_ready = (): void => this.__read_ready();
  /** @internal */
  readonly _write_ready = (): void => this.__write_ready();

  /** Python's repr: `<_UnixWritePipeTransport fd=1 idle bufsize=0>`. */
  __repr__(): string {
    const info: string[] = [this.constructor.name];
    if (this._pipe === null) info.push("closed");
    else if (this._closing) info.push("closing");
    info.push(`fd=${this._fileno}`);
    const selector = (this._loop as { _selector?: DefaultSelector | null } | null)?._selector ?? null;
    if (this._pipe !== null && selector !== null) {
      info.push(_test_selector_event(selector, this._fileno!, EVENT_WRITE) ? "polling" : "idle");
      info.push(`bufsize=${this.get_write_buffer_size()}`);
    } else if (this._pipe !== null) {
      info.push("open");
    } else {
      info.push("closed");
    }
    return `<${info.join(" ")}>`;
  }

  /** Python's `str()`: the repr. */
  override toString(): string {
    return this.__repr__();
  }

  /** The number of bytes buffered. */
  override get_write_buffer_size(): number {
    return this._buffer_size;
  }

  private __read_ready(): void {
    // The reading end was closed.
    if (this._loop!.get_debug()) logger.info(`${this.__repr__()} was closed by peer`);
    if (this._buffer_size) this._close(new BrokenPipeError());
    else this._close();
  }

  /** Writes `data`: now if the pipe takes it, else buffered (the protocol is paused past the high-water mark). */
  override write(data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) throw new AssertionError(repr(data));
    if (!data.length) return;
    if (this._conn_lost || this._closing) {
      if (this._conn_lost >= constants.LOG_THRESHOLD_FOR_CONNLOST_WRITES) {
        logger.warning("pipe closed by peer or os.write(pipe, data) raised exception.");
      }
      this._conn_lost += 1;
      return;
    }
    if (!this._buffer_size) {
      // Try to write it at once.
      let n: number;
      try {
        n = _os.write(this._fileno!, data);
      } catch (exc) {
        if (exc instanceof BlockingIOError || exc instanceof InterruptedError) {
          n = 0;
        } else {
          if (_is_exit(exc)) throw exc;
          this._conn_lost += 1;
          this._fatal_error(exc, "Fatal write error on pipe transport");
          return;
        }
      }
      if (n === data.length) return;
      if (n > 0) data = data.subarray(n);
      this._loop!._add_writer(this._fileno!, this._write_ready);
    }
    // The caller may reuse its array: keep a copy, as bytes are immutable in Python.
    this._buffer.push(data.slice());
    this._buffer_size += data.length;
    this._maybe_pause_protocol();
  }

  private __write_ready(): void {
    if (!this._buffer_size) throw new AssertionError("Data should not be empty");
    // One os.write of the whole buffer, as CPython's: the chunks are joined if there are several.
    const data = this._buffer.length === 1 ? this._buffer[0] : concat(this._buffer);
    let n: number;
    try {
      n = _os.write(this._fileno!, data);
    } catch (exc) {
      if (exc instanceof BlockingIOError || exc instanceof InterruptedError) return;
      if (_is_exit(exc)) throw exc;
      this._buffer = [];
      this._buffer_size = 0;
      this._conn_lost += 1;
      // Removed here: _fatal_error() does not, with the buffer empty.
      this._loop!._remove_writer(this._fileno!);
      this._fatal_error(exc, "Fatal write error on pipe transport");
      return;
    }
    if (n === data.length) {
      this._buffer = [];
      this._buffer_size = 0;
      this._loop!._remove_writer(this._fileno!);
      this._maybe_resume_protocol(); // May append to the buffer.
      if (this._closing) {
        this._loop!._remove_reader(this._fileno!);
        this._call_connection_lost(null);
      }
      return;
    }
    if (n > 0) {
      this._buffer = [data.subarray(n)];
      this._buffer_size = data.length - n;
    } else if (this._buffer.length > 1) {
      this._buffer = [data];
    }
  }

  /** Pipes can be half-closed: `true`. */
  override can_write_eof(): boolean {
    return true;
  }

  /** Closes the pipe once the buffered data is written. */
  override write_eof(): void {
    if (this._closing) return;
    if (this._pipe === null) throw new AssertionError();
    this._closing = true;
    if (!this._buffer_size) {
      this._loop!._remove_reader(this._fileno!);
      this._loop!.call_soon(_bound_method(this, "_call_connection_lost"), null);
    }
  }

  /** Replaces the protocol. */
  override set_protocol(protocol: BaseProtocol): void {
    this._protocol = protocol as Protocol;
  }

  /** The protocol. */
  override get_protocol(): BaseProtocol {
    return this._protocol!;
  }

  /** Whether the transport is closing or closed. */
  override is_closing(): boolean {
    return this._closing;
  }

  /** Closes the transport once the buffered data is written (`write_eof()`). */
  override close(): void {
    if (this._pipe !== null && !this._closing) this.write_eof();
  }

  /** Closes now; buffered data is dropped. */
  override abort(): void {
    this._close(null);
  }

  /** @internal */
  _fatal_error(exc: unknown, message = "Fatal error on pipe transport"): void {
    if (exc instanceof OSError) {
      if (this._loop!.get_debug()) logger.debug(`${this.__repr__()}: ${message}`);
    } else {
      this._loop!.call_exception_handler({
        message,
        exception: exc as Error,
        transport: this,
        protocol: this._protocol,
      });
    }
    this._close(exc);
  }

  /** @internal */
  _close(exc: unknown = null): void {
    this._closing = true;
    if (this._buffer_size) this._loop!._remove_writer(this._fileno!);
    this._buffer = [];
    this._buffer_size = 0;
    this._loop!._remove_reader(this._fileno!);
    this._loop!.call_soon(_bound_method(this, "_call_connection_lost"), exc);
  }

  /** @internal */
  _call_connection_lost(exc: unknown): void {
    try {
      this._protocol!.connection_lost(exc as Error | null);
    } finally {
      this._pipe!.close();
      this._pipe = null;
      _untrack_transport(this);
      this._protocol = null;
      this._loop = null;
    }
  }
}

// --- subprocesses -----------------------------------------------------------------------------

/** Python's `_UnixSubprocessTransport`: the child is a host process (`stdlib/subprocess.ts`). */
export class _UnixSubprocessTransport extends BaseSubprocessTransport {
  /** @internal Starts the child (`Popen`). */
  override _start(start: SubprocessStartArgs): void {
    this._proc = new Popen(start.args, {
      shell: start.shell,
      stdin: start.stdin,
      stdout: start.stdout,
      stderr: start.stderr,
      ...start.kwargs,
    });
  }

  /**
   * @internal Connects the pipes once the host says the child runs (Node tells only then whether
   * it could start; `_start` knows at once on Deno).
   */
  override *_connect_pipes(waiter: Future<null> | null): Coroutine<void> {
    try {
      yield* wrap_promise(this._proc!._started, { loop: this._loop! });
    } catch (exc) {
      if (_is_exit(exc)) throw exc;
      if (waiter !== null && !waiter.cancelled()) waiter.set_exception(exc as Error);
      return;
    }
    yield* super._connect_pipes(waiter);
  }
}

_set_module("asyncio.unix_events", _UnixDefaultEventLoopPolicy);
