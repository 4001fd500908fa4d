/**
 * The one module that touches the runtime (Deno). The npm build replaces it with
 * `_host.node.ts`, which has the same exports written on Node's APIs.
 *
 * Everything the port needs from the host goes through here: the monotonic clock, one-shot
 * timers, the cheap "let the host run" hop, signals, the environment and stderr. Open host
 * resources are counted ({@linkcode open_resources}) so tests can assert that a closed event loop
 * leaves nothing behind.
 *
 * @module
 */

/** Counts of host resources the port holds open now. */
export interface OpenResources {
  /** Host timers armed and not yet fired or cleared. */
  timers: number;
  /** Signal listeners installed. */
  signals: number;
  /** Host sockets (TCP and Unix connections, UDP sockets) open. */
  sockets: number;
  /** Host listeners open. */
  listeners: number;
  /** Pipes (standard streams, children's pipes) opened for pipe transports and not closed. */
  pipes: number;
  /** Child processes started and not yet exited. */
  children: number;
}

import { concat } from "./_bytes.ts";
import {
  _share_counts,
  fd_kind,
  type HostChild,
  type HostPipe,
  signal_name,
  SIGNAL_NUMBERS,
  type SpawnOptions,
  type StdioKind,
  type StdioSpec,
  tcp_connect as node_tcp_connect,
} from "./_host.node.ts";
// Deno's `node:dns` has the system's reverse lookup (Deno.resolveDns asks DNS servers only).
export { lookup_name } from "./_host.node.ts";

const counts: OpenResources = { timers: 0, signals: 0, sockets: 0, listeners: 0, pipes: 0, children: 0 };
// The Node host's TCP connect serves what Deno.connect cannot do (a chosen local address); its
// sockets are counted here.
_share_counts(counts);

/** The host runtime's name. */
export const runtime: "deno" | "node" | "bun" = "deno";

/** How many host resources are open now (a copy). */
export function open_resources(): OpenResources {
  return { ...counts };
}

/** @internal Counts a host socket opened (+1) or closed (-1) outside this module (`_dgram.ts`). */
export function _count_socket(delta: 1 | -1): void {
  counts.sockets += delta;
}

/** Seconds on a monotonic clock (Python's `time.monotonic()`). */
export function monotonic(): number {
  return performance.now() / 1000;
}

/** A host timer handle. */
export type HostTimer = ReturnType<typeof setTimeout>;

/** The longest delay a host timer takes (2^31 - 1 ms); longer waits are split by the caller. */
export const MAX_TIMER_MS = 2147483647;

/** Arms a one-shot host timer; `callback` runs once after `ms` milliseconds unless cleared. */
export function set_timer(ms: number, callback: () => void): HostTimer {
  counts.timers++;
  return setTimeout(() => {
    counts.timers--;
    callback();
  }, ms);
}

/** Clears a timer armed by {@linkcode set_timer} that has not fired yet. */
export function clear_timer(t: HostTimer): void {
  counts.timers--;
  clearTimeout(t);
}

/**
 * Resolves after the host had a chance to run its own work (I/O completions, timers, other
 * code): the cheapest hop that is not clamped and does not starve I/O (`setImmediate`).
 */
export function hop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Whether a {@linkcode hop} lets the host poll its I/O. Not on Deno: while its event loop has work
 * queued it polls I/O only every 61 scheduler ticks (see {@linkcode open_io_poller}).
 */
export const HOP_POLLS_IO = false;

/** A way to make the host look at its I/O at once, for a loop that keeps itself busy. */
export interface IoPoller {
  /**
   * Resolves once the host has polled its I/O and run the completions it found; rejects if the
   * poller broke (it is then closed and not used again).
   */
  poll(): Promise<void>;
  /** Releases the poller's resources (synchronously); `poll()` must not be pending. */
  close(): void;
}

// Set when the poller cannot be made here (no loopback, no net permission): not tried again.
let io_poller_unavailable = false;

/**
 * Opens an {@linkcode IoPoller}, or returns `null` when the host's own hop already polls its I/O.
 *
 * Deno needs one. While its event loop has work queued (each `setImmediate` hop is such work),
 * it asks the OS for I/O readiness only every 61 scheduler ticks (tokio's `event_interval`), so a
 * loop that hops at every iteration hears of a completion some 60 hops (~100 µs) late. An
 * operation that only the I/O driver can complete makes Deno park and poll the OS at once: the
 * poller writes one byte to itself over a loopback TCP connection and reads it back (~15 µs, all
 * other ready I/O delivered in the same poll), then hops once so that the completions found run
 * before the loop does. It needs network permission for 127.0.0.1 (all ports), which is not
 * asked for: without it this returns `null` (and without loopback, resolves to `null`), and the
 * loop keeps to `setImmediate` hops.
 */
export function open_io_poller(): Promise<IoPoller | null> | null {
  if (io_poller_unavailable) return null;
  // Only with the permission already granted: asking would prompt the user for it.
  if (Deno.permissions.querySync({ name: "net", host: "127.0.0.1" }).state !== "granted") {
    io_poller_unavailable = true;
    return null;
  }
  return open_loopback_poller().catch(() => {
    io_poller_unavailable = true;
    return null;
  });
}

