/**
 * Port of `asyncio/streams.py`: `StreamReader`, `StreamWriter`, `StreamReaderProtocol`, and
 * `open_connection` / `start_server` (and their Unix twins).
 *
 * The reader's buffer is a byte buffer with a moving start (CPython uses a `bytearray` and
 * deletes from its front), so reading a line is a copy of that line and nothing more.
 *
 * Beyond CPython: {@linkcode StreamReader.readable} gives the reader as a web
 * `ReadableStream<Uint8Array>`, and {@linkcode StreamWriter.writable} the writer as a
 * `WritableStream<Uint8Array>` (for `fetch` bodies, `pipeTo`, and the like).
 *
 * @module
 */

import { type AbstractEventLoop, type AbstractServer, get_event_loop, get_running_loop } from "./events.ts";
import { IncompleteReadError, LimitOverrunError } from "./exceptions.ts";
import { extract_stack, type FrameSummary } from "./format_helpers.ts";
import { _owned_chunk, Protocol } from "./protocols.ts";
import type { Transport } from "./transports.ts";
import type { Future } from "./futures.ts";
import type { Task } from "./tasks.ts";
import { sleep } from "./tasks.ts";
import { _trackable_method, type Coroutine, iscoroutine } from "./coroutines.ts";
import { logger } from "./log.ts";
import type { CreateConnectionOptions, CreateServerOptions } from "./events.ts";
import type { SSLOption } from "./sslproto.ts";
import {
  AssertionError,
  ConnectionResetError,
  NotImplementedError,
  RuntimeError,
  StopAsyncIteration,
  type_name,
  TypeError,
  ValueError,
} from "./stdlib/builtins.ts";
import { _set_module, repr } from "./stdlib/_repr.ts";
import { concat } from "./stdlib/_bytes.ts";
import { _warn } from "./_warnings.ts";

/** The default buffer limit of a {@linkcode StreamReader}: 64 KiB. */
export const _DEFAULT_LIMIT = 2 ** 16;

/** The options of `open_connection` / `start_server`: the loop's, and the reader's `limit`. */
export interface StreamOptions {
  /** The reader's buffer limit (default 64 KiB). */
  limit?: number;
}

/**
 * Opens a TCP connection to `host`:`port`: `[reader, writer]`. Other options are those of
 * `loop.create_connection()`.
 */
export function* open_connection(
  host: string | null = null,
  port: number | string | null = null,
  options: StreamOptions & CreateConnectionOptions = {},
): Coroutine<[StreamReader, StreamWriter]> {
  const { limit = _DEFAULT_LIMIT, ...kwds } = options;
  const loop = get_running_loop();
  const reader = new StreamReader({ limit, loop });
  const protocol = new StreamReaderProtocol(reader, null, loop);
  const [transport] = yield* loop.create_connection(() => protocol, host, port, kwds);
  const writer = new StreamWriter(transport, protocol, reader, loop);
  return [reader, writer];
}

/** The callback `start_server` calls for each connection (a plain function or a coroutine function). */
export type ClientConnectedCallback = (
  reader: StreamReader,
  writer: StreamWriter,
) => unknown;

/**
 * Starts a TCP server calling `client_connected_cb(reader, writer)` for each connection (as a
 * Task if it returns a coroutine). Other options are those of `loop.create_server()`.
 */
export function* start_server(
  client_connected_cb: ClientConnectedCallback,
  host: string | string[] | null = null,
  port: number | string | null = null,
  options: StreamOptions & CreateServerOptions = {},
): Coroutine<AbstractServer> {
  const { limit = _DEFAULT_LIMIT, ...kwds } = options;
  const loop = get_running_loop();
  const factory = () => {
    const reader = new StreamReader({ limit, loop });
    return new StreamReaderProtocol(reader, client_connected_cb, loop);
  };
  return yield* loop.create_server(factory, host, port, kwds);
}

