/**
 * The Node (and Bun) host: the same exports as `_host.ts`, written on Node's APIs. The npm build
 * copies this file over `_host.ts`.
 *
 * @module
 */

import process from "node:process";
import { setImmediate } from "node:timers";
import * as net from "node:net";
import * as tls from "node:tls";
import * as dns from "node:dns";
import * as fs from "node:fs";
import * as child_process from "node:child_process";
import { Buffer } from "node:buffer";

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

let counts: OpenResources = { timers: 0, signals: 0, sockets: 0, listeners: 0, pipes: 0, children: 0 };

/**
 * @internal Makes this module count its resources in `shared` (the Deno host, `_host.ts`, uses
 * this module's TCP connect for what Deno's own cannot do, and keeps one count).
 */
export function _share_counts(shared: OpenResources): void {
  counts = shared;
}

/** The host runtime's name. */
export const runtime: "deno" | "node" | "bun" = "Bun" in globalThis ? "bun" : "node";

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

/** Resolves after the host had a chance to run its own work (`setImmediate`). */
export function hop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** Whether a {@linkcode hop} lets the host poll its I/O: on Node and Bun, every turn of the loop does. */
export const HOP_POLLS_IO = true;

/** A way to make the host look at its I/O at once (see the Deno host's). */
export interface IoPoller {
  /** Resolves once the host has polled its I/O and run the completions it found. */
  poll(): Promise<void>;
  /** Releases the poller's resources (synchronously); `poll()` must not be pending. */
  close(): void;
}

/**
 * No poller is needed on Node (nor Bun): their event loops poll I/O at every turn, so a
 * `setImmediate` hop lets every completion through.
 */
export function open_io_poller(): Promise<IoPoller | null> | null {
  return null;
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
  process.on(name as NodeJS.Signals, fn);
  counts.signals++;
  let set = _listeners.get(name);
  if (set === undefined) _listeners.set(name, set = new Set());
  set.add(fn);
}

/** Removes a listener installed by {@linkcode add_signal_listener}. */
export function remove_signal_listener(name: string, fn: () => void): void {
  process.off(name as NodeJS.Signals, fn);
  counts.signals--;
  _listeners.get(name)?.delete(fn);
}

/** An environment variable, or `undefined`. */
export function getenv(name: string): string | undefined {
  return process.env[name];
}

/** Writes text to stderr. */
export function write_stderr(text: string): void {
  process.stderr.write(text);
}

// ---------------------------------------------------------------------------------------------
// Networking, on node:net (see _host.ts for the shapes).

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
  /** Stops reading from the host. */
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
  /** Why TLS cannot be put on this stream now, or `null` (see `_host.ts`). */
  tls_upgrade_blocker(side: TlsSide, unread: number): string | null;
  /** Puts TLS on the stream (see `_host.ts`). */
  start_tls(side: TlsSide, unread: Uint8Array | null): Promise<HostStream>;
  /** Closes the connection during {@linkcode start_tls}. */
  abort_tls(): void;
  /** How long closing a TLS stream waits for the peer's close (CPython's `ssl_shutdown_timeout`). */
  tls_shutdown_ms: number;
}

/** Which end of the TLS handshake a stream takes, with its options. */
export type TlsSide = { client: TlsClientOptions; server?: undefined } | {
  server: TlsServerOptions;
  client?: undefined;
};

/** Whether this host can put TLS on an accepted (server-side) connection: Node can. */
export const SERVER_TLS_UPGRADE = true;

/** A listening host socket. */
export interface HostListener {
  /** The bound address. */
  readonly local: HostAddr;
  /** Starts pushing accepted connections to `on_conn` (and accept errors to `on_error`). */
  start(on_conn: (s: HostStream) => void, on_error: (err: HostError) => void): void;
  /** Stops accepting. */
  pause(): void;
  /** Accepts again. */
  resume(): void;
  /** Closes the listener. */
  close(): void;
}

/** Whether `tcp_listen` can make an IPv6 listener IPv6-only. */
export const V6ONLY_SUPPORTED = true;

