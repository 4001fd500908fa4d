/**
 * Python's `socket` module, as far as asyncio needs it: non-blocking stream sockets (TCP over
 * IPv4/IPv6, Unix) emulated over the host's completion-based I/O (`_host.ts`), and datagram
 * (UDP) sockets over `node:dgram` (`_dgram.ts`).
 *
 * A {@linkcode socket} behaves as a kernel socket in non-blocking mode: the host's reads are
 * pushed into a receive buffer (reading from the host stops while it holds `SO_RCVBUF` bytes,
 * default {@linkcode RCVBUF}, and resumes as `recv()` drains it), and `send()` accepts what fits
 * in a bounded send buffer (`SO_SNDBUF` bytes handed to the host and not yet written, default
 * {@linkcode SNDBUF}; as on Linux, `setsockopt` doubles the size asked for). `recv()` with nothing
 * buffered, `send()` with a full buffer, `accept()` with no pending connection raise
 * `BlockingIOError`; `connect()` raises it with `EINPROGRESS` and the socket becomes writable when
 * the connection is made or has failed (`getsockopt(SOL_SOCKET, SO_ERROR)` tells which). A
 * selector (`selectors.ts`) watches that readiness.
 *
 * Differences a user may meet, because the hosts cannot do otherwise:
 * - `bind()` also starts listening at the kernel level (the hosts bind and listen in one call);
 *   connections that arrive before `listen()` wait to be accepted. A TCP socket bound and then
 *   connected (a local address for an outgoing connection, as `create_connection(local_addr=)`
 *   does) gives that address back and connects from it; a connection that arrived in between
 *   is reset.
 * - Blocking mode does not exist: `setblocking(true)` and `settimeout()` are recorded (and
 *   reported by `gettimeout()`), but operations never block. A blocking socket's `connect()`
 *   returns at once (it does not raise `EINPROGRESS`) and connects in the background.
 * - `close()` with data still being written lets the host finish writing it before the host
 *   connection is closed (as a kernel does), then releases it.
 * - Deno cannot set `IPV6_V6ONLY`: an IPv6 wildcard socket asking for it on a port where this
 *   process already listens on the IPv4 wildcard fails with `EADDRNOTAVAIL` (so `create_server()`
 *   with no host serves that port on IPv4 only there; Node sets the option).
 * - Socket options other than `TCP_NODELAY`, `SO_ERROR`, `SO_SNDBUF`, `SO_RCVBUF` and (UDP)
 *   `SO_BROADCAST`/`SO_REUSEADDR` are recorded and read back only.
 * - A connection starts reading from the host once a selector watches it for reading or `recv()`
 *   is called, so that the host's TLS can still be put under one nobody has read from
 *   (`_start_tls`, used by the loop's TLS support).
 * - Unix datagram sockets are not emulated (`node:dgram` has none).
 *
 * @module
 */

import {
  BlockingIOError,
  ConnectionAbortedError,
  ConnectionResetError,
  errno,
  NotImplementedError,
  OSError,
  OverflowError,
  type_name,
  TypeError,
  ValueError,
} from "./builtins.ts";
import {
  address_release,
  getenv,
  type HostAddr,
  HostError,
  type HostListener,
  type HostStream,
  lookup,
  lookup_name,
  read_text_file,
  tcp_connect,
  tcp_listen,
  type TlsInfo,
  type TlsServerOptions,
  type TlsSide,
  unix_connect,
  unix_listen,
  unlink,
  V6ONLY_SUPPORTED,
} from "./_host.ts";
import { _alloc_fd, _fd_table, type DefaultSelector, EVENT_READ, EVENT_WRITE } from "./selectors.ts";
import { S_IFSOCK } from "./os.ts";
import { _set_module, repr, tuple } from "./_repr.ts";
import { ChunkQueue } from "./_bytes.ts";
import { _ssl_error } from "./ssl.ts";
import { type HostDatagram, udp_bind } from "./_dgram.ts";

/** Address family: Unix sockets. */
export const AF_UNIX = 1;
/** Address family: IPv4. */
export const AF_INET = 2;
/** Address family: IPv6. */
export const AF_INET6 = 10;
/** Unspecified address family. */
export const AF_UNSPEC = 0;
/** Socket type: stream. */
export const SOCK_STREAM = 1;
/** Socket type: datagram (UDP, on the host's `node:dgram`). */
export const SOCK_DGRAM = 2;
/** Socket type: raw (named in `getaddrinfo()` results; the emulation cannot make raw sockets). */
export const SOCK_RAW = 3;
/** Socket type flag: non-blocking from the start (Linux; `socket.type` does not keep it). */
export const SOCK_NONBLOCK = 0o4000;
/** Socket type flag: close on exec (Linux; recorded nowhere: there is no exec here). */
export const SOCK_CLOEXEC = 0o2000000;
/** Protocol number of TCP. */
export const IPPROTO_TCP = 6;
/** Protocol number of UDP. */
export const IPPROTO_UDP = 17;
/** Option level of IPv6 options. */
export const IPPROTO_IPV6 = 41;
/** Option level of socket options. */
export const SOL_SOCKET = 1;
/** Socket option: the pending error (read and cleared). */
export const SO_ERROR = 4;
/** Socket option: reuse a local address. */
export const SO_REUSEADDR = 2;
/** Socket option: allow sending to broadcast addresses. */
export const SO_BROADCAST = 6;
/** Socket option: keep-alive probes. */
export const SO_KEEPALIVE = 9;
/** Socket option: several sockets bound to one port. */
export const SO_REUSEPORT = 15;
/** Socket option: the send buffer size. */
export const SO_SNDBUF = 7;
/** Socket option: the receive buffer size. */
export const SO_RCVBUF = 8;
/** TCP option: disable Nagle's algorithm. */
export const TCP_NODELAY = 1;
/** IPv6 option: IPv6 only. */
export const IPV6_V6ONLY = 26;
/** `shutdown()`: no more receptions. */
export const SHUT_RD = 0;
/** `shutdown()`: no more transmissions (send EOF). */
export const SHUT_WR = 1;
/** `shutdown()`: both. */
export const SHUT_RDWR = 2;
/** The kernel's limit on a listen backlog. */
export const SOMAXCONN = 4096;
/** `getaddrinfo()` flag: for `bind()`. */
export const AI_PASSIVE = 1;
/** `getaddrinfo()` flag: numeric host only. */
export const AI_NUMERICHOST = 4;
/** `getnameinfo()` flag: the numeric host, no lookup. */
export const NI_NUMERICHOST = 1;
/** `getnameinfo()` flag: the numeric port, no service name. */
export const NI_NUMERICSERV = 2;
/** `getnameinfo()` flag: the short host name (the hosts' lookups give it as they have it). */
export const NI_NOFQDN = 4;
/** `getnameinfo()` flag: an error when the host has no name. */
export const NI_NAMEREQD = 8;
/** `getnameinfo()` flag: the service name of a UDP port. */
export const NI_DGRAM = 16;
/** `getaddrinfo()` error: the name is unknown. */
export const EAI_NONAME = -2;
/** `getaddrinfo()` error: the service (port) is not supported for the socket type. */
export const EAI_SERVICE = -8;
/** `getaddrinfo()` error: the socket type does not go with the protocol. */
export const EAI_SOCKTYPE = -7;

// Ports on which a socket of this process listens on the IPv4 wildcard address.
const _wildcard4_ports = new Set<number>();

/** Bytes the receive buffer holds before the socket stops reading from the host. */
export const RCVBUF = 256 * 1024;
/** Bytes `send()` accepts beyond what the host has written. */
export const SNDBUF = 256 * 1024;

/** An IPv4 address `[host, port]`, an IPv6 one `[host, port, flowinfo, scope_id]`, or a Unix path. */
export type Address = [string, number] | [string, number, number, number] | string;

/** Python's `socket.gaierror`: `getaddrinfo()` failed. */
export class gaierror extends OSError {}
/** Python's `socket.herror`. */
export class herror extends OSError {}
/** Python's `socket.timeout` (the builtin `TimeoutError`). */
export { TimeoutError as timeout } from "./builtins.ts";
/** Python's `socket.error` (`OSError`). */
export const error = OSError;