async function open_loopback_poller(): Promise<IoPoller> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let a: Deno.TcpConn | null = null;
  let b: Deno.TcpConn | null = null;
  try {
    const accepting = listener.accept();
    a = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
    // Only our own connection is kept: another local process could connect to the port first.
    for (let tries = 0; tries < 8 && b === null; tries++) {
      const c = await (tries === 0 ? accepting : listener.accept());
      if (c.remoteAddr.port === a.localAddr.port) b = c;
      else c.close();
    }
    if (b === null) throw new Error("loopback poller: own connection not accepted");
  } catch (e) {
    a?.close();
    throw e;
  } finally {
    listener.close();
  }
  a.setNoDelay(true);
  return new LoopbackPoller(a, b);
}

class LoopbackPoller implements IoPoller {
  private static readonly one = new Uint8Array(1);
  // A read takes whatever bytes are there (one per poll; more only if a poll was abandoned).
  private readonly buf = new Uint8Array(64);
  constructor(private readonly a: Deno.TcpConn, private readonly b: Deno.TcpConn) {}

  poll(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.a.write(LoopbackPoller.one).catch(reject);
      this.b.read(this.buf).then((n) => {
        if (n === null) reject(new Error("loopback poller: connection closed"));
        else resolve(hop());
      }, reject);
    });
  }

  close(): void {
    this.a.close();
    this.b.close();
  }
}

/** Signal numbers, as Python's `signal` module has them on Linux. */
export const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGUSR1: 10,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGWINCH: 28,
};

const _listeners = new Map<string, Set<() => void>>();

/**
 * Calls the listeners installed for the signal `name`, as if it had arrived, without sending it
 * (Python's `_thread.interrupt_main()` for SIGINT). Returns whether any listener was called.
 */
export function simulate_signal(name: string): boolean {
  const set = _listeners.get(name);
  if (!set || set.size === 0) return false;
  for (const fn of [...set]) fn();
  return true;
}

/** Installs a listener for the signal `name` (e.g. `"SIGINT"`). */
export function add_signal_listener(name: string, fn: () => void): void {
  Deno.addSignalListener(name as Deno.Signal, fn);
  counts.signals++;
  let set = _listeners.get(name);
  if (set === undefined) _listeners.set(name, set = new Set());
  set.add(fn);
}

/** Removes a listener installed by {@linkcode add_signal_listener}. */
export function remove_signal_listener(name: string, fn: () => void): void {
  Deno.removeSignalListener(name as Deno.Signal, fn);
  counts.signals--;
  _listeners.get(name)?.delete(fn);
}

/** An environment variable, or `undefined` (also when the permission to read it is missing). */
export function getenv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

const encoder = new TextEncoder();

/** Writes text to stderr, synchronously. */
export function write_stderr(text: string): void {
  Deno.stderr.writeSync(encoder.encode(text));
}

// ---------------------------------------------------------------------------------------------
// Networking. The socket emulation (`stdlib/socket.ts`) sees the host through these few shapes,
// written once per host: a connected byte stream that pushes what it reads, and a listener that
// pushes the connections it accepts. Errors carry a POSIX code (`ECONNREFUSED`...).