/** Node frees a listener's address when it is closed: never anything to wait for. */
export function address_release(_a: HostAddr): Promise<void> | null {
  return null;
}

/** The {@linkcode HostError} for anything the host threw. */
export function host_error(e: unknown): HostError {
  if (e instanceof HostError) return e;
  const err = e as { code?: string; message?: string };
  const code = typeof err?.code === "string" && err.code.startsWith("E") ? err.code : "EIO";
  return new HostError(code, String(err?.message ?? e));
}

function node_addr(s: net.Socket, remote: boolean, path: string | null): HostAddr {
  if (path !== null) return { path: remote ? "" : path };
  const hostname = remote ? s.remoteAddress : s.localAddress;
  const port = remote ? s.remotePort : s.localPort;
  return { hostname: hostname ?? "", port: port ?? 0 };
}

// OpenSSL's short attribute names, as Python's getpeercert() spells them.
const CERT_NAMES: Record<string, string> = {
  CN: "commonName",
  O: "organizationName",
  OU: "organizationalUnitName",
  C: "countryName",
  ST: "stateOrProvinceName",
  L: "localityName",
  emailAddress: "emailAddress",
  DC: "domainComponent",
  serialNumber: "serialNumber",
};

function cert_name(name: Record<string, string | string[]> | undefined): unknown[] {
  const rdns: unknown[] = [];
  for (const [k, v] of Object.entries(name ?? {})) {
    for (const one of Array.isArray(v) ? v : [v]) rdns.push([[CERT_NAMES[k] ?? k, one]]);
  }
  return rdns;
}

/** What a TLS socket negotiated, with Python's shapes for `cipher()` and `getpeercert()`. */
function tls_info(s: tls.TLSSocket, client: boolean): TlsInfo {
  const c = s.getCipher?.();
  const bits = c ? (/256|CHACHA20/.test(c.name) ? 256 : /128/.test(c.name) ? 128 : 0) : 0;
  let peercert: Record<string, unknown> | null = null;
  // Like Python's, only a verified certificate is described (a server asks for none).
  if (client && s.authorized) {
    const pc = s.getPeerCertificate();
    if (pc && Object.keys(pc).length > 0) {
      peercert = {
        subject: cert_name(pc.subject as unknown as Record<string, string>),
        issuer: cert_name(pc.issuer as unknown as Record<string, string>),
        version: 3,
        serialNumber: String(pc.serialNumber ?? "").toUpperCase(),
        notBefore: pc.valid_from,
        notAfter: pc.valid_to,
      };
      if (pc.subjectaltname) {
        peercert.subjectAltName = pc.subjectaltname.split(", ").map((e) => {
          const i = e.indexOf(":");
          return [e.slice(0, i), e.slice(i + 1)];
        });
      }
    }
  }
  return {
    alpn_protocol: typeof s.alpnProtocol === "string" ? s.alpnProtocol : null,
    cipher: c ? [c.standardName ?? c.name, c.version, bits] : null,
    peercert,
  };
}

/**
 * The error of a failed stream write. A write the host drops because the connection is being torn
 * down (Bun's `ECANCELED` once the peer has gone, a destroyed stream's `ERR_STREAM_DESTROYED`) is
 * a broken pipe, as the `send()` of a socket whose peer has gone is.
 */
function write_error(e: unknown): HostError {
  const code = (e as { code?: unknown })?.code;
  if (code === "ECANCELED" || code === "ERR_STREAM_DESTROYED") {
    return new HostError("EPIPE", String((e as Error).message));
  }
  return host_error(e);
}

class NodeStream implements HostStream {
  readonly local: HostAddr;
  readonly remote: HostAddr;
  readonly tls: TlsInfo | null;
  private _closed = false;
  private _sink: StreamSink | null = null;
  private _failed = false;
  private _on_data: ((chunk: Uint8Array) => void) | null = null;
  private _on_end: (() => void) | null = null;
  private _tls_socket: tls.TLSSocket | null = null;
  tls_shutdown_ms = 30_000;

