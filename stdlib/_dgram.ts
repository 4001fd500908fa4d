/**
 * UDP for the socket emulation (`stdlib/socket.ts`), on `node:dgram`, which Deno, Node and Bun all
 * provide (Deno's own `Deno.listenDatagram` needs `--unstable-net`). A datagram socket is bound
 * synchronously (a lookup that answers at once makes `bind()` synchronous, and a bind error is
 * emitted synchronously), pushes the datagrams it receives, and sends asynchronously.
 *
 * @module
 */
import dgram from "node:dgram";
import { Buffer } from "node:buffer";
import { _count_socket, host_error, type HostError } from "./_host.ts";

/** A bound host UDP socket. */
export interface HostDatagram {
  /** The bound address. */
  readonly local: { hostname: string; port: number };
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

/** Binds a UDP socket of `family` (4 or 6) to `host`:`port` (0: any), synchronously. */
export function udp_bind(host: string, port: number, family: 4 | 6, reuse_addr: boolean): HostDatagram {
  const sock = dgram.createSocket({
    type: family === 4 ? "udp4" : "udp6",
    reuseAddr: reuse_addr,
    // The socket layer passes numeric addresses only: answered at once, so bind() is synchronous.
    lookup: (
      address: string,
      _options: unknown,
      cb: (err: null, address: string, family: number) => void,
    ) => {
      cb(null, address, family);
    },
  } as dgram.SocketOptions);
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
  return new NodeDatagram(sock, { hostname: local.address, port: local.port });
}

class NodeDatagram implements HostDatagram {
  private _closed = false;
  constructor(private _s: dgram.Socket, readonly local: { hostname: string; port: number }) {}

  start(
    on_message: (data: Uint8Array, from: [string, number]) => void,
    on_error: (e: HostError) => void,
  ): void {
    this._s.on("message", (msg: Uint8Array, rinfo: dgram.RemoteInfo) => {
      if (!this._closed) {
        on_message(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), [rinfo.address, rinfo.port]);
      }
    });
    this._s.on("error", (e: Error) => {
      if (!this._closed) on_error(host_error(e));
    });
  }

  connect(to: [string, number]): void {
    this._s.connect(to[1], to[0]);
  }

  send(data: Uint8Array, to: [string, number] | null, done: (err: HostError | null) => void): void {
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const cb = (e: Error | null) => done(e ? host_error(e) : null);
    if (to === null) this._s.send(buf, cb);
    else this._s.send(buf, to[1], to[0], cb);
  }

  set_broadcast(on: boolean): void {
    this._s.setBroadcast(on);
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    _count_socket(-1);
    this._s.close();
  }
}
