// Port of the parts of Lib/test/test_asyncio/test_unix_events.py (read from CPython 3.13.0's tree;
// 3.14 semantics from the 3.14 source) that apply to this port: SelectorEventLoopUnixSocketTests,
// the first of SelectorEventLoopUnixSockSendfileTests, and TestFunctional.
//
// Not ported, and why:
// - SelectorEventLoopSignalTests: they patch the `signal` module to check what the loop asks of it;
//   an ES module cannot be patched, and signals reach the loop through the host (see
//   test_events.ts's signal tests and test_runners.ts's SIGINT tests).
// - test_create_unix_server_pathlike, test_create_unix_connection_pathlike: JavaScript has no
//   `os.PathLike`; paths are strings.
// - test_create_unix_server_path_dgram: Unix datagram sockets are not emulated (creating one
//   raises OSError), so there is none to pass.
// - test_create_unix_server_bind_error: it patches the `socket` module.
// - The rest of SelectorEventLoopUnixSockSendfileTests: they drive `os.sendfile()`, which the hosts
//   do not have (the loop reports it, as test_sock_sendfile_not_available checks).
// - The child watcher tests, PolicyTests' watcher parts: the host reports a child's exit here
//   (test_subprocess.ts tests subprocesses). TestFork: there is no fork().
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import "./pipe_child.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as asyncio from "../mod.ts";
import { AF_INET, AF_UNIX, SOCK_NONBLOCK, SOCK_STREAM, socket, socketpair } from "../stdlib/socket.ts";
import { OSError, RuntimeError, TypeError, ValueError } from "../stdlib/builtins.ts";
import { stat_path, unlink } from "../stdlib/_host.ts";
import { type FileIO, open } from "../stdlib/io.ts";
import {
  capture_logs,
  make_test_protocol,
  MockCallback,
  run_briefly,
  TestCase,
  type TestLoop,
  unix_socket_path,
} from "./utils.ts";
import { concat } from "../stdlib/_bytes.ts";
import { _os, _UnixReadPipeTransport, _UnixWritePipeTransport } from "../unix_events.ts";
import type { BaseSelectorEventLoop as PipeLoop } from "../selector_events.ts";
import * as os from "../stdlib/os.ts";
import { BlockingIOError } from "../stdlib/builtins.ts";

const DEVNULL = "/dev/null";

