/**
 * Port of `asyncio/selector_events.py`: `BaseSelectorEventLoop`, the event loop over a selector,
 * and its socket transport.
 *
 * The selector is `stdlib/selectors.ts`'s `DefaultSelector`, and the sockets are
 * `stdlib/socket.ts`'s, emulated over the host's completion-based I/O (see DESIGN.md): with
 * those two in place, this file follows CPython's line for line. As in CPython, `add_reader()`
 * and friends take a socket or its number.
 *
 * Not ported: the self-pipe (the loop is woken through the selector), `sendmsg` (there is no
 * scatter write). `_write_send` is kept by name but, like CPython's `_write_sendmsg`, sends
 * buffered chunks until the socket would block, not one chunk per readiness (each `send()` of the
 * emulated socket is cheap, and this saves a loop iteration per chunk).
 *
 * As in CPython 3.12 and later, the socket transport's `write()` keeps what it could not send at
 * once as the caller gave it, without a copy (CPython keeps a `memoryview` of a `bytearray`), so
 * an array written must not be changed until it is sent (`get_write_buffer_size()` says how much
 * waits; `drain()` returning does not mean all of it went); what `send()` takes at once is copied
 * by the socket, as a kernel would. (The datagram transport copies, as CPython's does.)
 *
 * @module
 */

import {
  _check_ssl_socket,
  _set_nodelay,
  _track_unclosed,
  _untrack_unclosed,
  BaseEventLoop,
  type Server,
} from "./base_events.ts";
import { Handle, type SendfileFile } from "./events.ts";
import { _set_result_unless_cancelled, type Future } from "./futures.ts";
import {
  DefaultSelector,
  EVENT_READ,
  EVENT_WRITE,
  type FileObj,
  type Selectable,
  type SelectorKey,
} from "./stdlib/selectors.ts";
import {
  _is_exit,
  AssertionError,
  BlockingIOError,
  ConnectionAbortedError,
  ConnectionError,
  errno,
  InterruptedError,
  KeyError,
  NotImplementedError,
  OSError,
  RuntimeError,
  type_name,
  TypeError,
  ValueError,
} from "./stdlib/builtins.ts";
import {
  type Address,
  AF_INET,
  AF_INET6,
  AF_UNIX,
  SHUT_WR,
  SO_ERROR,
  type socket,
  SOL_SOCKET,
  strerror,
} from "./stdlib/socket.ts";
import {
  _FlowControlMixin,
  type _Leftover,
  _track_transport,
  _untrack_transport,
  type Transport,
} from "./transports.ts";
import type { WeakValueDictionary } from "./stdlib/weakref.ts";
import {
  _owned_chunk,
  type BaseProtocol,
  BufferedProtocol,
  type DatagramProtocol,
  type Protocol,
} from "./protocols.ts";
import { TransportSocket } from "./trsock.ts";
import { logger } from "./log.ts";
import * as constants from "./constants.ts";
import { _trackable_method, type Coroutine } from "./coroutines.ts";
import { _ssl_timeouts, type SSLOption } from "./sslproto.ts";
import { SSLObject } from "./stdlib/ssl.ts";
import { repr } from "./stdlib/_repr.ts";

import type { AnyFn } from "./events.ts";
import { _bound_method } from "./format_helpers.ts";
export type { AnyFn };

/** The `[reader, writer]` handles stored as a selector key's data. */
type KeyData = [Handle | null, Handle | null];

// Errors a non-blocking call raises when it would block: try again when ready.
function would_block(e: unknown): boolean {
  return e instanceof BlockingIOError || e instanceof InterruptedError;
}

/**
 * The key of `fd` in `selector`, or `undefined` if it is not registered: CPython's
 * `selector.get_map().get(fd)`. A number is looked up in the map (no KeyError to build and catch:
 * a new connection asks four times); an object goes through `get_key`, whose KeyError means "not
 * registered".
 */
function _selector_key<D>(selector: DefaultSelector, fd: FileObj): SelectorKey<D> | undefined {
  if (typeof fd === "number" && typeof selector.get_map === "function") {
    return selector.get_map().get(fd) as SelectorKey<D> | undefined;
  }
  try {
    return selector.get_key(fd) as SelectorKey<D>;
  } catch (e) {
    if (e instanceof KeyError) return undefined;
    throw e;
  }
}

/** Python's `_test_selector_event`: whether `selector` watches `fd` for `event`. */
export function _test_selector_event(selector: DefaultSelector, fd: FileObj, event: number): boolean {
  // (A loop without a real selector, as test loops are, or a closed one, answers false.)
  if (selector === null || selector === undefined || typeof selector.get_key !== "function") return false;
  const key = _selector_key(selector, fd);
  return key !== undefined && !!(key.events & event);
}

/** Python's `BaseSelectorEventLoop`. */
export class BaseSelectorEventLoop extends BaseEventLoop {
  /** @internal */
  override _selector: DefaultSelector;
  /** @internal Transports by socket number. */
  declare _transports: WeakValueDictionary<number, _SelectorTransport>;

  /** Creates the loop over `selector` (default: a new `DefaultSelector`). */
  constructor(selector: DefaultSelector | null = null) {
    super();
    this._selector = selector ?? new DefaultSelector();
    logger.debug("Using selector: %s", this._selector.constructor.name);
    _track_unclosed(this);
  }

  /** @internal */
  override _make_socket_transport(
    sock: socket,
    protocol: BaseProtocol,
    waiter: Future<null> | null = null,
    extra: Record<string, unknown> | null = null,
    server: Server | null = null,
  ): _SelectorSocketTransport {
    this._ensure_fd_no_transport(sock);
    return new _SelectorSocketTransport(this, sock, protocol, waiter, extra, server);
  }

  /** @internal */
  override _make_datagram_transport(
    sock: socket,
    protocol: BaseProtocol,
    address: Address | null = null,
    waiter: Future<null> | null = null,
    extra: Record<string, unknown> | null = null,
  ): _SelectorDatagramTransport {
    this._ensure_fd_no_transport(sock);
    return new _SelectorDatagramTransport(this, sock, protocol, address, waiter, extra);
  }