/** Opens a Unix socket connection to `path`: `[reader, writer]`. */
export function* open_unix_connection(
  path: string | null = null,
  options: StreamOptions & CreateConnectionOptions = {},
): Coroutine<[StreamReader, StreamWriter]> {
  const { limit = _DEFAULT_LIMIT, ...kwds } = options;
  const loop = get_running_loop();
  const reader = new StreamReader({ limit, loop });
  const protocol = new StreamReaderProtocol(reader, null, loop);
  const [transport] = yield* loop.create_unix_connection(() => protocol, path, kwds);
  const writer = new StreamWriter(transport, protocol, reader, loop);
  return [reader, writer];
}

/** Starts a Unix socket server on `path` (see {@linkcode start_server}). */
export function* start_unix_server(
  client_connected_cb: ClientConnectedCallback,
  path: string | null = null,
  options: StreamOptions & CreateServerOptions = {},
): Coroutine<AbstractServer> {
  const { limit = _DEFAULT_LIMIT, ...kwds } = options;
  const loop = get_running_loop();
  const factory = () => {
    const reader = new StreamReader({ limit, loop });
    return new StreamReaderProtocol(reader, client_connected_cb, loop);
  };
  return yield* loop.create_unix_server(factory, path, kwds);
}

/**
 * Python's `FlowControlMixin` (of streams): a protocol whose `_drain_helper()` waits while the
 * transport has paused writing.
 */
export class FlowControlMixin extends Protocol {
  /** @internal */
  _loop: AbstractEventLoop;
  /** @internal */
  _paused = false;
  /** @internal */
  _drain_waiters: Future<null>[] = [];
  /** @internal */
  _connection_lost = false;

  /** `loop` defaults to the current loop. */
  constructor(loop: AbstractEventLoop | null = null) {
    super();
    this._loop = loop ?? get_event_loop();
  }

  /** The transport's buffer is full: `drain()` waits from now on. */
  override pause_writing(): void {
    if (this._paused) throw new AssertionError();
    this._paused = true;
    if (this._loop.get_debug()) logger.debug(`${repr(this)} pauses writing`);
  }

  /** The transport's buffer drained: wakes the `drain()` waiters. */
  override resume_writing(): void {
    if (!this._paused) throw new AssertionError();
    this._paused = false;
    if (this._loop.get_debug()) logger.debug(`${repr(this)} resumes writing`);
    for (const waiter of this._drain_waiters) if (!waiter.done()) waiter.set_result(null);
  }

  /** The connection is gone: wakes the `drain()` waiters (with `exc`, if any). */
  override connection_lost(exc: Error | null): void {
    this._connection_lost = true;
    if (!this._paused) return;
    for (const waiter of this._drain_waiters) {
      if (!waiter.done()) {
        if (exc === null) waiter.set_result(null);
        else waiter.set_exception(exc);
      }
    }
  }

  /** @internal Waits while writing is paused; `ConnectionResetError` once the connection is lost. */
  *_drain_helper(): Coroutine<void> {
    if (this._connection_lost) throw new ConnectionResetError("Connection lost");
    if (!this._paused) return;
    const waiter = this._loop.create_future<null>();
    this._drain_waiters.push(waiter);
    try {
      yield* waiter;
    } finally {
      const i = this._drain_waiters.indexOf(waiter);
      if (i >= 0) this._drain_waiters.splice(i, 1);
    }
  }

  /** @internal */
  _get_close_waiter(_stream: StreamWriter): Future<null> {
    throw new NotImplementedError();
  }
}

/** Python's `StreamReaderProtocol`: feeds a {@linkcode StreamReader} from a transport. */
export class StreamReaderProtocol extends FlowControlMixin {
  /** @internal */
  _source_traceback: FrameSummary[] | null = null;
  /** @internal CPython holds the reader weakly; here the protocol drops it once the connection is lost. */
  _stream_reader: StreamReader | null;
  /** @internal */
  _reject_connection = false;
  /** @internal */
  _task: Task<unknown> | null = null;
  /** @internal */
  _transport: Transport | null = null;
  /** @internal */
  _client_connected_cb: ClientConnectedCallback | null;
  /** @internal */
  _over_ssl = false;
  /** @internal */
  _closed: Future<null>;
  /** @internal */
  _stream_writer: StreamWriter | null = null;