  constructor(
    private _s: net.Socket,
    private _unix_path: string | null,
    private _accepted: boolean,
    addrs: [HostAddr, HostAddr] | null = null,
  ) {
    counts.sockets++;
    this.tls = _s instanceof tls.TLSSocket ? tls_info(_s, !_accepted) : null;
    if (addrs !== null) {
      [this.local, this.remote] = addrs;
    } else {
      this.local = node_addr(_s, false, _unix_path === null ? null : (_accepted ? _unix_path : ""));
      this.remote = _unix_path === null ? node_addr(_s, true, null) : { path: _accepted ? "" : _unix_path };
    }
    _s.pause();
    // Errors are reported through the sink (or the write callbacks); never as unhandled events.
    _s.on("error", (e) => {
      if (this._closed || this._failed) return;
      this._failed = true;
      // On a TLS stream, a broken record is a TLS error (Python's ssl.SSLError).
      const code = (e as { code?: string }).code ?? "";
      const tls_failure = this.tls !== null && (code.startsWith("ERR_SSL") || /SSL routines/.test(e.message));
      this._sink?.on_error(tls_failure ? new HostError("ESSL", e.message) : host_error(e));
    });
  }

  start(sink: StreamSink): void {
    this._sink = sink;
    const s = this._s;
    this._on_data = (chunk: Uint8Array) => {
      if (!this._closed) sink.on_data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    };
    this._on_end = () => {
      if (!this._closed) sink.on_eof();
    };
    s.on("data", this._on_data);
    s.on("end", this._on_end);
    s.resume();
  }

  tls_upgrade_blocker(_side: TlsSide, _unread: number): string | null {
    if (this.tls !== null) return "the connection is already TLS";
    if (this._closed) return "the connection is closed";
    return null;
  }

  start_tls(side: TlsSide, unread: Uint8Array | null): Promise<HostStream> {
    const s = this._s;
    // This stream is handed over: it neither reads nor counts as open any more.
    s.pause();
    if (this._on_data !== null) s.removeListener("data", this._on_data);
    if (this._on_end !== null) s.removeListener("end", this._on_end);
    this._closed = true;
    counts.sockets--;
    // Bytes already taken from the socket go back first: the TLS socket reads what is buffered.
    if (unread !== null && unread.length > 0) {
      s.unshift(Buffer.from(unread.buffer, unread.byteOffset, unread.length));
    }
    return new Promise((resolve, reject) => {
      let t: tls.TLSSocket;
      if (side.client !== undefined) {
        // SNI carries host names only (RFC 6066): an IP address goes in `host`, which is what the
        // certificate is checked against then (Node warns about an IP as `servername`; Bun refuses it).
        const name = side.client.server_hostname || undefined;
        const is_ip = name !== undefined && net.isIP(name) !== 0;
        t = tls.connect({
          socket: s,
          servername: is_ip ? undefined : name,
          host: is_ip ? name : undefined,
          ca: side.client.ca_certs,
          ALPNProtocols: side.client.alpn_protocols,
          allowHalfOpen: true,
        } as tls.ConnectionOptions);
      } else {
        t = new tls.TLSSocket(s, {
          isServer: true,
          secureContext: tls.createSecureContext({ cert: side.server.cert, key: side.server.key }),
          ALPNProtocols: side.server.alpn_protocols,
        });
      }
      this._tls_socket = t;
      const fail = (e: Error) => {
        this._tls_socket = null;
        t.destroy();
        s.destroy();
        // The peer closed or reset the connection: CPython's SSLProtocol says ConnectionResetError.
        const code = (e as { code?: string }).code;
        reject(
          code === "ECONNRESET" || code === "EPIPE" || /socket disconnected|closed during/.test(e.message)
            ? new HostError("ECONNRESET", e.message)
            : new HostError("ESSL", e.message),
        );
      };
      t.once("error", fail);
      t.once("close", () => fail(new Error("the connection was closed during the TLS handshake")));
      t.once(side.client !== undefined ? "secureConnect" : "secure", () => {
        t.removeListener("error", fail);
        t.removeAllListeners("close");
        this._tls_socket = null;
        t.pause();
        resolve(new NodeStream(t, this._unix_path, this._accepted, [this.local, this.remote]));
      });
    });
  }