/** An error from the host's networking, with the POSIX name of its cause in `code`. */
export class HostError extends Error {
  /** `ECONNREFUSED`, `ECONNRESET`, `EPIPE`, `EADDRINUSE`, ... */
  code: string;
  /** Builds the error. */
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** An address as the host gives it: TCP (hostname and port) or Unix (path). */
export type HostAddr = { hostname: string; port: number } | { path: string };

/** Where a {@linkcode HostStream} delivers what it reads. */
export interface StreamSink {
  /** Bytes arrived (the sink owns the array). */
  on_data(chunk: Uint8Array): void;
  /** The peer will send no more. */
  on_eof(): void;
  /** Reading failed; the stream is broken. */
  on_error(err: HostError): void;
}

/** TLS options of a client connection. */
export interface TlsClientOptions {
  /** The name to send (SNI) and check the certificate against. */
  server_hostname: string;
  /** PEM certificates of the authorities to trust (default: the host's store). */
  ca_certs?: string[];
  /** ALPN protocols to offer. */
  alpn_protocols?: string[];
}

/** TLS options of a listener. */
export interface TlsServerOptions {
  /** The PEM certificate chain. */
  cert: string;
  /** Its PEM private key. */
  key: string;
  /** ALPN protocols to accept. */
  alpn_protocols?: string[];
}

/** What a TLS stream negotiated. */
export interface TlsInfo {
  /** The ALPN protocol chosen, or `null`. */
  alpn_protocol: string | null;
  /** Python's `cipher()`: name, protocol version, secret bits; `null` where the host does not say. */
  cipher: [string, string, number] | null;
  /** Python's `getpeercert()` of a verified peer certificate; `null` if none or unknown. */
  peercert: Record<string, unknown> | null;
}

/** A connected host stream (TCP or Unix). */
export interface HostStream {
  /** The local address. */
  readonly local: HostAddr;
  /** The peer's address. */
  readonly remote: HostAddr;
  /** What TLS negotiated, or `null` for a plain stream. */
  readonly tls: TlsInfo | null;
  /** Starts pushing reads to `sink`. */
  start(sink: StreamSink): void;
  /** Stops reading from the host (what arrives stays in the kernel). */
  pause(): void;
  /** Reads again. */
  resume(): void;
  /** Writes all of `data` (the stream owns it), in order; `done` is called once it is written. */
  write(data: Uint8Array, done: (err: HostError | null) => void): void;
  /** Sends EOF once the writes before it are done. */
  shutdown(done: (err: HostError | null) => void): void;
  /** Closes the stream now; pending writes are dropped. */
  close(): void;
  /** Sets TCP_NODELAY (no-op for Unix sockets). */
  set_nodelay(on: boolean): void;
  /** Lets the process exit even though this stream is still open (it is only finishing writes). */
  unref(): void;
  /**
   * Why TLS cannot be put on this stream now (`null`: it can): the host may lack the server side,
   * or be unable to hand over a stream with a read in flight or `unread` bytes already received.
   */
  tls_upgrade_blocker(side: TlsSide, unread: number): string | null;
  /**
   * Puts TLS on the stream once the writes before it are done: the handshake runs (`side.client`
   * or `side.server`), then the TLS stream replaces this one, which must not be used or closed
   * afterwards. `unread` are bytes already read from the host that belong to TLS. A handshake
   * failure rejects with code `ESSL` and closes the connection; so does {@linkcode abort_tls}.
   */
  start_tls(side: TlsSide, unread: Uint8Array | null): Promise<HostStream>;
  /** Closes the connection during {@linkcode start_tls} (a handshake taking too long). */
  abort_tls(): void;
  /**
   * How long closing a TLS stream may wait for the peer's close (CPython's
   * `ssl_shutdown_timeout`). Deno closes TLS connections its own way and does not use it.
   */
  tls_shutdown_ms: number;
}

/** Which end of the TLS handshake a stream takes, with its options. */
export type TlsSide = { client: TlsClientOptions; server?: undefined } | {
  server: TlsServerOptions;
  client?: undefined;
};

/** Whether this host can put TLS on an accepted (server-side) connection: Deno cannot. */
export const SERVER_TLS_UPGRADE = false;

/** A listening host socket. */
export interface HostListener {
  /** The bound address. */
  readonly local: HostAddr;
  /** Starts pushing accepted connections to `on_conn` (and accept errors to `on_error`). */
  start(on_conn: (s: HostStream) => void, on_error: (err: HostError) => void): void;
  /** Stops accepting (connections wait in the kernel's backlog). */
  pause(): void;
  /** Accepts again. */
  resume(): void;
  /** Closes the listener. */
  close(): void;
}

// Deno's error classes, by name, to POSIX codes.
const DENO_CODES: Record<string, string> = {
  ConnectionRefused: "ECONNREFUSED",
  ConnectionReset: "ECONNRESET",
  ConnectionAborted: "ECONNABORTED",
  BrokenPipe: "EPIPE",
  NotConnected: "ENOTCONN",
  AddrInUse: "EADDRINUSE",
  AddrNotAvailable: "EADDRNOTAVAIL",
  NotFound: "ENOENT",
  PermissionDenied: "EACCES",
  NotCapable: "EACCES",
  TimedOut: "ETIMEDOUT",
  Interrupted: "EINTR",
  BadResource: "EBADF",
  AlreadyExists: "EEXIST",
  InvalidData: "EINVAL",
  WouldBlock: "EAGAIN",
  NetworkUnreachable: "ENETUNREACH",
  IsADirectory: "EISDIR",
  NotADirectory: "ENOTDIR",
};

/** The {@linkcode HostError} for anything the host threw. */
export function host_error(e: unknown): HostError {
  if (e instanceof HostError) return e;
  const err = e as { name?: string; code?: string; message?: string };
  const code = (typeof err?.code === "string" && err.code.startsWith("E") ? err.code : undefined) ??
    DENO_CODES[err?.name ?? ""] ?? "EIO";
  return new HostError(code, String(err?.message ?? e));
}

function deno_addr(a: Deno.Addr): HostAddr {
  if (a.transport === "tcp" || a.transport === "udp") return { hostname: a.hostname, port: a.port };
  return { path: (a as Deno.UnixAddr).path ?? "" };
}

// Reads fill a buffer one after another (see DenoStream._read). A connection starts with a small
// one and takes buffers four times bigger, up to READ_SIZE, when a read fills the room it had
// (more than a quarter of a buffer): a connection that exchanges small messages does not allocate
// 256 KiB (allocating memory is what a read costs most here), a bulk transfer soon reads 256 KiB
// at a time.
const READ_SIZE = 256 * 1024;
const FIRST_READ_SIZE = 16 * 1024;
// The least room a read is given (a new buffer is taken at or below it): more than a quarter of
// the buffer, at most 64 KiB. (A read that fills its room exactly costs Deno an extra `recv`: tokio
// stops trying the socket only after a short read or EAGAIN, so a connection exchanging 4 KiB
// messages made one failed `recv` per four reads with rooms of exactly 4 KiB.)
const MIN_READ = 64 * 1024;

/**
 * A failed TLS handshake: `ECONNRESET` if the peer closed or reset the connection meanwhile
 * (CPython's SSLProtocol reports that as ConnectionResetError), else `ESSL`.
 */
function tls_handshake_error(e: unknown): HostError {
  const name = (e as { name?: string })?.name ?? "";
  const message = String((e as Error)?.message ?? e);
  if (
    name === "UnexpectedEof" || name === "ConnectionReset" || name === "BrokenPipe" ||
    /unexpected ?eof|connection reset|close_notify|broken pipe/i.test(message)
  ) {
    return new HostError("ECONNRESET", message);
  }
  return new HostError("ESSL", message);
}

class DenoStream implements HostStream {
  readonly local: HostAddr;
  readonly remote: HostAddr;
  tls: TlsInfo | null = null;
  private _sink: StreamSink | null = null;
  private _reading = false; // a read is in flight
  private _paused = false;
  private _closed = false;
  private _size = FIRST_READ_SIZE;
  private _buf: Uint8Array | null = null; // (made by the first read)
  private _off = 0;
  private _queue: [Uint8Array | null, (err: HostError | null) => void][] = [];
  private _writing = false;
  private _drained: (() => void)[] = [];
  // Closed while TLS writes were pending: they are finished first (see close()).
  private _flush_on_close = false;
  private _tls_conn: Deno.Conn | null = null;
  tls_shutdown_ms = 30_000;