  /** Feeds `stream_reader`; calls `client_connected_cb(reader, writer)` once connected (servers). */
  constructor(
    stream_reader: StreamReader | null,
    client_connected_cb: ClientConnectedCallback | null = null,
    loop: AbstractEventLoop | null = null,
  ) {
    super(loop);
    this._stream_reader = stream_reader;
    if (stream_reader !== null) this._source_traceback = stream_reader._source_traceback;
    this._client_connected_cb = client_connected_cb;
    this._closed = this._loop.create_future<null>();
  }

  /** @internal */
  _replace_transport(transport: Transport): void {
    this._transport = transport;
    this._over_ssl = transport.get_extra_info("sslcontext") !== null;
  }

  /** Connected: hands the transport to the reader, and starts the server callback. */
  override connection_made(transport: Transport): void {
    if (this._reject_connection) {
      const context: Record<string, unknown> = {
        message: "An open stream was garbage collected prior to establishing network connection; " +
          'call "stream.close()" explicitly.',
      };
      if (this._source_traceback) context.source_traceback = this._source_traceback;
      this._loop.call_exception_handler(context as never);
      transport.abort();
      return;
    }
    this._transport = transport;
    const reader = this._stream_reader;
    if (reader !== null) reader.set_transport(transport);
    this._over_ssl = transport.get_extra_info("sslcontext") !== null;
    if (this._client_connected_cb !== null) {
      const writer = new StreamWriter(transport, this, reader, this._loop);
      const res = this._client_connected_cb(reader!, writer);
      if (iscoroutine(res)) {
        const callback = (task: Task<unknown>) => {
          // A finished generator keeps its arguments alive (CPython clears a finished
          // coroutine's frame): drop the task, so the writer it was given can be collected.
          if (this._task === task) this._task = null;
          if (task.cancelled()) {
            transport.close();
            return;
          }
          const exc = task.exception();
          if (exc !== null) {
            this._loop.call_exception_handler({
              message: "Unhandled exception in client_connected_cb",
              exception: exc,
              transport,
            });
            transport.close();
          }
        };
        this._task = this._loop.create_task(res);
        this._task.add_done_callback(callback);
      }
    }
  }

  /** The connection is gone: EOF (or the error) to the reader; the close waiter is done. */
  override connection_lost(exc: Error | null): void {
    const reader = this._stream_reader;
    if (reader !== null) {
      if (exc === null) reader.feed_eof();
      else reader.set_exception(exc);
    }
    if (!this._closed.done()) {
      if (exc === null) this._closed.set_result(null);
      else {
        this._closed.set_exception(exc);
        // Like CPython's __del__: an error nobody waits for is not reported as never retrieved.
        this._closed.exception();
      }
    }
    super.connection_lost(exc);
    this._stream_reader = null;
    this._stream_writer = null;
    this._task = null;
    this._transport = null;
  }

  /** Bytes arrived: fed to the reader. */
  override data_received(data: Uint8Array): void {
    this._stream_reader?.feed_data(data);
  }

  /** EOF: fed to the reader; the transport stays open for writing (except over TLS). */
  override eof_received(): boolean {
    this._stream_reader?.feed_eof();
    if (this._over_ssl) return false;
    return true;
  }

  /** @internal */
  override _get_close_waiter(_stream: StreamWriter): Future<null> {
    return this._closed;
  }
}

/**
 * CPython's `StreamWriter.__del__`: a writer collected while its transport is open closes the
 * transport and warns (`ResourceWarning`). The writer is gone by then: its repr is made from
 * what it held (its class name, transport and reader), as it would be now, after the close.
 */