  abort_tls(): void {
    this._tls_socket?.destroy(new Error("the TLS handshake was aborted"));
  }

  pause(): void {
    this._s.pause();
  }

  resume(): void {
    if (this._sink !== null) this._s.resume();
  }

  write(data: Uint8Array, done: (err: HostError | null) => void): void {
    this._s.write(data, (e) => done(e ? (this._closed ? null : write_error(e)) : null));
  }

  shutdown(done: (err: HostError | null) => void): void {
    this._s.end(() => done(null));
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    counts.sockets--;
    const s = this._s;
    if (this.tls !== null && !this._failed && !s.destroyed) {
      // CPython's TLS shutdown: send close_notify (end()), wait for the peer to close, and drop
      // the connection after tls_shutdown_ms if it does not (without keeping the process alive).
      s.end();
      const timer = setTimeout(() => s.destroy(), this.tls_shutdown_ms);
      timer.unref();
      s.unref();
      s.once("close", () => clearTimeout(timer));
      return;
    }
    s.destroy();
  }

  unref(): void {
    this._s.unref();
  }

  set_nodelay(on: boolean): void {
    if (this.remote && "hostname" in this.remote) this._s.setNoDelay(on);
  }
}

class NodeListener implements HostListener {
  readonly local: HostAddr;
  private _closed = false;
  private _paused = false;
  private _waiting: net.Socket[] = [];
  private _on_conn: ((s: HostStream) => void) | null = null;

  constructor(private _server: net.Server, private _path: string | null, secure = false) {
    counts.listeners++;
    const a = _server.address();
    this.local = _path !== null
      ? { path: _path }
      : { hostname: (a as net.AddressInfo).address, port: (a as net.AddressInfo).port };
    _server.on(secure ? "secureConnection" : "connection", (s: net.Socket) => {
      if (this._closed) {
        s.destroy();
      } else if (this._paused || this._on_conn === null) {
        s.pause();
        this._waiting.push(s);
      } else {
        this._on_conn(new NodeStream(s, this._path, true));
      }
    });
  }

  start(on_conn: (s: HostStream) => void, on_error: (err: HostError) => void): void {
    this._on_conn = on_conn;
    this._server.on("error", (e) => {
      if (!this._closed) on_error(host_error(e));
    });
    this.resume();
  }

  pause(): void {
    this._paused = true;
  }

  resume(): void {
    this._paused = false;
    while (this._waiting.length > 0 && !this._paused && this._on_conn !== null) {
      this._on_conn(new NodeStream(this._waiting.shift()!, this._path, true));
    }
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    counts.listeners--;
    for (const s of this._waiting.splice(0)) s.destroy();
    // libuv removes a Unix socket's file when it closes the listener; Python leaves that choice to
    // its caller (asyncio's cleanup_socket), so keep the file: link it aside, close, put it back.
    const path = this._path;
    let kept: string | null = null;
    if (path !== null) {
      try {
        kept = `${path}.${process.pid}.${Date.now()}.keep`;
        fs.linkSync(path, kept);
      } catch {
        kept = null;
      }
    }
    this._server.close();
    if (kept !== null) {
      try {
        fs.renameSync(kept, path!);
      } catch {
        // the directory changed meanwhile: leave it
      }
    }
  }
}

function node_connect(opts: net.NetConnectOpts, path: string | null): Promise<HostStream> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ ...opts, allowHalfOpen: true } as net.NetConnectOpts);
    const fail = (e: Error) => reject(host_error(e));
    s.pause();
    s.once("error", fail);
    s.once("connect", () => {
      s.removeListener("error", fail);
      resolve(new NodeStream(s, path, false));
    });
  });
}