  /**
   * @internal A TLS transport. The TLS itself is the host's, under the socket, and its handshake
   * is done before this is called (`_ssl_handshake`, or the host's TLS listener), so this is the
   * socket transport with CPython's TLS extra information and without half-close (TLS has none).
   */
  override _make_ssl_transport(
    rawsock: socket,
    protocol: BaseProtocol,
    sslcontext: SSLOption | null,
    waiter: Future<null> | null = null,
    options: {
      server_side?: boolean;
      server_hostname?: string | null;
      extra?: Record<string, unknown> | null;
      server?: Server | null;
      ssl_handshake_timeout?: number | null;
      ssl_shutdown_timeout?: number | null;
      call_connection_made?: boolean;
    } = {},
  ): _SelectorSocketTransport {
    // (start_tls() makes the new transport while the old one still holds the socket, and hands
    // the socket over right after: only a new connection is checked, as CPython's are)
    if (options.call_connection_made !== false) this._ensure_fd_no_transport(rawsock);
    const info = rawsock._tls_info();
    if (info === null) {
      throw new AssertionError("the TLS handshake must be done before the transport is made");
    }
    rawsock._set_tls_shutdown_timeout(
      _ssl_timeouts(options.ssl_handshake_timeout, options.ssl_shutdown_timeout)[1],
    );
    const extra: Record<string, unknown> = {
      ...(options.extra ?? {}),
      sslcontext: sslcontext ?? {},
      ssl_object: new SSLObject(
        info,
        options.server_side ?? false,
        options.server_side ? null : options.server_hostname ?? null,
        sslcontext ?? {},
      ),
      peercert: info.peercert,
      cipher: info.cipher,
      compression: null,
      alpn_protocol: info.alpn_protocol,
    };
    return new _SelectorSslTransport(
      this,
      rawsock,
      protocol,
      waiter,
      extra,
      options.server ?? null,
      options.call_connection_made ?? true,
    );
  }

  /** Closes the loop and its selector (clearing any host timer it holds). */
  override close(): void {
    if (this.is_running()) throw new RuntimeError("Cannot close a running event loop");
    if (this.is_closed()) return;
    super.close();
    if (this._selector !== null) {
      this._selector.close();
      // As CPython: a closed loop has no selector (nothing reaches it once the loop is closed).
      (this as unknown as { _selector: DefaultSelector | null })._selector = null;
    }
    _untrack_unclosed(this);
  }

  /** @internal Wakes the loop if it waits on the host (CPython writes to its self-pipe). */
  override _write_to_self(): void {
    this._selector?.wakeup();
  }

  /** @internal Starts accepting connections on the listening `sock`. */
  override _start_serving(
    protocol_factory: () => BaseProtocol,
    sock: socket,
    sslcontext: SSLOption | null = null,
    server: Server | null = null,
    backlog = 100,
    ssl_handshake_timeout: number = constants.SSL_HANDSHAKE_TIMEOUT,
    ssl_shutdown_timeout: number = constants.SSL_SHUTDOWN_TIMEOUT,
  ): void {
    this._add_reader(
      sock.fileno(),
      this._accept_connection.bind(this),
      protocol_factory,
      sock,
      sslcontext,
      server,
      backlog,
      ssl_handshake_timeout,
      ssl_shutdown_timeout,
    );
  }

  /** @internal Accepts the pending connections (at most `backlog + 1` per readiness). */
  _accept_connection(
    protocol_factory: () => BaseProtocol,
    sock: socket,
    sslcontext: SSLOption | null = null,
    server: Server | null = null,
    backlog = 100,
    ssl_handshake_timeout: number = constants.SSL_HANDSHAKE_TIMEOUT,
    ssl_shutdown_timeout: number = constants.SSL_SHUTDOWN_TIMEOUT,
  ): void {
    for (let i = 0; i < backlog + 1; i++) {
      let conn: socket;
      let addr: Address;
      try {
        [conn, addr] = sock.accept();
        if (this._debug) {
          logger.debug(`${repr(server)} got a new connection from ${repr(addr)}: ${repr(conn)}`);
        }
        conn.setblocking(false);
      } catch (exc) {
        if (exc instanceof ConnectionAbortedError) continue;
        if (would_block(exc)) return;
        if (exc instanceof OSError) {
          if (
            exc.errno === errno.EMFILE || exc.errno === errno.ENFILE ||
            exc.errno === errno.ENOBUFS || exc.errno === errno.ENOMEM
          ) {
            this.call_exception_handler({
              message: "socket.accept() out of system resource",
              exception: exc,
              socket: new TransportSocket(sock),
            });
            this._remove_reader(sock.fileno());
            this.call_later(
              constants.ACCEPT_RETRY_DELAY,
              this._start_serving.bind(this),
              protocol_factory,
              sock,
              sslcontext,
              server,
              backlog,
              ssl_handshake_timeout,
              ssl_shutdown_timeout,
            );
            continue;
          }
        }
        throw exc;
      }
      const extra = { peername: addr };
      if (server !== null) (server._accepted_pending ??= new Set()).add(conn);
      const accept = this._accept_connection2(
        protocol_factory,
        conn,
        extra,
        sslcontext,
        server,
        ssl_handshake_timeout,
        ssl_shutdown_timeout,
      );
      this.create_task(accept);
    }
  }

  /** @internal Builds the transport of an accepted connection. */
  *_accept_connection2(
    protocol_factory: () => BaseProtocol,
    conn: socket,
    extra: Record<string, unknown>,
    sslcontext: SSLOption | null = null,
    server: Server | null = null,
    ssl_handshake_timeout: number = constants.SSL_HANDSHAKE_TIMEOUT,
    ssl_shutdown_timeout: number = constants.SSL_SHUTDOWN_TIMEOUT,
  ): Coroutine<void> {
    let protocol: BaseProtocol | null = null;
    let transport: { close(): void } | null = null;
    server?._accepted_pending?.delete(conn);
    try {
      if (sslcontext) {
        // The host's TLS goes under the socket first (the host's TLS listener did it already).
        try {
          const [timeout] = _ssl_timeouts(ssl_handshake_timeout, ssl_shutdown_timeout);
          yield* this._ssl_handshake(conn, sslcontext, true, null, timeout);
        } catch (e) {
          conn.close();
          throw e;
        }
      }
      protocol = protocol_factory();
      const waiter = this.create_future<null>();
      if (sslcontext) {
        transport = this._make_ssl_transport(conn, protocol, sslcontext, waiter, {
          server_side: true,
          extra,
          server,
          ssl_handshake_timeout,
          ssl_shutdown_timeout,
        }) as { close(): void };
      } else {
        transport = this._make_socket_transport(conn, protocol, waiter, extra, server);
      }
      try {
        yield* waiter;
      } catch (e) {
        transport.close();
        throw e;
      }
    } catch (exc) {
      // No transport owns the connection (the server was closed before this task ran, so
      // Server._attach refused it, or the protocol factory raised): CPython's reference counting
      // closes `conn` as the frame goes; here it is closed explicitly, or it would stay open.
      if (transport === null) conn.close();
      if (_is_exit(exc)) throw exc;
      if (this._debug) {
        const context: Record<string, unknown> = {
          message: "Error on transport creation for incoming connection",
          exception: exc,
        };
        if (protocol !== null) context.protocol = protocol;
        if (transport !== null) context.transport = transport;
        this.call_exception_handler(context as never);
      }
    }
  }

  /** @internal RuntimeError if a transport (not closing) owns `fd`. */
  _ensure_fd_no_transport(fd: FileObj): void {
    let fileno: number;
    if (typeof fd === "number") fileno = fd;
    else {
      try {
        fileno = fd.fileno();
      } catch {
        throw new ValueError(`Invalid file object: ${repr(fd)}`);
      }
    }
    const transport = this._transports.get(fileno);
    if (transport && !transport.is_closing()) {
      throw new RuntimeError(`File descriptor ${repr(fd)} is used by transport ${repr(transport)}`);
    }
  }