const _unclosed_writers = new FinalizationRegistry<
  { name: string; transport: Transport; reader: StreamReader | null; loop: AbstractEventLoop }
>(
  ({ name, transport, reader, loop }) => {
    if (transport.is_closing()) return;
    if (loop.is_closed()) {
      _warn("loop is closed", "ResourceWarning");
    } else {
      transport.close();
      _warn(`unclosed ${_writer_repr(name, transport, reader)}`, "ResourceWarning");
    }
  },
);

/** A StreamWriter's repr, from its class name, transport and reader. */
function _writer_repr(name: string, transport: Transport, reader: StreamReader | null): string {
  const info = [name, `transport=${repr(transport)}`];
  if (reader !== null) info.push(`reader=${repr(reader)}`);
  return `<${info.join(" ")}>`;
}

/** Python's `StreamWriter`: writes to a transport, with `drain()` for flow control. */
export class StreamWriter {
  /** @internal */
  _transport: Transport;
  /** @internal */
  _protocol: StreamReaderProtocol;
  /** @internal */
  _reader: StreamReader | null;
  /** @internal */
  _loop: AbstractEventLoop;
  /** @internal */
  _complete_fut: Future<null>;

  /** Wraps `transport` (normally made by `open_connection` / `start_server`). */
  constructor(
    transport: Transport,
    protocol: StreamReaderProtocol,
    reader: StreamReader | null,
    loop: AbstractEventLoop,
  ) {
    this._transport = transport;
    this._protocol = protocol;
    if (!(reader === null || reader instanceof StreamReader)) {
      throw new AssertionError();
    }
    this._reader = reader;
    this._loop = loop;
    this._complete_fut = loop.create_future<null>();
    this._complete_fut.set_result(null);
    _unclosed_writers.register(this, { name: this.constructor.name, transport, reader, loop });
  }

  /** Python's repr. */
  __repr__(): string {
    return _writer_repr(this.constructor.name, this._transport, this._reader);
  }

  /** Python's repr. */
  toString(): string {
    return this.__repr__();
  }

  /** The transport. */
  get transport(): Transport {
    return this._transport;
  }

  /**
   * Writes `data` (buffered; call `drain()` to wait for room). As in CPython 3.12 and later, what
   * the socket cannot take at once is kept without a copy until it is sent: do not change an array
   * after writing it.
   */
  write(data: Uint8Array): void {
    this._transport.write(data);
  }

  /** Writes each buffer of `data`. */
  writelines(data: Iterable<Uint8Array>): void {
    this._transport.writelines(data);
  }

  /** Sends EOF after the buffered data. */
  write_eof(): void {
    return this._transport.write_eof();
  }

  /** Whether the transport can send EOF. */
  can_write_eof(): boolean {
    return this._transport.can_write_eof();
  }

  /** Closes the transport (buffered data is still sent). */
  close(): void {
    return this._transport.close();
  }

  /** Whether the transport is closing or closed. */
  is_closing(): boolean {
    return this._transport.is_closing();
  }

  /** Waits until the connection is closed (raises the error that closed it, if any). */
  *wait_closed(): Coroutine<void> {
    yield* this._protocol._get_close_waiter(this);
  }

  /** The transport's extra information. */
  get_extra_info(name: string, default_: unknown = null): unknown {
    return this._transport.get_extra_info(name, default_);
  }

  /**
   * Waits until writing may go on: returns at once unless the transport's buffer is over its
   * high-water mark. Raises the reader's error, or `ConnectionResetError` once the connection is
   * lost.
   */
  *drain(): Coroutine<void> {
    if (this._reader !== null) {
      const exc = this._reader.exception();
      if (exc !== null) throw exc;
    }
    if (this._transport.is_closing()) {
      // Let connection_lost() run if it is scheduled, so drain() raises.
      yield* sleep(0);
    }
    yield* this._protocol._drain_helper();
  }