// strerror() of Linux, for the codes the hosts report.
const STRERROR: Record<string, [number, string]> = {
  EPERM: [errno.EPERM, "Operation not permitted"],
  ENOENT: [errno.ENOENT, "No such file or directory"],
  EINTR: [errno.EINTR, "Interrupted system call"],
  EIO: [errno.EIO, "Input/output error"],
  EBADF: [errno.EBADF, "Bad file descriptor"],
  EAGAIN: [errno.EAGAIN, "Resource temporarily unavailable"],
  EACCES: [errno.EACCES, "Permission denied"],
  EEXIST: [errno.EEXIST, "File exists"],
  ENOTDIR: [errno.ENOTDIR, "Not a directory"],
  EISDIR: [errno.EISDIR, "Is a directory"],
  EINVAL: [errno.EINVAL, "Invalid argument"],
  EPIPE: [errno.EPIPE, "Broken pipe"],
  ENOTSOCK: [errno.ENOTSOCK, "Socket operation on non-socket"],
  EADDRINUSE: [errno.EADDRINUSE, "Address already in use"],
  EADDRNOTAVAIL: [errno.EADDRNOTAVAIL, "Cannot assign requested address"],
  ENETUNREACH: [errno.ENETUNREACH, "Network is unreachable"],
  ECONNABORTED: [errno.ECONNABORTED, "Software caused connection abort"],
  ECONNRESET: [errno.ECONNRESET, "Connection reset by peer"],
  ENOTCONN: [errno.ENOTCONN, "Transport endpoint is not connected"],
  ESHUTDOWN: [errno.ESHUTDOWN, "Cannot send after transport endpoint shutdown"],
  ETIMEDOUT: [errno.ETIMEDOUT, "Connection timed out"],
  ECONNREFUSED: [errno.ECONNREFUSED, "Connection refused"],
  EHOSTUNREACH: [errno.EHOSTUNREACH, "No route to host"],
  EALREADY: [errno.EALREADY, "Operation already in progress"],
  EINPROGRESS: [errno.EINPROGRESS, "Operation now in progress"],
  EMSGSIZE: [90, "Message too long"],
  EDESTADDRREQ: [89, "Destination address required"],
  EOPNOTSUPP: [95, "Operation not supported"],
  EAFNOSUPPORT: [97, "Address family not supported by protocol"],
  EISCONN: [106, "Transport endpoint is already connected"],
};

/** Python's `os.strerror()` for the error numbers the emulation produces. */
export function strerror(code: number): string {
  for (const [n, text] of Object.values(STRERROR)) if (n === code) return text;
  return `Unknown error ${code}`;
}

/** The errno of a POSIX error name (`EIO` for an unknown one). */
function errno_of(code: string): number {
  return (STRERROR[code] ?? STRERROR.EIO)[0];
}

/** The `OSError` (subclass chosen by errno, as Python's) for a host error. */
export function _os_error(e: unknown): OSError {
  if (e instanceof OSError) return e;
  const code = e instanceof HostError ? e.code : host_code(e);
  const [n, text] = STRERROR[code] ?? STRERROR.EIO;
  return new OSError(n, text);
}

function host_code(e: unknown): string {
  const c = (e as { code?: unknown })?.code;
  return typeof c === "string" ? c : "EIO";
}

function oserror(code: keyof typeof STRERROR): OSError {
  const [n, text] = STRERROR[code];
  return new OSError(n, text);
}

const WOULD_BLOCK = (): OSError => new BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable");

/** Whether `host` is an IPv4 address in dotted form. */
export function _is_ipv4(host: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m !== null && m.slice(1).every((p) => Number(p) <= 255);
}

/** Whether `host` is an IPv6 address (a loose check: hex groups and colons, maybe a zone). */
export function _is_ipv6(host: string): boolean {
  return /^[0-9a-fA-F:.]+(%[\w.]+)?$/.test(host) && host.includes(":");
}

function host_addr_to_py(family: number, a: { hostname: string; port: number } | { path: string }): Address {
  if ("path" in a) return a.path;
  let host = a.hostname;
  if (family === AF_INET6) {
    return tuple([host, a.port, 0, 0]);
  }
  // An IPv4 socket may report an IPv4-mapped IPv6 address on some hosts.
  if (host.startsWith("::ffff:") && _is_ipv4(host.slice(7))) host = host.slice(7);
  return tuple([host, a.port]);
}

// The copies send() makes (the caller may reuse its array while the host writes): small ones are
// cut from shared slabs, one after another, since allocating a small array costs microseconds
// (zeroed memory, new pages, external memory the garbage collector answers for). The host says
// when it has written a copy; a slab all of whose copies were written is filled again from its
// start (its memory stays warm and nothing is allocated), else a new one is taken once it is full
// and it is dropped with its copies. A larger copy takes a buffer of its own (of the next power
// of two), kept once written for the next copy of that size (a few per size). `_copy_out` leaves
// the slab or buffer it used in `_copied_from`.
const SLAB = 64 * 1024;
const BIG_COPY_MAX = 1024 * 1024;
const BIG_FREE_MAX = 4;

/** A slab (or a larger copy's buffer), and how many of its copies the host has not written yet. */
interface _Slab {
  buf: Uint8Array;
  out: number;
  big: boolean;
}

let _slab: _Slab = { buf: new Uint8Array(SLAB), out: 0, big: false };
let _slab_off = 0;
// A full slab whose copies have all been written since, kept to be filled again.
let _spare: _Slab | null = null;
// Written larger copies' buffers, by size.
const _big_free = new Map<number, _Slab[]>();
let _copied_from: _Slab | null = null;

function _copy_out(data: Uint8Array, n: number): Uint8Array {
  const src = n === data.length ? data : data.subarray(0, n);
  if (n > SLAB / 4) {
    if (n > BIG_COPY_MAX) {
      _copied_from = null;
      return src.slice();
    }
    const size = 2 ** Math.ceil(Math.log2(n));
    const big = _big_free.get(size)?.pop() ?? { buf: new Uint8Array(size), out: 0, big: true };
    big.out = 1;
    _copied_from = big;
    const out = big.buf.subarray(0, n);
    out.set(src);
    return out;
  }
  if (SLAB - _slab_off < n) {
    if (_slab.out !== 0) {
      if (_spare !== null) {
        _slab = _spare;
        _spare = null;
      } else {
        _slab = { buf: new Uint8Array(SLAB), out: 0, big: false };
      }
    }
    _slab_off = 0;
  }
  const slab = _slab;
  const out = slab.buf.subarray(_slab_off, _slab_off + n);
  out.set(src);
  _slab_off += n;
  slab.out++;
  _copied_from = slab;
  return out;
}

/** The host wrote (or dropped) a copy made in `slab`. */
function _copy_written(slab: _Slab): void {
  if (--slab.out !== 0) return;
  if (slab.big) {
    const size = slab.buf.length;
    let free = _big_free.get(size);
    if (free === undefined) _big_free.set(size, free = []);
    if (free.length < BIG_FREE_MAX) free.push(slab);
  } else if (slab !== _slab) {
    _spare = slab;
  }
}

// Closed sockets whose host connection stays open until what they were given is written.
let _lingering = 0;

/**
 * @internal How many closed sockets still have their host connection open, finishing the writes
 * accepted before `close()` (as a kernel sends after `close()`); each is released once the host
 * has written the data or failed to.
 */
export function _lingering_sockets(): number {
  return _lingering;
}

/** Python's `socket.socket`: a non-blocking stream socket over the host (see the module doc). */
export class socket {
  /** The address family. */
  readonly family!: number;
  /** The socket type. */
  readonly type!: number;
  /** The protocol number. */
  readonly proto!: number;
  /** @internal The descriptor number (-1 once closed). */
  protected _fd!: number;
  /** @internal `gettimeout()`. */
  protected _timeout: number | null = null;
  private _stream: HostStream | null = null;
  private _listener: HostListener | null = null;
  private _listening = false;
  private _connecting = false;
  private _so_error = 0;
  /** @internal Options set, by `level:option`. */
  protected _options: Map<string, number> = new Map();
  /** @internal The local address once bound or connected. */
  protected _sockname: Address | null = null;
  /** @internal The peer's address once connected. */
  protected _peername: Address | null = null;
  // receive side
  private readonly _rq = new ChunkQueue();
  private _eof = false;
  private _rerr: OSError | null = null;
  private _host_paused = false;
  private _shut_rd = false;
  // buffer sizes (SO_SNDBUF, SO_RCVBUF)
  /** @internal SO_SNDBUF. */
  protected _sndbuf: number = SNDBUF;
  /** @internal SO_RCVBUF. */
  protected _rcvbuf: number = RCVBUF;
  // send side
  private _wpending = 0;
  private _early: Uint8Array[] = [];
  private _werr: OSError | null = null;
  private _shut_wr = false;
  private _linger = false;
  // listening side
  private _accepted: HostStream[] = [];
  /** @internal The selector watching this socket. */
  protected _selector: DefaultSelector | null = null;
  // TLS: a listener made TLS by _set_tls_server; a connection upgraded by _start_tls.
  private _tls_server: TlsServerOptions | null = null;
  private _upgrading = false;
  // Whether the host stream was asked to read (see _start_reading).
  private _read_started = false;
  private _connect_done: Promise<void> | null = null;
  // The events a selector watches this socket for.
  private _sel_events = 0;
  // The port this socket listens on at the IPv4 wildcard address, or -1 (see bind()).
  private _wildcard4_port = -1;

