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
import type { CreateConnectionOptions, CreateServerOptions, SendfileFile } from "./events.ts";
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
import { repr } from "./stdlib/_repr.ts";
import type { DefaultSelector } from "./stdlib/selectors.ts";

import type { AnyFn } from "./selector_events.ts";

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
    return yield* this._create_connection_transport(
      sock,
      protocol_factory,
      ssl,
      server_hostname,
      false,
      ssl_handshake_timeout,
      ssl_shutdown_timeout,
    );
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
