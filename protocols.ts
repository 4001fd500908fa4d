/**
 * Port of `asyncio/protocols.py`: the callback interfaces a transport drives.
 *
 * Users subclass {@linkcode Protocol} (or {@linkcode BufferedProtocol}) and override the
 * callbacks they need; every callback has a do-nothing default, as in CPython.
 *
 * @module
 */

import type { BaseTransport, DatagramTransport, Transport } from "./transports.ts";
import { RuntimeError, TypeError } from "./stdlib/builtins.ts";
import { _set_module } from "./stdlib/_repr.ts";

/** Python's `BaseProtocol`: connection and write flow-control callbacks. */
export class BaseProtocol {
  /** The connection is made; `transport` is the connection's transport. */
  connection_made(_transport: BaseTransport): void {}
  /** The connection is lost or closed; `exc` is the error, or `null` on a normal close/EOF. */
  connection_lost(_exc: Error | null): void {}
  /** The transport's write buffer went over its high-water mark: stop writing. */
  pause_writing(): void {}
  /** The transport's write buffer drained to its low-water mark: write again. */
  resume_writing(): void {}
}

/** Python's `Protocol`: a stream protocol that receives bytes. */
export class Protocol extends BaseProtocol {
  /** The connection is made; `transport` is its transport. */
  override connection_made(_transport: Transport): void {}
  /** Bytes arrived. */
  data_received(_data: Uint8Array): void {}
  /**
   * The peer sent EOF. Return a true value to keep the transport open (to keep writing);
   * otherwise (the default) the transport closes itself.
   */
  eof_received(): boolean | void | null {}
}

/**
 * Python's `BufferedProtocol`: the transport reads straight into a buffer the protocol lends
 * (`get_buffer`), then reports how much it wrote (`buffer_updated`).
 */
export class BufferedProtocol extends BaseProtocol {
  /** The connection is made; `transport` is its transport. */
  override connection_made(_transport: Transport): void {}
  /**
   * A buffer to read into; `sizehint` is the wanted size (-1: any). Must not be empty.
   * Subclasses override it; the default returns `null`, as CPython's returns `None`.
   */
  get_buffer(_sizehint: number): Uint8Array | null {
    return null;
  }
  /** `nbytes` bytes were written into the buffer last returned by `get_buffer`. */
  buffer_updated(_nbytes: number): void {}
  /** As {@linkcode Protocol.eof_received}. */
  eof_received(): boolean | void | null {}
}

/** Python's `DatagramProtocol`. */
export class DatagramProtocol extends BaseProtocol {
  /** The connection is made; `transport` is its transport. */
  override connection_made(_transport: DatagramTransport): void {}
  /** A datagram arrived from `addr`. */
  datagram_received(_data: Uint8Array, _addr: unknown): void {}
  /** A send or receive failed with `exc` (an `OSError`). */
  error_received(_exc: Error): void {}
}

/** Python's `SubprocessProtocol`. */
export class SubprocessProtocol extends BaseProtocol {
  /** Data arrived on the child's stdout (1) or stderr (2). */
  pipe_data_received(_fd: number, _data: Uint8Array): void {}
  /** One of the child's pipes closed. */
  pipe_connection_lost(_fd: number, _exc: Error | null): void {}
  /** The child exited. */
  process_exited(): void {}
}

/** Feeds `data` to a {@linkcode BufferedProtocol} through its buffers, as many as it takes. */
export function _feed_data_to_buffered_proto(proto: BufferedProtocol, data: Uint8Array): void {
  let data_len = data.length;
  while (data_len) {
    const buf = proto.get_buffer(data_len);
    if (buf === null) throw new TypeError("object of type 'NoneType' has no len()");
    const buf_len = buf.length;
    if (!buf_len) throw new RuntimeError("get_buffer() returned an empty buffer");
    if (buf_len >= data_len) {
      buf.set(data.subarray(0, data_len));
      proto.buffer_updated(data_len);
      return;
    }
    buf.set(data.subarray(0, buf_len));
    proto.buffer_updated(buf_len);
    data = data.subarray(buf_len);
    data_len = data.length;
  }
}

/**
 * @internal The chunk a socket transport is handing to `data_received()` right now. It came from
 * the socket and nothing else holds it, so a `StreamReader` fed exactly this array may keep it
 * instead of copying it (a copy is what Python's immutable `bytes` make unnecessary; any other
 * array is copied, as the caller may reuse it).
 */
export const _owned_chunk: { data: Uint8Array | null } = { data: null };

_set_module(
  "asyncio.protocols",
  BaseProtocol,
  Protocol,
  BufferedProtocol,
  DatagramProtocol,
  SubprocessProtocol,
);