  /**
   * Creates a socket (`family` AF_INET, AF_INET6 or AF_UNIX; `type` SOCK_STREAM). Passing
   * `fileno` is not supported: the emulation owns no host descriptors.
   */
  constructor(
    family: number = AF_INET,
    type: number = SOCK_STREAM,
    proto: number = 0,
    fileno: number | null = null,
  ) {
    if (fileno !== null) {
      throw new OSError(errno.EBADF, "Bad file descriptor");
    }
    if (family !== AF_INET && family !== AF_INET6 && family !== AF_UNIX) {
      throw new OSError(97, "Address family not supported by protocol");
    }
    if ((type & 0xf) === SOCK_DGRAM) {
      if (family === AF_UNIX) {
        throw new OSError(94, "Socket type not supported (Unix datagram sockets are not emulated)");
      }
      // A datagram socket is its own class (see _DatagramSocket).
      if (new.target === socket) return new _DatagramSocket(family, type, proto);
    } else if ((type & 0xf) !== SOCK_STREAM) {
      throw new OSError(94, "Socket type not supported");
    }
    this.family = family;
    this.type = type & 0xf;
    // As in Python, the protocol number is the one given (0 by default), not the one the system
    // picks: `getaddrinfo()` entries carry IPPROTO_TCP, and `_set_nodelay` looks for it.
    this.proto = proto;
    this._fd = _alloc_fd();
    _fd_table.set(this._fd, this);
  }

  /** @internal A socket for a host stream already connected (accepted, or `connect` done). */
  static _from_stream(family: number, stream: HostStream, proto: number = 0): socket {
    const s = new socket(family, SOCK_STREAM, proto);
    s._attach_stream(stream);
    return s;
  }

  /**
   * Takes `stream` as the connection. Reading starts once someone wants data (a selector watches
   * the socket, or `recv()` is called), so that a connection nobody has read from yet can still be
   * handed to the host's TLS (see {@linkcode _start_tls}).
   */
  private _attach_stream(stream: HostStream): void {
    this._stream = stream;
    this._read_started = false;
    this._sockname = host_addr_to_py(this.family, stream.local);
    this._peername = host_addr_to_py(this.family, stream.remote);
    if (this._options.get(`${IPPROTO_TCP}:${TCP_NODELAY}`)) stream.set_nodelay(true);
    if (this._sel_events & EVENT_READ) this._start_reading();
  }

  /** Starts the host reads into the receive buffer (once per stream). */
  private _start_reading(): void {
    const stream = this._stream;
    if (stream === null || this._read_started || this._upgrading) return;
    this._read_started = true;
    if (this._host_paused) stream.pause();
    stream.start({
      on_data: (chunk) => {
        if (this._shut_rd || this._stream !== stream) return;
        const was = this._rq.size;
        this._rq.push(chunk);
        if (this._rq.size >= this._rcvbuf && !this._host_paused) {
          this._host_paused = true;
          stream.pause();
        }
        if (was === 0) this._notify();
      },
      on_eof: () => {
        if (this._stream !== stream) return;
        this._eof = true;
        this._notify();
      },
      on_error: (err) => {
        if (this._stream !== stream) return;
        const e = host_code(err) === "ESSL" ? _ssl_error(String(err.message)) : _os_error(err);
        this._rerr = e;
        if (this._werr === null) this._werr = e;
        this._notify();
      },
    });
  }

  /**
   * @internal Puts the host's TLS on the connection (`side.client` or `side.server`) once what
   * was sent before is written: the handshake runs, then `send`/`recv` carry the plain text. Until
   * then the socket is neither readable nor writable. Rejects with `ssl.SSLError` (the connection
   * is then closed), `NotImplementedError` where the host cannot (see `tls_upgrade_blocker`), or
   * `ConnectionAbortedError` if {@linkcode _abort_tls} stopped it.
   */
  async _start_tls(side: TlsSide): Promise<void> {
    this._check_open();
    if (this._connecting && this._connect_done !== null) await this._connect_done;
    const stream = this._stream;
    if (stream === null) throw this._not_connected();
    if (this._upgrading) throw new ValueError("a TLS handshake is already in progress");
    if (this._rerr !== null || this._werr !== null || this._eof) {
      throw new ConnectionResetError(errno.ECONNRESET, "the connection was lost before the TLS handshake");
    }
    const blocker = stream.tls_upgrade_blocker(side, this._rq.size);
    if (blocker !== null) throw new NotImplementedError(`cannot start TLS on this connection: ${blocker}`);
    // Bytes received and not read yet are the peer's first TLS bytes: they go to the host's TLS.
    const unread = this._rq.size > 0 ? this._rq.take_all() : null;
    this._upgrading = true;
    this._host_paused = false;
    let tls_stream: HostStream;
    try {
      tls_stream = await stream.start_tls(side, unread);
    } catch (e) {
      this._upgrading = false;
      // The host closed the connection: the socket stays, broken, until it is closed.
      const err = new ConnectionAbortedError(errno.ECONNABORTED, "Software caused connection abort");
      this._rerr = err;
      this._werr = err;
      this._notify();
      if (this._aborted_tls) throw err;
      if (host_code(e) === "ECONNRESET") throw new ConnectionResetError();
      throw _ssl_error(String((e as Error)?.message ?? e));
    }
    this._upgrading = false;
    if (this._fd < 0) {
      tls_stream.close();
      return;
    }
    this._attach_stream(tls_stream);
    this._notify();
  }

  private _aborted_tls = false;

  /** @internal How long closing waits for a TLS peer to close (CPython's `ssl_shutdown_timeout`). */
  _set_tls_shutdown_timeout(seconds: number): void {
    if (this._stream !== null) this._stream.tls_shutdown_ms = seconds * 1000;
  }

  /** @internal Stops a {@linkcode _start_tls} in progress: the connection is closed. */
  _abort_tls(): void {
    if (!this._upgrading) return;
    this._aborted_tls = true;
    this._stream?.abort_tls();
  }

  /** @internal Makes the next `bind()` a TLS listener: accepted connections are TLS, handshake done. */
  _set_tls_server(options: TlsServerOptions): void {
    this._tls_server = options;
  }

  /** @internal What TLS negotiated on this connection, or `null` if it is not TLS. */
  _tls_info(): TlsInfo | null {
    return this._stream?.tls ?? null;
  }

  /** @internal Whether a connect() is still in progress (a blocking socket's returns before it ends). */
  _pending_connect(): boolean {
    return this._connecting;
  }

  /** Python's file descriptor number: -1 once closed. */
  fileno(): number {
    return this._fd;
  }

  /** @internal `os.read(fd, n)` on this socket's number: `recv(n)`. */
  _os_read(n: number): Uint8Array {
    return this.recv(n);
  }

  /** @internal `os.write(fd, data)` on this socket's number: `send(data)`. */
  _os_write(data: Uint8Array): number {
    return this.send(data);
  }

  /** @internal `os.fstat(fd).st_mode` of a socket. */
  _st_mode(): number {
    return S_IFSOCK;
  }

  /** @internal For the selector: what a non-blocking call would do now. */
  _readiness(): number {
    if (this._fd < 0 || this._upgrading) return 0;
    let ev = 0;
    if (this._listening) {
      return this._accepted.length > 0 ? EVENT_READ : 0;
    }
    if (this._rq.size > 0 || this._eof || this._rerr !== null || this._shut_rd) ev |= EVENT_READ;
    if (this._stream !== null) {
      if (this._wpending < this._sndbuf || this._werr !== null) ev |= EVENT_WRITE;
    } else if (!this._connecting && this._so_error !== 0) {
      ev |= EVENT_WRITE | EVENT_READ;
    }
    return ev;
  }

  /** @internal */
  _attach_selector(selector: DefaultSelector | null, events = 0): void {
    this._selector = selector;
    this._sel_events = selector === null ? 0 : events;
    if ((events & EVENT_READ) && !this._read_started) this._start_reading();
  }

  /** Tells the selector watching this socket that its readiness may have changed. */
  protected _notify(): void {
    if (this._selector !== null && this._fd >= 0) this._selector._notify(this._fd);
  }

  /**
   * Not connected: the error of a failed connect, taken as Linux's `send`/`recv` take it (once;
   * `getsockopt(SO_ERROR)` finds it taken), else `ENOTCONN`; or, for a `send` on a TCP socket,
   * `EPIPE`, as Linux's TCP answers it (a Unix stream socket answers `ENOTCONN` to both).
   */
  private _not_connected(sending = false): OSError {
    if (this._so_error !== 0) {
      const e = this._so_error;
      this._so_error = 0;
      return new OSError(e, strerror(e));
    }
    return oserror(sending && this.family !== AF_UNIX ? "EPIPE" : "ENOTCONN");
  }

