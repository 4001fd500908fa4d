/**
 * Port of `asyncio/trsock.py`: `TransportSocket`, the view of a transport's socket that
 * `get_extra_info("socket")` and `Server.sockets` give, without the operations that would
 * disturb the transport (no recv/send/close).
 *
 * @module
 */

import type { Address, socket } from "./stdlib/socket.ts";
import { AttributeError, TypeError, ValueError } from "./stdlib/builtins.ts";
import { repr } from "./stdlib/_repr.ts";

/** Python's `asyncio.TransportSocket`. */
export class TransportSocket {
  /** @internal */
  _sock: socket;

  /** Wraps `sock`. */
  constructor(sock: socket) {
    this._sock = sock;
  }

  /** The address family. */
  get family(): number {
    return this._sock.family;
  }

  /** The socket type. */
  get type(): number {
    return this._sock.type;
  }

  /** The protocol number. */
  get proto(): number {
    return this._sock.proto;
  }

  /** Python's repr. */
  toString(): string {
    let s =
      `<asyncio.TransportSocket fd=${this.fileno()}, family=${this.family}, type=${this.type}, proto=${this.proto}`;
    if (this.fileno() !== -1) {
      try {
        const laddr = this.getsockname();
        if (laddr && laddr.length) s += `, laddr=${repr(laddr)}`;
      } catch { /* not bound */ }
      try {
        const raddr = this.getpeername();
        if (raddr && raddr.length) s += `, raddr=${repr(raddr)}`;
      } catch { /* not connected */ }
    }
    return s + ">";
  }

  /** @internal Python's repr. */
  __repr__(): string {
    return this.toString();
  }

  /** The socket's number. */
  fileno(): number {
    return this._sock.fileno();
  }

  /** Not allowed: `TypeError`, as in Python. */
  __getstate__(): never {
    throw new TypeError("Cannot serialize asyncio.TransportSocket object");
  }

  /** `socket.dup()`: refused by the emulated socket (`OSError`, see `socket.dup`). */
  dup(): never {
    return this._sock.dup();
  }

  /** `socket.get_inheritable()`: `false`. */
  get_inheritable(): boolean {
    return this._sock.get_inheritable();
  }

  /** `socket.shutdown(how)`. */
  shutdown(how: number): void {
    this._sock.shutdown(how);
  }

  /** `socket.getsockopt(level, option)`. */
  getsockopt(level: number, option: number): number {
    return this._sock.getsockopt(level, option);
  }

  /** `socket.setsockopt(level, option, value)`. */
  setsockopt(level: number, option: number, value: number | boolean): void {
    this._sock.setsockopt(level, option, value);
  }

  /** `socket.getpeername()`. */
  getpeername(): Address {
    return this._sock.getpeername();
  }

  /** `socket.getsockname()`. */
  getsockname(): Address {
    return this._sock.getsockname();
  }

  /** As in CPython, this forwards to a method sockets do not have: `AttributeError`. */
  getsockbyname(): never {
    throw new AttributeError("'socket' object has no attribute 'getsockbyname'");
  }

  /** Only `settimeout(0)` is allowed: the transport needs the socket non-blocking. */
  settimeout(value: number | null): void {
    if (value === 0) return;
    throw new ValueError("settimeout(): only 0 timeout is allowed on transport sockets");
  }

  /** Always 0. */
  gettimeout(): number {
    return 0;
  }

  /** Only `setblocking(false)` is allowed. */
  setblocking(flag: boolean): void {
    if (!flag) return;
    throw new ValueError("setblocking(): transport sockets cannot be blocking");
  }
}