  /** Upgrades the connection to TLS. */
  *start_tls(
    sslcontext: SSLOption | boolean,
    options: {
      server_hostname?: string | null;
      ssl_handshake_timeout?: number | null;
      ssl_shutdown_timeout?: number | null;
    } = {},
  ): Coroutine<void> {
    const server_side = this._protocol._client_connected_cb !== null;
    const protocol = this._protocol;
    yield* this.drain();
    const new_transport = yield* this._loop.start_tls(this._transport, protocol, sslcontext, {
      server_side,
      ...options,
    });
    this._transport = new_transport;
    protocol._replace_transport(new_transport);
  }

  /** `async with writer:` gives the writer. */
  // deno-lint-ignore require-yield
  *__aenter__(): Coroutine<this> {
    return this;
  }

  /** `async with writer:` closes it and waits on exit. */
  *__aexit__(..._exc: unknown[]): Coroutine<void> {
    this.close();
    yield* this.wait_closed();
  }

  /**
   * The writer as a web `WritableStream<Uint8Array>`: each chunk is written (a copy: a web stream's
   * producer may reuse its array once the write settles, while the transport may still hold what
   * it could not send), then `drain()`ed; closing the stream closes the writer (and waits for it),
   * aborting it aborts the transport.
   */
  get writable(): WritableStream<Uint8Array> {
    // A Task is a thenable: the stream awaits it as a Promise.
    const loop = this._loop;
    const run = <T>(coro: Coroutine<T>): PromiseLike<T> => loop.create_task(coro);
    // deno-lint-ignore no-this-alias
    const writer = this;
    return new WritableStream<Uint8Array>({
      write(chunk) {
        writer.write(chunk.slice());
        return run(writer.drain());
      },
      close() {
        writer.close();
        return run(writer.wait_closed());
      },
      abort() {
        writer._transport.abort();
      },
    });
  }
}
_trackable_method(StreamWriter.prototype, "drain", "StreamWriter.drain");
_trackable_method(StreamWriter.prototype, "wait_closed", "StreamWriter.wait_closed");

/** The options of the {@linkcode StreamReader} constructor. */
export interface StreamReaderOptions {
  /** The buffer limit (default 64 KiB): readline's longest line, and when reading pauses (2×). */
  limit?: number;
  /** The loop (default: the current one). */
  loop?: AbstractEventLoop | null;
}

const EMPTY = new Uint8Array(0);

/** A growable byte buffer with a moving start: Python's `bytearray` as the reader uses it. */
class ByteBuffer {
  buf: Uint8Array = new Uint8Array(0);
  start = 0;
  end = 0;
  // `buf` is an array received from a socket and kept as is (see extend_owned): never written to.
  shared = false;

  get length(): number {
    return this.end - this.start;
  }

  /** Appends `data`, which nothing else will write to: kept without a copy when the buffer is empty. */
  extend_owned(data: Uint8Array): void {
    if (this.start === this.end) {
      this.buf = data;
      this.start = 0;
      this.end = data.length;
      this.shared = true;
      return;
    }
    this.extend(data);
  }

  extend(data: Uint8Array): void {
    const n = data.length;
    if (this.shared) {
      // A kept array is read only: move to a buffer of our own.
      const len = this.end - this.start;
      const nb = new Uint8Array(Math.max(len + n, 1024));
      nb.set(this.buf.subarray(this.start, this.end));
      this.buf = nb;
      this.start = 0;
      this.end = len;
      this.shared = false;
    } else if (this.end + n > this.buf.length) {
      const len = this.end - this.start;
      if (len + n <= this.buf.length && this.start >= len) {
        // Enough room once compacted.
        this.buf.copyWithin(0, this.start, this.end);
      } else {
        const nb = new Uint8Array(Math.max(len + n, this.buf.length * 2, 1024));
        nb.set(this.buf.subarray(this.start, this.end));
        this.buf = nb;
      }
      this.start = 0;
      this.end = len;
    }
    this.buf.set(data, this.end);
    this.end += n;
  }