  constructor(private _conn: Deno.Conn, addrs: [HostAddr, HostAddr] | null = null) {
    counts.sockets++;
    // A TLS connection made over a TCP one keeps that one's addresses.
    this.local = addrs?.[0] ?? deno_addr(_conn.localAddr);
    this.remote = addrs?.[1] ?? deno_addr(_conn.remoteAddr);
  }

  start(sink: StreamSink): void {
    this._sink = sink;
    this._read();
  }

  pause(): void {
    this._paused = true;
  }

  resume(): void {
    if (!this._paused) return;
    this._paused = false;
    if (this._sink !== null) this._read();
  }

  private _read(): void {
    if (this._reading || this._closed || this._paused) return;
    this._reading = true;
    const buf = this._buf ??= new Uint8Array(this._size);
    const off = this._off;
    this._conn.read(buf.subarray(off)).then(
      (n) => {
        this._reading = false;
        if (this._closed) return;
        const sink = this._sink!;
        if (n === null) {
          sink.on_eof();
          return;
        }
        // Reads fill the buffer one after another and each is handed over as a view (no copy, no
        // allocation: a 4 KiB array costs microseconds); the buffer is never written again where
        // a view was handed out, and a new one is taken when little room is left.
        const chunk = buf.subarray(off, off + n);
        const size = this._size;
        if (off + n === buf.length && n > size / 4 && size < READ_SIZE) this._size = size * 4;
        this._off = off + n;
        if (buf.length - this._off <= Math.min(MIN_READ, this._size / 4)) {
          this._buf = new Uint8Array(this._size);
          this._off = 0;
        }
        sink.on_data(chunk);
        this._read();
      },
      (e) => {
        this._reading = false;
        if (this._closed) return;
        // On a TLS stream, a broken record is a TLS error (Python's ssl.SSLError).
        const err = this.tls !== null && tls_handshake_error(e).code === "ESSL"
          ? new HostError("ESSL", String((e as Error)?.message ?? e))
          : host_error(e);
        this._sink!.on_error(err);
      },
    );
  }

  write(data: Uint8Array, done: (err: HostError | null) => void): void {
    this._queue.push([data, done]);
    if (!this._writing) this._pump();
  }

  shutdown(done: (err: HostError | null) => void): void {
    this._queue.push([null, done]);
    if (!this._writing) this._pump();
  }

  // Writes the queue's head, then the next (no async function: one Promise per host write).
  private _pump(): void {
    const q = this._queue;
    if (q.length === 0 || (this._closed && !this._flush_on_close)) {
      this._writing = false;
      for (const f of this._drained.splice(0)) f();
      return;
    }
    this._writing = true;
    const [data, done] = q[0];
    const fail = (e: unknown) => {
      const err = host_error(e);
      for (const [, cb] of q.splice(0)) cb(this._closed ? null : err);
      this._writing = false;
      for (const f of this._drained.splice(0)) f();
    };
    if (data === null) {
      this._conn.closeWrite().then(() => {
        q.shift();
        done(null);
        this._pump();
      }, fail);
      return;
    }
    this._conn.write(data).then((n) => {
      if (n < data.length) {
        // A partial write: the rest goes next.
        q[0] = [data.subarray(n), done];
      } else {
        q.shift();
        done(null);
      }
      this._pump();
    }, fail);
  }

  tls_upgrade_blocker(side: TlsSide, unread: number): string | null {
    if (this.tls !== null) return "the connection is already TLS";
    if (side.server !== undefined) {
      return "Deno cannot put TLS on an accepted connection (it has no server-side upgrade)";
    }
    if (!("hostname" in this.remote)) return "Deno puts TLS on TCP connections only";
    if (this._reading) return "a read is in flight on this connection, and Deno cannot cancel it";
    if (unread > 0) return "bytes arrived before the TLS handshake";
    if (this._closed) return "the connection is closed";
    return null;
  }

