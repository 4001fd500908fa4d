// Port of the transport parts of Lib/test/test_asyncio/test_selector_events.py (read from CPython
// 3.13.0's tree; 3.14 semantics from the 3.14 source): SelectorTransportTests,
// SelectorSocketTransportTests and SelectorSocketTransportBufferedProtocolTests. As in CPython,
// the transport runs on the test loop over a mock socket; the mock stands for the port's socket
// objects (the transports call their non-raising `_recv_nb`/`_send_nb`, which the mock maps onto
// `recv`/`send` mocks the tests program as CPython's do).
//
// Not ported, and why:
// - BaseSelectorEventLoopTests (ported at the end of the file, over a mock selector): the port's
//   loop has no self-pipe, so test_read_from_self_tryagain, test_read_from_self_exception,
//   test_write_to_self_tryagain and test_write_to_self_exception do not apply, nor does
//   test_make_ssl_transport_without_ssl_error (TLS is the host's: there is no `ssl` module to be
//   missing).
// - The sendmsg tests (test_write_sendmsg_*, test_writelines_sendmsg_*): JavaScript hosts have no
//   scatter write; the transport uses CPython's `_write_send` path (as CPython does where
//   `sendmsg` is missing).
// - SelectorDatagramTransportTests: CPython's datagram transport keeps its queue in `_buffer`
//   (pairs of data and address); here it is `_dbuffer` (`_buffer` is the stream transports' byte
//   chunks), so the tests use that name. test_fatal_error_connected_custom_error's log-format
//   check is made through the log records (the message and the context lines).
// - test_fatal_error_custom_exception's log-format check: the port's log record carries the same
//   message and context, checked through the exception handler instead.
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as asyncio from "../mod.ts";
import {
  _SelectorDatagramTransport,
  _SelectorSocketTransport,
  _SelectorTransport,
} from "../selector_events.ts";
import { AF_INET, IPPROTO_TCP, SHUT_WR, SOCK_DGRAM, SOCK_STREAM, socket } from "../stdlib/socket.ts";
import { type DefaultSelector, EVENT_READ, EVENT_WRITE, type SelectorKey } from "../stdlib/selectors.ts";
import type { Handle } from "../events.ts";
import { repr } from "../stdlib/_repr.ts";
import {
  BlockingIOError,
  ConnectionRefusedError,
  ConnectionResetError,
  Exception,
  InterruptedError,
  KeyError,
  LookupError,
  OSError,
  TypeError,
  ValueError,
} from "../stdlib/builtins.ts";
import {
  make_test_protocol,
  MockCallback,
  type MockCallback as MockFn,
  run_briefly,
  TestCase,
  type TestLoop,
} from "./utils.ts";
import { logger, type LogRecord } from "../log.ts";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A mock of the port's socket: `recv`, `recv_into`, `send`, `shutdown`, `close` are mocks. */
class MockSocket {
  family = AF_INET;
  type = SOCK_STREAM;
  proto = IPPROTO_TCP;
  recv = MockCallback({ return_value: new Uint8Array(0) });
  recv_into = MockCallback({ return_value: 0 });
  send = MockCallback({ return_value: 0 });
  shutdown = MockCallback();
  close = MockCallback();
  setsockopt = MockCallback();
  fileno = () => 7;
  getsockname = () => ["127.0.0.1", 1234];
  getpeername = () => ["127.0.0.1", 4321];
  _recv_nb(n: number): Uint8Array | null {
    try {
      return this.recv(n) as Uint8Array;
    } catch (e) {
      if (e instanceof BlockingIOError) return null;
      throw e;
    }
  }
  _send_nb(data: Uint8Array, _owned: boolean): number {
    try {
      return this.send(data) as number;
    } catch (e) {
      if (e instanceof BlockingIOError) return 0;
      throw e;
    }
  }
  reset_mock() {
    for (const m of [this.recv, this.recv_into, this.send, this.shutdown, this.close]) m.reset_mock();
  }
}

const raises = (e: Error) => () => {
  throw e;
};

type AnyTransport = _SelectorSocketTransport & Record<string, unknown>;

function push(tr: _SelectorTransport, ...parts: Uint8Array[]) {
  for (const p of parts) {
    tr._buffer.push(p);
    tr._buffer_size += p.length;
  }
}

describe("SelectorTransportTests", () => {
  let tc: TestCase;
  let loop: TestLoop;
  let protocol: ReturnType<typeof make_test_protocol>;
  let sock: MockSocket;
  beforeEach(() => {
    tc = new TestCase();
    tc.setUp();
    loop = tc.new_test_loop();
    protocol = make_test_protocol();
    sock = new MockSocket();
  });
  afterEach(() => tc.tearDown());

  function create_transport() {
    const tr = new _SelectorTransport(loop as never, sock as unknown as socket, protocol, null);
    tc.addCleanup(() => close_transport(tr));
    return tr as _SelectorTransport & Record<string, unknown>;
  }

  test("test_ctor", () => {
    const tr = create_transport();
    assert.equal(tr._loop, loop);
    assert.equal(tr._sock, sock);
    assert.equal(tr._sock_fd, 7);
  });

  test("test_abort", () => {
    const tr = create_transport();
    const fc = MockCallback();
    tr._force_close = fc;
    tr.abort();
    assert.deepEqual(fc.calls.at(-1), [null]);
  });

  test("test_close", () => {
    const tr = create_transport();
    tr.close();
    assert.equal(tr.is_closing(), true);
    assert.equal(loop.remove_reader_count.get(7), 1);
    protocol.connection_lost(null);
    assert.equal(tr._conn_lost, 1);
    tr.close();
    assert.equal(tr._conn_lost, 1);
    assert.equal(loop.remove_reader_count.get(7), 1);
  });

  test("test_close_write_buffer", async () => {
    const tr = create_transport();
    push(tr, enc("data"));
    tr.close();
    assert.equal(loop.readers.size, 0);
    await run_briefly(loop);
    assert.equal(protocol.connection_lost.called, false);
  });

  test("test_force_close", () => {
    const tr = create_transport();
    push(tr, enc("1"));
    loop._add_reader(7, () => {});
    loop._add_writer(7, () => {});
    tr._force_close(null);
    assert.equal(tr.is_closing(), true);
    assert.deepEqual(tr._buffer, []);
    assert.equal(loop.readers.size, 0);
    assert.equal(loop.writers.size, 0);
    // A second close does not remove the reader again.
    tr._force_close(null);
    assert.equal(loop.readers.size, 0);
    assert.equal(loop.remove_reader_count.get(7), 1);
  });

  test("test_fatal_error", () => {
    const exc = new OSError();
    const tr = create_transport();
    const fc = MockCallback();
    tr._force_close = fc;
    const handler = MockCallback();
    loop.set_exception_handler(handler);
    tr._fatal_error(exc);
    assert.equal(handler.called, false);
    assert.deepEqual(fc.calls.at(-1), [exc]);
  });

  test("test_fatal_error_custom_exception", () => {
    class MyError extends Exception {}
    const exc = new MyError();
    const tr = create_transport();
    const fc = MockCallback();
    tr._force_close = fc;
    const records: LogRecord[] = [];
    const old = logger.handler;
    logger.handler = (r) => records.push(r);
    try {
      tr._fatal_error(exc);
    } finally {
      logger.handler = old;
    }
    assert.equal(records.length, 1);
    assert.match(records[0].message, /^Fatal error on transport\nprotocol:.*\ntransport:.*/);
    assert.equal(records[0].exc_info, exc);
    assert.deepEqual(fc.calls.at(-1), [exc]);
  });

  test("test_connection_lost", () => {
    const exc = new OSError();
    const tr = create_transport();
    assert.notEqual(tr._protocol, null);
    assert.notEqual(tr._loop, null);
    tr._call_connection_lost(exc);
    assert.deepEqual(protocol.connection_lost.calls.at(-1), [exc]);
    assert.deepEqual(sock.close.calls.at(-1), []);
    assert.equal(tr._sock, null);
    assert.equal(tr._protocol, null);
    assert.equal(tr._loop, null);
  });

  test("test__add_reader", () => {
    const tr = create_transport();
    push(tr, enc("1"));
    tr._add_reader(7, () => {});
    assert.equal(loop.readers.size > 0, true);
    tr._force_close(null);
    assert.equal(tr.is_closing(), true);
    assert.equal(loop.readers.size, 0);
    // No readers once closing.
    tr._add_reader(7, () => {});
    assert.equal(loop.readers.size, 0);
  });
});