  /** The index (from the start) of `sep` at or after `offset`, or -1. */
  find(sep: Uint8Array, offset: number): number {
    const b = this.buf;
    const first = sep[0];
    const n = sep.length;
    const last = this.end - n;
    for (let i = this.start + offset; i <= last; i++) {
      i = b.indexOf(first, i);
      if (i < 0 || i > last) return -1;
      let j = 1;
      while (j < n && b[i + j] === sep[j]) j++;
      if (j === n) return i - this.start;
    }
    return -1;
  }

  /** Whether the bytes at `offset` begin with `sep`. */
  startswith(sep: Uint8Array, offset: number): boolean {
    if (offset + sep.length > this.length) return false;
    for (let j = 0; j < sep.length; j++) if (this.buf[this.start + offset + j] !== sep[j]) return false;
    return true;
  }

  /** Removes and returns the first `n` bytes (the buffer itself when that is all of it). */
  take(n: number): Uint8Array {
    n = Math.min(n, this.length);
    if (n === this.length && n >= 4096) {
      // Hand the bytes over without copying; the next extend() starts a new buffer.
      const out = this.buf.subarray(this.start, this.end);
      this.buf = EMPTY;
      this.start = this.end = 0;
      this.shared = false;
      return out;
    }
    const out = this.buf.slice(this.start, this.start + n);
    this.drop(n);
    return out;
  }

  /** The buffered bytes (a view, not a copy). */
  view(): Uint8Array {
    return this.buf.subarray(this.start, this.end);
  }

  drop(n: number): void {
    this.start += Math.min(n, this.length);
    if (this.start === this.end) this.start = this.end = 0;
  }

  clear(): void {
    this.start = this.end = 0;
  }
}

/** Python's `StreamReader`: a buffer of received bytes, read by coroutines. */
export class StreamReader {
  /** @internal */
  _source_traceback: FrameSummary[] | null = null;
  /** @internal */
  _limit: number;
  /** @internal */
  _loop: AbstractEventLoop;
  /** @internal */
  _buffer: ByteBuffer = new ByteBuffer();
  /** @internal Whether EOF was fed. */
  _eof = false;
  /** @internal The Future a reader waits on for data. */
  _waiter: Future<null> | null = null;
  /** @internal */
  _exception: Error | null = null;
  /** @internal */
  _transport: Transport | null = null;
  /** @internal Whether reading from the transport is paused. */
  _paused = false;

  /** `limit` (default 64 KiB) must be positive. */
  constructor(options: StreamReaderOptions = {}) {
    const { limit = _DEFAULT_LIMIT, loop = null } = options;
    if (limit <= 0) throw new ValueError("Limit cannot be <= 0");
    this._limit = limit;
    this._loop = loop ?? get_event_loop();
    if (this._loop.get_debug()) this._source_traceback = extract_stack(2);
  }

  /** Python's repr. */
  __repr__(): string {
    const info = ["StreamReader"];
    if (this._buffer.length) info.push(`${this._buffer.length} bytes`);
    if (this._eof) info.push("eof");
    if (this._limit !== _DEFAULT_LIMIT) info.push(`limit=${this._limit}`);
    if (this._waiter) info.push(`waiter=${repr(this._waiter)}`);
    if (this._exception) info.push(`exception=${repr(this._exception)}`);
    if (this._transport) info.push(`transport=${repr(this._transport)}`);
    if (this._paused) info.push("paused");
    return `<${info.join(" ")}>`;
  }

  /** Python's repr. */
  toString(): string {
    return this.__repr__();
  }

  /** The error set by `set_exception()`, or `null`. */
  exception(): Error | null {
    return this._exception;
  }

  /** Makes every read raise `exc` (and wakes a waiting reader with it). */
  set_exception(exc: Error): void {
    this._exception = exc;
    const waiter = this._waiter;
    if (waiter !== null) {
      this._waiter = null;
      if (!waiter.cancelled()) waiter.set_exception(exc);
    }
  }