  async start_tls(side: TlsSide, _unread: Uint8Array | null): Promise<HostStream> {
    const opts = side.client!;
    this._paused = true;
    if (this._writing) await new Promise<void>((r) => this._drained.push(r));
    if (this._closed) throw new HostError("ESSL", "the connection was closed before the TLS handshake");
    // This stream is handed over: it neither reads nor counts as open any more.
    this._closed = true;
    counts.sockets--;
    this._tls_conn = this._conn;
    let t: Deno.TlsConn;
    try {
      t = await Deno.startTls(this._conn as Deno.TcpConn, {
        hostname: opts.server_hostname,
        caCerts: opts.ca_certs,
        alpnProtocols: opts.alpn_protocols,
      });
    } catch (e) {
      this._abort_conn();
      throw tls_handshake_error(e);
    }
    this._tls_conn = t;
    try {
      const hs = await t.handshake();
      if (this._tls_conn === null) throw new Error("the TLS handshake was aborted");
      this._tls_conn = null;
      const stream = new DenoStream(t, [this.local, this.remote]);
      stream.tls = { alpn_protocol: hs.alpnProtocol, cipher: null, peercert: null };
      return stream;
    } catch (e) {
      this._abort_conn();
      throw tls_handshake_error(e);
    }
  }

  abort_tls(): void {
    this._abort_conn();
  }

  private _abort_conn(): void {
    const c = this._tls_conn;
    this._tls_conn = null;
    try {
      c?.close();
    } catch {
      // already closed
    }
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    counts.sockets--;
    if (this.tls !== null && this._writing) {
      // TLS: the writes already accepted are finished first (the socket layer lingers for plain
      // streams only), then the connection is closed; after tls_shutdown_ms it is closed anyway.
      const conn = this._conn;
      const finish = () => {
        clearTimeout(timer);
        try {
          conn.close();
        } catch {
          // already closed by the host
        }
      };
      const timer = setTimeout(finish, this.tls_shutdown_ms);
      Deno.unrefTimer(timer);
      this._flush_on_close = true;
      this._drained.push(finish);
      return;
    }
    this._queue.length = 0;
    try {
      this._conn.close();
    } catch {
      // already closed by the host
    }
  }

  unref(): void {
    (this._conn as { unref?: () => void }).unref?.();
  }

  set_nodelay(on: boolean): void {
    const c = this._conn as Deno.TcpConn;
    if (typeof c.setNoDelay === "function") c.setNoDelay(on);
  }
}

/** Whether `tcp_listen` can make an IPv6 listener IPv6-only (Deno cannot). */
export const V6ONLY_SUPPORTED = false;

// Addresses of listeners closed while an accept was pending: Deno frees the port only once that
// accept has failed (a host tick later). Keyed like `addr_key`.
const _releasing = new Map<string, Promise<void>>();

function addr_key(a: HostAddr): string {
  return "path" in a ? a.path : `${a.hostname}:${a.port}`;
}

/**
 * If the address `a` was held by a listener closed a moment ago and is not free yet, a Promise
 * that resolves once it is; else `null`.
 */
export function address_release(a: HostAddr): Promise<void> | null {
  return _releasing.get(addr_key(a)) ?? null;
}

class DenoListener implements HostListener {
  private _pending: Promise<void> | null = null;
  readonly local: HostAddr;
  private _on_conn: ((s: HostStream) => void) | null = null;
  private _on_error: ((err: HostError) => void) | null = null;
  private _accepting = false;
  private _paused = false;
  private _closed = false;

  constructor(private _listener: Deno.Listener, private _tls: boolean = false) {
    counts.listeners++;
    this.local = deno_addr(_listener.addr);
  }

  start(on_conn: (s: HostStream) => void, on_error: (err: HostError) => void): void {
    this._on_conn = on_conn;
    this._on_error = on_error;
    this._accept();
  }

  pause(): void {
    this._paused = true;
  }

  resume(): void {
    if (!this._paused) return;
    this._paused = false;
    if (this._on_conn !== null) this._accept();
  }