  /** @internal The key of `fd`, or undefined. */
  private _key_of(fd: FileObj): SelectorKey<KeyData> | undefined {
    return _selector_key<KeyData>(this._selector, fd);
  }

  /** @internal */
  _add_reader(fd: FileObj, callback: AnyFn, ...args: unknown[]): Handle {
    this._check_closed();
    const handle = new Handle(callback, args, this, null);
    const key = this._key_of(fd);
    if (key === undefined) {
      this._selector.register<KeyData>(fd, EVENT_READ, [handle, null]);
    } else {
      const [reader, writer] = key.data;
      this._selector.modify<KeyData>(fd, key.events | EVENT_READ, [handle, writer]);
      if (reader !== null) reader.cancel();
    }
    return handle;
  }

  /** @internal */
  _remove_reader(fd: FileObj): boolean {
    if (this.is_closed()) return false;
    const key = this._key_of(fd);
    if (key === undefined) return false;
    const [reader, writer] = key.data;
    const mask = key.events & ~EVENT_READ;
    if (!mask) this._selector.unregister(fd);
    else this._selector.modify<KeyData>(fd, mask, [null, writer]);
    if (reader !== null) {
      reader.cancel();
      return true;
    }
    return false;
  }

  /** @internal */
  _add_writer(fd: FileObj, callback: AnyFn, ...args: unknown[]): Handle {
    this._check_closed();
    const handle = new Handle(callback, args, this, null);
    const key = this._key_of(fd);
    if (key === undefined) {
      this._selector.register<KeyData>(fd, EVENT_WRITE, [null, handle]);
    } else {
      const [reader, writer] = key.data;
      this._selector.modify<KeyData>(fd, key.events | EVENT_WRITE, [reader, handle]);
      if (writer !== null) writer.cancel();
    }
    return handle;
  }

  /** @internal */
  _remove_writer(fd: FileObj): boolean {
    if (this.is_closed()) return false;
    const key = this._key_of(fd);
    if (key === undefined) return false;
    const [reader, writer] = key.data;
    const mask = key.events & ~EVENT_WRITE;
    if (!mask) this._selector.unregister(fd);
    else this._selector.modify<KeyData>(fd, mask, [reader, null]);
    if (writer !== null) {
      writer.cancel();
      return true;
    }
    return false;
  }

  /** Calls `callback(...args)` whenever `fd` (a socket, or its number) is readable. */
  override add_reader(fd: FileObj, callback: AnyFn, ...args: unknown[]): void {
    this._ensure_fd_no_transport(fd);
    this._add_reader(fd, callback, ...args);
  }

  /** Stops watching `fd` for reading; `true` if it was watched. */
  override remove_reader(fd: FileObj): boolean {
    this._ensure_fd_no_transport(fd);
    return this._remove_reader(fd);
  }

  /** Calls `callback(...args)` whenever `fd` is writable. */
  override add_writer(fd: FileObj, callback: AnyFn, ...args: unknown[]): void {
    this._ensure_fd_no_transport(fd);
    this._add_writer(fd, callback, ...args);
  }

  /** Stops watching `fd` for writing; `true` if it was watched. */
  override remove_writer(fd: FileObj): boolean {
    this._ensure_fd_no_transport(fd);
    return this._remove_writer(fd);
  }

  /** Receives up to `n` bytes from a non-blocking socket (`b''` at EOF). */
  override *sock_recv(sock: socket, n: number): Coroutine<Uint8Array> {
    _check_ssl_socket(sock);
    if (this._debug && sock.gettimeout() !== 0) throw new ValueError("the socket must be non-blocking");
    try {
      return sock.recv(n);
    } catch (e) {
      if (!would_block(e)) throw e;
    }
    const fut = this.create_future<Uint8Array>();
    const fd = sock.fileno();
    this._ensure_fd_no_transport(fd);
    const handle = this._add_reader(fd, this._sock_recv.bind(this), fut, sock, n);
    fut.add_done_callback(() => this._sock_read_done(fd, handle));
    return yield* fut;
  }

  /** @internal */
  _sock_read_done(fd: number, handle: Handle | null = null): void {
    if (handle === null || !handle.cancelled()) this.remove_reader(fd);
  }

  /** @internal */
  _sock_recv(fut: Future<Uint8Array>, sock: socket, n: number): void {
    if (fut.done()) return;
    let data: Uint8Array;
    try {
      data = sock.recv(n);
    } catch (exc) {
      if (would_block(exc)) return;
      if (_is_exit(exc)) throw exc;
      fut.set_exception(exc as Error);
      return;
    }
    fut.set_result(data);
  }

  /** Receives into `buf`; the number of bytes written (0 at EOF). */
  override *sock_recv_into(sock: socket, buf: Uint8Array): Coroutine<number> {
    _check_ssl_socket(sock);
    if (this._debug && sock.gettimeout() !== 0) throw new ValueError("the socket must be non-blocking");
    try {
      return sock.recv_into(buf);
    } catch (e) {
      if (!would_block(e)) throw e;
    }
    const fut = this.create_future<number>();
    const fd = sock.fileno();
    this._ensure_fd_no_transport(fd);
    const handle = this._add_reader(fd, this._sock_recv_into.bind(this), fut, sock, buf);
    fut.add_done_callback(() => this._sock_read_done(fd, handle));
    return yield* fut;
  }

  /** @internal */
  _sock_recv_into(fut: Future<number>, sock: socket, buf: Uint8Array): void {
    if (fut.done()) return;
    let nbytes: number;
    try {
      nbytes = sock.recv_into(buf);
    } catch (exc) {
      if (would_block(exc)) return;
      if (_is_exit(exc)) throw exc;
      fut.set_exception(exc as Error);
      return;
    }
    fut.set_result(nbytes);
  }

  /** Receives a datagram of at most `bufsize` bytes: `[data, address]`. */
  override *sock_recvfrom(sock: socket, bufsize: number): Coroutine<[Uint8Array, Address | null]> {
    _check_ssl_socket(sock);
    if (this._debug && sock.gettimeout() !== 0) throw new ValueError("the socket must be non-blocking");
    try {
      return sock.recvfrom(bufsize);
    } catch (e) {
      if (!would_block(e)) throw e;
    }
    const fut = this.create_future<[Uint8Array, Address | null]>();
    const fd = sock.fileno();
    this._ensure_fd_no_transport(fd);
    const handle = this._add_reader(fd, this._sock_recvfrom.bind(this), fut, sock, bufsize);
    fut.add_done_callback(() => this._sock_read_done(fd, handle));
    return yield* fut;
  }

  /** @internal */
  _sock_recvfrom(fut: Future<[Uint8Array, Address | null]>, sock: socket, bufsize: number): void {
    if (fut.done()) return;
    let result: [Uint8Array, Address | null];
    try {
      result = sock.recvfrom(bufsize);
    } catch (exc) {
      if (would_block(exc)) return;
      if (_is_exit(exc)) throw exc;
      fut.set_exception(exc as Error);
      return;
    }
    fut.set_result(result);
  }