  /** @internal */
  _wakeup_waiter(): void {
    const waiter = this._waiter;
    if (waiter !== null) {
      this._waiter = null;
      if (!waiter.cancelled()) waiter.set_result(null);
    }
  }

  /** Sets the transport (once), which the reader pauses and resumes. */
  set_transport(transport: Transport): void {
    if (this._transport !== null) throw new AssertionError("Transport already set");
    this._transport = transport;
  }

  /** @internal */
  _maybe_resume_transport(): void {
    if (this._paused && this._buffer.length <= this._limit) {
      this._paused = false;
      this._transport!.resume_reading();
    }
  }

  /** No more data will come. */
  feed_eof(): void {
    this._eof = true;
    this._wakeup_waiter();
  }

  /** Whether EOF was fed and the buffer is empty. */
  at_eof(): boolean {
    return this._eof && this._buffer.length === 0;
  }

  /** Appends `data` to the buffer (pausing the transport past 2 × limit). */
  feed_data(data: Uint8Array): void {
    if (this._eof) throw new AssertionError("feed_data after feed_eof");
    if (!data.length) return;
    if (data === _owned_chunk.data) {
      _owned_chunk.data = null;
      this._buffer.extend_owned(data);
    } else {
      this._buffer.extend(data);
    }
    this._wakeup_waiter();
    if (this._transport !== null && !this._paused && this._buffer.length > 2 * this._limit) {
      try {
        this._transport.pause_reading();
      } catch (e) {
        if (!(e instanceof NotImplementedError)) throw e;
        this._transport = null;
        return;
      }
      this._paused = true;
    }
  }

  /** @internal Waits until data or EOF is fed (only one reader may wait at a time). */
  *_wait_for_data(func_name: string): Coroutine<void> {
    if (this._waiter !== null) {
      throw new RuntimeError(
        `${func_name}() called while another coroutine is already waiting for incoming data`,
      );
    }
    if (this._eof) throw new AssertionError("_wait_for_data after EOF");
    if (this._paused) {
      this._paused = false;
      this._transport!.resume_reading();
    }
    this._waiter = this._loop.create_future<null>();
    try {
      yield* this._waiter;
    } finally {
      this._waiter = null;
    }
  }

  /**
   * Reads a line ending in `\n` (included). At EOF, returns what is left (maybe a partial line,
   * or empty). A line longer than the limit raises `ValueError` (and is dropped from the buffer).
   */
  *readline(): Coroutine<Uint8Array> {
    const sep = NL;
    const seplen = sep.length;
    let line: Uint8Array;
    try {
      line = yield* this.readuntil(sep);
    } catch (e) {
      if (e instanceof IncompleteReadError) return e.partial;
      if (e instanceof LimitOverrunError) {
        if (this._buffer.startswith(sep, e.consumed)) this._buffer.drop(e.consumed + seplen);
        else this._buffer.clear();
        this._maybe_resume_transport();
        throw new ValueError(e.args[0]);
      }
      throw e;
    }
    return line;
  }

