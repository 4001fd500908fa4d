/**
 * Port of `asyncio/transports.py`: the transport interfaces, and `_FlowControlMixin` (the write
 * flow control shared by the concrete transports).
 *
 * Python's `Transport` inherits from both `ReadTransport` and `WriteTransport`. Here
 * {@linkcode Transport} extends {@linkcode BaseTransport} and declares both sets of methods;
 * `instanceof ReadTransport` and `instanceof WriteTransport` still hold for every `Transport`.
 *
 * @module
 */

import { _is_exit, AssertionError, NotImplementedError, type_name, ValueError } from "./stdlib/builtins.ts";
import type { BaseProtocol } from "./protocols.ts";
import type { AbstractEventLoop } from "./events.ts";
import { concat } from "./stdlib/_bytes.ts";
import { _set_module, tuple } from "./stdlib/_repr.ts";
import { _warn } from "./_warnings.ts";

/** The limits `set_write_buffer_limits` takes by name. */
export interface WriteBufferLimits {
  /** The high-water mark (bytes): `pause_writing()` past it. */
  high?: number | null;
  /** The low-water mark (bytes): `resume_writing()` at or below it. */
  low?: number | null;
}

/** Python's `BaseTransport`. */
export class BaseTransport {
  /** @internal Extra information (`get_extra_info`). */
  _extra: Record<string, unknown>;

  /** `extra`: the values `get_extra_info()` returns. */
  constructor(extra: Record<string, unknown> | null = null) {
    this._extra = extra ?? {};
  }

  /** Optional information about the transport (`"peername"`, `"socket"`, ...), or `default_`. */
  get_extra_info(name: string, default_: unknown = null): unknown {
    return name in this._extra ? this._extra[name] : default_;
  }

  /** Whether the transport is closing or closed. */
  is_closing(): boolean {
    throw new NotImplementedError();
  }

  /** Closes the transport: buffered data is still sent, then `connection_lost(null)` is called. */
  close(): void {
    throw new NotImplementedError();
  }

  /** Sets a new protocol. */
  set_protocol(_protocol: BaseProtocol): void {
    throw new NotImplementedError();
  }

  /** The current protocol. */
  get_protocol(): BaseProtocol {
    throw new NotImplementedError();
  }
}

/** Python's `ReadTransport`. */
export class ReadTransport extends BaseTransport {
  /** Whether the transport is receiving. */
  is_reading(): boolean {
    throw new NotImplementedError();
  }
  /** Stops delivering data to the protocol until `resume_reading()`. */
  pause_reading(): void {
    throw new NotImplementedError();
  }
  /** Delivers data to the protocol again. */
  resume_reading(): void {
    throw new NotImplementedError();
  }

  /** A {@linkcode Transport} is a ReadTransport too, as in Python. */
  static override [Symbol.hasInstance](x: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, x) ||
      (this === ReadTransport && x instanceof Transport);
  }
}

/** Python's `WriteTransport`. */
export class WriteTransport extends BaseTransport {
  /**
   * Sets the high- and low-water marks of the write buffer: `{ high, low }` or positionally.
   * Defaults: high 64 KiB, or 4 × low; low = high / 4.
   */
  set_write_buffer_limits(_high: number | WriteBufferLimits | null = null, _low: number | null = null): void {
    throw new NotImplementedError();
  }
  /** Bytes buffered and not yet sent. */
  get_write_buffer_size(): number {
    throw new NotImplementedError();
  }
  /** `[low, high]`. */
  get_write_buffer_limits(): [number, number] {
    throw new NotImplementedError();
  }
  /** Writes `data` (buffered; never blocks). */
  write(_data: Uint8Array): void {
    throw new NotImplementedError();
  }
  /** Writes each buffer of `list_of_data`. */
  writelines(list_of_data: Iterable<Uint8Array>): void {
    const list = [...list_of_data];
    // What `b''.join(list_of_data)` says of an item that is not bytes.
    list.forEach((data, i) => {
      if (!(data instanceof Uint8Array)) {
        throw new TypeError(`sequence item ${i}: expected a bytes-like object, ${type_name(data)} found`);
      }
    });
    this.write(concat(list));
  }
  /** Sends EOF once the buffered data is sent. */
  write_eof(): void {
    throw new NotImplementedError();
  }
  /** Whether `write_eof()` is supported. */
  can_write_eof(): boolean {
    throw new NotImplementedError();
  }
  /** Closes now, dropping buffered data; `connection_lost(null)` follows. */
  abort(): void {
    throw new NotImplementedError();
  }