  /** Receives a datagram into `buf` (at most `nbytes`, default its length): `[count, address]`. */
  override *sock_recvfrom_into(
    sock: socket,
    buf: Uint8Array,
    nbytes = 0,
  ): Coroutine<[number, Address | null]> {
    _check_ssl_socket(sock);
    if (this._debug && sock.gettimeout() !== 0) throw new ValueError("the socket must be non-blocking");
    if (!nbytes) nbytes = buf.length;
    try {
      return sock.recvfrom_into(buf, nbytes);
    } catch (e) {
      if (!would_block(e)) throw e;
    }
    const fut = this.create_future<[number, Address | null]>();
    const fd = sock.fileno();
    this._ensure_fd_no_transport(fd);
    const handle = this._add_reader(fd, this._sock_recvfrom_into.bind(this), fut, sock, buf, nbytes);
    fut.add_done_callback(() => this._sock_read_done(fd, handle));
    return yield* fut;
  }

  /** @internal */
  _sock_recvfrom_into(
    fut: Future<[number, Address | null]>,
    sock: socket,
    buf: Uint8Array,
    bufsize: number,
  ): void {
    if (fut.done()) return;
    let result: [number, Address | null];
    try {
      result = sock.recvfrom_into(buf, bufsize);
    } catch (exc) {
      if (would_block(exc)) return;
      if (_is_exit(exc)) throw exc;
      fut.set_exception(exc as Error);
      return;
    }
    fut.set_result(result);
  }

  /** Sends the datagram `data` to `address`; the number of bytes sent. */
  override *sock_sendto(sock: socket, data: Uint8Array, address: Address): Coroutine<number> {
    _check_ssl_socket(sock);
    if (this._debug && sock.gettimeout() !== 0) throw new ValueError("the socket must be non-blocking");
    try {
      return sock.sendto(data, address);
    } catch (e) {
      if (!would_block(e)) throw e;
    }
    const fut = this.create_future<number>();
    const fd = sock.fileno();
    this._ensure_fd_no_transport(fd);
    const handle = this._add_writer(fd, this._sock_sendto.bind(this), fut, sock, data, address);
    fut.add_done_callback(() => this._sock_write_done(fd, handle));
    return yield* fut;
  }

  /** @internal */
  _sock_sendto(fut: Future<number>, sock: socket, data: Uint8Array, address: Address): void {
    if (fut.done()) return;
    let n: number;
    try {
      n = sock.sendto(data, 0, address);
    } catch (exc) {
      if (would_block(exc)) return;
      if (_is_exit(exc)) throw exc;
      fut.set_exception(exc as Error);
      return;
    }
    fut.set_result(n);
  }

  /** Sends all of `data` on a non-blocking socket. */
  override *sock_sendall(sock: socket, data: Uint8Array): Coroutine<void> {
    _check_ssl_socket(sock);
    if (this._debug && sock.gettimeout() !== 0) throw new ValueError("the socket must be non-blocking");
    let n: number;
    try {
      n = sock.send(data);
    } catch (e) {
      if (!would_block(e)) throw e;
      n = 0;
    }
    if (n === data.length) return;
    const fut = this.create_future<null>();
    const fd = sock.fileno();
    this._ensure_fd_no_transport(fd);
    const handle = this._add_writer(fd, this._sock_sendall.bind(this), fut, sock, data, [n]);
    fut.add_done_callback(() => this._sock_write_done(fd, handle));
    yield* fut;
  }

  /** @internal */
  _sock_sendall(fut: Future<null>, sock: socket, view: Uint8Array, pos: [number]): void {
    if (fut.done()) return;
    let start = pos[0];
    let n: number;
    try {
      n = sock.send(view.subarray(start));
    } catch (exc) {
      if (would_block(exc)) return;
      if (_is_exit(exc)) throw exc;
      fut.set_exception(exc as Error);
      return;
    }
    start += n;
    if (start === view.length) fut.set_result(null);
    else pos[0] = start;
  }

  /** Connects a non-blocking socket to `address` (resolved first for IP sockets). */
  override *sock_connect(sock: socket, address: Address): Coroutine<void> {
    _check_ssl_socket(sock);
    if (this._debug && sock.gettimeout() !== 0) throw new ValueError("the socket must be non-blocking");
    if (sock.family === AF_INET || sock.family === AF_INET6) {
      const resolved = yield* this._ensure_resolved(address, {
        family: sock.family,
        type: sock.type,
        proto: sock.proto,
      });
      address = resolved[0][4];
    }
    const fut = this.create_future<null>();
    this._sock_connect(fut, sock, address);
    yield* fut;
  }

  /** @internal */
  _sock_connect(fut: Future<null>, sock: socket, address: Address): void {
    const fd = sock.fileno();
    try {
      sock.connect(address);
      // A blocking socket's connect() returns before the connection is made (it cannot block
      // here): wait for it as for a non-blocking one.
      if (sock._pending_connect()) throw new BlockingIOError(errno.EINPROGRESS, "Operation now in progress");
    } catch (exc) {
      if (would_block(exc)) {
        this._ensure_fd_no_transport(fd);
        const handle = this._add_writer(fd, this._sock_connect_cb.bind(this), fut, sock, address);
        fut.add_done_callback(() => this._sock_write_done(fd, handle));
        return;
      }
      if (_is_exit(exc)) throw exc;
      fut.set_exception(exc as Error);
      return;
    }
    fut.set_result(null);
  }

  /** @internal */
  _sock_write_done(fd: number, handle: Handle | null = null): void {
    if (handle === null || !handle.cancelled()) this.remove_writer(fd);
  }

  /** @internal */
  _sock_connect_cb(fut: Future<null>, sock: socket, address: Address): void {
    if (fut.done()) return;
    try {
      const err = sock.getsockopt(SOL_SOCKET, SO_ERROR);
      // A Unix socket's connect() fails at once in CPython (ENOENT, ECONNREFUSED), with the plain
      // message; the hosts connect one asynchronously, so its failure arrives here.
      if (err !== 0 && sock.family === AF_UNIX) throw new OSError(err, strerror(err));
      if (err !== 0) throw new OSError(err, `Connect call failed ${repr(address)}`);
    } catch (exc) {
      if (would_block(exc)) return;
      if (_is_exit(exc)) throw exc;
      fut.set_exception(exc as Error);
      return;
    }
    fut.set_result(null);
  }