/** CPython's `close_transport`: the loop and selector are mocks, so only the socket is closed. */
function close_transport(tr: _SelectorTransport) {
  if (tr._sock === null) return;
  tr._sock.close();
  tr._sock = null;
}

describe("SelectorSocketTransportTests", () => {
  let tc: TestCase;
  let loop: TestLoop;
  let protocol: ReturnType<typeof make_test_protocol>;
  let sock: MockSocket;
  beforeEach(() => {
    tc = new TestCase();
    tc.setUp();
    loop = tc.new_test_loop();
    protocol = make_test_protocol();
    sock = new MockSocket();
  });
  afterEach(() => tc.tearDown());

  function socket_transport(waiter: asyncio.Future<null> | null = null): AnyTransport {
    const tr = new _SelectorSocketTransport(loop as never, sock as unknown as socket, protocol, waiter);
    tc.addCleanup(() => close_transport(tr));
    return tr as AnyTransport;
  }

  test("test_ctor", async () => {
    const waiter = loop.create_future<null>();
    const tr = socket_transport(waiter);
    await loop.run_until_complete(waiter);
    loop.assert_reader(7, tr._read_ready);
    await run_briefly(loop);
    assert.deepEqual(protocol.connection_made.calls.at(-1), [tr]);
  });

  test("test_ctor_with_waiter", async () => {
    const waiter = loop.create_future<null>();
    socket_transport(waiter);
    await loop.run_until_complete(waiter);
    assert.equal(waiter.result(), null);
  });

  test("test_pause_resume_reading", async () => {
    const tr = socket_transport();
    await run_briefly(loop);
    assert.equal(tr._paused, false);
    assert.equal(tr.is_reading(), true);
    loop.assert_reader(7, tr._read_ready);
    tr.pause_reading();
    tr.pause_reading();
    assert.equal(tr._paused, true);
    assert.equal(tr.is_reading(), false);
    loop.assert_no_reader(7);
    tr.resume_reading();
    tr.resume_reading();
    assert.equal(tr._paused, false);
    assert.equal(tr.is_reading(), true);
    loop.assert_reader(7, tr._read_ready);
    tr.close();
    assert.equal(tr.is_reading(), false);
    loop.assert_no_reader(7);
  });

  test("test_pause_reading_connection_made", async () => {
    const tr = socket_transport();
    protocol.connection_made.side_effect = () => tr.pause_reading();
    await run_briefly(loop);
    assert.equal(tr.is_reading(), false);
    loop.assert_no_reader(7);
    tr.resume_reading();
    assert.equal(tr.is_reading(), true);
    loop.assert_reader(7, tr._read_ready);
    tr.close();
    assert.equal(tr.is_reading(), false);
    loop.assert_no_reader(7);
  });

  test("test_read_eof_received_error", () => {
    const transport = socket_transport();
    transport.close = MockCallback();
    const fatal = MockCallback();
    transport._fatal_error = fatal;
    protocol.eof_received.side_effect = raises(new LookupError());
    sock.recv.return_value = new Uint8Array(0);
    transport._read_ready();
    assert.deepEqual(protocol.eof_received.calls.at(-1), []);
    assert.equal(fatal.called, true);
  });

  test("test_data_received_error", () => {
    const transport = socket_transport();
    const fatal = MockCallback();
    transport._fatal_error = fatal;
    protocol.data_received.side_effect = raises(new LookupError());
    sock.recv.return_value = enc("data");
    transport._read_ready();
    assert.equal(fatal.called, true);
    assert.equal(protocol.data_received.called, true);
  });

  test("test_read_ready", () => {
    const transport = socket_transport();
    sock.recv.return_value = enc("data");
    transport._read_ready();
    assert.deepEqual(protocol.data_received.calls.at(-1), [enc("data")]);
  });

  test("test_read_ready_eof", () => {
    const transport = socket_transport();
    const close = MockCallback();
    transport.close = close;
    sock.recv.return_value = new Uint8Array(0);
    transport._read_ready();
    assert.deepEqual(protocol.eof_received.calls.at(-1), []);
    assert.deepEqual(close.calls.at(-1), []);
  });

  test("test_read_ready_eof_keep_open", () => {
    const transport = socket_transport();
    const close = MockCallback();
    transport.close = close;
    sock.recv.return_value = new Uint8Array(0);
    protocol.eof_received.return_value = true;
    transport._read_ready();
    assert.deepEqual(protocol.eof_received.calls.at(-1), []);
    assert.equal(close.called, false);
  });

  test("test_read_ready_tryagain", () => {
    sock.recv.side_effect = raises(new BlockingIOError());
    const transport = socket_transport();
    const fatal = MockCallback();
    transport._fatal_error = fatal;
    transport._read_ready();
    assert.equal(fatal.called, false);
  });

  test("test_read_ready_tryagain_interrupted", () => {
    sock.recv.side_effect = raises(new InterruptedError());
    const transport = socket_transport();
    const fatal = MockCallback();
    transport._fatal_error = fatal;
    transport._read_ready();
    assert.equal(fatal.called, false);
  });

  test("test_read_ready_conn_reset", () => {
    const err = new ConnectionResetError();
    sock.recv.side_effect = raises(err);
    const transport = socket_transport();
    const fc = MockCallback();
    transport._force_close = fc;
    transport._read_ready();
    assert.deepEqual(fc.calls.at(-1), [err]);
  });

  test("test_read_ready_err", () => {
    const err = new OSError();
    sock.recv.side_effect = raises(err);
    const transport = socket_transport();
    const fatal = MockCallback();
    transport._fatal_error = fatal;
    transport._read_ready();
    assert.deepEqual(fatal.calls.at(-1), [err, "Fatal read error on socket transport"]);
  });

  test("test_write", () => {
    const data = enc("data");
    sock.send.return_value = data.length;
    const transport = socket_transport();
    transport.write(data);
    assert.deepEqual(sock.send.calls.at(-1), [data]);
  });

  test("test_write_bytearray", () => {
    // Python's bytearray: a Uint8Array the caller may change later; the transport keeps none of it.
    const data = Uint8Array.from(enc("data"));
    sock.send.return_value = data.length;
    const transport = socket_transport();
    transport.write(data);
    assert.deepEqual(sock.send.calls.at(-1), [data]);
    assert.deepEqual(data, enc("data")); // not changed
  });

  test("test_write_memoryview", () => {
    const data = new Uint8Array(enc("xxdata").buffer, 2, 4);
    sock.send.return_value = data.length;
    const transport = socket_transport();
    transport.write(data);
    assert.deepEqual(sock.send.calls.at(-1), [data]);
  });

  test("test_write_no_data", () => {
    const transport = socket_transport();
    push(transport, enc("data"));
    transport.write(new Uint8Array(0));
    assert.equal(sock.send.called, false);
    assert.deepEqual(transport._buffer, [enc("data")]);
  });

  test("test_write_buffer", () => {
    const transport = socket_transport();
    push(transport, enc("data1"));
    transport.write(enc("data2"));
    assert.equal(sock.send.called, false);
    assert.deepEqual(transport._buffer, [enc("data1"), enc("data2")]);
  });

  for (
    const [name, make] of [
      ["test_write_partial", () => enc("data")],
      ["test_write_partial_bytearray", () => Uint8Array.from(enc("data"))],
      ["test_write_partial_memoryview", () => new Uint8Array(enc("xxdata").buffer, 2, 4)],
    ] as const
  ) {
    test(name, () => {
      const data = make();
      sock.send.return_value = 2;
      const transport = socket_transport();
      transport.write(data);
      loop.assert_writer(7, transport._write_ready!);
      assert.deepEqual(transport._buffer, [enc("ta")]);
      assert.deepEqual(data, enc("data")); // not changed
    });
  }

  // Not in CPython as a test, but its behaviour since 3.12: what the socket could not take is kept
  // as the caller's memory (CPython keeps a memoryview), not copied; writelines() likewise.
  test("test_write_partial_keeps_the_callers_memory", () => {
    const data = enc("data");
    sock.send.return_value = 2;
    const transport = socket_transport();
    transport.write(data);
    assert.equal(transport._buffer[0].buffer, data.buffer);
    const more = [enc("more"), enc("data")];
    transport.writelines(more); // which sends at once: "ta", then "mo" (2 bytes a send)
    assert.equal(transport._buffer.length, 2);
    assert.deepEqual(transport._buffer[0], enc("re"));
    assert.equal(transport._buffer[0].buffer, more[0].buffer);
    assert.equal(transport._buffer[1], more[1]);
  });

  test("test_write_partial_none", () => {
    const data = enc("data");
    sock.send.return_value = 0;
    const transport = socket_transport();
    transport.write(data);
    loop.assert_writer(7, transport._write_ready!);
    assert.deepEqual(transport._buffer, [enc("data")]);
  });

  test("test_write_tryagain", () => {
    sock.send.side_effect = raises(new BlockingIOError());
    const transport = socket_transport();
    transport.write(enc("data"));
    loop.assert_writer(7, transport._write_ready!);
    assert.deepEqual(transport._buffer, [enc("data")]);
  });

  test("test_writelines_send_full", () => {
    const data = enc("data");
    sock.send.return_value = data.length;
    const transport = socket_transport();
    transport.writelines([data]);
    assert.equal(sock.send.called, true);
    assert.equal(loop.writers.size, 0);
  });

  test("test_writelines_send_partial", () => {
    const data = enc("data");
    sock.send.return_value = 2;
    const transport = socket_transport();
    transport.writelines([data]);
    assert.equal(sock.send.called, true);
    assert.equal(loop.writers.size > 0, true);
  });

  test("test_write_exception", () => {
    const err = new OSError();
    sock.send.side_effect = raises(err);
    const transport = socket_transport();
    const fatal = MockCallback();
    transport._fatal_error = fatal;
    transport.write(enc("data"));
    assert.deepEqual(fatal.calls.at(-1), [err, "Fatal write error on socket transport"]);
    transport._conn_lost = 1;
    sock.reset_mock();
    transport.write(enc("data"));
    assert.equal(sock.send.called, false);
    assert.equal(transport._conn_lost, 2);
    const records: LogRecord[] = [];
    const old = logger.handler;
    logger.handler = (r) => records.push(r);
    try {
      for (let i = 0; i < 4; i++) transport.write(enc("data"));
    } finally {
      logger.handler = old;
    }
    assert.equal(records.at(-1)?.message, "socket.send() raised exception.");
  });

  test("test_write_str", () => {
    const transport = socket_transport();
    assert.throws(() => transport.write("str" as never), TypeError);
  });

  // Not in CPython's tests: writelines() with an item that is not bytes raises what memoryview()
  // says, and buffers nothing.
  test("test_writelines_str", () => {
    const transport = socket_transport();
    assert.throws(
      () => transport.writelines([enc("ok"), "str" as never]),
      (e: Error) =>
        e instanceof TypeError && e.message === "memoryview: a bytes-like object is required, not 'str'",
    );
    assert.equal(transport.get_write_buffer_size(), 0);
    assert.equal(sock.send.call_count, 0);
  });

  test("test_write_closing", () => {
    const transport = socket_transport();
    transport.close();
    assert.equal(transport._conn_lost, 1);
    transport.write(enc("data"));
    assert.equal(transport._conn_lost, 2);
  });

  test("test_write_ready", () => {
    const data = enc("data");
    sock.send.return_value = data.length;
    const transport = socket_transport();
    push(transport, data);
    loop._add_writer(7, transport._write_ready!);
    transport._write_ready!();
    assert.equal(sock.send.called, true);
    assert.equal(loop.writers.size, 0);
  });

  test("test_write_ready_closing", () => {
    const data = enc("data");
    sock.send.return_value = data.length;
    const transport = socket_transport();
    transport._closing = true;
    push(transport, data);
    loop._add_writer(7, transport._write_ready!);
    transport._write_ready!();
    assert.equal(sock.send.called, true);
    assert.equal(loop.writers.size, 0);
    assert.deepEqual(sock.close.calls.at(-1), []);
    assert.deepEqual(protocol.connection_lost.calls.at(-1), [null]);
  });

  test("test_write_ready_no_data", () => {
    const transport = socket_transport();
    // An internal error.
    assert.throws(() => transport._write_ready!(), /Data should not be empty/);
  });

  test("test_write_ready_partial", () => {
    sock.send.return_value = 2;
    const transport = socket_transport();
    push(transport, enc("data"));
    loop._add_writer(7, transport._write_ready!);
    transport._write_ready!();
    loop.assert_writer(7, transport._write_ready!);
    assert.deepEqual(transport._buffer, [enc("ta")]);
  });

  test("test_write_ready_partial_none", () => {
    sock.send.return_value = 0;
    const transport = socket_transport();
    push(transport, enc("data"));
    loop._add_writer(7, transport._write_ready!);
    transport._write_ready!();
    loop.assert_writer(7, transport._write_ready!);
    assert.deepEqual(transport._buffer, [enc("data")]);
  });

  test("test_write_ready_tryagain", () => {
    sock.send.side_effect = raises(new BlockingIOError());
    const transport = socket_transport();
    push(transport, enc("data1"), enc("data2"));
    loop._add_writer(7, transport._write_ready!);
    transport._write_ready!();
    loop.assert_writer(7, transport._write_ready!);
    assert.deepEqual(transport._buffer, [enc("data1"), enc("data2")]);
  });

  test("test_write_ready_exception", () => {
    const err = new OSError();
    sock.send.side_effect = raises(err);
    const transport = socket_transport();
    const fatal = MockCallback();
    transport._fatal_error = fatal;
    push(transport, enc("data"));
    transport._write_ready!();
    assert.deepEqual(fatal.calls.at(-1), [err, "Fatal write error on socket transport"]);
  });

  test("test_write_eof", () => {
    const tr = socket_transport();
    assert.equal(tr.can_write_eof(), true);
    tr.write_eof();
    assert.deepEqual(sock.shutdown.calls.at(-1), [SHUT_WR]);
    tr.write_eof();
    assert.equal(sock.shutdown.call_count, 1);
    tr.close();
  });

  test("test_write_eof_buffer", () => {
    const tr = socket_transport();
    sock.send.side_effect = raises(new BlockingIOError());
    tr.write(enc("data"));
    tr.write_eof();
    assert.deepEqual(tr._buffer, [enc("data")]);
    assert.equal(tr._eof, true);
    assert.equal(sock.shutdown.called, false);
    sock.send.side_effect = () => 4;
    tr._write_ready!();
    assert.equal(sock.send.called, true);
    assert.deepEqual(sock.shutdown.calls.at(-1), [SHUT_WR]);
    tr.close();
  });

  test("test_write_eof_after_close", async () => {
    const tr = socket_transport();
    tr.close();
    await loop.run_until_complete(asyncio.sleep(0));
    tr.write_eof();
  });

  test("test_transport_close_remove_writer", () => {
    const remove_writer = MockCallback();
    (loop as unknown as { _remove_writer: MockFn })._remove_writer = remove_writer;
    const transport = socket_transport();
    transport.close();
    assert.deepEqual(remove_writer.calls.at(-1), [7]);
  });
});