  /** `EBADF` once closed. */
  protected _check_open(): void {
    if (this._fd < 0) throw oserror("EBADF");
  }

  // --- options ---------------------------------------------------------------------------------

  /** `setblocking(flag)`: recorded only (operations never block). */
  setblocking(flag: boolean): void {
    this._check_open();
    this._timeout = flag ? null : 0;
  }

  /** `getblocking()`. */
  getblocking(): boolean {
    return this._timeout !== 0;
  }

  /**
   * `get_inheritable()`: always `false`. Python makes sockets non-inheritable; here a child
   * process cannot inherit one at all (the descriptors are emulated).
   */
  get_inheritable(): boolean {
    this._check_open();
    return false;
  }

  /** `set_inheritable(flag)`: only `false` is possible (see `get_inheritable`). */
  set_inheritable(flag: boolean): void {
    this._check_open();
    if (flag) throw oserror("EOPNOTSUPP");
  }

  /**
   * `dup()`: not possible. The emulated socket's buffers and host connection belong to this
   * object; there is no kernel object a second descriptor could share. `OSError` (EOPNOTSUPP).
   */
  dup(): never {
    this._check_open();
    throw oserror("EOPNOTSUPP");
  }

  /** `settimeout(value)`: recorded only. */
  settimeout(value: number | null): void {
    if (value !== null && value < 0) throw new ValueError("Timeout value out of range");
    this._timeout = value;
  }

  /** `gettimeout()`: `0` in non-blocking mode, `null` in blocking mode. */
  gettimeout(): number | null {
    return this._timeout;
  }

  /** `setsockopt(level, option, value)`. */
  setsockopt(level: number, option: number, value: number | boolean): void {
    this._check_open();
    const v = Number(value);
    this._options.set(`${level}:${option}`, v);
    if (level === IPPROTO_TCP && option === TCP_NODELAY && this._stream !== null) {
      this._stream.set_nodelay(v !== 0);
    }
    // Linux doubles the size asked for (and has a floor), and reports the doubled size.
    if (level === SOL_SOCKET && option === SO_SNDBUF) this._sndbuf = Math.max(4608, 2 * v);
    if (level === SOL_SOCKET && option === SO_RCVBUF) this._rcvbuf = Math.max(2304, 2 * v);
  }

  /** `getsockopt(level, option)`; `SO_ERROR` reads and clears the pending error. */
  getsockopt(level: number, option: number): number {
    this._check_open();
    if (level === SOL_SOCKET && option === SO_ERROR) {
      const e = this._so_error;
      this._so_error = 0;
      return e;
    }
    if (level === SOL_SOCKET && option === SO_SNDBUF) return this._sndbuf;
    if (level === SOL_SOCKET && option === SO_RCVBUF) return this._rcvbuf;
    return this._options.get(`${level}:${option}`) ?? 0;
  }

  // --- addresses -------------------------------------------------------------------------------

  /** Python's address argument checks for this socket's family (`method` names the call, as Python's messages do). */
  protected _check_address(address: unknown, method: string): Address {
    if (this.family === AF_UNIX) {
      if (typeof address !== "string") {
        throw new TypeError(`a bytes-like object is required, not '${type_name(address)}'`);
      }
      return address;
    }
    const n = this.family === AF_INET ? 2 : 4;
    if (!Array.isArray(address) || address.length < 2 || address.length > n) {
      const what = this.family === AF_INET ? "AF_INET" : "AF_INET6";
      if (!Array.isArray(address)) {
        throw new TypeError(`${method}(): ${what} address must be tuple, not ${type_name(address)}`);
      }
      throw new TypeError(
        this.family === AF_INET
          ? `AF_INET address must be a pair (host, port)`
          : `AF_INET6 address must be a tuple (host, port[, flowinfo[, scopeid]])`,
      );
    }
    const [host, port] = address;
    if (typeof host !== "string") {
      throw new TypeError(`str, bytes or bytearray expected, not ${type_name(host)}`);
    }
    if (typeof port !== "number" || !Number.isInteger(port)) {
      throw new TypeError(`'${type_name(port)}' object cannot be interpreted as an integer`);
    }
    if (port < 0 || port > 65535) {
      throw new OverflowError(`${method}(): port must be 0-65535.`);
    }
    return address as Address;
  }

  /**
   * @internal `null`: the socket's bind (if any) is complete. A datagram socket on Bun, which binds
   * asynchronously, gives a promise settled once it is (see `_DatagramSocket`).
   */
  _bind_settled(): Promise<void> | null {
    return null;
  }

  /** @internal Raises the error an asynchronous bind ended with, if any (see `_bind_settled`). */
  _take_bind_error(): void {}

  /** `getsockname()`: the local address. */
  getsockname(): Address {
    this._check_open();
    if (this._sockname !== null) return this._sockname;
    if (this.family === AF_UNIX) return "";
    return this.family === AF_INET ? tuple(["0.0.0.0", 0]) : tuple(["::", 0, 0, 0]);
  }

  /** `getpeername()`: the peer's address; `ENOTCONN` if not connected. */
  getpeername(): Address {
    this._check_open();
    if (this._peername === null || this._stream === null) throw oserror("ENOTCONN");
    return this._peername;
  }

  // --- server side -----------------------------------------------------------------------------

  /** `bind(address)`: binds (and, on these hosts, listens; see the module doc). */
  bind(address: Address): void {
    this._check_open();
    const addr = this._check_address(address, "bind");
    if (this._listener !== null || this._stream !== null || this._connecting) {
      throw oserror("EINVAL");
    }
    try {
      if (this.family === AF_UNIX) {
        this._listener = unix_listen(addr as string, SOMAXCONN);
      } else {
        let host = (addr as [string, number])[0];
        if (host === "") host = this.family === AF_INET ? "0.0.0.0" : "::";
        if (this.family === AF_INET && !_is_ipv4(host)) {
          throw new gaierror(EAI_NONAME, "Name or service not known");
        }
        const v6only = this.family === AF_INET6 && !!this._options.get(`${IPPROTO_IPV6}:${IPV6_V6ONLY}`);
        this._listener = tcp_listen(host, (addr as [string, number])[1], SOMAXCONN, v6only, this._tls_server);
        if (this.family === AF_INET && host === "0.0.0.0" && "port" in this._listener.local) {
          this._wildcard4_port = this._listener.local.port;
          _wildcard4_ports.add(this._wildcard4_port);
        }
      }
    } catch (e) {
      if (e instanceof OSError) throw e;
      const err = _os_error(e);
      const port = typeof addr === "string" ? 0 : addr[1];
      if (
        err.errno === errno.EADDRINUSE && !V6ONLY_SUPPORTED && this.family === AF_INET6 &&
        (addr as [string, number])[0] in { "": 1, "::": 1 } && _wildcard4_ports.has(port) &&
        this._options.get(`${IPPROTO_IPV6}:${IPV6_V6ONLY}`)
      ) {
        // The host cannot make this IPv6 socket IPv6-only, so it collides with our own IPv4
        // wildcard socket on the same port: report it as an address the system cannot bind,
        // which create_server() skips (the IPv4 socket serves that port).
        throw new OSError(errno.EADDRNOTAVAIL, "Cannot assign requested address");
      }
      if (err.errno === errno.EADDRINUSE) {
        const a = addr as Address;
        const wait = address_release(
          typeof a === "string"
            ? { path: a }
            : { hostname: a[0] || (this.family === AF_INET ? "0.0.0.0" : "::"), port: a[1] },
        );
        if (wait !== null) (err as OSError & { _released?: Promise<void> })._released = wait;
      }
      throw err;
    }
    this._sockname = host_addr_to_py(this.family, this._listener.local);
    if (this.family === AF_UNIX) this._sockname = addr;
  }

  /** `listen(backlog)`: starts accepting connections. */
  listen(_backlog: number = SOMAXCONN): void {
    this._check_open();
    if (this._listener === null) {
      // Listening on an unbound socket binds it to an ephemeral port, as the kernel does.
      if (this.family === AF_UNIX) throw oserror("EINVAL");
      this.bind(this.family === AF_INET ? ["0.0.0.0", 0] : ["::", 0, 0, 0]);
    }
    if (this._listening) return;
    this._listening = true;
    this._listener!.start(
      (stream) => {
        if (this._fd < 0) {
          stream.close();
          return;
        }
        this._accepted.push(stream);
        if (this._accepted.length === 1) this._notify();
      },
      () => {
        // An accept that failed (aborted before accept()) is dropped, as Linux does.
      },
    );
  }