  /**
   * @internal `start_tls()` on a socket transport: what the transport buffered is sent in plain
   * text, the host's TLS is put under the socket (`_ssl_handshake`), and a TLS transport over the
   * same socket is returned for `protocol`; the old transport is left inert (see `_hand_over`).
   */
  override *_start_tls_transport(
    transport: Transport,
    protocol: BaseProtocol,
    sslcontext: SSLOption,
    server_side: boolean,
    server_hostname: string | null,
    ssl_handshake_timeout: number,
    ssl_shutdown_timeout: number,
  ): Coroutine<Transport> {
    const t = transport as _SelectorSocketTransport;
    const sock = t._sock!;
    // Nothing more is read in plain text.
    t.pause_reading();
    try {
      yield* t._make_empty_waiter();
      t._reset_empty_waiter();
      yield* this._ssl_handshake(sock, sslcontext, server_side, server_hostname, ssl_handshake_timeout);
    } catch (e) {
      t._reset_empty_waiter();
      t.close();
      throw e;
    }
    const waiter = this.create_future<null>();
    const ssl_transport = this._make_ssl_transport(sock, protocol, sslcontext, waiter, {
      server_side,
      server_hostname,
      server: t._server,
      ssl_handshake_timeout,
      ssl_shutdown_timeout,
      call_connection_made: false,
    });
    t._hand_over(ssl_transport);
    try {
      yield* waiter;
    } catch (e) {
      ssl_transport.close();
      throw e;
    }
    return ssl_transport;
  }

  /**
   * @internal The transport's zero-copy path: its reading paused and its buffer empty, the
   * socket is handed to `sock_sendfile` with no fallback (which raises on these hosts, and the
   * caller falls back).
   */
  override *_sendfile_native(
    transp: Transport,
    file: SendfileFile,
    offset: number,
    count: number | null,
  ): Coroutine<number> {
    const t = transp as _SelectorSocketTransport;
    this._transports.delete(t._sock_fd);
    const resume_reading = t.is_reading();
    t.pause_reading();
    yield* t._make_empty_waiter();
    try {
      return yield* this.sock_sendfile(t._sock!, file, offset, count, { fallback: false });
    } finally {
      t._reset_empty_waiter();
      if (resume_reading) t.resume_reading();
      this._transports.set(t._sock_fd, t);
    }
  }

  /** Accepts a connection on a listening socket: `[socket, address]`. */
  override *sock_accept(sock: socket): Coroutine<[socket, Address]> {
    _check_ssl_socket(sock);
    if (this._debug && sock.gettimeout() !== 0) throw new ValueError("the socket must be non-blocking");
    const fut = this.create_future<[socket, Address]>();
    this._sock_accept(fut, sock);
    return yield* fut;
  }

  /** @internal */
  _sock_accept(fut: Future<[socket, Address]>, sock: socket): void {
    const fd = sock.fileno();
    let conn: socket;
    let address: Address;
    try {
      [conn, address] = sock.accept();
      conn.setblocking(false);
    } catch (exc) {
      if (would_block(exc)) {
        this._ensure_fd_no_transport(fd);
        const handle = this._add_reader(fd, this._sock_accept.bind(this), fut, sock);
        fut.add_done_callback(() => this._sock_read_done(fd, handle));
        return;
      }
      if (_is_exit(exc)) throw exc;
      fut.set_exception(exc as Error);
      return;
    }
    fut.set_result([conn, address]);
  }

  /** @internal Dispatches `[key, events]` pairs to the reader/writer callbacks. */
  override _process_events(event_list: unknown[]): void {
    for (const [key, mask] of event_list as [SelectorKey<KeyData>, number][]) {
      const [reader, writer] = key.data;
      if (mask & EVENT_READ && reader !== null) {
        if (reader._cancelled) this._remove_reader(key.fileobj);
        else this._add_callback(reader);
      }
      if (mask & EVENT_WRITE && writer !== null) {
        if (writer._cancelled) this._remove_writer(key.fileobj);
        else this._add_callback(writer);
      }
    }
  }

  /** @internal */
  override _stop_serving(sock: socket): void {
    this._remove_reader(sock.fileno());
    sock.close();
  }
}
_trackable_method(BaseSelectorEventLoop.prototype, "sock_sendall", "BaseSelectorEventLoop.sock_sendall");
_trackable_method(BaseSelectorEventLoop.prototype, "sock_connect", "BaseSelectorEventLoop.sock_connect");

/** The protocol shapes a socket transport drives. */
type AnyProtocol = BaseProtocol & Partial<Protocol> & Partial<BufferedProtocol>;

/**
 * What a selector transport leaves when it is collected unclosed (CPython's `__del__`): its repr
 * then (a transport the selector polls for is not collectable, so it reads and writes nothing and
 * has nothing buffered), and the release: the socket closed, the server told.
 */
function _socket_leftover(
  name: string,
  fd: number,
  sock: socket,
  loop: BaseSelectorEventLoop,
  server: Server | null,
): _Leftover {
  const loop_ref = new WeakRef(loop);
  return {
    describe() {
      const l = loop_ref.deref();
      return l !== undefined && !l.is_closed()
        ? `<${name} fd=${fd} read=idle write=<idle, bufsize=0>>`
        : `<${name} fd=${fd}>`;
    },
    release() {
      sock.close();
      if (server !== null) server._detach_collected();
    },
  };
}

/** Python's `_SelectorTransport`. */
export class _SelectorTransport extends _FlowControlMixin {
  /** Bytes asked of `recv()` at a time. */
  max_size = 256 * 1024;
  /** @internal */
  _sock: socket | null = null;
  /** @internal */
  _sock_fd: number;
  /** @internal */
  override _protocol: AnyProtocol | null = null;
  /** @internal */
  _protocol_connected = false;
  /** @internal */
  _server: Server | null;
  /** @internal */
  _buffer: Uint8Array[] = [];
  /** @internal Bytes in `_buffer`. */
  _buffer_size = 0;
  /** @internal Set once connection_lost is scheduled (then counts writes after it). */
  _conn_lost = 0;
  /** @internal */
  _closing = false;
  /** @internal */
  _paused = false;
  /** @internal */
  declare _loop: BaseSelectorEventLoop | null;

  /** Wraps `sock` for `protocol` on `loop`. */
  constructor(
    loop: BaseSelectorEventLoop,
    sock: socket,
    protocol: BaseProtocol,
    extra: Record<string, unknown> | null = null,
    server: Server | null = null,
  ) {
    super(extra, loop);
    this._extra.socket = new TransportSocket(sock);
    try {
      this._extra.sockname = sock.getsockname();
    } catch (e) {
      if (!(e instanceof OSError)) throw e;
      this._extra.sockname = null;
    }
    if (!("peername" in this._extra)) {
      try {
        this._extra.peername = sock.getpeername();
      } catch (e) {
        if (!(e instanceof OSError)) throw e;
        this._extra.peername = null;
      }
    }
    this._sock = sock;
    this._sock_fd = sock.fileno();
    this.set_protocol(protocol);
    this._server = server;
    if (this._server !== null) this._server._attach(this);
    loop._transports.set(this._sock_fd, this);
    _track_transport(this, _socket_leftover(this.constructor.name, this._sock_fd, sock, loop, server));
  }