describe("SelectorSocketTransportBufferedProtocolTests", () => {
  let tc: TestCase;
  let loop: TestLoop;
  let protocol: ReturnType<typeof make_test_protocol>;
  let sock: MockSocket;
  let buf: Uint8Array;
  beforeEach(() => {
    tc = new TestCase();
    tc.setUp();
    loop = tc.new_test_loop();
    protocol = make_test_protocol(true);
    buf = new Uint8Array(1);
    protocol.get_buffer.side_effect = () => buf;
    sock = new MockSocket();
  });
  afterEach(() => tc.tearDown());

  function socket_transport(waiter: asyncio.Future<null> | null = null): AnyTransport {
    const tr = new _SelectorSocketTransport(loop as never, sock as unknown as socket, protocol, waiter);
    tc.addCleanup(() => close_transport(tr));
    return tr as AnyTransport;
  }

  test("test_ctor", async () => {
    const waiter = loop.create_future<null>();
    const tr = socket_transport(waiter);
    await loop.run_until_complete(waiter);
    loop.assert_reader(7, tr._read_ready);
    await run_briefly(loop);
    assert.deepEqual(protocol.connection_made.calls.at(-1), [tr]);
  });

  test("test_get_buffer_error", () => {
    const transport = socket_transport();
    const fatal = MockCallback();
    transport._fatal_error = fatal;
    protocol.get_buffer.side_effect = raises(new LookupError());
    transport._read_ready();
    assert.equal(fatal.called, true);
    assert.equal(protocol.get_buffer.called, true);
    assert.equal(protocol.buffer_updated.called, false);
  });

  test("test_get_buffer_zerosized", () => {
    const transport = socket_transport();
    const fatal = MockCallback();
    transport._fatal_error = fatal;
    protocol.get_buffer.side_effect = () => new Uint8Array(0);
    transport._read_ready();
    assert.equal(fatal.called, true);
    assert.equal(protocol.get_buffer.called, true);
    assert.equal(protocol.buffer_updated.called, false);
  });

  test("test_proto_type_switch", () => {
    protocol = make_test_protocol();
    const transport = socket_transport();
    sock.recv.return_value = enc("data");
    transport._read_ready();
    assert.deepEqual(protocol.data_received.calls.at(-1), [enc("data")]);
    // Switch to a BufferedProtocol.
    const buf_proto = make_test_protocol(true);
    const b = new Uint8Array(4);
    buf_proto.get_buffer.side_effect = () => b;
    transport.set_protocol(buf_proto);
    sock.recv_into.return_value = 10;
    transport._read_ready();
    assert.deepEqual(buf_proto.get_buffer.calls.at(-1), [-1]);
    assert.deepEqual(buf_proto.buffer_updated.calls.at(-1), [10]);
  });

  test("test_buffer_updated_error", () => {
    const transport = socket_transport();
    const fatal = MockCallback();
    transport._fatal_error = fatal;
    protocol.buffer_updated.side_effect = raises(new LookupError());
    sock.recv_into.return_value = 10;
    transport._read_ready();
    assert.equal(fatal.called, true);
    assert.equal(protocol.get_buffer.called, true);
    assert.equal(protocol.buffer_updated.called, true);
  });

  test("test_read_eof_received_error", () => {
    const transport = socket_transport();
    transport.close = MockCallback();
    const fatal = MockCallback();
    transport._fatal_error = fatal;
    protocol.eof_received.side_effect = raises(new LookupError());
    sock.recv_into.return_value = 0;
    transport._read_ready();
    assert.deepEqual(protocol.eof_received.calls.at(-1), []);
    assert.equal(fatal.called, true);
  });

  test("test_read_ready", () => {
    const transport = socket_transport();
    sock.recv_into.return_value = 10;
    transport._read_ready();
    assert.deepEqual(protocol.get_buffer.calls.at(-1), [-1]);
    assert.deepEqual(protocol.buffer_updated.calls.at(-1), [10]);
  });

  test("test_read_ready_eof", () => {
    const transport = socket_transport();
    const close = MockCallback();
    transport.close = close;
    sock.recv_into.return_value = 0;
    transport._read_ready();
    assert.deepEqual(protocol.eof_received.calls.at(-1), []);
    assert.deepEqual(close.calls.at(-1), []);
  });

  test("test_read_ready_eof_keep_open", () => {
    const transport = socket_transport();
    const close = MockCallback();
    transport.close = close;
    sock.recv_into.return_value = 0;
    protocol.eof_received.return_value = true;
    transport._read_ready();
    assert.deepEqual(protocol.eof_received.calls.at(-1), []);
    assert.equal(close.called, false);
  });

  test("test_read_ready_tryagain", () => {
    sock.recv_into.side_effect = raises(new BlockingIOError());
    const transport = socket_transport();
    const fatal = MockCallback();
    transport._fatal_error = fatal;
    transport._read_ready();
    assert.equal(fatal.called, false);
  });

  test("test_read_ready_tryagain_interrupted", () => {
    sock.recv_into.side_effect = raises(new InterruptedError());
    const transport = socket_transport();
    const fatal = MockCallback();
    transport._fatal_error = fatal;
    transport._read_ready();
    assert.equal(fatal.called, false);
  });

  test("test_read_ready_conn_reset", () => {
    const err = new ConnectionResetError();
    sock.recv_into.side_effect = raises(err);
    const transport = socket_transport();
    const fc = MockCallback();
    transport._force_close = fc;
    transport._read_ready();
    assert.deepEqual(fc.calls.at(-1), [err]);
  });

  test("test_read_ready_err", () => {
    const err = new OSError();
    sock.recv_into.side_effect = raises(err);
    const transport = socket_transport();
    const fatal = MockCallback();
    transport._fatal_error = fatal;
    transport._read_ready();
    assert.deepEqual(fatal.calls.at(-1), [err, "Fatal read error on socket transport"]);
  });
});