  /**
   * Reads up to and including `separator` (one `Uint8Array`, or an array of them: the earliest
   * match wins). `IncompleteReadError` at EOF without a separator (the partial data in it);
   * `LimitOverrunError` if the limit is reached first (the data stays buffered).
   */
  *readuntil(separator: Uint8Array | Uint8Array[] = NL): Coroutine<Uint8Array> {
    let seps: Uint8Array[];
    if (Array.isArray(separator)) seps = [...separator].sort((a, b) => a.length - b.length);
    else seps = [separator];
    if (seps.length === 0) throw new ValueError("Separator should contain at least one element");
    const min_seplen = seps[0].length;
    const max_seplen = seps[seps.length - 1].length;
    if (min_seplen === 0) throw new ValueError("Separator should be at least one-byte string");
    // (CPython meets a separator that is not bytes when it first searches the buffer.)
    for (const sep of seps) {
      if (!(sep instanceof Uint8Array)) {
        throw new TypeError(`argument should be integer or bytes-like object, not '${type_name(sep)}'`);
      }
    }
    if (this._exception !== null) throw this._exception;
    let offset = 0;
    let match_start = -1;
    let match_end = -1;
    while (true) {
      const buflen = this._buffer.length;
      if (buflen - offset >= min_seplen) {
        for (const sep of seps) {
          const isep = this._buffer.find(sep, offset);
          if (isep !== -1) {
            const end = isep + sep.length;
            if (match_end === -1 || end < match_end) {
              match_end = end;
              match_start = isep;
            }
          }
        }
        if (match_end !== -1) break;
        offset = Math.max(0, buflen + 1 - max_seplen);
        if (offset > this._limit) {
          throw new LimitOverrunError("Separator is not found, and chunk exceed the limit", offset);
        }
      }
      if (this._eof) {
        const chunk = this._buffer.take(this._buffer.length);
        throw new IncompleteReadError(chunk, null);
      }
      yield* this._wait_for_data("readuntil");
    }
    if (match_start > this._limit) {
      throw new LimitOverrunError("Separator is found, but chunk is longer than limit", match_start);
    }
    const chunk = this._buffer.take(match_end);
    this._maybe_resume_transport();
    return chunk;
  }

  /**
   * Reads up to `n` bytes (waiting only if none are buffered); `n < 0` (the default) reads until
   * EOF. Empty at EOF.
   */
  *read(n = -1): Coroutine<Uint8Array> {
    if (this._exception !== null) throw this._exception;
    if (n === 0) return new Uint8Array(0);
    if (n < 0) {
      const blocks: Uint8Array[] = [];
      while (true) {
        const block = yield* this.read(this._limit);
        if (!block.length) break;
        blocks.push(block);
      }
      return blocks.length === 1 ? blocks[0] : concat(blocks);
    }
    if (!this._buffer.length && !this._eof) yield* this._wait_for_data("read");
    const data = this._buffer.take(n);
    this._maybe_resume_transport();
    return data;
  }

  /** Reads exactly `n` bytes; `IncompleteReadError` if EOF comes first. */
  *readexactly(n: number): Coroutine<Uint8Array> {
    if (n < 0) throw new ValueError("readexactly size can not be less than zero");
    if (this._exception !== null) throw this._exception;
    if (n === 0) return new Uint8Array(0);
    while (this._buffer.length < n) {
      if (this._eof) {
        const incomplete = this._buffer.take(this._buffer.length);
        throw new IncompleteReadError(incomplete, n);
      }
      yield* this._wait_for_data("readexactly");
    }
    const data = this._buffer.take(n);
    this._maybe_resume_transport();
    return data;
  }

  /** `async for line in reader:` (with `async_for`). */
  __aiter__(): this {
    return this;
  }

  /** The next line; `StopAsyncIteration` at EOF. */
  *__anext__(): Coroutine<Uint8Array> {
    const val = yield* this.readline();
    if (val.length === 0) throw new StopAsyncIteration();
    return val;
  }

  /**
   * The reader as a web `ReadableStream<Uint8Array>`: each pull reads what is buffered (up to
   * the limit), the stream closes at EOF and errors with the reader's error. Cancelling the
   * stream closes the reader's transport.
   */
  get readable(): ReadableStream<Uint8Array> {
    // deno-lint-ignore no-this-alias
    const reader = this;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        // A Task is a thenable; a failed read errors the stream.
        const data = await reader._loop.create_task(reader.read(reader._limit));
        if (data.length) controller.enqueue(data);
        else controller.close();
      },
      cancel() {
        reader._transport?.close();
      },
    });
  }
}

const NL = new Uint8Array([0x0a]);

_set_module("asyncio.streams", FlowControlMixin, StreamReaderProtocol);