  /** Python's repr. */
  __repr__(): string {
    const info = [this.constructor.name];
    if (this._sock === null) info.push("closed");
    else if (this._closing) info.push("closing");
    info.push(`fd=${this._sock_fd}`);
    if (this._loop !== null && !this._loop.is_closed()) {
      const sel = this._loop._selector;
      info.push(_test_selector_event(sel, this._sock_fd, EVENT_READ) ? "read=polling" : "read=idle");
      const state = _test_selector_event(sel, this._sock_fd, EVENT_WRITE) ? "polling" : "idle";
      info.push(`write=<${state}, bufsize=${this.get_write_buffer_size()}>`);
    }
    return `<${info.join(" ")}>`;
  }

  /** Python's repr. */
  override toString(): string {
    return this.__repr__();
  }

  /** Closes now: buffered data is dropped; `connection_lost(null)` follows. */
  override abort(): void {
    this._force_close(null);
  }

  /** Sets the protocol. */
  override set_protocol(protocol: BaseProtocol): void {
    this._protocol = protocol as AnyProtocol;
    this._protocol_connected = true;
  }

  /** The protocol. */
  override get_protocol(): BaseProtocol {
    return this._protocol!;
  }

  /** Whether `close()` was called (or the connection is lost). */
  override is_closing(): boolean {
    return this._closing;
  }

  /** Whether data is delivered to the protocol. */
  override is_reading(): boolean {
    return !this.is_closing() && !this._paused;
  }

  /** Stops delivering data until `resume_reading()`. */
  override pause_reading(): void {
    if (!this.is_reading()) return;
    this._paused = true;
    this._loop!._remove_reader(this._sock_fd);
    if (this._loop!.get_debug()) logger.debug(`${this.__repr__()} pauses reading`);
  }

  /** Delivers data again. */
  override resume_reading(): void {
    if (this._closing || !this._paused) return;
    this._paused = false;
    this._add_reader(this._sock_fd, this._read_ready);
    if (this._loop!.get_debug()) logger.debug(`${this.__repr__()} resumes reading`);
  }

  /** Closes once the buffered data is sent; `connection_lost(null)` follows. */
  override close(): void {
    if (this._closing) return;
    this._closing = true;
    this._loop!._remove_reader(this._sock_fd);
    if (this._buffer_size === 0) {
      this._conn_lost += 1;
      this._loop!._remove_writer(this._sock_fd);
      this._loop!.call_soon(_bound_method(this, "_call_connection_lost"), null);
    }
  }

  /** @internal */
  _fatal_error(exc: unknown, message = "Fatal error on transport"): void {
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
    this._force_close(exc as Error);
  }

  /** @internal */
  _force_close(exc: Error | null): void {
    if (this._conn_lost) return;
    if (this._buffer_size) {
      this._buffer = [];
      this._buffer_size = 0;
      this._loop!._remove_writer(this._sock_fd);
    }
    if (!this._closing) {
      this._closing = true;
      this._loop!._remove_reader(this._sock_fd);
    }
    this._conn_lost += 1;
    this._loop!.call_soon(_bound_method(this, "_call_connection_lost"), exc);
  }

  /** @internal */
  _call_connection_lost(exc: Error | null): void {
    try {
      if (this._protocol_connected) this._protocol!.connection_lost(exc);
    } finally {
      this._loop!._transports.delete(this._sock_fd);
      this._sock!.close();
      this._sock = null;
      _untrack_transport(this);
      this._protocol = null;
      this._loop = null;
      const server = this._server;
      if (server !== null) {
        server._detach(this);
        this._server = null;
      }
    }
  }

  /** Bytes buffered and not yet handed to the socket (kept as a count, not summed as CPython does). */
  override get_write_buffer_size(): number {
    return this._buffer_size;
  }

  /** @internal */
  _add_reader(fd: number, callback: AnyFn, ...args: unknown[]): void {
    if (!this.is_reading()) return;
    this._loop!._add_reader(fd, callback, ...args);
  }

  /** @internal Data is readable (overridden). */
  _read_ready(): void {}
}

/** Python's `_SelectorSocketTransport`: a stream transport over a connected socket. */
export class _SelectorSocketTransport extends _SelectorTransport {
  /** @internal */
  _start_tls_compatible = true;
  /** @internal */
  _sendfile_compatible: constants._SendfileMode = constants._SendfileMode.TRY_NATIVE;
  /** @internal Set by set_protocol(), which the base constructor calls. */
  declare _read_ready_cb: (() => void) | null;
  /** @internal */
  _eof = false;
  /** @internal */
  _empty_waiter: Future<null> | null = null;
  /** @internal */
  _write_ready: (() => void) | null;

  /**
   * @internal The transport `start_tls()` made over this one's socket: this one is then inert
   * (reading stopped), and closing or aborting it closes or aborts that one, as closing the
   * transport under CPython's TLS layer does.
   */
  _tls_successor: _SelectorSocketTransport | null = null;

  /**
   * Wraps `sock`; `connection_made` (unless `call_connection_made` is false, as for the
   * transport `start_tls()` returns) and `waiter` follow on the next iterations.
   */
  constructor(
    loop: BaseSelectorEventLoop,
    sock: socket,
    protocol: BaseProtocol,
    waiter: Future<null> | null = null,
    extra: Record<string, unknown> | null = null,
    server: Server | null = null,
    call_connection_made = true,
  ) {
    super(loop, sock, protocol, extra, server);
    this._read_ready = this._read_ready.bind(this);
    this._write_ready = this._write_send.bind(this);
    _set_nodelay(sock);
    if (call_connection_made) loop.call_soon(_bound_method(this._protocol!, "connection_made"), this);
    loop.call_soon(this._add_reader.bind(this), this._sock_fd, this._read_ready);
    if (waiter !== null) loop.call_soon(_set_result_unless_cancelled, waiter, null);
  }

  /** Sets the protocol (a `BufferedProtocol` is read into its own buffers). */
  override set_protocol(protocol: BaseProtocol): void {
    if (protocol instanceof BufferedProtocol) this._read_ready_cb = this._read_ready__get_buffer;
    else this._read_ready_cb = this._read_ready__data_received;
    super.set_protocol(protocol);
  }

  /** @internal */
  override _read_ready(): void {
    this._read_ready_cb!.call(this);
  }

  /** @internal */
  _read_ready__get_buffer(): void {
    if (this._conn_lost) return;
    let buf: Uint8Array;
    try {
      const b = this._protocol!.get_buffer!(-1);
      if (b === null) throw new TypeError("object of type 'NoneType' has no len()");
      buf = b;
      if (!buf.length) throw new RuntimeError("get_buffer() returned an empty buffer");
    } catch (exc) {
      if (_is_exit(exc)) throw exc;
      this._fatal_error(exc, "Fatal error: protocol.get_buffer() call failed.");
      return;
    }
    let nbytes: number;
    try {
      nbytes = this._sock!.recv_into(buf);
    } catch (exc) {
      if (would_block(exc)) return;
      if (_is_exit(exc)) throw exc;
      this._fatal_error(exc, "Fatal read error on socket transport");
      return;
    }
    if (!nbytes) {
      this._read_ready__on_eof();
      return;
    }
    try {
      this._protocol!.buffer_updated!(nbytes);
    } catch (exc) {
      if (_is_exit(exc)) throw exc;
      this._fatal_error(exc, "Fatal error: protocol.buffer_updated() call failed.");
    }
  }