// Node's `server.listen(port, host)` resolves `host` first, so it binds on a later tick even for
// an IP address; a socket must be bound when `bind()` returns. `_listen2` is what `listen()` itself
// ends with in a non-cluster process (a legacy alias Node keeps): it binds at once, and reports a
// failure through `process.nextTick(emitErrorNT, server, error)`, which is caught here as it is
// queued so the error is thrown synchronously.
type Listen2 = (
  address: string,
  port: number,
  addressType: number,
  backlog: number,
  fd?: number,
  flags?: number,
) => void;

function node_listen(server: net.Server, bind: () => void): Error | null {
  let error: Error | null = null;
  const tick = process.nextTick;
  process.nextTick = function (fn: (...a: unknown[]) => void, ...args: unknown[]) {
    if (args[0] === server && args[1] instanceof Error) {
      error = args[1];
      return;
    }
    return tick.call(process, fn, ...args);
  } as typeof process.nextTick;
  try {
    bind();
  } finally {
    process.nextTick = tick;
  }
  if (error === null && server.address() === null) error = new HostError("EADDRINUSE", "could not bind");
  return error;
}

function make_server(secure: TlsServerOptions | null = null): net.Server {
  if (secure !== null) {
    return tls.createServer({
      cert: secure.cert,
      key: secure.key,
      ALPNProtocols: secure.alpn_protocols,
      // Not pauseOnConnect: the handshake needs the socket to flow; the TLS socket handed over
      // after it does not flow until read.
      allowHalfOpen: true,
    });
  }
  return net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
}

/** Connects to a TCP `host` (an IP address) and `port`. */
export function tcp_connect(host: string, port: number, local: HostAddr | null = null): Promise<HostStream> {
  if (local !== null && "port" in local) {
    return node_connect({ host, port, localAddress: local.hostname, localPort: local.port }, null);
  }
  return node_connect({ host, port }, null);
}

/**
 * Binds and listens on a TCP `host` (an IP address) and `port` (0: any), synchronously;
 * `v6only` makes an IPv6 listener IPv6-only.
 */
export function tcp_listen(
  host: string,
  port: number,
  backlog: number,
  v6only = false,
  secure: TlsServerOptions | null = null,
): HostListener {
  const server = make_server(secure);
  const listen2 = (server as unknown as { _listen2?: Listen2 })._listen2;
  const err = node_listen(server, () => {
    // libuv's UV_TCP_IPV6ONLY is 1.
    if (typeof listen2 === "function") {
      listen2.call(server, host, port, net.isIP(host), backlog, undefined, v6only ? 1 : 0);
    } else server.listen({ host, port, backlog, exclusive: true, ipv6Only: v6only });
  });
  if (err !== null) {
    server.close();
    throw host_error(err);
  }
  return new NodeListener(server, null, secure !== null);
}

/** Connects to the Unix socket at `path`. */
export function unix_connect(path: string): Promise<HostStream> {
  return node_connect({ path }, path);
}

/** Binds and listens on the Unix socket `path`, synchronously. */
export function unix_listen(path: string, backlog: number): HostListener {
  const server = make_server();
  const err = node_listen(server, () => server.listen({ path, backlog, exclusive: true }));
  if (err !== null) {
    server.close();
    throw host_error(err);
  }
  return new NodeListener(server, path);
}

/**
 * The addresses of `host` (the system resolver), as `[family, address]` pairs with family 4 or
 * 6; `family` 0 asks for both. Throws a {@linkcode HostError} with code `EAI_NONAME` when there
 * is none.
 */
export function lookup(host: string, family: 0 | 4 | 6): Promise<[4 | 6, string][]> {
  return new Promise((resolve, reject) => {
    dns.lookup(host, { all: true, family }, (err, addrs) => {
      if (err || addrs.length === 0) {
        reject(new HostError("EAI_NONAME", "Name or service not known"));
      } else {
        resolve(addrs.map((a) => [a.family === 6 ? 6 : 4, a.address]));
      }
    });
  });
}

/**
 * The host name of `address` (the system's `getnameinfo()` with NI_NAMEREQD: the hosts file, then
 * DNS), or `null` when it has none. `port` is asked with it (the host's call wants one).
 */
