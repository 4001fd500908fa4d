/**
 * UDP for the socket emulation (`stdlib/socket.ts`), on `node:dgram`, which Deno, Node and Bun all
 * provide (Deno's own `Deno.listenDatagram` needs `--unstable-net`). On Deno and Node a datagram
 * socket is bound synchronously (a lookup that answers at once makes `bind()` synchronous, and a
 * bind error is emitted synchronously); Bun's binds asynchronously, which `bun_bind` makes up for.
 * A socket pushes the datagrams it receives, and sends asynchronously.
 *
 * @module
 */
import dgram from "node:dgram";
import { Buffer } from "node:buffer";
import { _count_socket, host_error, HostError, runtime } from "./_host.ts";

/** A bound host UDP socket. */
export interface HostDatagram {
  /** The bound address (on Bun, while `bound` is pending: the address being bound). */
  readonly local: { hostname: string; port: number };
  /**
   * `null` when the socket was bound synchronously (Deno, Node). On Bun, whose node:dgram binds
   * asynchronously, the outcome of the bind: `null` once bound, or the error.
   */
  readonly bound: Promise<HostError | null> | null;
  /** Starts pushing received datagrams (the receiver owns `data`) and asynchronous errors. */
  start(
    on_message: (data: Uint8Array, from: [string, number]) => void,
    on_error: (e: HostError) => void,
  ): void;
  /**
   * Connects to `to` (synchronously): sends go there, and on Node the system's "port
   * unreachable" comes back as an `ECONNREFUSED` error (Deno's node:dgram does not report it).
   */
  connect(to: [string, number]): void;
  /** Sends `data` (the socket owns it) to `to` (`null`: the connected peer); `done` tells the outcome. */
  send(data: Uint8Array, to: [string, number] | null, done: (err: HostError | null) => void): void;
  /** SO_BROADCAST. */
  set_broadcast(on: boolean): void;
  /** Closes the socket. */
  close(): void;
}

/** Binds a UDP socket of `family` (4 or 6) to `host`:`port` (0: any): synchronously, but on Bun (see `bun_bind`). */
export function udp_bind(host: string, port: number, family: 4 | 6, reuse_addr: boolean): HostDatagram {
  if (runtime === "bun") return bun_bind(host, port, family, reuse_addr);
  const sock = new_socket(family, reuse_addr);
  let error: Error | null = null;
  const on_bind_error = (e: Error) => {
    error = e;
  };
  sock.once("error", on_bind_error);
  sock.bind({ port, address: host, exclusive: true });
  sock.removeListener("error", on_bind_error);
  let local: { address: string; port: number } | null = null;
  if (error === null) {
    try {
      local = sock.address();
    } catch (e) {
      error = e as Error;
    }
  }
  if (error !== null || local === null) {
    try {
      sock.close();
    } catch {
      // never bound
    }
    throw host_error(error ?? new Error("could not bind"));
  }
  _count_socket(1);
  return new NodeDatagram(sock, { hostname: local.address, port: local.port }, null);
}

function new_socket(family: 4 | 6, reuse_addr: boolean): dgram.Socket {
  return dgram.createSocket({
    type: family === 4 ? "udp4" : "udp6",
    reuseAddr: reuse_addr,
    // The socket layer passes numeric addresses only: answered at once, which makes bind()
    // synchronous on Deno and Node (not on Bun: see bun_bind).
    lookup: (
      address: string,
      _options: unknown,
      cb: (err: null, address: string, family: number) => void,
    ) => {
      cb(null, address, family);
    },
  } as dgram.SocketOptions);
}

/** The first and last ports of Linux's default ephemeral range (`ip_local_port_range`). */
const EPHEMERAL_FIRST = 32768;
const EPHEMERAL_LAST = 60999;
/** How many ports a Bun bind to port 0 tries before it gives up (see `bun_bind`). */
const EPHEMERAL_TRIES = 16;

/**
 * Bun's node:dgram binds asynchronously, so the address of a bind to port 0 is not known when
 * `bind()` returns, where Python's `getsockname()` must answer at once. Here the port is chosen
 * first (a random one of the ephemeral range, as the system would) and bound asynchronously; if it
 * is taken, another is tried, and `local` follows. Connects and sends made before the bind (or a
 * connect) completes wait for it, in order. A bind error ends up in `bound` (the socket layer reports
 * it to its next call, and `create_datagram_endpoint` waits for it).
 */