/** The mock socket of a datagram transport: `recvfrom`, `sendto`, `send` are mocks too. */
class MockDatagramSocket extends MockSocket {
  recvfrom = MockCallback();
  sendto = MockCallback({ return_value: 0 });
  peer: unknown = null;
  override getpeername = (): [string, number] => {
    if (this.peer === null) throw new OSError();
    return this.peer as [string, number];
  };
}

/** CPython's `make_test_protocol(asyncio.DatagramProtocol)`. */
function make_datagram_protocol() {
  const p = new asyncio.DatagramProtocol();
  const mocks = {
    connection_made: MockCallback(),
    connection_lost: MockCallback(),
    pause_writing: MockCallback(),
    resume_writing: MockCallback(),
    datagram_received: MockCallback(),
    error_received: MockCallback(),
  };
  Object.assign(p, mocks);
  return p as unknown as asyncio.DatagramProtocol & typeof mocks;
}

describe("SelectorDatagramTransportTests", () => {
  let tc: TestCase;
  let loop: TestLoop;
  let protocol: ReturnType<typeof make_datagram_protocol>;
  let sock: MockDatagramSocket;
  beforeEach(() => {
    tc = new TestCase();
    tc.setUp();
    loop = tc.new_test_loop();
    protocol = make_datagram_protocol();
    sock = new MockDatagramSocket();
  });
  afterEach(() => tc.tearDown());

  type DT = _SelectorDatagramTransport & Record<string, unknown>;

  function datagram_transport(address: unknown = null): DT {
    sock.peer = address;
    const transport = new _SelectorDatagramTransport(
      loop as never,
      sock as unknown as socket,
      protocol,
      address as never,
    );
    tc.addCleanup(() => close_transport(transport));
    return transport as DT;
  }

  const A = (): [string, number] => ["0.0.0.0", 1234];
  const B = (): [string, number] => ["0.0.0.0", 12345];

  test("test_read_ready", () => {
    const transport = datagram_transport();
    sock.recvfrom.return_value = [enc("data"), A()];
    transport._read_ready();
    assert.deepEqual(protocol.datagram_received.calls.at(-1), [enc("data"), A()]);
  });

  test("test_transport_inheritance", () => {
    const transport = datagram_transport();
    assert.ok(transport instanceof asyncio.DatagramTransport);
  });

  test("test_read_ready_tryagain", () => {
    const transport = datagram_transport();
    sock.recvfrom.side_effect = raises(new BlockingIOError());
    const fatal = MockCallback();
    transport._fatal_error = fatal;
    transport._read_ready();
    assert.equal(fatal.called, false);
  });

  test("test_read_ready_err", () => {
    const transport = datagram_transport();
    const err = new Exception();
    sock.recvfrom.side_effect = raises(err);
    const fatal = MockCallback();
    transport._fatal_error = fatal;
    transport._read_ready();
    assert.deepEqual(fatal.calls.at(-1), [err, "Fatal read error on datagram transport"]);
  });

  test("test_read_ready_oserr", () => {
    const transport = datagram_transport();
    const err = new OSError();
    sock.recvfrom.side_effect = raises(err);
    const fatal = MockCallback();
    transport._fatal_error = fatal;
    transport._read_ready();
    assert.equal(fatal.called, false);
    assert.deepEqual(protocol.error_received.calls.at(-1), [err]);
  });

  test("test_sendto", () => {
    const data = enc("data");
    const transport = datagram_transport();
    transport.sendto(data, A());
    assert.ok(sock.sendto.called);
    assert.deepEqual(sock.sendto.calls.at(-1), [data, A()]);
  });

  test("test_sendto_bytearray", () => {
    // A bytearray and a memoryview are both a Uint8Array here.
    const data = new Uint8Array(enc("data"));
    const transport = datagram_transport();
    transport.sendto(data, A());
    assert.ok(sock.sendto.called);
    assert.deepEqual(sock.sendto.calls.at(-1), [data, A()]);
  });

  test("test_sendto_memoryview", () => {
    const data = enc("xdatax").subarray(1, 5);
    const transport = datagram_transport();
    transport.sendto(data, A());
    assert.ok(sock.sendto.called);
    assert.deepEqual(sock.sendto.calls.at(-1), [data, A()]);
  });

  test("test_sendto_no_data", () => {
    const transport = datagram_transport();
    transport.sendto(enc(""), A());
    assert.ok(sock.sendto.called);
    assert.deepEqual(sock.sendto.calls.at(-1), [enc(""), A()]);
  });

  test("test_sendto_buffer", () => {
    const transport = datagram_transport();
    transport._dbuffer.push([enc("data1"), B()]);
    transport.sendto(enc("data2"), B());
    assert.equal(sock.sendto.called, false);
    assert.deepEqual(transport._dbuffer, [[enc("data1"), B()], [enc("data2"), B()]]);
  });

  test("test_sendto_buffer_bytearray", () => {
    const data2 = new Uint8Array(enc("data2"));
    const transport = datagram_transport();
    transport._dbuffer.push([enc("data1"), B()]);
    transport.sendto(data2, B());
    assert.equal(sock.sendto.called, false);
    assert.deepEqual(transport._dbuffer, [[enc("data1"), B()], [enc("data2"), B()]]);
    // What is queued is a copy (Python: immutable bytes).
    assert.notEqual(transport._dbuffer[1][0], data2);
  });

  test("test_sendto_buffer_memoryview", () => {
    const data2 = enc("xdata2x").subarray(1, 6);
    const transport = datagram_transport();
    transport._dbuffer.push([enc("data1"), B()]);
    transport.sendto(data2, B());
    assert.equal(sock.sendto.called, false);
    assert.deepEqual(transport._dbuffer, [[enc("data1"), B()], [enc("data2"), B()]]);
    assert.notEqual(transport._dbuffer[1][0].buffer, data2.buffer);
  });

  test("test_sendto_buffer_nodata", () => {
    const data2 = enc("");
    const transport = datagram_transport();
    transport._dbuffer.push([enc("data1"), B()]);
    transport.sendto(data2, B());
    assert.equal(sock.sendto.called, false);
    assert.deepEqual(transport._dbuffer, [[enc("data1"), B()], [enc(""), B()]]);
    assert.notEqual(transport._dbuffer[1][0], data2);
  });

  test("test_sendto_tryagain", () => {
    const data = enc("data");
    sock.sendto.side_effect = raises(new BlockingIOError());
    const transport = datagram_transport();
    transport.sendto(data, B());
    loop.assert_writer(7, transport._sendto_ready);
    assert.deepEqual(transport._dbuffer, [[enc("data"), B()]]);
  });

  test("test_sendto_exception", () => {
    const records: LogRecord[] = [];
    const old = logger.handler;
    logger.handler = (r) => records.push(r);
    try {
      const data = enc("data");
      const err = new Exception();
      sock.sendto.side_effect = raises(err);
      const transport = datagram_transport();
      const fatal = MockCallback();
      transport._fatal_error = fatal;
      transport.sendto(data, [] as never);
      assert.ok(fatal.called);
      assert.deepEqual(fatal.calls.at(-1), [err, "Fatal write error on datagram transport"]);
      transport._conn_lost = 1;
      transport._address = ["123"] as never;
      for (let i = 0; i < 5; i++) transport.sendto(data);
      assert.equal(records.at(-1)?.levelname, "WARNING");
      assert.equal(records.at(-1)?.message, "socket.send() raised exception.");
    } finally {
      logger.handler = old;
    }
  });

  test("test_sendto_error_received", () => {
    const data = enc("data");
    sock.sendto.side_effect = raises(new ConnectionRefusedError());
    const transport = datagram_transport();
    const fatal = MockCallback();
    transport._fatal_error = fatal;
    transport.sendto(data, [] as never);
    assert.equal(transport._conn_lost, 0);
    assert.equal(fatal.called, false);
  });

  test("test_sendto_error_received_connected", () => {
    const data = enc("data");
    sock.send.side_effect = raises(new ConnectionRefusedError());
    const transport = datagram_transport(["0.0.0.0", 1]);
    const fatal = MockCallback();
    transport._fatal_error = fatal;
    transport.sendto(data);
    assert.equal(fatal.called, false);
    assert.ok(protocol.error_received.called);
  });

  test("test_sendto_str", () => {
    const transport = datagram_transport();
    assert.throws(() => transport.sendto("str" as never, [] as never), TypeError);
  });

  test("test_sendto_connected_addr", () => {
    const transport = datagram_transport(["0.0.0.0", 1]);
    assert.throws(() => transport.sendto(enc("str"), ["0.0.0.0", 2]), ValueError);
  });

  test("test_sendto_closing", () => {
    const transport = datagram_transport([1]);
    transport.close();
    assert.equal(transport._conn_lost, 1);
    transport.sendto(enc("data"), [1] as never);
    assert.equal(transport._conn_lost, 2);
  });

  test("test_sendto_ready", () => {
    const data = enc("data");
    sock.sendto.return_value = data.length;
    const transport = datagram_transport();
    transport._dbuffer.push([data, B()]);
    loop._add_writer(7, transport._sendto_ready);
    transport._sendto_ready();
    assert.ok(sock.sendto.called);
    assert.deepEqual(sock.sendto.calls.at(-1), [data, B()]);
    assert.equal(loop.writers.size, 0);
  });

  test("test_sendto_ready_closing", () => {
    const data = enc("data");
    sock.send.return_value = data.length;
    const transport = datagram_transport();
    transport._closing = true;
    transport._dbuffer.push([data, [] as never]);
    loop._add_writer(7, transport._sendto_ready);
    transport._sendto_ready();
    assert.deepEqual(sock.sendto.calls.at(-1), [data, []]);
    assert.equal(loop.writers.size, 0);
    assert.deepEqual(sock.close.calls.at(-1), []);
    assert.deepEqual(protocol.connection_lost.calls.at(-1), [null]);
  });

  test("test_sendto_ready_no_data", () => {
    const transport = datagram_transport();
    loop._add_writer(7, transport._sendto_ready);
    transport._sendto_ready();
    assert.equal(sock.sendto.called, false);
    assert.equal(loop.writers.size, 0);
  });

  test("test_sendto_ready_tryagain", () => {
    sock.sendto.side_effect = raises(new BlockingIOError());
    const transport = datagram_transport();
    transport._dbuffer.push([enc("data1"), [] as never], [enc("data2"), [] as never]);
    loop._add_writer(7, transport._sendto_ready);
    transport._sendto_ready();
    loop.assert_writer(7, transport._sendto_ready);
    assert.deepEqual(transport._dbuffer, [[enc("data1"), []], [enc("data2"), []]]);
  });

  test("test_sendto_ready_exception", () => {
    const err = new Exception();
    sock.sendto.side_effect = raises(err);
    const transport = datagram_transport();
    const fatal = MockCallback();
    transport._fatal_error = fatal;
    transport._dbuffer.push([enc("data"), [] as never]);
    transport._sendto_ready();
    assert.deepEqual(fatal.calls.at(-1), [err, "Fatal write error on datagram transport"]);
  });

  test("test_sendto_ready_error_received", () => {
    sock.sendto.side_effect = raises(new ConnectionRefusedError());
    const transport = datagram_transport();
    const fatal = MockCallback();
    transport._fatal_error = fatal;
    transport._dbuffer.push([enc("data"), [] as never]);
    transport._sendto_ready();
    assert.equal(fatal.called, false);
  });

  test("test_sendto_ready_error_received_connection", () => {
    sock.send.side_effect = raises(new ConnectionRefusedError());
    const transport = datagram_transport(["0.0.0.0", 1]);
    const fatal = MockCallback();
    transport._fatal_error = fatal;
    transport._dbuffer.push([enc("data"), [] as never]);
    transport._sendto_ready();
    assert.equal(fatal.called, false);
    assert.ok(protocol.error_received.called);
  });

  test("test_fatal_error_connected", () => {
    const records: LogRecord[] = [];
    const old = logger.handler;
    logger.handler = (r) => records.push(r);
    try {
      const transport = datagram_transport(["0.0.0.0", 1]);
      const err = new ConnectionRefusedError();
      transport._fatal_error(err);
      assert.equal(protocol.error_received.called, false);
      assert.deepEqual(records.filter((r) => r.levelname === "ERROR"), []);
    } finally {
      logger.handler = old;
    }
  });

  test("test_fatal_error_connected_custom_error", () => {
    const records: LogRecord[] = [];
    const old = logger.handler;
    logger.handler = (r) => records.push(r);
    try {
      class MyException extends Exception {}
      const transport = datagram_transport(["0.0.0.0", 1]);
      const err = new MyException();
      transport._fatal_error(err);
      assert.equal(protocol.error_received.called, false);
      const errors = records.filter((r) => r.levelname === "ERROR");
      assert.equal(errors.length, 1);
      assert.match(errors[0].message, /^Fatal error on transport\nprotocol:.*\ntransport:.*/s);
    } finally {
      logger.handler = old;
    }
  });
});