export function lookup_name(address: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    try {
      dns.lookupService(address, port, (err, hostname) => resolve(err ? null : hostname));
    } catch {
      resolve(null);
    }
  });
}

/** The text of a small system file (`/etc/services`), or `null` if it cannot be read. */
export function read_text_file(path: string): string | null {
  try {
    return fs.readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** `os.stat(path)` as the Unix server needs it: whether it is a socket, and its inode; `null` if absent. */
export function stat_path(path: string): { is_socket: boolean; ino: number } | null {
  try {
    const st = fs.statSync(path);
    return { is_socket: st.isSocket(), ino: st.ino };
  } catch (e) {
    if ((e as { code?: string }).code === "ENOENT") return null;
    throw host_error(e);
  }
}

/** `os.unlink(path)`. */
export function unlink(path: string): void {
  try {
    fs.unlinkSync(path);
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

/** Opens `path`; a handle for the other `file_*` functions. */
export function file_open(path: string, f: FileFlags): number {
  let flags = f.read && !f.write
    ? fs.constants.O_RDONLY
    : f.read
    ? fs.constants.O_RDWR
    : fs.constants.O_WRONLY;
  if (f.append) flags |= fs.constants.O_APPEND;
  if (f.create || f.exclusive) flags |= fs.constants.O_CREAT;
  if (f.exclusive) flags |= fs.constants.O_EXCL;
  if (f.truncate) flags |= fs.constants.O_TRUNC;
  try {
    return fs.openSync(path, flags, 0o666);
  } catch (e) {
    throw host_error(e);
  }
}

/** Reads at most `buf.length` bytes at `position`; 0 at the end of the file. */
export function file_read(h: number, buf: Uint8Array, position: number): number {
  try {
    return fs.readSync(h, buf, 0, buf.length, position);
  } catch (e) {
    throw host_error(e);
  }
}

/** Writes all of `buf` at `position` (at the end in append mode); the count written. */
export function file_write(h: number, buf: Uint8Array, position: number, append: boolean): number {
  try {
    let done = 0;
    while (done < buf.length) {
      done += fs.writeSync(h, buf, done, buf.length - done, append ? null : position + done);
    }
    return done;
  } catch (e) {
    throw host_error(e);
  }
}

/** The size of the file in bytes, and whether it is a regular file. */
export function file_stat(h: number): { size: number; is_file: boolean } {
  try {
    const st = fs.fstatSync(h);
    return { size: st.size, is_file: st.isFile() };
  } catch (e) {
    throw host_error(e);
  }
}

/** Cuts or extends the file to `size` bytes. */
export function file_truncate(h: number, size: number): void {
  try {
    fs.ftruncateSync(h, size);
  } catch (e) {
    throw host_error(e);
  }
}

/** Closes the file. */
export function file_close(h: number): void {
  try {
    fs.closeSync(h);
  } catch (e) {
    throw host_error(e);
  }
}

// The standard streams, for `stdlib/sys.ts` (pipe transports), as in `_host.ts`.

/** What kind of file a standard stream is (`fstat`'s file type). */
export type StdioKind = "fifo" | "chr" | "sock" | "reg" | "other";

/**
 * One of the process's standard streams: 0 is read (`start`/`pause`/`resume` deliver to a sink),
 * 1 and 2 are written (`write` writes all of the array, in order).
 */
export interface HostPipe {
  /** The file type. */
  readonly kind: StdioKind;
  /** Starts pushing reads to `sink` (stdin). */
  start(sink: StreamSink): void;
  /** Stops reading. */
  pause(): void;
  /** Reads again. */
  resume(): void;
  /** Writes all of `data` (the stream owns it); `done` is called once it is written (stdout, stderr). */
  write(data: Uint8Array, done: (err: HostError | null) => void): void;
  /** Closes the stream (no call to the sink after this). */
  close(): void;
}

/** The file type of descriptor `fd`, from `fstat`. */
export function fd_kind(fd: number): StdioKind {
  try {
    const st = fs.fstatSync(fd);
    return st.isFIFO()
      ? "fifo"
      : st.isCharacterDevice()
      ? "chr"
      : st.isSocket()
      ? "sock"
      : st.isFile()
      ? "reg"
      : "other";
  } catch {
    return "other";
  }
}

/** Swallows the 'error' events of a stream no longer in use (see `NodeStreamPipe.close`). */
function ignore_error(): void {}

/** The host side of standard stream `fd`. */
export function stdio(fd: 0 | 1 | 2): HostPipe {
  // Node's own stream objects (process.stdin and the others): written through them, output keeps
  // its order with console.log's.
  const kind = fd_kind(fd);
  if (fd === 0) return new NodeStreamPipe(kind, [process.stdin], null);
  return new NodeStreamPipe(kind, [], fd === 1 ? process.stdout : process.stderr);
}

// Child processes, for `stdlib/subprocess.ts`, as in `_host.ts`.

/** What a child's standard stream is connected to. */
export type StdioSpec = "pipe" | "inherit" | "null";

/** How {@linkcode spawn} starts a child. */
export interface SpawnOptions {
  /** The working directory (`null`: this process's). */
  cwd: string | null;
  /** The whole environment (`null`: this process's). */
  env: Record<string, string> | null;
  /** The child's stdin. */
  stdin: StdioSpec;
  /** The child's stdout. */
  stdout: StdioSpec;
  /** The child's stderr; `"stdout"` sends it where stdout goes. */
  stderr: StdioSpec | "stdout";
}

/** A child process. */
export interface HostChild {
  /** Its process id. */
  readonly pid: number;
  /** The write end of its stdin, its stdout's and its stderr's read ends (the ones that are pipes). */
  readonly stdin: HostPipe | null;
  /** (see `stdin`) */
  readonly stdout: HostPipe | null;
  /** (see `stdin`) */
  readonly stderr: HostPipe | null;
  /** Settles once the child runs, or with the error that kept it from starting. */
  readonly started: Promise<void>;
  /** Its exit: an exit code, or the number of the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: number | null }>;
  /** Sends signal `sig` (`HostError` `ESRCH` once it has exited). */
  kill(sig: number): void;
}

/** Linux's signal numbers, for the hosts that name signals. */
export const SIGNAL_NUMBERS: Readonly<Record<string, number>> = {
  ...SIGNALS,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
};

/** The name of signal number `sig` (`HostError` `EINVAL` for an unknown one). */
export function signal_name(sig: number): string {
  for (const [name, n] of Object.entries(SIGNAL_NUMBERS)) if (n === sig) return name;
  throw new HostError("EINVAL", `Invalid argument: unknown signal ${sig}`);
}

// A pipe on Node (a standard stream, a child's pipe): a stream, read or written. Several readables
// are read as one (a child's stderr sent where its stdout goes: the host cannot give both the same
// pipe). The readables are listened to from the start, paused: Node discards what a child's stream
// holds when the child exits if nothing listens to it yet.
class NodeStreamPipe implements HostPipe {
  private _sink: StreamSink | null = null;
  // What arrived before start(), and the ends seen then.
  private _early: Uint8Array[] = [];
  private _open: number;
  private _closed = false;
  private readonly _on_error = (e: unknown) => {
    if (!this._closed && this._sink !== null) this._sink.on_error(host_error(e));
  };

  constructor(
    readonly kind: StdioKind,
    private readonly _readables: NodeJS.ReadableStream[],
    private readonly _writable: NodeJS.WritableStream | null,
  ) {
    counts.pipes++;
    this._open = _readables.length;
    for (const r of _readables) {
      r.on("data", (chunk: Buffer | string) => {
        if (this._closed) return;
        const b = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
        const data = new Uint8Array(b.buffer, b.byteOffset, b.length);
        if (this._sink === null) this._early.push(data);
        else this._sink.on_data(data);
      });
      r.on("end", () => {
        if (--this._open === 0 && !this._closed && this._sink !== null) this._sink.on_eof();
      });
      r.pause();
    }
    // A broken pipe is also emitted as an 'error' event: handled, reported through the callbacks.
    for (const s of [..._readables, ...(_writable ? [_writable] : [])]) {
      (s as unknown as { on(e: string, f: (e: unknown) => void): void }).on("error", this._on_error);
    }
  }

  start(sink: StreamSink): void {
    this._sink = sink;
    for (const data of this._early.splice(0)) sink.on_data(data);
    if (this._open === 0) sink.on_eof();
    else this.resume();
  }

  pause(): void {
    for (const r of this._readables) r.pause();
  }

  resume(): void {
    if (this._sink !== null && !this._closed) { for (const r of this._readables) r.resume(); }
  }

  write(data: Uint8Array, done: (err: HostError | null) => void): void {
    if (this._closed || this._writable === null) {
      done(new HostError("EBADF", "Bad file descriptor"));
      return;
    }
    this._writable.write(data, (err?: Error | null) => done(err ? write_error(err) : null));
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    counts.pipes--;
    for (const r of this._readables) (r as unknown as { destroy(): void }).destroy();
    // Ending a write end is its EOF for the child (after the writes queued before it).
    this._writable?.end();
    // Errors of the stream after this are no longer this pipe's: process.stdout's go back to Node,
    // and a child's pipe's (a broken pipe reported after the close, as Bun does) are dropped, as
    // CPython drops them once the transport is closed.
    for (const st of [...this._readables, ...(this._writable ? [this._writable] : [])]) {
      const ev = st as unknown as {
        on(e: string, f: () => void): void;
        off(e: string, f: (e: unknown) => void): void;
      };
      ev.off("error", this._on_error);
      if (st !== process.stdin && st !== process.stdout && st !== process.stderr) {
        ev.on("error", ignore_error);
      }
    }
  }
}

/** Starts `program` with `args`; `started` rejects if it cannot be (`ENOENT`, `EACCES`...). */
export function spawn(program: string, args: string[], opts: SpawnOptions): HostChild {
  const stdio = (
    s: StdioSpec | "stdout",
  ) => (s === "pipe" || s === "stdout" ? "pipe" : s === "null" ? "ignore" : s);
  let child: child_process.ChildProcess;
  try {
    child = child_process.spawn(program, args, {
      cwd: opts.cwd ?? undefined,
      env: opts.env ?? undefined,
      stdio: [
        stdio(opts.stdin),
        opts.stderr === "stdout" && opts.stdout !== "pipe" ? "pipe" : stdio(opts.stdout),
        stdio(opts.stderr),
      ],
    });
  } catch (e) {
    throw host_error(e);
  }
  const started = new Promise<void>((resolve, reject) => {
    child.once("spawn", () => resolve());
    child.once("error", (e) => reject(host_error(e)));
  });
  const exited = new Promise<{ code: number | null; signal: number | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      counts.children--;
      resolve({
        code: signal === null ? code : null,
        signal: signal === null ? null : SIGNAL_NUMBERS[signal] ?? 0,
      });
    });
  });
  counts.children++;
  // A child that could not start never exits: it is not counted.
  started.catch(() => counts.children--);
  const outs = opts.stdout === "pipe" ? [child.stdout!] : [];
  if (opts.stderr === "stdout") outs.push(child.stderr!);
  return {
    pid: child.pid ?? -1,
    // (libuv makes a child's pipes with socketpair())
    stdin: opts.stdin === "pipe" ? new NodeStreamPipe("sock", [], child.stdin!) : null,
    stdout: outs.length ? new NodeStreamPipe("sock", outs, null) : null,
    stderr: opts.stderr === "pipe" ? new NodeStreamPipe("sock", [child.stderr!], null) : null,
    started,
    exited,
    kill(sig: number) {
      const name = signal_name(sig);
      if (child.exitCode !== null || child.signalCode !== null || !child.kill(name as NodeJS.Signals)) {
        throw new HostError("ESRCH", "No such process");
      }
    },
  };
}