function bun_bind(host: string, port: number, family: 4 | 6, reuse_addr: boolean): HostDatagram {
  const pick = () => EPHEMERAL_FIRST + Math.floor(Math.random() * (EPHEMERAL_LAST - EPHEMERAL_FIRST + 1));
  const local = { hostname: host, port: port !== 0 ? port : pick() };
  _count_socket(1);
  let resolve!: (err: HostError | null) => void;
  const bound = new Promise<HostError | null>((r) => resolve = r);
  const d = new NodeDatagram(new_socket(family, reuse_addr), local, bound);
  let tries = 1;
  const attempt = () => {
    const sock = d._s;
    const on_error = (e: Error) => {
      sock.removeListener("listening", on_listening);
      const code = (e as { code?: string }).code;
      if (port === 0 && code === "EADDRINUSE" && tries++ < EPHEMERAL_TRIES && !d._closed) {
        try {
          sock.close();
        } catch {
          // never bound
        }
        d._s = new_socket(family, reuse_addr);
        local.port = pick();
        attempt();
        return;
      }
      const err = host_error(e);
      resolve(err);
      d._ready(err);
    };
    const on_listening = () => {
      sock.removeListener("error", on_error);
      const a = sock.address();
      local.hostname = a.address;
      local.port = a.port;
      resolve(null);
      d._ready();
    };
    sock.once("error", on_error);
    sock.once("listening", on_listening);
    sock.bind({ port: local.port, address: host, exclusive: true });
  };
  attempt();
  return d;
}

class NodeDatagram implements HostDatagram {
  /** @internal */
  _closed = false;
  /**
   * @internal Calls waiting for a bind or a connect to complete (Bun), in order, each given the
   * error that ended the wait or `null`; `null`: nothing is pending.
   */
  private _waiting: ((err: HostError | null) => void)[] | null;

  constructor(
    /** @internal */
    public _s: dgram.Socket,
    readonly local: { hostname: string; port: number },
    readonly bound: Promise<HostError | null> | null,
  ) {
    this._waiting = bound === null ? null : [];
  }

  /** @internal The bind or connect completed (`err`: failed): runs the calls that waited for it. */
  _ready(err: HostError | null = null): void {
    const waiting = this._waiting;
    this._waiting = null;
    for (const f of waiting ?? []) {
      // A connect run from here makes later calls wait again (`_waiting` is read afresh).
      const again = this._waiting as ((err: HostError | null) => void)[] | null;
      if (again !== null) again.push(f);
      else f(err);
    }
  }

  /** Runs `f` now, or once the pending bind or connect completes. */
  private _when_ready(f: (err: HostError | null) => void): void {
    if (this._waiting !== null) this._waiting.push(f);
    else f(null);
  }

  start(
    on_message: (data: Uint8Array, from: [string, number]) => void,
    on_error: (e: HostError) => void,
  ): void {
    this._when_ready((err) => {
      if (err !== null || this._closed) return;
      this._s.on("message", (msg: Uint8Array, rinfo: dgram.RemoteInfo) => {
        if (!this._closed) {
          on_message(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), [rinfo.address, rinfo.port]);
        }
      });
      this._s.on("error", (e: Error) => {
        if (!this._closed) on_error(host_error(e));
      });
    });
  }

  connect(to: [string, number]): void {
    if (this.bound === null) {
      this._s.connect(to[1], to[0]);
      return;
    }
    // Bun: sends made before the connect completes wait for it (Bun would take them as unconnected).
    this._when_ready((err) => {
      if (err !== null || this._closed) return;
      this._waiting = [];
      this._s.connect(to[1], to[0], () => this._ready());
    });
  }

  send(data: Uint8Array, to: [string, number] | null, done: (err: HostError | null) => void): void {
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const cb = (e: Error | null) => done(e ? host_error(e) : null);
    if (this._waiting === null) {
      if (to === null) this._s.send(buf, cb);
      else this._s.send(buf, to[1], to[0], cb);
      return;
    }
    this._when_ready((err) => {
      if (err !== null || this._closed) done(err ?? new HostError("EBADF", "Bad file descriptor"));
      else if (to === null) this._s.send(buf, cb);
      else this._s.send(buf, to[1], to[0], cb);
    });
  }

  set_broadcast(on: boolean): void {
    this._when_ready((err) => {
      if (err === null && !this._closed) this._s.setBroadcast(on);
    });
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    _count_socket(-1);
    this._s.close();
  }
}