  /** @internal */
  _read_ready__data_received(): void {
    if (this._conn_lost) return;
    let data: Uint8Array | null;
    try {
      data = this._sock!._recv_nb(this.max_size);
    } catch (exc) {
      if (would_block(exc)) return;
      if (_is_exit(exc)) throw exc;
      this._fatal_error(exc, "Fatal read error on socket transport");
      return;
    }
    if (data === null) return; // would block
    if (!data.length) {
      this._read_ready__on_eof();
      return;
    }
    _owned_chunk.data = data;
    try {
      this._protocol!.data_received!(data);
    } catch (exc) {
      if (_is_exit(exc)) throw exc;
      this._fatal_error(exc, "Fatal error: protocol.data_received() call failed.");
    } finally {
      _owned_chunk.data = null;
    }
  }

  /** @internal */
  _read_ready__on_eof(): void {
    if (this._loop!.get_debug()) logger.debug(`${this.__repr__()} received EOF`);
    let keep_open: unknown;
    try {
      keep_open = this._protocol!.eof_received!();
    } catch (exc) {
      if (_is_exit(exc)) throw exc;
      this._fatal_error(exc, "Fatal error: protocol.eof_received() call failed.");
      return;
    }
    if (keep_open) this._loop!._remove_reader(this._sock_fd);
    else this.close();
  }

  /**
   * Writes `data`: sent now if it can be (copied by the socket), else kept as it is until it can be
   * (the array must not change until then), the protocol paused past the high-water mark.
   */
  override write(data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(
        `data argument must be a bytes, bytearray, or memoryview object, not ${repr(type_name(data))}`,
      );
    }
    if (this._eof) throw new RuntimeError("Cannot call write() after write_eof()");
    if (this._empty_waiter !== null) throw new RuntimeError("unable to write; sendfile is in progress");
    if (this._tls_successor !== null) throw _handed_over_error();
    if (!data.length) return;
    if (this._conn_lost) {
      if (this._conn_lost >= constants.LOG_THRESHOLD_FOR_CONNLOST_WRITES) {
        logger.warning("socket.send() raised exception.");
      }
      this._conn_lost += 1;
      return;
    }
    if (this._buffer_size === 0) {
      // Try to send now.
      let n = 0;
      try {
        n = this._sock!._send_nb(data, false);
      } catch (exc) {
        if (!would_block(exc)) {
          if (_is_exit(exc)) throw exc;
          this._fatal_error(exc, "Fatal write error on socket transport");
          return;
        }
      }
      if (n === data.length) return;
      data = data.subarray(n);
      this._loop!._add_writer(this._sock_fd, this._write_ready!);
    }
    this._buffer.push(data);
    this._buffer_size += data.length;
    this._maybe_pause_protocol();
  }

  /**
   * @internal Sends buffered chunks until the socket would block: CPython's `_write_send` loop
   * body, repeated as `_write_sendmsg` does in one call (see the module doc).
   */
  _write_send(): void {
    if (!this._buffer_size) throw new AssertionError("Data should not be empty");
    if (this._conn_lost) return;
    try {
      while (this._buffer.length) {
        const buffer = this._buffer[0];
        // Handed over without a copy: a buffered array is not to be changed until drained.
        const n = this._sock!._send_nb(buffer, true);
        this._buffer_size -= n;
        if (n !== buffer.length) {
          this._buffer[0] = buffer.subarray(n);
          break;
        }
        this._buffer.shift();
      }
    } catch (exc) {
      if (!would_block(exc)) {
        if (_is_exit(exc)) throw exc;
        this._loop!._remove_writer(this._sock_fd);
        this._buffer = [];
        this._buffer_size = 0;
        this._fatal_error(exc, "Fatal write error on socket transport");
        if (this._empty_waiter !== null) this._empty_waiter.set_exception(exc as Error);
        return;
      }
    }
    this._maybe_resume_protocol(); // May append to the buffer.
    if (!this._buffer_size) {
      this._loop!._remove_writer(this._sock_fd);
      if (this._empty_waiter !== null) this._empty_waiter.set_result(null);
      if (this._closing) this._call_connection_lost(null);
      else if (this._eof) this._sock!.shutdown(SHUT_WR);
    }
  }

  /** Sends EOF once the buffered data is sent. */
  override write_eof(): void {
    if (this._closing || this._eof) return;
    this._eof = true;
    if (!this._buffer_size) this._sock!.shutdown(SHUT_WR);
  }

  /** Writes every buffer of `list_of_data`. */
  override writelines(list_of_data: Iterable<Uint8Array>): void {
    if (this._eof) throw new RuntimeError("Cannot call writelines() after write_eof()");
    if (this._empty_waiter !== null) throw new RuntimeError("unable to writelines; sendfile is in progress");
    const list = [...list_of_data];
    if (!list.length) return;
    if (this._conn_lost) {
      if (this._conn_lost >= constants.LOG_THRESHOLD_FOR_CONNLOST_WRITES) {
        logger.warning("socket.send() raised exception.");
      }
      this._conn_lost += 1;
      return;
    }
    // CPython takes a memoryview of each before it buffers any.
    for (const data of list) {
      if (!(data instanceof Uint8Array)) {
        throw new TypeError(`memoryview: a bytes-like object is required, not ${repr(type_name(data))}`);
      }
    }
    for (const data of list) {
      if (data.length) {
        this._buffer.push(data);
        this._buffer_size += data.length;
      }
    }
    if (!this._buffer_size) return;
    this._write_ready!();
    if (this._buffer_size) {
      this._loop!._add_writer(this._sock_fd, this._write_ready!);
      this._maybe_pause_protocol();
    }
  }

  /** True: TCP and Unix sockets can send EOF. */
  override can_write_eof(): boolean {
    return true;
  }

  /** @internal */
  override _call_connection_lost(exc: Error | null): void {
    try {
      super._call_connection_lost(exc);
    } finally {
      this._write_ready = null;
      if (this._empty_waiter !== null) {
        this._empty_waiter.set_exception(new ConnectionError("Connection is closed by peer"));
      }
    }
  }

  /** @internal A Future done once the write buffer is empty (sendfile). */
  _make_empty_waiter(): Future<null> {
    if (this._empty_waiter !== null) throw new RuntimeError("Empty waiter is already set");
    this._empty_waiter = this._loop!.create_future<null>();
    if (!this._buffer_size) this._empty_waiter.set_result(null);
    return this._empty_waiter;
  }

  /** @internal */
  _reset_empty_waiter(): void {
    this._empty_waiter = null;
  }

  /** Closes once the buffered data is sent. */
  override close(): void {
    if (this._tls_successor !== null) return this._tls_successor.close();
    this._read_ready_cb = null;
    super.close();
  }

  /** Closes now, dropping buffered data. */
  override abort(): void {
    if (this._tls_successor !== null) return this._tls_successor.abort();
    super.abort();
  }

  /** Whether `close()` was called (or the connection is lost). */
  override is_closing(): boolean {
    return this._tls_successor !== null ? this._tls_successor.is_closing() : this._closing;
  }

  /** @internal start_tls(): `successor` now owns the socket; this transport stops for good. */
  _hand_over(successor: _SelectorSocketTransport): void {
    this._tls_successor = successor;
    // The socket is the successor's now: collecting this transport must not close it.
    _untrack_transport(this);
    this._closing = true;
    this._paused = true;
    this._read_ready_cb = null;
    if (this._server !== null) {
      this._server._detach(this);
      this._server = null;
    }
  }
}