  /** A {@linkcode Transport} is a WriteTransport too, as in Python. */
  static override [Symbol.hasInstance](x: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, x) ||
      (this === WriteTransport && x instanceof Transport);
  }
}

/** Python's `Transport`: a bidirectional stream transport (read and write). */
export class Transport extends BaseTransport {
  /** Whether the transport is receiving. */
  is_reading(): boolean {
    throw new NotImplementedError();
  }
  /** Stops delivering data to the protocol until `resume_reading()`. */
  pause_reading(): void {
    throw new NotImplementedError();
  }
  /** Delivers data to the protocol again. */
  resume_reading(): void {
    throw new NotImplementedError();
  }
  /** As {@linkcode WriteTransport.set_write_buffer_limits}. */
  set_write_buffer_limits(_high: number | WriteBufferLimits | null = null, _low: number | null = null): void {
    throw new NotImplementedError();
  }
  /** Bytes buffered and not yet sent. */
  get_write_buffer_size(): number {
    throw new NotImplementedError();
  }
  /** `[low, high]`. */
  get_write_buffer_limits(): [number, number] {
    throw new NotImplementedError();
  }
  /** Writes `data` (buffered; never blocks). */
  write(_data: Uint8Array): void {
    throw new NotImplementedError();
  }
  /** Writes each buffer of `list_of_data`. */
  writelines(list_of_data: Iterable<Uint8Array>): void {
    WriteTransport.prototype.writelines.call(this, list_of_data);
  }
  /** Sends EOF once the buffered data is sent. */
  write_eof(): void {
    throw new NotImplementedError();
  }
  /** Whether `write_eof()` is supported. */
  can_write_eof(): boolean {
    throw new NotImplementedError();
  }
  /** Closes now, dropping buffered data; `connection_lost(null)` follows. */
  abort(): void {
    throw new NotImplementedError();
  }
}

/** Python's `DatagramTransport`. */
export class DatagramTransport extends BaseTransport {
  /** Sends `data` to `addr` (or the connected peer). */
  sendto(_data: Uint8Array, _addr: unknown = null): void {
    throw new NotImplementedError();
  }
  /** Closes now, dropping buffered data. */
  abort(): void {
    throw new NotImplementedError();
  }

  /**
   * Python's datagram transports derive from both `Transport` (through `_SelectorTransport`) and
   * `DatagramTransport`; a JavaScript class has one base, so the selector loop's datagram
   * transport (marked `_datagram`) is a DatagramTransport too.
   */
  static override [Symbol.hasInstance](x: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, x) ||
      (this === DatagramTransport && (x as { _datagram?: unknown } | null)?._datagram === true);
  }
}

/** Python's `SubprocessTransport`. */
export class SubprocessTransport extends BaseTransport {
  /** The child's process id. */
  get_pid(): number {
    throw new NotImplementedError();
  }
  /** The child's return code, or `null` while it runs. */
  get_returncode(): number | null {
    throw new NotImplementedError();
  }
  /** The transport of pipe `fd` (0, 1, 2), or `null`. */
  get_pipe_transport(_fd: number): BaseTransport | null {
    throw new NotImplementedError();
  }
  /** Sends signal `signal` to the child. */
  send_signal(_signal: number): void {
    throw new NotImplementedError();
  }
  /** Asks the child to stop (SIGTERM). */
  terminate(): void {
    throw new NotImplementedError();
  }
  /** Kills the child (SIGKILL). */
  kill(): void {
    throw new NotImplementedError();
  }
}

/** The protocol shape `_FlowControlMixin` drives. */
interface FlowProtocol {
  pause_writing(): void;
  resume_writing(): void;
}