  /** `accept()`: `[socket, address]` of a pending connection, or `BlockingIOError`. */
  accept(): [socket, Address] {
    this._check_open();
    if (!this._listening) throw oserror("EINVAL");
    const stream = this._accepted.shift();
    if (stream === undefined) throw WOULD_BLOCK();
    // (an accepted socket has its listener's protocol number, as in Python)
    const s = socket._from_stream(this.family, stream, this.proto);
    return tuple([s, s._peername!]);
  }

  // --- client side -----------------------------------------------------------------------------

  /**
   * `connect(address)` in non-blocking mode: starts connecting and raises `BlockingIOError`
   * (`EINPROGRESS`); the socket turns writable when done, and `SO_ERROR` tells the outcome. A
   * host name (not an address) is resolved by the host.
   */
  connect(address: Address): void {
    const err = this._connect(address, "connect");
    if (err !== 0) throw new OSError(err, strerror(err));
  }

  /** `connect_ex(address)`: as `connect()`, returning the error number instead of raising. */
  connect_ex(address: Address): number {
    return this._connect(address, "connect_ex");
  }

  /** `connect_ex()` for `method` (named in argument errors, as Python's are). */
  private _connect(address: Address, method: string): number {
    this._check_open();
    const addr = this._check_address(address, method);
    if (this._stream !== null) return errno.EISCONN;
    if (this._connecting) return errno.EALREADY;
    let local: HostAddr | null = null;
    if (this._listener !== null) {
      if (this._listening || this.family === AF_UNIX) return errno.EINVAL;
      // Bound, not listening: connect from the bound address. The host holds that address as a
      // listener (see bind()); it is handed back and the connection is made from it.
      local = this._listener.local;
      this._listener.close();
      this._listener = null;
      if (this._wildcard4_port >= 0) {
        _wildcard4_ports.delete(this._wildcard4_port);
        this._wildcard4_port = -1;
      }
    }
    this._so_error = 0;
    this._connecting = true;
    const p = this.family === AF_UNIX
      ? unix_connect(addr as string)
      : tcp_connect((addr as [string, number])[0], (addr as [string, number])[1], local);
    this._connect_done = p.then((stream) => this._connected(stream), (e) => this._connect_failed(e));
    // A blocking socket cannot block here: its connect() returns at once and the connection
    // completes in the background (see the module doc).
    return this._timeout === 0 ? errno.EINPROGRESS : 0;
  }

  /** The connection is made: it is attached, and what was sent meanwhile goes out first. */
  private _connected(stream: HostStream): void {
    this._connecting = false;
    if (this._fd < 0) {
      stream.close();
      return;
    }
    this._attach_stream(stream);
    const early = this._early;
    this._early = [];
    for (const chunk of early) {
      this._wpending -= chunk.length;
      this._send_nb(chunk, true);
    }
    this._notify();
  }

  /** Connecting failed: `SO_ERROR` tells why. */
  private _connect_failed(e: unknown): void {
    this._connecting = false;
    this._so_error = errno_of(host_code(e));
    if (this._so_error === 0) this._so_error = errno.EIO;
    this._notify();
  }

  /**
   * @internal The ends of {@linkcode socketpair}: `a` connects to `address`, where `listener`
   * accepts the connection that becomes `b`'s; both are connecting meanwhile.
   */
  static _pair(a: socket, b: socket, listener: HostListener, address: Address, cleanup: () => void): void {
    let open = true;
    const done = () => {
      if (!open) return;
      open = false;
      a._pair_close = b._pair_close = null;
      listener.close();
      cleanup();
    };
    a._pair_close = b._pair_close = done;
    b._connecting = true;
    listener.start(
      (stream) => {
        done();
        b._connected(stream);
      },
      (err) => {
        done();
        b._connect_failed(err);
      },
    );
    a._connect(address, "socketpair");
  }

  /** @internal Closes the listener of a {@linkcode socketpair} still being made. */
  private _pair_close: (() => void) | null = null;

  // --- data ------------------------------------------------------------------------------------

  /** `recv(bufsize)`: up to `bufsize` buffered bytes; `b''` at EOF; `BlockingIOError` if none. */
  recv(bufsize: number, _flags: number = 0): Uint8Array {
    const data = this._recv_nb(bufsize);
    if (data === null) throw WOULD_BLOCK();
    return data;
  }

  /**
   * @internal `recv()` for the transports: `null` where `recv()` raises `BlockingIOError` (an
   * exception per empty read would cost more than the read). Buffered chunks are returned as they
   * are when large, and joined (up to `bufsize`) when small.
   */
  _recv_nb(bufsize: number): Uint8Array | null {
    this._check_open();
    if (bufsize < 0) throw new ValueError("negative buffersize in recv");
    if (this._rq.size === 0) return this._recv_empty();
    if (bufsize === 0) return new Uint8Array(0);
    const out = this._rq.take(bufsize);
    this._consumed();
    return out;
  }

  /** `recv_into(buffer, nbytes)`: copies up to `nbytes` (default: its length) into `buffer`. */
  recv_into(buffer: Uint8Array, nbytes: number = 0, _flags: number = 0): number {
    this._check_open();
    if (nbytes < 0) throw new ValueError("negative buffersize in recv_into");
    if (nbytes > buffer.length) throw new ValueError("buffer too small for requested bytes");
    const want = nbytes || buffer.length;
    if (this._rq.size === 0) {
      if (this._recv_empty() === null) throw WOULD_BLOCK();
      return 0;
    }
    const n = this._rq.take_into(buffer, want);
    this._consumed();
    return n;
  }

  /** `recv()` with nothing buffered: the pending error, EOF, or `BlockingIOError`. */
  private _recv_empty(): Uint8Array | null {
    if (this._rerr !== null) {
      const e = this._rerr;
      // A reset is reported once; later reads see EOF.
      this._rerr = null;
      this._eof = true;
      throw e;
    }
    if (this._eof || this._shut_rd) return new Uint8Array(0);
    if (this._stream === null) {
      if (this._connecting) return null;
      throw this._not_connected();
    }
    if (!this._read_started) this._start_reading();
    return null;
  }

  /** Bytes were read: resumes the host if it was paused and the buffer is half empty. */
  private _consumed(): void {
    if (this._host_paused && this._rq.size < this._rcvbuf / 2) {
      this._host_paused = false;
      this._stream?.resume();
    }
  }