describe("SelectorEventLoopUnixSocketTests", () => {
  let tc: TestCase;
  let loop: asyncio.AbstractEventLoop;
  const run = <T>(coro: asyncio.Coroutine<T>): Promise<T> => loop.run_until_complete(coro);
  beforeEach(() => {
    tc = new TestCase();
    tc.setUp();
    loop = new asyncio.SelectorEventLoop();
    tc.set_event_loop(loop);
  });
  afterEach(() => tc.tearDown());

  const nothing = () => null as unknown as asyncio.BaseProtocol;

  test("test_create_unix_server_existing_path_sock", async () => {
    const path = unix_socket_path();
    tc.addCleanup(() => stat_path(path) !== null && unlink(path));
    const sock = new socket(AF_UNIX);
    sock.bind(path);
    sock.listen(1);
    sock.close();
    const srv = await run(loop.create_unix_server(nothing, path));
    srv.close();
    await run(srv.wait_closed());
  });

  test("test_create_unix_server_existing_path_nonsock", async () => {
    const path = unix_socket_path();
    tc.addCleanup(() => stat_path(path) !== null && unlink(path));
    // Create the file.
    writeFileSync(path, "");
    await assert.rejects(
      run(loop.create_unix_server(nothing, path)),
      (e) => e instanceof OSError && /Address.*is already in use/.test(e.message),
    );
  });

  test("test_create_unix_server_ssl_bool", async () => {
    await assert.rejects(
      run(loop.create_unix_server(nothing, "spam", { ssl: true as never })),
      (e) => e instanceof TypeError && /ssl argument must be an SSLContext/.test(e.message),
    );
  });

  test("test_create_unix_server_nopath_nosock", async () => {
    await assert.rejects(
      run(loop.create_unix_server(nothing, null)),
      (e) => e instanceof ValueError && /path was not specified, and no sock/.test(e.message),
    );
  });

  test("test_create_unix_server_path_inetsock", async () => {
    const sock = new socket();
    try {
      await assert.rejects(
        run(loop.create_unix_server(nothing, null, { sock })),
        (e) => e instanceof ValueError && /A UNIX Domain Stream.*was expected/.test(e.message),
      );
    } finally {
      sock.close();
    }
  });

  test("test_create_unix_server_path_stream_bittype", async () => {
    const fn = unix_socket_path();
    tc.addCleanup(() => stat_path(fn) !== null && unlink(fn));
    const sock = new socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
    sock.bind(fn);
    const srv = await run(loop.create_unix_server(nothing, null, { sock }));
    srv.close();
    await run(srv.wait_closed());
  });

  test("test_create_unix_server_ssl_timeout_with_plain_sock", async () => {
    await assert.rejects(
      run(loop.create_unix_server(nothing, "spam", { ssl_handshake_timeout: 1 })),
      (e) => e instanceof ValueError && /ssl_handshake_timeout is only meaningful with ssl/.test(e.message),
    );
  });

  test("test_create_unix_connection_path_inetsock", async () => {
    const sock = new socket();
    try {
      await assert.rejects(
        run(loop.create_unix_connection(nothing, null, { sock })),
        (e) => e instanceof ValueError && /A UNIX Domain Stream.*was expected/.test(e.message),
      );
    } finally {
      sock.close();
    }
  });

  test("test_create_unix_connection_path_sock", async () => {
    await assert.rejects(
      run(loop.create_unix_connection(nothing, DEVNULL, { sock: {} as socket })),
      (e) => e instanceof ValueError && /path and sock can not be/.test(e.message),
    );
  });

  test("test_create_unix_connection_nopath_nosock", async () => {
    await assert.rejects(
      run(loop.create_unix_connection(nothing, null)),
      (e) => e instanceof ValueError && /no path and sock were specified/.test(e.message),
    );
  });

  test("test_create_unix_connection_nossl_serverhost", async () => {
    await assert.rejects(
      run(loop.create_unix_connection(nothing, DEVNULL, { server_hostname: "spam" })),
      (e) => e instanceof ValueError && /server_hostname is only meaningful/.test(e.message),
    );
  });

  test("test_create_unix_connection_ssl_noserverhost", async () => {
    await assert.rejects(
      run(loop.create_unix_connection(nothing, DEVNULL, { ssl: true })),
      (e) => e instanceof ValueError && /you have to pass server_hostname when using ssl/.test(e.message),
    );
  });

  test("test_create_unix_connection_ssl_timeout_with_plain_sock", async () => {
    await assert.rejects(
      run(loop.create_unix_connection(nothing, "spam", { ssl_handshake_timeout: 1 })),
      (e) => e instanceof ValueError && /ssl_handshake_timeout is only meaningful with ssl/.test(e.message),
    );
  });
});

describe("SelectorEventLoopUnixSockSendfileTests", () => {
  const DATA = new TextEncoder().encode("12345abcde".repeat(16 * 1024)); // 160 KiB
  let tc: TestCase;
  let loop: asyncio.SelectorEventLoop;
  let file: FileIO;
  beforeEach(() => {
    tc = new TestCase();
    tc.setUp();
    const dir = mkdtempSync(join(tmpdir(), "pystd-asyncio-unix-sendfile-"));
    tc.addCleanup(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "data"), DATA);
    loop = new asyncio.SelectorEventLoop();
    tc.set_event_loop(loop);
    file = open(join(dir, "data"), "rb");
    tc.addCleanup(() => file.close());
  });
  afterEach(() => tc.tearDown());

  test("test_sock_sendfile_not_available", async () => {
    // CPython removes os.sendfile with a mock; JavaScript hosts have none to begin with.
    const sock = new socket(AF_INET, SOCK_STREAM);
    sock.setblocking(false);
    tc.addCleanup(() => sock.close());
    await assert.rejects(
      loop.run_until_complete(loop._sock_sendfile_native(sock, file, 0, null)),
      (e) =>
        e instanceof asyncio.SendfileNotAvailableError &&
        /os[.]sendfile[(][)] is not available/.test(e.message),
    );
    assert.equal(file.tell(), 0);
  });
});