/**
 * Python's `_FlowControlMixin`: write flow control for a transport whose subclass provides
 * `get_write_buffer_size()` and calls `_maybe_pause_protocol()` / `_maybe_resume_protocol()`.
 */
export class _FlowControlMixin extends Transport {
  /** @internal */
  _loop: AbstractEventLoop | null;
  /** @internal */
  _protocol_paused = false;
  /** @internal */
  _high_water = 0;
  /** @internal */
  _low_water = 0;
  /** @internal Set by the subclass. */
  declare _protocol: FlowProtocol | null;

  /** `loop` is required. */
  constructor(extra: Record<string, unknown> | null = null, loop: AbstractEventLoop | null = null) {
    super(extra);
    if (loop === null) throw new AssertionError();
    this._loop = loop;
    this._set_write_buffer_limits();
  }

  /** @internal */
  _maybe_pause_protocol(): void {
    const size = this.get_write_buffer_size();
    if (size <= this._high_water) return;
    if (!this._protocol_paused) {
      this._protocol_paused = true;
      try {
        this._protocol!.pause_writing();
      } catch (exc) {
        if (_is_exit(exc)) throw exc;
        this._loop!.call_exception_handler({
          message: "protocol.pause_writing() failed",
          exception: exc,
          transport: this,
          protocol: this._protocol,
        });
      }
    }
  }

  /** @internal */
  _maybe_resume_protocol(): void {
    if (this._protocol_paused && this.get_write_buffer_size() <= this._low_water) {
      this._protocol_paused = false;
      try {
        this._protocol!.resume_writing();
      } catch (exc) {
        if (_is_exit(exc)) throw exc;
        this._loop!.call_exception_handler({
          message: "protocol.resume_writing() failed",
          exception: exc,
          transport: this,
          protocol: this._protocol,
        });
      }
    }
  }

  /** `[low, high]` (a tuple in Python: its repr shows one). */
  override get_write_buffer_limits(): [number, number] {
    return tuple([this._low_water, this._high_water]);
  }

  /** @internal */
  _set_write_buffer_limits(high: number | null = null, low: number | null = null): void {
    if (high === null) high = low === null ? 64 * 1024 : 4 * low;
    if (low === null) low = Math.floor(high / 4);
    if (!(high >= low && low >= 0)) {
      throw new ValueError(`high (${high}) must be >= low (${low}) must be >= 0`);
    }
    this._high_water = high;
    this._low_water = low;
  }

  /** Sets the write buffer limits (`{ high, low }` or positionally) and pauses the protocol if over. */
  override set_write_buffer_limits(
    high: number | WriteBufferLimits | null = null,
    low: number | null = null,
  ): void {
    if (high !== null && typeof high === "object") {
      low = high.low ?? null;
      high = high.high ?? null;
    }
    this._set_write_buffer_limits(high, low);
    this._maybe_pause_protocol();
  }
}

/**
 * @internal What is left of a transport once it is collected: its repr as it would be then, and
 * how to release what it held (close its socket or pipe). Made by a function of the transport's
 * parts, never a closure over the transport, which would keep it alive.
 */
export interface _Leftover {
  describe(): string;
  release(): void;
}

/**
 * CPython's transport `__del__`: a transport collected while its socket or pipe is open warns
 * (`ResourceWarning: unclosed transport <...>`) and closes it. A transport closed the normal way
 * is untracked when it lets go of its socket or pipe.
 */
const _unclosed_transports = new FinalizationRegistry<_Leftover>((leftover) => {
  _warn(`unclosed transport ${leftover.describe()}`, "ResourceWarning");
  leftover.release();
});

/** @internal Reports and releases `transport` if it is collected before {@linkcode _untrack_transport}. */
export function _track_transport(transport: object, leftover: _Leftover): void {
  _unclosed_transports.register(transport, leftover, transport);
}

/** @internal `transport` let go of its socket or pipe. */
export function _untrack_transport(transport: object): void {
  _unclosed_transports.unregister(transport);
}

_set_module(
  "asyncio.transports",
  BaseTransport,
  ReadTransport,
  WriteTransport,
  Transport,
  DatagramTransport,
  SubprocessTransport,
  _FlowControlMixin,
);