  /** `send(data)`: how many bytes were accepted (copied); `BlockingIOError` if none fit. */
  send(data: Uint8Array, _flags: number = 0): number {
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(`a bytes-like object is required, not '${type_name(data)}'`);
    }
    const n = this._send_nb(data, false);
    if (n === 0 && data.length > 0) throw WOULD_BLOCK();
    return n;
  }

  /**
   * @internal `send()` for the transports: 0 where `send()` raises `BlockingIOError`. With
   * `owned`, the caller hands `data` over (it will not change it), so it is not copied.
   */
  _send_nb(data: Uint8Array, owned: boolean): number {
    this._check_open();
    if (this._werr !== null) {
      const e = this._werr;
      throw new OSError(e.errno, e.strerror);
    }
    if (this._shut_wr) throw oserror("EPIPE");
    if (this._upgrading) return 0;
    const stream = this._stream;
    if (stream === null) {
      if (!this._connecting) throw this._not_connected(true);
      // Still connecting: a non-blocking send would block; a blocking socket (whose connect()
      // returned at once) keeps the data and sends it once connected.
      if (this._timeout === 0 || data.length === 0) return 0;
      const room = this._sndbuf - this._wpending;
      if (room <= 0) return 0;
      const n = Math.min(room, data.length);
      this._early.push(owned ? data.subarray(0, n) : data.slice(0, n));
      this._wpending += n;
      return n;
    }
    if (data.length === 0) return 0;
    const room = this._sndbuf - this._wpending;
    if (room <= 0) return 0;
    const n = Math.min(room, data.length);
    let slab: _Slab | null = null;
    let chunk: Uint8Array;
    if (owned) {
      chunk = n === data.length ? data : data.subarray(0, n);
    } else {
      chunk = _copy_out(data, n);
      slab = _copied_from;
    }
    this._wpending += n;
    stream.write(chunk, (err) => {
      if (slab !== null) _copy_written(slab);
      const was_full = this._wpending >= this._sndbuf;
      this._wpending -= n;
      if (err !== null && this._werr === null) {
        this._werr = _os_error(err);
        this._notify();
      } else if (was_full && this._wpending < this._sndbuf) {
        this._notify();
      }
      if (this._linger && this._wpending === 0) this._release();
    });
    return n;
  }

  /** `recvfrom(bufsize)`: on a stream socket, `[recv(bufsize), null]`. */
  recvfrom(bufsize: number, _flags: number = 0): [Uint8Array, Address | null] {
    return [this.recv(bufsize), null];
  }

  /** `recvfrom_into(buffer, nbytes)`: on a stream socket, `[recv_into(...), null]`. */
  recvfrom_into(buffer: Uint8Array, nbytes: number = 0, _flags: number = 0): [number, Address | null] {
    return [this.recv_into(buffer, nbytes), null];
  }

  /** `sendto(data, address)` / `sendto(data, flags, address)`: for datagram sockets (`EISCONN` here). */
  sendto(_data: Uint8Array, _flags_or_address: number | Address, _address?: Address): number {
    this._check_open();
    throw oserror(this._stream !== null ? "EISCONN" : "ENOTCONN");
  }

  /** `sendall(data)` on a non-blocking socket: sends all or raises `BlockingIOError`. */
  sendall(data: Uint8Array, flags: number = 0): void {
    let off = 0;
    while (off < data.length) off += this.send(data.subarray(off), flags);
  }

  /** `shutdown(how)`: `SHUT_WR` sends EOF after the data accepted before it; `SHUT_RD` stops receiving. */
  shutdown(how: number): void {
    this._check_open();
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) throw oserror("EINVAL");
    const stream = this._stream;
    if (stream === null) throw oserror("ENOTCONN");
    if (how !== SHUT_WR && !this._shut_rd) {
      this._shut_rd = true;
      this._rq.clear();
      this._notify();
    }
    if (how !== SHUT_RD && !this._shut_wr) {
      this._shut_wr = true;
      // Queued after the data accepted before it. close() lingers for that data only: closing
      // the host connection sends the FIN anyway.
      stream.shutdown(() => {});
    }
  }

  // --- lifetime --------------------------------------------------------------------------------

  /** `close()`: the descriptor is released now; data already accepted is still written. */
  close(): void {
    if (this._fd < 0) return;
    _fd_table.delete(this._fd);
    this._fd = -1;
    this._pair_close?.();
    for (const s of this._accepted.splice(0)) s.close();
    this._listener?.close();
    this._listener = null;
    if (this._wildcard4_port >= 0) _wildcard4_ports.delete(this._wildcard4_port);
    this._listening = false;
    this._rq.clear();
    if (this._upgrading) this._stream?.abort_tls();
    // A TLS stream finishes its pending writes itself when closed (then sends close_notify), with
    // the TLS shutdown timeout: only a plain stream lingers here.
    if (this._stream !== null && this._wpending > 0 && this._werr === null && this._stream.tls === null) {
      // Let the host finish writing, as a kernel does after close(); read no more, and do not keep
      // the process alive for it (a peer that never reads would otherwise hold it forever).
      this._linger = true;
      _lingering++;
      this._shut_rd = true;
      this._stream.pause();
      this._stream.unref();
    } else {
      this._release();
    }
  }

  /** Closes the host connection. */
  private _release(): void {
    if (this._linger) _lingering--;
    this._linger = false;
    this._stream?.close();
  }

  /** `detach()`: as close() here (the emulation has no descriptor to hand over). */
  detach(): number {
    const fd = this._fd;
    this.close();
    return fd;
  }

  /** `socket.__enter__` / `with`: closes on disposal. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Python's repr. */
  toString(): string {
    if (this._fd < 0) {
      return `<socket.socket [closed] fd=-1, family=${this.family}, type=${this.type}, proto=${this.proto}>`;
    }
    let s = `<socket.socket fd=${this._fd}, family=${this.family}, type=${this.type}, proto=${this.proto}`;
    // Python shows `getsockname()` when it is not empty: the wildcard address for an unbound IP socket.
    const laddr = this.getsockname();
    if (laddr !== "") s += `, laddr=${repr(laddr)}`;
    if (this._peername !== null && this._stream !== null) s += `, raddr=${repr(this._peername)}`;
    return s + ">";
  }

  /** @internal Python's repr. */
  __repr__(): string {
    return this.toString();
  }
}

/** The largest UDP payload over IPv4 and IPv6. */
const UDP_MAX = { 4: 65507, 6: 65527 } as const;

/**
 * @internal A datagram (UDP) socket: what `socket(AF_INET or AF_INET6, SOCK_DGRAM)` makes. It is
 * bound at `bind()`, or to the wildcard address at the first `connect()`/`sendto()` as a kernel
 * does; received datagrams wait in a queue of at most `SO_RCVBUF` bytes (further ones are dropped,
 * as UDP drops them); sends go to the host at once and a send error is reported by the next call
 * (a kernel's pending error, as is an `ECONNREFUSED` for a connected socket on Node). `connect()`
 * connects the host socket: sends go to the peer and datagrams from elsewhere are dropped.
 */
class _DatagramSocket extends socket {
  private _dg: HostDatagram | null = null;
  private _queue: [Uint8Array, Address][] = [];
  private _qhead = 0;
  private _qbytes = 0;
  private _dpending = 0;
  private _derr: OSError | null = null;
  private _peer: [string, number] | null = null;
  private _binding: Promise<void> | null = null;

  /**
   * @internal Where the host binds asynchronously (Bun): settles once the bind completed, after
   * which a failed bind is the error {@linkcode _take_bind_error} raises. `null` otherwise.
   */
  override _bind_settled(): Promise<void> | null {
    return this._binding;
  }

  /** @internal Raises the error a bind ended with (see {@linkcode _bind_settled}), if any. */
  override _take_bind_error(): void {
    this._take_error();
  }

  private get _ipver(): 4 | 6 {
    return this.family === AF_INET ? 4 : 6;
  }

  /** The host form of an address (a name is not resolved here: IP addresses and "localhost"). */
  private _host_addr(address: unknown, method: string): [string, number] {
    const addr = this._check_address(address, method) as [string, number];
    let host = addr[0];
    if (host === "localhost") host = this.family === AF_INET ? "127.0.0.1" : "::1";
    if (host === "" || host === "<broadcast>") {
      host = host === "" ? (this.family === AF_INET ? "0.0.0.0" : "::") : "255.255.255.255";
    }
    if (this.family === AF_INET ? !_is_ipv4(host) : !_is_ipv6(host)) {
      throw new gaierror(EAI_NONAME, "Name or service not known");
    }
    return [host, addr[1]];
  }

  private _py_addr(host: string, port: number): Address {
    return host_addr_to_py(this.family, { hostname: host, port });
  }

  /** Takes the pending error (a failed send), if any. */
  private _take_error(): void {
    if (this._derr !== null) {
      const e = this._derr;
      this._derr = null;
      throw e;
    }
  }

  private _bind_host(host: string, port: number): void {
    let dg: HostDatagram;
    try {
      dg = udp_bind(host, port, this._ipver, !!this._options.get(`${SOL_SOCKET}:${SO_REUSEADDR}`));
    } catch (e) {
      throw _os_error(e);
    }
    this._dg = dg;
    this._sockname = this._py_addr(dg.local.hostname, dg.local.port);
    if (dg.bound !== null) {
      // Bun binds asynchronously (_dgram.ts): the port may change if the one chosen was taken, and
      // an error becomes the socket's pending error, as an asynchronous send error does.
      this._binding = dg.bound.then((err) => {
        this._binding = null;
        if (this._dg !== dg) return;
        if (err !== null) {
          this._derr = _os_error(err);
          this._notify();
        } else {
          this._sockname = this._py_addr(dg.local.hostname, dg.local.port);
        }
      });
    }
    if (this._options.get(`${SOL_SOCKET}:${SO_BROADCAST}`)) dg.set_broadcast(true);
    dg.start(
      (data, from) => {
        const peer = this._peer;
        if (peer !== null && (from[1] !== peer[1] || from[0] !== peer[0])) return;
        if (this._qbytes + data.length > this._rcvbuf) return; // the receive buffer is full: dropped
        this._queue.push([data, this._py_addr(from[0], from[1])]);
        this._qbytes += data.length;
        if (this._queue.length - this._qhead === 1) this._notify();
      },
      (err) => {
        this._derr = _os_error(err);
        this._notify();
      },
    );
  }

  /** `bind(address)`. */
  override bind(address: Address): void {
    this._check_open();
    const [host, port] = this._host_addr(address, "bind");
    if (this._dg !== null) throw oserror("EINVAL");
    this._bind_host(host, port);
  }

  /** `connect(address)`: records the peer (binding to the wildcard address first if unbound). */
  override connect(address: Address): void {
    const err = this.connect_ex(address);
    if (err !== 0) throw new OSError(err, strerror(err));
  }

  /** `connect_ex(address)`. */
  override connect_ex(address: Address): number {
    this._check_open();
    const peer = this._host_addr(address, "connect");
    if (this._peer !== null) return errno.EISCONN;
    if (this._dg === null) this._bind_host(this.family === AF_INET ? "0.0.0.0" : "::", 0);
    try {
      this._dg!.connect(peer);
    } catch (e) {
      return _os_error(e).errno ?? errno.EINVAL;
    }
    this._peer = peer;
    this._peername = this._py_addr(peer[0], peer[1]);
    return 0;
  }