  private _accept(): void {
    if (this._accepting || this._closed || this._paused) return;
    this._accepting = true;
    this._pending = this._listener.accept().then(
      (conn) => {
        this._accepting = false;
        if (this._closed) {
          conn.close();
          return;
        }
        if (this._tls) {
          // The TLS handshake of an accepted connection: a failed one is dropped (and not
          // reported: CPython logs it in debug mode only).
          const stream = new DenoStream(conn);
          (conn as Deno.TlsConn).handshake().then(
            (hs) => {
              if (this._closed) {
                stream.close();
                return;
              }
              stream.tls = { alpn_protocol: hs.alpnProtocol, cipher: null, peercert: null };
              this._on_conn!(stream);
            },
            () => stream.close(),
          );
        } else {
          this._on_conn!(new DenoStream(conn));
        }
        this._accept();
      },
      (e) => {
        this._accepting = false;
        if (this._closed) return;
        this._on_error!(host_error(e));
        this._accept();
      },
    );
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    counts.listeners--;
    try {
      this._listener.close();
    } catch {
      // already closed
    }
    if (this._accepting && this._pending !== null) {
      const key = addr_key(this.local);
      const p = this._pending.then(() => {
        if (_releasing.get(key) === p) _releasing.delete(key);
      });
      _releasing.set(key, p);
    }
  }
}

/**
 * Connects to a TCP `host` (an IP address) and `port`, from the `local` address if one is given
 * (Deno.connect cannot choose it: that connection is made with Deno's `node:net`).
 */
export async function tcp_connect(
  host: string,
  port: number,
  local: HostAddr | null = null,
): Promise<HostStream> {
  // A listener of ours closed a moment ago may still hold the address: the kernel would accept
  // the connection into its backlog and then reset it. Connect once it is really closed.
  const release = _releasing.get(`${host}:${port}`) ?? _releasing.get(`0.0.0.0:${port}`) ??
    _releasing.get(`:::${port}`);
  if (release !== undefined) await release;
  if (local !== null) {
    const local_release = _releasing.get(addr_key(local));
    if (local_release !== undefined) await local_release;
    return node_tcp_connect(host, port, local);
  }
  // Deno refuses port 0 before trying (a RangeError); the system answers a connect() to it with
  // ECONNREFUSED, as Node reports it.
  if (port === 0) throw new HostError("ECONNREFUSED", `connect ECONNREFUSED ${host}:0`);
  try {
    return new DenoStream(await Deno.connect({ hostname: host, port, transport: "tcp" }));
  } catch (e) {
    throw host_error(e);
  }
}

/**
 * Binds and listens on a TCP `host` (an IP address) and `port` (0: any), synchronously;
 * `v6only` asks for IPV6_V6ONLY (where the host can set it: {@linkcode V6ONLY_SUPPORTED}).
 */
export function tcp_listen(
  host: string,
  port: number,
  _backlog: number,
  _v6only = false,
  tls: TlsServerOptions | null = null,
): HostListener {
  // Deno cannot set IPV6_V6ONLY: an IPv6 listener is dual-stack where the system makes it so.
  try {
    if (tls !== null) {
      return new DenoListener(
        Deno.listenTls({
          hostname: host,
          port,
          cert: tls.cert,
          key: tls.key,
          alpnProtocols: tls.alpn_protocols,
        }),
        true,
      );
    }
    return new DenoListener(Deno.listen({ hostname: host, port, transport: "tcp" }));
  } catch (e) {
    throw host_error(e);
  }
}

/** Connects to the Unix socket at `path`. */
export async function unix_connect(path: string): Promise<HostStream> {
  const release = _releasing.get(path);
  if (release !== undefined) await release;
  try {
    return new DenoStream(await Deno.connect({ path, transport: "unix" }));
  } catch (e) {
    throw host_error(e);
  }
}

/** Binds and listens on the Unix socket `path`, synchronously. */
export function unix_listen(path: string, _backlog: number): HostListener {
  try {
    return new DenoListener(Deno.listen({ path, transport: "unix" }));
  } catch (e) {
    throw host_error(e);
  }
}

let _hosts: Map<string, string[]> | null = null;

function hosts_file(): Map<string, string[]> {
  if (_hosts !== null) return _hosts;
  _hosts = new Map();
  const text = read_text_file("/etc/hosts") ?? "127.0.0.1 localhost\n::1 localhost\n";
  for (const line of text.split("\n")) {
    const fields = line.replace(/#.*/, "").trim().split(/\s+/);
    if (fields.length < 2) continue;
    for (const name of fields.slice(1)) {
      const list = _hosts.get(name.toLowerCase()) ?? [];
      list.push(fields[0]);
      _hosts.set(name.toLowerCase(), list);
    }
  }
  return _hosts;
}

/**
 * The addresses of `host` (the host's resolver: the hosts file, then DNS), as `[family, address]`
 * pairs with family 4 or 6; `family` 0 asks for both. Throws a {@linkcode HostError} with code
 * `EAI_NONAME` when there is none.
 */
export async function lookup(host: string, family: 0 | 4 | 6): Promise<[4 | 6, string][]> {
  const out: [4 | 6, string][] = [];
  const fam = (a: string): 4 | 6 => a.includes(":") ? 6 : 4;
  const listed = hosts_file().get(host.toLowerCase());
  if (listed !== undefined) {
    for (const a of listed) if (family === 0 || fam(a) === family) out.push([fam(a), a]);
  } else {
    for (const [rt, f] of [["A", 4], ["AAAA", 6]] as const) {
      if (family !== 0 && family !== f) continue;
      try {
        for (const a of await Deno.resolveDns(host, rt)) out.push([f, a]);
      } catch {
        // no record of this type
      }
    }
  }
  if (out.length === 0) {
    throw new HostError("EAI_NONAME", "Name or service not known");
  }
  return out;
}

/** The text of a small system file (`/etc/services`), or `null` if it cannot be read. */
export function read_text_file(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

/** `os.stat(path)` as the Unix server needs it: whether it is a socket, and its inode; `null` if absent. */
export function stat_path(path: string): { is_socket: boolean; ino: number } | null {
  try {
    const st = Deno.statSync(path);
    return { is_socket: st.isSocket === true, ino: st.ino ?? 0 };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw host_error(e);
  }
}

/** `os.unlink(path)`. */
export function unlink(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (e) {
    throw host_error(e);
  }
}

// Files, for `stdlib/io.ts` (synchronous, as Python's file objects are; a file is a number here).

/** How `file_open` opens: Python's mode letters, decoded. */
export interface FileFlags {
  read: boolean;
  write: boolean;
  append: boolean;
  create: boolean;
  truncate: boolean;
  exclusive: boolean;
}

const deno_files = new Map<number, Deno.FsFile>();
let next_file = 3;

/** Opens `path`; a handle for the other `file_*` functions. */
export function file_open(path: string, f: FileFlags): number {
  try {
    const file = Deno.openSync(path, {
      read: f.read,
      write: f.write && !f.append,
      append: f.append,
      create: f.create && !f.exclusive,
      createNew: f.exclusive,
      truncate: f.truncate,
    });
    const h = next_file++;
    deno_files.set(h, file);
    return h;
  } catch (e) {
    throw host_error(e);
  }
}

function deno_file(h: number): Deno.FsFile {
  const file = deno_files.get(h);
  if (file === undefined) throw new HostError("EBADF", "Bad file descriptor");
  return file;
}

/** Reads at most `buf.length` bytes at `position`; 0 at the end of the file. */
export function file_read(h: number, buf: Uint8Array, position: number): number {
  const file = deno_file(h);
  try {
    file.seekSync(position, Deno.SeekMode.Start);
    return file.readSync(buf) ?? 0;
  } catch (e) {
    throw host_error(e);
  }
}

/** Writes all of `buf` at `position` (at the end in append mode); the count written. */
export function file_write(h: number, buf: Uint8Array, position: number, append: boolean): number {
  const file = deno_file(h);
  try {
    if (!append) file.seekSync(position, Deno.SeekMode.Start);
    let done = 0;
    while (done < buf.length) done += file.writeSync(buf.subarray(done));
    return done;
  } catch (e) {
    throw host_error(e);
  }
}

/** The size of the file in bytes, and whether it is a regular file. */
export function file_stat(h: number): { size: number; is_file: boolean } {
  try {
    const st = deno_file(h).statSync();
    return { size: st.size, is_file: st.isFile };
  } catch (e) {
    throw host_error(e);
  }
}

/** Cuts or extends the file to `size` bytes. */
export function file_truncate(h: number, size: number): void {
  try {
    deno_file(h).truncateSync(size);
  } catch (e) {
    throw host_error(e);
  }
}

/** Closes the file. */
export function file_close(h: number): void {
  const file = deno_files.get(h);
  if (file === undefined) return;
  deno_files.delete(h);
  try {
    file.close();
  } catch (e) {
    throw host_error(e);
  }
}

// The standard streams, for `stdlib/sys.ts` (pipe transports: `loop.connect_read_pipe(f,
// sys.stdin)`, `loop.connect_write_pipe(f, sys.stdout)`).

// The types and the file-type probe are the Node host module's (node:fs serves Deno too).
export { fd_kind };
export type { HostPipe, StdioKind };

const STDIO_READ_SIZE = 64 * 1024;

class DenoStdio implements HostPipe {
  readonly kind: StdioKind;
  private _sink: StreamSink | null = null;
  private _reading = false;
  private _paused = false;
  private _closed = false;
  private _queue: [Uint8Array, (err: HostError | null) => void][] = [];
  private _writing = false;

  constructor(private readonly _fd: 0 | 1 | 2) {
    this.kind = fd_kind(_fd);
    counts.pipes++;
  }

  start(sink: StreamSink): void {
    this._sink = sink;
    this._read();
  }

  pause(): void {
    this._paused = true;
  }

  resume(): void {
    if (!this._paused) return;
    this._paused = false;
    if (this._sink !== null) this._read();
  }

  private _read(): void {
    if (this._reading || this._closed || this._paused) return;
    this._reading = true;
    const buf = new Uint8Array(STDIO_READ_SIZE);
    Deno.stdin.read(buf).then(
      (n) => {
        this._reading = false;
        if (this._closed) return;
        if (n === null) {
          this._sink!.on_eof();
          return;
        }
        this._sink!.on_data(buf.subarray(0, n));
        this._read();
      },
      (e) => {
        this._reading = false;
        if (!this._closed) this._sink!.on_error(host_error(e));
      },
    );
  }

  write(data: Uint8Array, done: (err: HostError | null) => void): void {
    this._queue.push([data, done]);
    if (!this._writing) {
      this._writing = true;
      this._pump();
    }
  }

  // Writes what is queued, joined into one array (a host write to a standard stream costs a
  // hop to a blocking thread, ~0.2 ms here: one per line would crawl), then what was queued
  // meanwhile. A host write may take part of the array: the rest is written next.
  private _pump(): void {
    const out = this._fd === 1 ? Deno.stdout : Deno.stderr;
    const batch = this._queue;
    this._queue = [];
    const data = batch.length === 1 ? batch[0][0] : concat(batch.map(([d]) => d));
    const finish = (err: HostError | null) => {
      for (const [, done] of batch) done(err);
      if (this._queue.length > 0) this._pump();
      else this._writing = false;
    };
    const write_rest = (rest: Uint8Array): void => {
      if (this._closed) return finish(new HostError("EBADF", "Bad file descriptor"));
      out.write(rest).then(
        (n) => (n < rest.length ? write_rest(rest.subarray(n)) : finish(null)),
        (e) => finish(host_error(e)),
      );
    };
    write_rest(data);
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    counts.pipes--;
    try {
      (this._fd === 0 ? Deno.stdin : this._fd === 1 ? Deno.stdout : Deno.stderr).close();
    } catch {
      // Already closed by someone else.
    }
  }
}

/** The host side of standard stream `fd`. */
export function stdio(fd: 0 | 1 | 2): HostPipe {
  return new DenoStdio(fd);
}

// Child processes, for `stdlib/subprocess.ts` (`asyncio.create_subprocess_exec` and the others).

// The types and the signal table are the Node host module's.
export { signal_name, SIGNAL_NUMBERS };
export type { HostChild, SpawnOptions, StdioSpec };

// A child's pipe on Deno: a web stream, read or written. `merge` reads two streams as one (a
// child's stderr sent where its stdout goes: the host cannot give both the same pipe).
class DenoChildPipe implements HostPipe {
  readonly kind: StdioKind = "fifo";
  private _sink: StreamSink | null = null;
  // The readers not at their end yet, and those with a read in flight.
  private _readers: ReadableStreamDefaultReader<Uint8Array>[] = [];
  private _in_flight = new Set<ReadableStreamDefaultReader<Uint8Array>>();
  private _paused = false;
  private _closed = false;
  private _writer: WritableStreamDefaultWriter<Uint8Array> | null = null;

  constructor(readable: ReadableStream<Uint8Array>[] | null, writable: WritableStream<Uint8Array> | null) {
    counts.pipes++;
    if (readable !== null) this._readers = readable.map((r) => r.getReader());
    if (writable !== null) this._writer = writable.getWriter();
  }

  start(sink: StreamSink): void {
    this._sink = sink;
    for (const r of this._readers) this._read(r);
  }

  pause(): void {
    this._paused = true;
  }

  resume(): void {
    if (!this._paused) return;
    this._paused = false;
    if (this._sink !== null) { for (const r of this._readers) this._read(r); }
  }

  private _read(r: ReadableStreamDefaultReader<Uint8Array>): void {
    if (this._closed || this._paused || this._in_flight.has(r)) return;
    this._in_flight.add(r);
    r.read().then(
      ({ value, done }) => {
        this._in_flight.delete(r);
        if (this._closed) return;
        if (done) {
          this._readers = this._readers.filter((x) => x !== r);
          if (this._readers.length === 0) this._sink!.on_eof();
          return;
        }
        this._sink!.on_data(value);
        this._read(r);
      },
      (e) => {
        this._in_flight.delete(r);
        if (!this._closed) this._sink!.on_error(host_error(e));
      },
    );
  }

  write(data: Uint8Array, done: (err: HostError | null) => void): void {
    if (this._closed || this._writer === null) {
      done(new HostError("EBADF", "Bad file descriptor"));
      return;
    }
    this._writer.write(data).then(() => done(null), (e) => done(host_error(e)));
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    counts.pipes--;
    for (const r of this._readers) r.cancel().catch(() => {});
    // Closing a write end is its EOF for the child (after the writes queued before it).
    this._writer?.close().catch(() => {});
  }
}

/** Starts `program` with `args` (`HostError` if it cannot be: `ENOENT`, `EACCES`...). */
export function spawn(program: string, args: string[], opts: SpawnOptions): HostChild {
  const piped = (s: StdioSpec | "stdout") => (s === "pipe" || s === "stdout" ? "piped" : s);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args,
      cwd: opts.cwd ?? undefined,
      env: opts.env ?? undefined,
      clearEnv: opts.env !== null,
      stdin: piped(opts.stdin),
      stdout: opts.stderr === "stdout" && opts.stdout !== "pipe" ? "piped" : piped(opts.stdout),
      stderr: piped(opts.stderr),
    }).spawn();
  } catch (e) {
    throw host_error(e);
  }
  counts.children++;
  const stdout_streams = opts.stdout === "pipe" ? [child.stdout] : [];
  if (opts.stderr === "stdout") stdout_streams.push(child.stderr);
  const exited = child.status.then((s) => {
    counts.children--;
    return {
      code: s.signal === null ? s.code : null,
      signal: s.signal === null ? null : SIGNAL_NUMBERS[s.signal] ?? 0,
    };
  });
  return {
    pid: child.pid,
    stdin: opts.stdin === "pipe" ? new DenoChildPipe(null, child.stdin) : null,
    stdout: stdout_streams.length ? new DenoChildPipe(stdout_streams, null) : null,
    stderr: opts.stderr === "pipe" ? new DenoChildPipe([child.stderr], null) : null,
    started: Promise.resolve(),
    exited,
    kill(sig: number) {
      try {
        child.kill(signal_name(sig) as Deno.Signal);
      } catch (e) {
        if (e instanceof HostError) throw e;
        throw new HostError("ESRCH", "No such process");
      }
    },
  };
}