describe("TestFunctional", () => {
  let loop: asyncio.AbstractEventLoop;
  beforeEach(() => {
    loop = asyncio.new_event_loop();
    asyncio.set_event_loop(loop);
  });
  afterEach(() => {
    loop.close();
    asyncio.set_event_loop(null);
  });

  test("test_add_reader_invalid_argument", () => {
    const is_invalid = (e: unknown) => e instanceof ValueError && /Invalid file object/.test(e.message);
    const cb = () => {};
    assert.throws(() => loop.add_reader({} as never, cb), is_invalid);
    assert.throws(() => loop.add_writer({} as never, cb), is_invalid);
    assert.throws(() => loop.remove_reader({} as never), is_invalid);
    assert.throws(() => loop.remove_writer({} as never), is_invalid);
  });

  test("test_add_reader_or_writer_transport_fd", async () => {
    const used = (e: unknown) =>
      e instanceof RuntimeError && /File descriptor .* is used by transport/.test(e.message);
    const [rsock, wsock] = socketpair();
    function* runner() {
      const [tr] = yield* loop.create_connection(() => new asyncio.Protocol(), null, null, { sock: rsock });
      try {
        const cb = () => {};
        assert.throws(() => loop.add_reader(rsock, cb), used);
        assert.throws(() => loop.add_reader(rsock.fileno(), cb), used);
        assert.throws(() => loop.remove_reader(rsock), used);
        assert.throws(() => loop.remove_reader(rsock.fileno()), used);
        assert.throws(() => loop.add_writer(rsock, cb), used);
        assert.throws(() => loop.add_writer(rsock.fileno(), cb), used);
        assert.throws(() => loop.remove_writer(rsock), used);
        assert.throws(() => loop.remove_writer(rsock.fileno()), used);
      } finally {
        tr.close();
      }
    }
    try {
      await loop.run_until_complete(runner());
      await loop.run_until_complete(asyncio.sleep(0));
    } finally {
      rsock.close();
      wsock.close();
    }
  });
});

// --- pipes ------------------------------------------------------------------------------------
// CPython patches os.read/os.write/os.fstat/os.set_blocking; the transports here call them through
// unix_events._os, which these tests replace. The pipe is a mock file object numbered 5.

/** A mock pipe file object (CPython: `mock.Mock(spec_set=io.RawIOBase)`, `fileno()` 5). */
function mock_pipe() {
  return { fileno: () => 5, close: MockCallback() };
}

/** The bytes a write pipe transport holds (CPython's `tr._buffer` bytearray). */
function buffered(tr: _UnixWritePipeTransport): Uint8Array {
  return concat(tr._buffer);
}