  /** `getpeername()`. */
  override getpeername(): Address {
    this._check_open();
    if (this._peername === null) throw oserror("ENOTCONN");
    return this._peername;
  }

  /** `listen()`: not for datagram sockets. */
  override listen(_backlog: number = SOMAXCONN): void {
    this._check_open();
    throw oserror("EOPNOTSUPP");
  }

  /** `accept()`: not for datagram sockets. */
  override accept(): [socket, Address] {
    this._check_open();
    throw oserror("EOPNOTSUPP");
  }

  /** `recvfrom(bufsize)`: the next datagram (cut to `bufsize`, as UDP cuts it) and its sender. */
  override recvfrom(bufsize: number, _flags: number = 0): [Uint8Array, Address] {
    this._check_open();
    if (bufsize < 0) throw new ValueError("negative buffersize in recvfrom");
    this._take_error();
    if (this._qhead === this._queue.length) throw WOULD_BLOCK();
    const [data, addr] = this._queue[this._qhead];
    this._queue[this._qhead++] = undefined as never;
    this._qbytes -= data.length;
    if (this._qhead === this._queue.length) {
      this._queue = [];
      this._qhead = 0;
    }
    return [data.length > bufsize ? data.slice(0, bufsize) : data, addr];
  }

  /** `recv(bufsize)`: the next datagram. */
  override recv(bufsize: number, flags: number = 0): Uint8Array {
    if (bufsize < 0) throw new ValueError("negative buffersize in recv");
    return this.recvfrom(bufsize, flags)[0];
  }

  /** `recvfrom_into(buffer, nbytes)`: `[bytes copied, sender]`. */
  override recvfrom_into(buffer: Uint8Array, nbytes: number = 0, flags: number = 0): [number, Address] {
    if (nbytes < 0) throw new ValueError("negative buffersize in recvfrom_into");
    if (nbytes > buffer.length) throw new ValueError("nbytes is greater than the length of the buffer");
    const [data, addr] = this.recvfrom(nbytes || buffer.length, flags);
    buffer.set(data);
    return [data.length, addr];
  }

  /** `recv_into(buffer, nbytes)`. */
  override recv_into(buffer: Uint8Array, nbytes: number = 0, flags: number = 0): number {
    if (nbytes < 0) throw new ValueError("negative buffersize in recv_into");
    if (nbytes > buffer.length) throw new ValueError("buffer too small for requested bytes");
    return this.recvfrom_into(buffer, nbytes, flags)[0];
  }

  /** `sendto(data, address)` / `sendto(data, flags, address)`: the datagram's length. */
  override sendto(data: Uint8Array, flags_or_address: number | Address, address?: Address): number {
    this._check_open();
    const to = address === undefined ? flags_or_address : address;
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(`a bytes-like object is required, not '${type_name(data)}'`);
    }
    const dest = this._host_addr(to, "sendto");
    if (this._peer !== null) throw oserror("EISCONN");
    return this._send_to(data, dest);
  }

  /** `send(data)`: to the connected peer. */
  override send(data: Uint8Array, _flags: number = 0): number {
    this._check_open();
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(`a bytes-like object is required, not '${type_name(data)}'`);
    }
    if (this._peer === null) throw oserror("EDESTADDRREQ");
    return this._send_to(data, this._peer);
  }

  /** `sendall(data)`: as `send()` (a datagram goes whole or not at all). */
  override sendall(data: Uint8Array, flags: number = 0): void {
    this.send(data, flags);
  }

  private _send_to(data: Uint8Array, dest: [string, number]): number {
    this._take_error();
    if (data.length > UDP_MAX[this._ipver]) throw oserror("EMSGSIZE");
    if (this._dpending >= this._sndbuf) throw WOULD_BLOCK();
    if (this._dg === null) this._bind_host(this.family === AF_INET ? "0.0.0.0" : "::", 0);
    const n = data.length;
    this._dpending += n;
    this._dg!.send(data.slice(), this._peer !== null ? null : dest, (err) => {
      const was_full = this._dpending >= this._sndbuf;
      this._dpending -= n;
      if (err !== null && this._fd >= 0) {
        this._derr = _os_error(err);
        this._notify();
      } else if (was_full && this._dpending < this._sndbuf) {
        this._notify();
      }
    });
    return n;
  }

  /** `shutdown(how)`: `ENOTCONN` unless connected; otherwise nothing to do for UDP. */
  override shutdown(how: number): void {
    this._check_open();
    if (how !== SHUT_RD && how !== SHUT_WR && how !== SHUT_RDWR) throw oserror("EINVAL");
    if (this._peer === null) throw oserror("ENOTCONN");
  }

  /** `setsockopt()`: SO_BROADCAST goes to the host. */
  override setsockopt(level: number, option: number, value: number | boolean): void {
    super.setsockopt(level, option, value);
    if (level === SOL_SOCKET && option === SO_BROADCAST && this._dg !== null) this._dg.set_broadcast(!!value);
  }

  /** @internal For the selector. */
  override _readiness(): number {
    if (this.fileno() < 0) return 0;
    let ev = 0;
    if (this._qhead < this._queue.length || this._derr !== null) ev |= EVENT_READ;
    if (this._dpending < this._sndbuf || this._derr !== null) ev |= EVENT_WRITE;
    return ev;
  }

  /** @internal */
  override _attach_selector(selector: DefaultSelector | null, _events = 0): void {
    this._selector = selector;
  }

  /** `close()`. */
  override close(): void {
    if (this.fileno() < 0) return;
    super.close();
    this._dg?.close();
    this._dg = null;
    this._queue = [];
    this._qhead = 0;
    this._qbytes = 0;
  }

  /** Python's repr. */
  override toString(): string {
    if (this.fileno() < 0) return super.toString();
    let s =
      `<socket.socket fd=${this.fileno()}, family=${this.family}, type=${this.type}, proto=${this.proto}`;
    s += `, laddr=${repr(this.getsockname())}`;
    if (this._peername !== null) s += `, raddr=${repr(this._peername)}`;
    return s + ">";
  }
}

/** One `getaddrinfo()` entry: `[family, type, proto, canonname, sockaddr]`. */
export type AddrInfo = [number, number, number, string, Address];

/**
 * `getaddrinfo(host, port, family, type, proto, flags)` on the host's resolver, asynchronously
 * (the hosts offer no blocking resolver). Numeric hosts are answered without asking.
 */
export async function getaddrinfo(
  host: string | null,
  port: number | string | null,
  family: number = 0,
  type: number = 0,
  proto: number = 0,
  flags: number = 0,
): Promise<AddrInfo[]> {
  if (host !== null && host !== undefined && typeof host !== "string") {
    throw new TypeError("getaddrinfo() argument 1 must be string or None");
  }
  // The service: as the C library reads it (a number goes by its decimal string; the port is its
  // low 16 bits), with Python's checks of the argument's type.
  let p = 0;
  // A service name: its ports by protocol (the services file), which also limit the socket kinds.
  let service: _Service | null = null;
  if (typeof port === "string") {
    if (!/^\d+$/.test(port)) {
      service = _services().by_name.get(port) ?? null;
      if (service === null) throw new gaierror(EAI_SERVICE, "Servname not supported for ai_socktype");
    } else p = Number(port) % 65536;
  } else if (typeof port === "number") {
    if (!Number.isInteger(port)) throw new OSError("Int or String expected");
    if (port < 0) throw new gaierror(EAI_SERVICE, "Servname not supported for ai_socktype");
    p = port % 65536;
  } else if (port !== null && port !== undefined) {
    throw new OSError("Int or String expected");
  }
  if ((host === null || host === undefined) && (port === null || port === undefined)) {
    throw new gaierror(EAI_NONAME, "Name or service not known");
  }
  let kinds = _socket_kinds(type, proto);
  if (service !== null) {
    // As glibc: the kinds whose protocol the service is listed for (a raw socket has none).
    kinds = kinds.filter(([t]) =>
      (t === SOCK_STREAM ? service.tcp : t === SOCK_DGRAM ? service.udp : undefined) !== undefined
    );
    if (kinds.length === 0) throw new gaierror(EAI_SERVICE, "Servname not supported for ai_socktype");
  }
  let addrs: [4 | 6, string][];
  if (host === null || host === undefined) {
    if (flags & AI_PASSIVE) addrs = [[4, "0.0.0.0"], [6, "::"]];
    else addrs = [[4, "127.0.0.1"], [6, "::1"]];
  } else if (_is_ipv4(host)) {
    addrs = [[4, host]];
  } else if (_is_ipv6(host)) {
    addrs = [[6, host]];
  } else if (flags & AI_NUMERICHOST || host === "") {
    throw new gaierror(EAI_NONAME, "Name or service not known");
  } else {
    try {
      addrs = await lookup(host, family === AF_INET ? 4 : family === AF_INET6 ? 6 : 0);
    } catch {
      throw new gaierror(EAI_NONAME, "Name or service not known");
    }
  }
  const out: AddrInfo[] = [];
  for (const [f, a] of addrs) {
    const fam = f === 4 ? AF_INET : AF_INET6;
    if (family !== 0 && family !== fam) continue;
    for (const [t, pr] of kinds) {
      const tp = service === null ? p : (t === SOCK_STREAM ? service.tcp : service.udp)!;
      const addr: Address = fam === AF_INET ? tuple([a, tp]) : tuple([a, tp, 0, 0]);
      out.push(tuple([fam, t, pr, "", addr]));
    }
  }
  if (out.length === 0) throw new gaierror(-9, "Address family for hostname not supported");
  return out;
}