function _handed_over_error(): RuntimeError {
  return new RuntimeError("this transport was upgraded by start_tls(): use the transport it returned");
}

/**
 * Python's `_SelectorDatagramTransport`: a UDP socket for a `DatagramProtocol`. `sendto()` sends at
 * once when nothing is buffered, else queues the datagram (counting 8 bytes of header each, as
 * CPython does) and flow control pauses the protocol past the high-water mark.
 */
export class _SelectorDatagramTransport extends _SelectorTransport {
  /** @internal The peer of a connected endpoint (`remote_addr`), or `null`. */
  _address: Address | null;
  /**
   * @internal Datagrams waiting to be sent, with their destination: CPython's `_buffer` of this
   * class, renamed because `_buffer` is the stream transports' byte chunks in the base class.
   */
  _dbuffer: [Uint8Array, Address | null][] = [];
  /** @internal */
  _header_size = 8;
  /** @internal Marks a datagram transport (see `DatagramTransport[Symbol.hasInstance]`). */
  readonly _datagram = true;

  /** Wraps `sock`; `connection_made`, then reading, then `waiter` follow on the next iterations. */
  constructor(
    loop: BaseSelectorEventLoop,
    sock: socket,
    protocol: BaseProtocol,
    address: Address | null = null,
    waiter: Future<null> | null = null,
    extra: Record<string, unknown> | null = null,
  ) {
    super(loop, sock, protocol, extra);
    this._address = address;
    this._buffer_size = 0;
    this._read_ready = this._read_ready.bind(this);
    this._sendto_ready = this._sendto_ready.bind(this);
    loop.call_soon(_bound_method(this._protocol!, "connection_made"), this);
    // Reading starts once connection_made() has run.
    loop.call_soon(this._add_reader.bind(this), this._sock_fd, this._read_ready);
    // The waiter too.
    if (waiter !== null) loop.call_soon(_set_result_unless_cancelled, waiter, null);
  }

  /** Bytes queued (with 8 bytes of header each). */
  override get_write_buffer_size(): number {
    return this._buffer_size;
  }

  /** @internal */
  override _read_ready(): void {
    if (this._conn_lost) return;
    let data: Uint8Array;
    let addr: Address | null;
    try {
      [data, addr] = this._sock!.recvfrom(this.max_size);
    } catch (exc) {
      if (would_block(exc)) return;
      if (exc instanceof OSError) {
        (this._protocol as unknown as DatagramProtocol).error_received(exc);
        return;
      }
      if (_is_exit(exc)) throw exc;
      this._fatal_error(exc, "Fatal read error on datagram transport");
      return;
    }
    (this._protocol as unknown as DatagramProtocol).datagram_received(data, addr);
  }

  /** Sends `data` to `addr` (or to the connected peer: `addr` must then be omitted or equal to it). */
  sendto(data: Uint8Array, addr: Address | null = null): void {
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(`data argument must be a bytes-like object, not ${repr(type_name(data))}`);
    }
    if (this._address) {
      if (addr !== null && addr !== undefined && !_same_address(addr, this._address)) {
        throw new ValueError(`Invalid address: must be None or ${repr(this._address)}`);
      }
      addr = this._address;
    }
    if (this._conn_lost && this._address) {
      if (this._conn_lost >= constants.LOG_THRESHOLD_FOR_CONNLOST_WRITES) {
        logger.warning("socket.send() raised exception.");
      }
      this._conn_lost += 1;
      return;
    }
    if (this._dbuffer.length === 0) {
      // Try to send it now.
      try {
        if (this._extra.peername) this._sock!.send(data);
        else this._sock!.sendto(data, addr as Address);
        return;
      } catch (exc) {
        if (would_block(exc)) {
          this._loop!._add_writer(this._sock_fd, this._sendto_ready);
        } else if (exc instanceof OSError) {
          (this._protocol as unknown as DatagramProtocol).error_received(exc);
          return;
        } else {
          if (_is_exit(exc)) throw exc;
          this._fatal_error(exc, "Fatal write error on datagram transport");
          return;
        }
      }
    }
    // Keep a copy: the caller may reuse its array.
    this._dbuffer.push([data.slice(), addr]);
    this._buffer_size += data.length + this._header_size;
    this._maybe_pause_protocol();
  }

  /** @internal */
  _sendto_ready(): void {
    while (this._dbuffer.length) {
      const [data, addr] = this._dbuffer.shift()!;
      this._buffer_size -= data.length + this._header_size;
      try {
        if (this._extra.peername) this._sock!.send(data);
        else this._sock!.sendto(data, addr as Address);
      } catch (exc) {
        if (would_block(exc)) {
          // Again later.
          this._dbuffer.unshift([data, addr]);
          this._buffer_size += data.length + this._header_size;
          break;
        }
        if (exc instanceof OSError) {
          (this._protocol as unknown as DatagramProtocol).error_received(exc);
          return;
        }
        if (_is_exit(exc)) throw exc;
        this._fatal_error(exc, "Fatal write error on datagram transport");
        return;
      }
    }
    this._maybe_resume_protocol(); // it may queue more
    if (!this._dbuffer.length) {
      this._loop!._remove_writer(this._sock_fd);
      if (this._closing) this._call_connection_lost(null);
    }
  }

  /** @internal Drops what is queued too. */
  override _force_close(exc: Error | null): void {
    if (!this._conn_lost) this._dbuffer = [];
    super._force_close(exc);
  }
}

/** Python's `==` on two addresses (tuples compare by value). */
function _same_address(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

export type { Selectable };

/**
 * The transport of a TLS connection (the host's TLS under the socket): as CPython's TLS transport,
 * it cannot half-close.
 */
export class _SelectorSslTransport extends _SelectorSocketTransport {
  /** @internal */
  override _start_tls_compatible = false;
  /** @internal A file is sent through the TLS layer: read and written. */
  override _sendfile_compatible: constants._SendfileMode = constants._SendfileMode.FALLBACK;

  /** False: TLS has no half-close. */
  override can_write_eof(): boolean {
    return false;
  }

  /** TLS has no half-close. */
  override write_eof(): void {
    throw new NotImplementedError("SSL doesn't support half-closes");
  }
}