/** Sets a write pipe transport's buffer (CPython: `tr._buffer = bytearray(...)`). */
function set_buffer(tr: _UnixWritePipeTransport, ...parts: string[]): void {
  tr._buffer = parts.map(bytes);
  tr._buffer_size = tr._buffer.reduce((n, c) => n + c.length, 0);
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** CPython's `close_pipe_transport`: closes it and lets it finish, whatever state a test left. */
function close_pipe_transport(transport: _UnixReadPipeTransport | _UnixWritePipeTransport): void {
  if (transport._pipe === null) return;
  transport._pipe.close();
  transport._pipe = null;
}

/** Patches `_os` for one test (CPython's `mock.patch('os....')`), restored by the cleanup. */
function patch_os(tc: TestCase, st_mode: number) {
  const saved = { ..._os };
  const read = MockCallback({ return_value: new Uint8Array(0) });
  const write = MockCallback({ return_value: 0 });
  _os.read = read as unknown as typeof _os.read;
  _os.write = write as unknown as typeof _os.write;
  _os.fstat = () => ({ st_mode });
  _os.set_blocking = () => {};
  tc.addCleanup(() => Object.assign(_os, saved));
  return { read, write };
}

function raise(e: unknown) {
  return () => {
    throw e;
  };
}

describe("UnixReadPipeTransportTests", () => {
  let tc: TestCase;
  let loop: TestLoop;
  let protocol: ReturnType<typeof make_test_protocol>;
  let pipe: ReturnType<typeof mock_pipe>;
  let m_read: MockCallback;
  beforeEach(() => {
    tc = new TestCase();
    tc.setUp();
    loop = tc.new_test_loop();
    protocol = make_test_protocol();
    pipe = mock_pipe();
    m_read = patch_os(tc, os.S_IFIFO).read;
  });
  afterEach(() => tc.tearDown());

  function read_pipe_transport(waiter: asyncio.Future<null> | null = null): _UnixReadPipeTransport {
    const transport = new _UnixReadPipeTransport(loop as unknown as PipeLoop, pipe, protocol, waiter);
    tc.addCleanup(() => close_pipe_transport(transport));
    return transport;
  }

  test("test_ctor", async () => {
    const waiter = loop.create_future<null>();
    const tr = read_pipe_transport(waiter);
    await loop.run_until_complete(waiter);
    assert.deepEqual(protocol.connection_made.calls.at(-1), [tr]);
    loop.assert_reader(5, tr._read_ready);
    assert.equal(waiter.result(), null);
  });

  test("test__read_ready", () => {
    const tr = read_pipe_transport();
    m_read.return_value = bytes("data");
    tr._read_ready();
    assert.deepEqual(m_read.calls.at(-1), [5, tr.max_size]);
    assert.deepEqual(protocol.data_received.calls.at(-1), [bytes("data")]);
  });

  test("test__read_ready_eof", async () => {
    const tr = read_pipe_transport();
    m_read.return_value = new Uint8Array(0);
    tr._read_ready();
    assert.deepEqual(m_read.calls.at(-1), [5, tr.max_size]);
    assert.equal(loop.readers.size, 0);
    await run_briefly(loop);
    assert.deepEqual(protocol.eof_received.calls.at(-1), []);
    assert.deepEqual(protocol.connection_lost.calls.at(-1), [null]);
  });

  test("test__read_ready_blocked", async () => {
    const tr = read_pipe_transport();
    m_read.side_effect = raise(new BlockingIOError());
    tr._read_ready();
    assert.deepEqual(m_read.calls.at(-1), [5, tr.max_size]);
    await run_briefly(loop);
    assert.equal(protocol.data_received.called, false);
  });

  test("test__read_ready_error", () => {
    const tr = read_pipe_transport();
    const err = new OSError();
    m_read.side_effect = raise(err);
    const close = MockCallback();
    tr._close = close as unknown as typeof tr._close;
    const logs = capture_logs();
    try {
      tr._read_ready();
    } finally {
      logs.restore();
    }
    assert.deepEqual(m_read.calls.at(-1), [5, tr.max_size]);
    assert.deepEqual(close.calls.at(-1), [err]);
    const rec = logs.records.at(-1)!;
    assert.equal(rec.levelname, "ERROR");
    assert.match(rec.message, /^Fatal read error on pipe transport\nprotocol:.*\ntransport:.*/);
    assert.ok(rec.exc_info instanceof OSError);
  });

  test("test_pause_reading", () => {
    const tr = read_pipe_transport();
    loop.add_reader(5, MockCallback());
    tr.pause_reading();
    assert.equal(loop.readers.size, 0);
  });

  test("test_resume_reading", () => {
    const tr = read_pipe_transport();
    tr.pause_reading();
    tr.resume_reading();
    loop.assert_reader(5, tr._read_ready);
  });

  test("test_close", () => {
    const tr = read_pipe_transport();
    const close = MockCallback();
    tr._close = close as unknown as typeof tr._close;
    tr.close();
    assert.deepEqual(close.calls.at(-1), [null]);
  });

  test("test_close_already_closing", () => {
    const tr = read_pipe_transport();
    tr._closing = true;
    const close = MockCallback();
    tr._close = close as unknown as typeof tr._close;
    tr.close();
    assert.equal(close.called, false);
  });

  test("test__close", async () => {
    const tr = read_pipe_transport();
    // (CPython's `object()`: an instance, since a plain `{}` as the last argument of call_soon
    // would be read as its options)
    const err = new (class Sentinel {})();
    tr._close(err);
    assert.ok(tr.is_closing());
    assert.equal(loop.readers.size, 0);
    await run_briefly(loop);
    assert.deepEqual(protocol.connection_lost.calls.at(-1), [err]);
  });

  for (
    const [name, err] of [["test__call_connection_lost", null], [
      "test__call_connection_lost_with_err",
      new OSError(),
    ]] as const
  ) {
    test(name, () => {
      const tr = read_pipe_transport();
      assert.notEqual(tr._protocol, null);
      assert.notEqual(tr._loop, null);
      tr._call_connection_lost(err);
      assert.deepEqual(protocol.connection_lost.calls.at(-1), [err]);
      assert.deepEqual(pipe.close.calls.at(-1), []);
      assert.equal(tr._protocol, null);
      assert.equal(tr._loop, null);
    });
  }

  test("test_pause_reading_on_closed_pipe", async () => {
    const tr = read_pipe_transport();
    tr.close();
    await run_briefly(loop);
    assert.equal(tr._loop, null);
    tr.pause_reading();
  });

  test("test_pause_reading_on_paused_pipe", () => {
    const tr = read_pipe_transport();
    tr.pause_reading();
    // The second call does nothing.
    tr.pause_reading();
    assert.equal(tr.is_reading(), false);
  });

  test("test_resume_reading_on_closed_pipe", async () => {
    const tr = read_pipe_transport();
    tr.close();
    await run_briefly(loop);
    assert.equal(tr._loop, null);
    tr.resume_reading();
  });

  test("test_resume_reading_on_paused_pipe", () => {
    const tr = read_pipe_transport();
    // Not paused: resuming does nothing.
    tr.resume_reading();
    assert.ok(tr.is_reading());
  });
});

describe("UnixWritePipeTransportTests", () => {
  let tc: TestCase;
  let loop: TestLoop;
  let protocol: ReturnType<typeof make_test_protocol>;
  let pipe: ReturnType<typeof mock_pipe>;
  let m_write: MockCallback;
  beforeEach(() => {
    tc = new TestCase();
    tc.setUp();
    loop = tc.new_test_loop();
    protocol = make_test_protocol();
    pipe = mock_pipe();
    m_write = patch_os(tc, os.S_IFSOCK).write;
  });
  afterEach(() => tc.tearDown());

  function write_pipe_transport(waiter: asyncio.Future<null> | null = null): _UnixWritePipeTransport {
    const transport = new _UnixWritePipeTransport(loop as unknown as PipeLoop, pipe, protocol, waiter);
    tc.addCleanup(() => close_pipe_transport(transport));
    return transport;
  }

  test("test_ctor", async () => {
    const waiter = loop.create_future<null>();
    const tr = write_pipe_transport(waiter);
    await loop.run_until_complete(waiter);
    assert.deepEqual(protocol.connection_made.calls.at(-1), [tr]);
    loop.assert_reader(5, tr._read_ready);
    assert.equal(waiter.result(), null);
  });

  test("test_can_write_eof", () => {
    const tr = write_pipe_transport();
    assert.ok(tr.can_write_eof());
  });

  test("test_write", () => {
    const tr = write_pipe_transport();
    m_write.return_value = 4;
    tr.write(bytes("data"));
    assert.deepEqual(m_write.calls.at(-1), [5, bytes("data")]);
    assert.equal(loop.writers.size, 0);
    assert.deepEqual(buffered(tr), new Uint8Array(0));
  });

  test("test_write_no_data", () => {
    const tr = write_pipe_transport();
    tr.write(new Uint8Array(0));
    assert.equal(m_write.called, false);
    assert.equal(loop.writers.size, 0);
    assert.deepEqual(buffered(tr), new Uint8Array(0));
  });

  test("test_write_partial", () => {
    const tr = write_pipe_transport();
    m_write.return_value = 2;
    tr.write(bytes("data"));
    loop.assert_writer(5, tr._write_ready);
    assert.deepEqual(buffered(tr), bytes("ta"));
  });

  test("test_write_buffer", () => {
    const tr = write_pipe_transport();
    loop.add_writer(5, tr._write_ready);
    set_buffer(tr, "previous");
    tr.write(bytes("data"));
    assert.equal(m_write.called, false);
    loop.assert_writer(5, tr._write_ready);
    assert.deepEqual(buffered(tr), bytes("previousdata"));
  });

  test("test_write_again", () => {
    const tr = write_pipe_transport();
    m_write.side_effect = raise(new BlockingIOError());
    tr.write(bytes("data"));
    assert.deepEqual(m_write.calls.at(-1), [5, bytes("data")]);
    loop.assert_writer(5, tr._write_ready);
    assert.deepEqual(buffered(tr), bytes("data"));
  });

  test("test_write_err", () => {
    const tr = write_pipe_transport();
    const err = new OSError();
    m_write.side_effect = raise(err);
    const fatal = MockCallback();
    tr._fatal_error = fatal as unknown as typeof tr._fatal_error;
    tr.write(bytes("data"));
    assert.deepEqual(m_write.calls.at(-1), [5, bytes("data")]);
    assert.equal(loop.writers.size, 0);
    assert.deepEqual(buffered(tr), new Uint8Array(0));
    assert.deepEqual(fatal.calls.at(-1), [err, "Fatal write error on pipe transport"]);
    assert.equal(tr._conn_lost, 1);
    tr.write(bytes("data"));
    assert.equal(tr._conn_lost, 2);
    const logs = capture_logs();
    try {
      for (let i = 0; i < 4; i++) tr.write(bytes("data"));
    } finally {
      logs.restore();
    }
    const rec = logs.records.at(-1)!;
    assert.equal(rec.levelname, "WARNING");
    assert.equal(rec.message, "pipe closed by peer or os.write(pipe, data) raised exception.");
    tr.close();
  });

  test("test_write_close", () => {
    const tr = write_pipe_transport();
    tr._read_ready(); // The pipe was closed by its peer.
    tr.write(bytes("data"));
    assert.equal(tr._conn_lost, 1);
    tr.write(bytes("data"));
    assert.equal(tr._conn_lost, 2);
  });

  test("test__read_ready", async () => {
    const tr = write_pipe_transport();
    tr._read_ready();
    assert.equal(loop.readers.size, 0);
    assert.equal(loop.writers.size, 0);
    assert.ok(tr.is_closing());
    await run_briefly(loop);
    assert.deepEqual(protocol.connection_lost.calls.at(-1), [null]);
  });

  test("test__write_ready", () => {
    const tr = write_pipe_transport();
    loop.add_writer(5, tr._write_ready);
    set_buffer(tr, "data");
    m_write.return_value = 4;
    tr._write_ready();
    assert.equal(loop.writers.size, 0);
    assert.deepEqual(buffered(tr), new Uint8Array(0));
  });

  test("test__write_ready_partial", () => {
    const tr = write_pipe_transport();
    loop.add_writer(5, tr._write_ready);
    set_buffer(tr, "data");
    m_write.return_value = 3;
    tr._write_ready();
    loop.assert_writer(5, tr._write_ready);
    assert.deepEqual(buffered(tr), bytes("a"));
  });

  test("test__write_ready_again", () => {
    const tr = write_pipe_transport();
    loop.add_writer(5, tr._write_ready);
    set_buffer(tr, "data");
    m_write.side_effect = raise(new BlockingIOError());
    tr._write_ready();
    assert.deepEqual(m_write.calls.at(-1), [5, bytes("data")]);
    loop.assert_writer(5, tr._write_ready);
    assert.deepEqual(buffered(tr), bytes("data"));
  });

  test("test__write_ready_empty", () => {
    const tr = write_pipe_transport();
    loop.add_writer(5, tr._write_ready);
    set_buffer(tr, "data");
    m_write.return_value = 0;
    tr._write_ready();
    assert.deepEqual(m_write.calls.at(-1), [5, bytes("data")]);
    loop.assert_writer(5, tr._write_ready);
    assert.deepEqual(buffered(tr), bytes("data"));
  });

  test("test__write_ready_err", async () => {
    const tr = write_pipe_transport();
    loop.add_writer(5, tr._write_ready);
    set_buffer(tr, "data");
    const err = new OSError();
    m_write.side_effect = raise(err);
    const logs = capture_logs();
    try {
      tr._write_ready();
    } finally {
      logs.restore();
    }
    assert.equal(loop.writers.size, 0);
    assert.equal(loop.readers.size, 0);
    assert.deepEqual(buffered(tr), new Uint8Array(0));
    assert.ok(tr.is_closing());
    assert.equal(logs.records.filter((r) => r.levelname === "ERROR").length, 0);
    assert.equal(tr._conn_lost, 1);
    await run_briefly(loop);
    assert.deepEqual(protocol.connection_lost.calls.at(-1), [err]);
  });

  test("test__write_ready_closing", () => {
    const tr = write_pipe_transport();
    loop.add_writer(5, tr._write_ready);
    tr._closing = true;
    set_buffer(tr, "data");
    m_write.return_value = 4;
    tr._write_ready();
    assert.equal(loop.writers.size, 0);
    assert.equal(loop.readers.size, 0);
    assert.deepEqual(buffered(tr), new Uint8Array(0));
    assert.deepEqual(protocol.connection_lost.calls.at(-1), [null]);
    assert.deepEqual(pipe.close.calls.at(-1), []);
  });

  test("test_abort", async () => {
    const tr = write_pipe_transport();
    loop.add_writer(5, tr._write_ready);
    loop.add_reader(5, tr._read_ready);
    set_buffer(tr, "da", "ta");
    tr.abort();
    assert.equal(m_write.called, false);
    assert.equal(loop.readers.size, 0);
    assert.equal(loop.writers.size, 0);
    assert.deepEqual(tr._buffer, []);
    assert.ok(tr.is_closing());
    await run_briefly(loop);
    assert.deepEqual(protocol.connection_lost.calls.at(-1), [null]);
  });

  for (
    const [name, err] of [["test__call_connection_lost", null], [
      "test__call_connection_lost_with_err",
      new OSError(),
    ]] as const
  ) {
    test(name, () => {
      const tr = write_pipe_transport();
      assert.notEqual(tr._protocol, null);
      assert.notEqual(tr._loop, null);
      tr._call_connection_lost(err);
      assert.deepEqual(protocol.connection_lost.calls.at(-1), [err]);
      assert.deepEqual(pipe.close.calls.at(-1), []);
      assert.equal(tr._protocol, null);
      assert.equal(tr._loop, null);
    });
  }

  test("test_close", () => {
    const tr = write_pipe_transport();
    const write_eof = MockCallback();
    tr.write_eof = write_eof as unknown as typeof tr.write_eof;
    tr.close();
    assert.deepEqual(write_eof.calls.at(-1), []);
    // Closing the transport twice must not fail.
    tr.close();
  });

  test("test_close_closing", () => {
    const tr = write_pipe_transport();
    const write_eof = MockCallback();
    tr.write_eof = write_eof as unknown as typeof tr.write_eof;
    tr._closing = true;
    tr.close();
    assert.equal(write_eof.called, false);
  });

  test("test_write_eof", async () => {
    const tr = write_pipe_transport();
    tr.write_eof();
    assert.ok(tr.is_closing());
    assert.equal(loop.readers.size, 0);
    await run_briefly(loop);
    assert.deepEqual(protocol.connection_lost.calls.at(-1), [null]);
  });

  test("test_write_eof_pending", () => {
    const tr = write_pipe_transport();
    set_buffer(tr, "data");
    tr.write_eof();
    assert.ok(tr.is_closing());
    assert.equal(protocol.connection_lost.called, false);
  });
});

// Not in CPython: the pipe transports on real pipes, in a child process (tests/pipe_child.ts) that
// runs them on its standard streams: the same runtime as this test run, Deno or Node.
describe("PipeFunctionalTests", () => {
  const here = new URL(".", import.meta.url);
  const child = import.meta.url.endsWith(".ts") ? "pipe_child.ts" : "pipe_child.js";
  const argv = (mode: string) =>
    typeof (globalThis as { Deno?: unknown }).Deno !== "undefined"
      ? ["run", "-A", fileURLToPath(new URL(child, here)), mode, "--pipe-child"]
      : [fileURLToPath(new URL(child, here)), mode, "--pipe-child"];

  /** Runs the child with `input` on a pipe (or a file); its stdout and stderr, and exit code. */
  function run_child(
    mode: string,
    input: Uint8Array | { file: string },
    stdout: "pipe" | "close-early" = "pipe",
  ): Promise<{ out: Uint8Array; err: string; code: number | null }> {
    return new Promise((resolve, reject) => {
      const stdin_fd = "file" in input ? openSync(input.file, "r") : null;
      const p = spawn(process.execPath, argv(mode), {
        stdio: [stdin_fd ?? "pipe", "pipe", "pipe"],
      });
      if (stdin_fd !== null) closeSync(stdin_fd);
      const out: Uint8Array[] = [];
      let err = "";
      p.stdout!.on("data", (d: Uint8Array) => {
        out.push(d);
        // Reads the first chunk, then closes the pipe: the child's next writes break it.
        if (stdout === "close-early") p.stdout!.destroy();
      });
      p.stderr!.on("data", (d: Uint8Array) => (err += new TextDecoder().decode(d)));
      p.on("error", reject);
      p.on("close", (code) => {
        const all = new Uint8Array(out.reduce((n, c) => n + c.length, 0));
        let off = 0;
        for (const c of out) {
          all.set(c, off);
          off += c.length;
        }
        resolve({ out: all, err, code });
      });
      if (!("file" in input)) p.stdin!.end(input);
    });
  }

  test("test_echo_through_pipes", async () => {
    // Enough lines to fill the pipes both ways, so flow control and partial writes take part.
    let text = "";
    for (let i = 0; i < 50_000; i++) text += `line ${i}\n`;
    const { out, err, code } = await run_child("echo", new TextEncoder().encode(text));
    assert.equal(err, "");
    assert.equal(code, 0);
    assert.equal(new TextDecoder().decode(out), text.toUpperCase() + "lines: 50000\n");
  });

  test("test_read_pipe_refuses_regular_file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pipes-"));
    try {
      const file = join(dir, "input.txt");
      writeFileSync(file, "data\n");
      const { err, code } = await run_child("refuse", { file });
      assert.equal(code, 0);
      assert.equal(err, "ValueError: Pipe transport is for pipes/sockets only.\n");
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test("test_write_pipe_broken_by_reader", async () => {
    const { err, code } = await run_child("epipe", new Uint8Array(0), "close-early");
    assert.equal(code, 0);
    // (a drain() waiting when the pipe broke raises what the connection was lost with, as in
    // CPython; one not waiting raises ConnectionResetError('Connection lost'))
    assert.match(err, /^(drain: (BrokenPipeError|ConnectionResetError)\n)?lost: BrokenPipeError\n$/);
  });
});