/** A service of the services file: its port for TCP and for UDP, where it is listed for them. */
interface _Service {
  tcp?: number;
  udp?: number;
}

let _services_cache: { by_name: Map<string, _Service>; by_port: Map<string, string> } | null = null;

/**
 * The system's services file (`/etc/services`), as the C library reads it: names and aliases to
 * ports by protocol, and `port/proto` to the first name listed. Without one, a few common services.
 */
function _services(): { by_name: Map<string, _Service>; by_port: Map<string, string> } {
  if (_services_cache !== null) return _services_cache;
  const by_name = new Map<string, _Service>();
  const by_port = new Map<string, string>();
  const text = read_text_file("/etc/services") ??
    "ftp 21/tcp\nssh 22/tcp\nsmtp 25/tcp\ndomain 53/tcp\ndomain 53/udp\nhttp 80/tcp www\nhttps 443/tcp\n";
  for (const line of text.split("\n")) {
    const fields = line.replace(/#.*/, "").trim().split(/\s+/);
    const m = /^(\d+)\/(tcp|udp)$/.exec(fields[1] ?? "");
    if (m === null) continue;
    const port = Number(m[1]), proto = m[2] as "tcp" | "udp";
    for (const name of [fields[0], ...fields.slice(2)]) {
      const entry = by_name.get(name) ?? {};
      if (entry[proto] === undefined) entry[proto] = port;
      by_name.set(name, entry);
    }
    const key = `${port}/${proto}`;
    if (!by_port.has(key)) by_port.set(key, fields[0]);
  }
  return _services_cache = { by_name, by_port };
}

/**
 * `getnameinfo(sockaddr, flags)`: `[host, port]` as names (the host's reverse lookup, the
 * services file), or as numbers where there is no name or the flags ask for them. Asynchronous:
 * the hosts' lookups are.
 */
export async function getnameinfo(sockaddr: Address, flags: number): Promise<[string, string]> {
  if (!Array.isArray(sockaddr)) throw new TypeError("getnameinfo() argument 1 must be a tuple");
  const [host, port] = sockaddr as unknown[];
  if (sockaddr.length < 2 || sockaddr.length > 4 || typeof host !== "string") {
    throw new TypeError("getnameinfo(): illegal sockaddr argument");
  }
  if (typeof port !== "number" || !Number.isInteger(port)) {
    throw new TypeError(`'${type_name(port)}' object cannot be interpreted as an integer`);
  }
  if (!_is_ipv4(host) && !_is_ipv6(host)) throw new gaierror(EAI_NONAME, "Name or service not known");
  // (the port is taken as the C library takes it: its low 16 bits)
  const p = ((port % 65536) + 65536) % 65536;
  let name = host;
  if (!(flags & NI_NUMERICHOST)) {
    const found = await lookup_name(host, p);
    if (found !== null) name = found;
    else if (flags & NI_NAMEREQD) throw new gaierror(EAI_NONAME, "Name or service not known");
  }
  let serv = String(p);
  if (!(flags & NI_NUMERICSERV)) {
    serv = _services().by_port.get(`${p}/${flags & NI_DGRAM ? "udp" : "tcp"}`) ?? serv;
  }
  return tuple([name, serv]);
}

/**
 * The `[type, proto]` pairs `getaddrinfo()` answers for each address, as glibc does for TCP and
 * UDP: all three kinds when neither a type nor a protocol is given, the one a protocol implies,
 * and `EAI_SOCKTYPE` for a type and protocol that do not go together. Other protocol numbers are
 * refused as glibc refuses ICMP's (`EAI_SERVICE`); glibc answers a few others (SCTP) that the
 * emulation has no use for.
 */
function _socket_kinds(type: number, proto: number): [number, number][] {
  const implied = type === SOCK_STREAM ? IPPROTO_TCP : type === SOCK_DGRAM ? IPPROTO_UDP : 0;
  if (type !== 0 && proto !== 0 && (proto === IPPROTO_TCP || proto === IPPROTO_UDP) && proto !== implied) {
    throw new gaierror(EAI_SOCKTYPE, "ai_socktype not supported");
  }
  if (type !== 0) return [[type, proto || implied]];
  if (proto === IPPROTO_TCP) return [[SOCK_STREAM, IPPROTO_TCP]];
  if (proto === IPPROTO_UDP) return [[SOCK_DGRAM, IPPROTO_UDP]];
  if (proto === 0) return [[SOCK_STREAM, IPPROTO_TCP], [SOCK_DGRAM, IPPROTO_UDP], [SOCK_RAW, 0]];
  throw new gaierror(EAI_SERVICE, "Servname not supported for ai_socktype");
}

/**
 * @internal When `bind()` failed with `EADDRINUSE` only because a listener of this process closed
 * a moment ago still holds the address (Deno frees it a host tick later), a Promise that resolves
 * once it is free; else `null`. Asynchronous callers (`create_server`) wait on it and bind again.
 */
export function _address_released(err: unknown): Promise<void> | null {
  return (err as { _released?: Promise<void> })?._released ?? null;
}

/**
 * Python's `socket.create_server(address, family=AF_INET, backlog=None, reuse_port=False)`: a
 * listening TCP socket (`SO_REUSEADDR` set, as Python does on POSIX).
 */
export function create_server(
  address: Address,
  options: { family?: number; backlog?: number | null; reuse_port?: boolean } = {},
): socket {
  const { family = AF_INET, backlog = null, reuse_port = false } = options;
  const sock = new socket(family, SOCK_STREAM);
  try {
    sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    if (reuse_port) sock.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
    sock.bind(address);
    sock.listen(backlog ?? SOMAXCONN);
  } catch (e) {
    sock.close();
    throw e;
  }
  return sock;
}

let _pair_counter = 0;

/**
 * Python's `socket.socketpair(family=AF_UNIX, type=SOCK_STREAM)`: two connected stream sockets.
 * The hosts connect asynchronously, so the pair is returned at once and connects in the background
 * (within a few host ticks) over a listener made for it: a Unix socket in the temporary directory,
 * or the loopback address for AF_INET/AF_INET6, closed as soon as the pair is connected. Until then
 * both ends are connecting: a non-blocking `recv()` raises `BlockingIOError` and a selector sees
 * them once they are connected; what a blocking end sends meanwhile is sent once connected. The
 * listener takes the first connection it gets: on AF_INET/AF_INET6 another local process could
 * connect first (as with CPython's own fallback socketpair, which checks the peer's address); the
 * default AF_UNIX listener is a file only its owner can connect to (the usual umask).
 */
export function socketpair(
  family: number = AF_UNIX,
  type: number = SOCK_STREAM,
  proto: number = 0,
): [socket, socket] {
  if ((type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) !== SOCK_STREAM) {
    throw oserror("EOPNOTSUPP");
  }
  let listener: HostListener;
  let address: Address;
  let cleanup = () => {};
  try {
    if (family === AF_UNIX) {
      const path = `${getenv("TMPDIR") || "/tmp"}/pystd-socketpair-${_pid_tag}-${++_pair_counter}.sock`;
      listener = unix_listen(path, 1);
      address = path;
      cleanup = () => {
        try {
          unlink(path);
        } catch {
          // already gone
        }
      };
    } else if (family === AF_INET || family === AF_INET6) {
      const host = family === AF_INET ? "127.0.0.1" : "::1";
      listener = tcp_listen(host, 0, 1);
      const local = listener.local as { hostname: string; port: number };
      address = family === AF_INET ? tuple([host, local.port]) : tuple([host, local.port, 0, 0]);
    } else {
      throw oserror("EAFNOSUPPORT");
    }
  } catch (e) {
    if (e instanceof OSError) throw e;
    throw _os_error(e);
  }
  const a = new socket(family, type, proto);
  const b = new socket(family, type, proto);
  socket._pair(a, b, listener, address, cleanup);
  return tuple([a, b]);
}

const _pid_tag = Math.random().toString(36).slice(2, 10);

// (where Python prints them from: `socket.gaierror: [Errno -2] ...` in a traceback)
_set_module("socket", gaierror, herror);