/** CPython's `mock.Mock()` selector: register/modify/unregister record their calls, get_map() is set by the test. */
class MockSelector {
  map = new Map<number, SelectorKey<unknown>>();
  register = MockCallback();
  modify = MockCallback();
  unregister = MockCallback();
  select = MockCallback({ return_value: [] });
  close = MockCallback();
  get_map() {
    return this.map;
  }
  get_key(fd: number) {
    const key = this.map.get(fd);
    if (key === undefined) throw new KeyError(fd);
    return key;
  }
  wakeup() {}
}

const key = (fd: number, events: number, data: unknown): SelectorKey<unknown> =>
  ({ fileobj: fd, fd, events, data }) as unknown as SelectorKey<unknown>;
const mock_handle = () => ({ cancel: MockCallback(), _cancelled: false as unknown });

describe("BaseSelectorEventLoopTests", () => {
  let tc: TestCase;
  let selector: MockSelector;
  let loop: asyncio.SelectorEventLoop;
  beforeEach(() => {
    tc = new TestCase();
    tc.setUp();
    selector = new MockSelector();
    loop = new asyncio.SelectorEventLoop(selector as unknown as DefaultSelector);
    tc.set_event_loop(loop);
  });
  afterEach(() => tc.tearDown());
  const L = () => loop as unknown as Record<string, unknown>;

  test("test_make_socket_transport", () => {
    const m = new MockSocket();
    L().add_reader = MockCallback();
    const ensure = MockCallback();
    L()._ensure_fd_no_transport = ensure;
    const transport = loop._make_socket_transport(m as unknown as socket, new asyncio.Protocol());
    assert.ok(transport instanceof _SelectorSocketTransport);
    assert.equal(ensure.call_count, 1);
    // Calling repr() must not fail when the event loop is closed
    loop.close();
    repr(transport);
    close_transport(transport);
  });

  test("test_close", () => {
    // (the port's loop has no self-pipe: CPython's checks of _ssock/_csock do not apply)
    assert.ok(!loop.is_closed());
    loop.close();
    assert.ok(loop.is_closed());
    assert.equal(loop._selector, null);
    assert.equal(selector.close.call_count, 1);
    // Closing a second time does nothing.
    loop.close();
    assert.equal(selector.close.call_count, 1);
  });

  test("test_close_no_selector", () => {
    L().remove_reader = MockCallback();
    selector.close();
    L()._selector = null;
    loop.close();
    assert.equal(loop._selector, null);
  });

  test("test_sock_connect_resolve_using_socket_params", async () => {
    // CPython patches socket.getaddrinfo; the loop's getaddrinfo (which calls it) is replaced.
    const addr: [string, number] = ["need-resolution.com", 8080];
    for (const sock_type of [SOCK_STREAM, SOCK_DGRAM]) {
      // (a real socket whose connect() is a mock: sock_connect() takes socket objects only)
      const sock = Object.assign(new socket(AF_INET, sock_type), {
        connect: MockCallback(),
        _pending_connect: () => false,
      });
      sock.setblocking(false);
      tc.addCleanup(() => sock.close());
      const gai = MockCallback();
      // deno-lint-ignore require-yield
      L().getaddrinfo = function* (...args: unknown[]) {
        gai(...args);
        return [[null, null, null, null, ["127.0.0.1", 0]]];
      };
      const con = loop.create_task(loop.sock_connect(sock, addr));
      await loop.run_until_complete(con);
      assert.deepEqual(gai.calls.at(-1), [addr[0], addr[1], {
        family: sock.family,
        type: sock.type,
        proto: sock.proto,
        flags: 0,
      }]);
      assert.deepEqual(sock.connect.calls.at(-1), [["127.0.0.1", 0]]);
    }
  });

  test("test_add_reader", () => {
    const cb = () => true;
    loop.add_reader(1, cb);
    assert.ok(selector.register.called);
    const [fd, mask, [r, w]] = selector.register.calls.at(-1) as [number, number, [Handle, unknown]];
    assert.equal(fd, 1);
    assert.equal(mask, EVENT_READ);
    assert.equal(r._callback, cb);
    assert.equal(w, null);
  });

  test("test_add_reader_existing", () => {
    const reader = mock_handle();
    const writer = mock_handle();
    selector.map.set(1, key(1, EVENT_WRITE, [reader, writer]));
    const cb = () => true;
    loop.add_reader(1, cb);
    assert.ok(reader.cancel.called);
    assert.ok(!selector.register.called);
    assert.ok(selector.modify.called);
    const [fd, mask, [r, w]] = selector.modify.calls.at(-1) as [number, number, [Handle, unknown]];
    assert.equal(fd, 1);
    assert.equal(mask, EVENT_WRITE | EVENT_READ);
    assert.equal(r._callback, cb);
    assert.equal(w, writer);
  });

  test("test_add_reader_existing_writer", () => {
    const writer = mock_handle();
    selector.map.set(1, key(1, EVENT_WRITE, [null, writer]));
    const cb = () => true;
    loop.add_reader(1, cb);
    assert.ok(!selector.register.called);
    assert.ok(selector.modify.called);
    const [fd, mask, [r, w]] = selector.modify.calls.at(-1) as [number, number, [Handle, unknown]];
    assert.equal(fd, 1);
    assert.equal(mask, EVENT_WRITE | EVENT_READ);
    assert.equal(r._callback, cb);
    assert.equal(w, writer);
  });

  test("test_remove_reader", () => {
    selector.map.set(1, key(1, EVENT_READ, [null, null]));
    assert.equal(loop.remove_reader(1), false);
    assert.ok(selector.unregister.called);
  });

  test("test_remove_reader_read_write", () => {
    const reader = mock_handle();
    const writer = mock_handle();
    selector.map.set(1, key(1, EVENT_READ | EVENT_WRITE, [reader, writer]));
    assert.equal(loop.remove_reader(1), true);
    assert.ok(!selector.unregister.called);
    assert.deepEqual(selector.modify.calls.at(-1), [1, EVENT_WRITE, [null, writer]]);
  });

  test("test_remove_reader_unknown", () => {
    assert.equal(loop.remove_reader(1), false);
  });

  test("test_add_writer", () => {
    const cb = () => true;
    loop.add_writer(1, cb);
    assert.ok(selector.register.called);
    const [fd, mask, [r, w]] = selector.register.calls.at(-1) as [number, number, [unknown, Handle]];
    assert.equal(fd, 1);
    assert.equal(mask, EVENT_WRITE);
    assert.equal(r, null);
    assert.equal(w._callback, cb);
  });

  test("test_add_writer_existing", () => {
    const reader = mock_handle();
    const writer = mock_handle();
    selector.map.set(1, key(1, EVENT_READ, [reader, writer]));
    const cb = () => true;
    loop.add_writer(1, cb);
    assert.ok(writer.cancel.called);
    assert.ok(!selector.register.called);
    assert.ok(selector.modify.called);
    const [fd, mask, [r, w]] = selector.modify.calls.at(-1) as [number, number, [unknown, Handle]];
    assert.equal(fd, 1);
    assert.equal(mask, EVENT_WRITE | EVENT_READ);
    assert.equal(r, reader);
    assert.equal(w._callback, cb);
  });

  test("test_remove_writer", () => {
    selector.map.set(1, key(1, EVENT_WRITE, [null, null]));
    assert.equal(loop.remove_writer(1), false);
    assert.ok(selector.unregister.called);
  });

  test("test_remove_writer_read_write", () => {
    const reader = mock_handle();
    const writer = mock_handle();
    selector.map.set(1, key(1, EVENT_READ | EVENT_WRITE, [reader, writer]));
    assert.equal(loop.remove_writer(1), true);
    assert.ok(!selector.unregister.called);
    assert.deepEqual(selector.modify.calls.at(-1), [1, EVENT_READ, [reader, null]]);
  });

  test("test_remove_writer_unknown", () => {
    assert.equal(loop.remove_writer(1), false);
  });

  test("test_process_events_read", () => {
    const reader = mock_handle();
    const add = MockCallback();
    L()._add_callback = add;
    loop._process_events([[key(1, EVENT_READ, [reader, null]), EVENT_READ]]);
    assert.ok(add.called);
    assert.deepEqual(add.calls.at(-1), [reader]);
  });

  test("test_process_events_read_cancelled", () => {
    const reader = mock_handle();
    reader._cancelled = true;
    const remove = MockCallback();
    L()._remove_reader = remove;
    loop._process_events([[key(1, EVENT_READ, [reader, null]), EVENT_READ]]);
    assert.deepEqual(remove.calls.at(-1), [1]);
  });

  test("test_process_events_write", () => {
    const writer = mock_handle();
    const add = MockCallback();
    L()._add_callback = add;
    loop._process_events([[key(1, EVENT_WRITE, [null, writer]), EVENT_WRITE]]);
    assert.deepEqual(add.calls.at(-1), [writer]);
  });

  test("test_process_events_write_cancelled", () => {
    const writer = mock_handle();
    writer._cancelled = true;
    const remove = MockCallback();
    L()._remove_writer = remove;
    loop._process_events([[key(1, EVENT_WRITE, [null, writer]), EVENT_WRITE]]);
    assert.deepEqual(remove.calls.at(-1), [1]);
  });

  test("test_accept_connection_multiple", async () => {
    const conn = { setblocking: MockCallback() };
    const sock = { accept: MockCallback({ return_value: [conn, ["127.0.0.1", 1]] }) };
    const backlog = 100;
    // _accept_connection2 is replaced (CPython patches it with an AsyncMock).
    L()._accept_connection2 = function* () {};
    loop._accept_connection(() => new asyncio.Protocol(), sock as unknown as socket, null, null, backlog);
    await loop.run_until_complete(asyncio.sleep(0));
    // 3.14 accepts up to backlog + 1 connections per readiness event (3.13's test says backlog).
    assert.equal(sock.accept.call_count, backlog + 1);
  });
});
