// Port of Lib/test/test_asyncio/test_server.py (read from CPython 3.13.0's tree; 3.14 semantics
// from the 3.14 source). CPython's clients run in threads with blocking sockets
// (`FunctionalTestCaseMixin.tcp_client`); here they are tasks on the same loop using the loop's
// `sock_*` methods, which drive the same server code.
//
// Not ported, and why:
// - ProactorStartServerTests: the Proactor loop is Windows-only.
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as asyncio from "../mod.ts";
import { AF_UNIX, SO_RCVBUF, SO_SNDBUF, SOCK_STREAM, socket, SOL_SOCKET } from "../stdlib/socket.ts";
import { RuntimeError } from "../stdlib/builtins.ts";
import { repr } from "../stdlib/_repr.ts";
import { stat_path, unlink } from "../stdlib/_host.ts";
import { capture_warnings, gc_collect, TestCase, unix_socket_path } from "./utils.ts";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const HELLO_MSG = enc("1".repeat(1024 * 5) + "\n");

/** `sock.recv_all(n)` of CPython's test socket: reads exactly `n` bytes. */
function* recv_all(loop: asyncio.AbstractEventLoop, sock: socket, n: number) {
  let got = 0;
  while (got < n) {
    const data = yield* loop.sock_recv(sock, n - got);
    if (!data.length) throw new RuntimeError("EOF before all data was received");
    got += data.length;
  }
}

const exists = (path: string) => stat_path(path) !== null;

function remove(path: string) {
  if (exists(path)) unlink(path);
}

describe("SelectorStartServerTests", () => {
  let tc: TestCase;
  let loop: asyncio.AbstractEventLoop;
  beforeEach(() => {
    tc = new TestCase();
    tc.setUp();
    loop = new asyncio.SelectorEventLoop();
    tc.set_event_loop(loop);
  });
  afterEach(() => tc.tearDown());

  test("test_start_server_1", async () => {
    let main_task: asyncio.Task<void> | null = null;
    let srv: asyncio.AbstractServer | null = null;
    function* client(addr: [string, number]) {
      for (let i = 0;; i++) {
        yield* asyncio.sleep(0.01);
        if (srv!.is_serving()) break;
        if (i === 100) throw new RuntimeError("the server never started serving");
      }
      const sock = new socket();
      sock.setblocking(false);
      try {
        yield* loop.sock_connect(sock, addr);
        yield* loop.sock_sendall(sock, HELLO_MSG);
        yield* recv_all(loop, sock, 1);
      } finally {
        sock.close();
      }
    }
    function* serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) {
      yield* reader.readline();
      main_task!.cancel();
      writer.write(enc("1"));
      writer.close();
      yield* writer.wait_closed();
    }
    function* main(srv: asyncio.AbstractServer) {
      yield* asyncio.async_with(srv, function* () {
        yield* srv.serve_forever();
      });
    }
    srv = await loop.run_until_complete(
      asyncio.start_server(serve, "127.0.0.1", 0, { start_serving: false }),
    );
    assert.equal(srv.is_serving(), false);
    main_task = loop.create_task(main(srv));
    const addr = srv.sockets[0].getsockname() as [string, number];
    const client_task = loop.create_task(client(addr));
    await assert.rejects(loop.run_until_complete(main_task), asyncio.CancelledError);
    await loop.run_until_complete(client_task);
    assert.deepEqual(srv.sockets, []);
    assert.equal((srv as asyncio.Server)._sockets, null);
    assert.equal((srv as asyncio.Server)._waiters, null);
    assert.equal(srv.is_serving(), false);
    await assert.rejects(
      loop.run_until_complete(srv.serve_forever()),
      (e) => e instanceof RuntimeError && /is closed/.test(e.message),
    );
  });

  test("test_start_unix_server_1", async () => {
    const addr = unix_socket_path();
    let main_task!: asyncio.Task<void>;
    const started = new asyncio.Event();
    function* client() {
      yield* asyncio.wait_for(started.wait(), 5);
      const sock = new socket(AF_UNIX, SOCK_STREAM);
      sock.setblocking(false);
      try {
        yield* loop.sock_connect(sock, addr);
        yield* loop.sock_sendall(sock, HELLO_MSG);
        yield* recv_all(loop, sock, 1);
      } finally {
        sock.close();
      }
    }
    function* serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) {
      yield* reader.readline();
      main_task.cancel();
      writer.write(enc("1"));
      writer.close();
      yield* writer.wait_closed();
    }
    function* main(srv: asyncio.AbstractServer) {
      yield* asyncio.async_with(srv, function* () {
        assert.equal(srv.is_serving(), false);
        yield* srv.start_serving();
        assert.equal(srv.is_serving(), true);
        started.set();
        yield* srv.serve_forever();
      });
    }
    try {
      const srv = await loop.run_until_complete(
        asyncio.start_unix_server(serve, addr, { start_serving: false }),
      );
      main_task = loop.create_task(main(srv));
      const client_task = loop.create_task(client());
      await assert.rejects(loop.run_until_complete(main_task), asyncio.CancelledError);
      await loop.run_until_complete(client_task);
      assert.deepEqual(srv.sockets, []);
      assert.equal((srv as asyncio.Server)._sockets, null);
      assert.equal((srv as asyncio.Server)._waiters, null);
      assert.equal(srv.is_serving(), false);
      await assert.rejects(
        loop.run_until_complete(srv.serve_forever()),
        (e) => e instanceof RuntimeError && /is closed/.test(e.message),
      );
    } finally {
      remove(addr);
    }
  });
});

/** CPython's IsolatedAsyncioTestCase: the test runs with asyncio.run(), cleanups run inside it. */
function atest(name: string, body: (addCleanup: (f: () => unknown) => void) => asyncio.Coroutine<void>) {
  test(name, async () => {
    const tc = new TestCase();
    tc.setUp();
    await asyncio.run((function* () {
      const cleanups: (() => unknown)[] = [];
      try {
        yield* body((f) => cleanups.push(f));
      } finally {
        while (cleanups.length) cleanups.pop()!();
        // Let the transports closed by the cleanups finish closing.
        yield* asyncio.sleep(0);
        yield* asyncio.sleep(0);
      }
    })());
    await tc.tearDown();
  });
}

describe("TestServer2", () => {
  function* serve(rd: asyncio.StreamReader, wr: asyncio.StreamWriter) {
    try {
      yield* rd.read();
    } finally {
      wr.close();
      yield* wr.wait_closed();
    }
  }

  atest("test_wait_closed_basic", function* (addCleanup) {
    const srv = yield* asyncio.start_server(serve, "127.0.0.1", 0);
    addCleanup(() => srv.close());
    // No connection, not closed: blocks.
    const task1 = asyncio.create_task(srv.wait_closed());
    yield* asyncio.sleep(0);
    assert.equal(task1.done(), false);
    // A connection, not closed: blocks.
    const addr = srv.sockets[0].getsockname() as [string, number];
    const [, wr] = yield* asyncio.open_connection(addr[0], addr[1]);
    const task2 = asyncio.create_task(srv.wait_closed());
    yield* asyncio.sleep(0);
    assert.equal(task1.done(), false);
    assert.equal(task2.done(), false);
    srv.close();
    yield* asyncio.sleep(0);
    // A connection, closed: blocks.
    const task3 = asyncio.create_task(srv.wait_closed());
    yield* asyncio.sleep(0);
    assert.equal(task1.done(), false);
    assert.equal(task2.done(), false);
    assert.equal(task3.done(), false);
    wr.close();
    yield* wr.wait_closed();
    // No connection, closed: unblocks.
    yield* task1;
    yield* task2;
    yield* task3;
    yield* srv.wait_closed(); // returns at once
  });

  atest("test_wait_closed_race", function* (addCleanup) {
    const srv = yield* asyncio.start_server(serve, "127.0.0.1", 0);
    addCleanup(() => srv.close());
    const task = asyncio.create_task(srv.wait_closed());
    yield* asyncio.sleep(0);
    assert.equal(task.done(), false);
    const addr = srv.sockets[0].getsockname() as [string, number];
    const [, wr] = yield* asyncio.open_connection(addr[0], addr[1]);
    const loop = asyncio.get_running_loop();
    loop.call_soon(() => srv.close());
    loop.call_soon(() => wr.close());
    yield* srv.wait_closed();
    yield* task;
  });

  atest("test_close_clients", function* (addCleanup) {
    const srv = yield* asyncio.start_server(serve, "127.0.0.1", 0);
    addCleanup(() => srv.close());
    const addr = srv.sockets[0].getsockname() as [string, number];
    const [, wr] = yield* asyncio.open_connection(addr[0], addr[1]);
    addCleanup(() => wr.close());
    const task = asyncio.create_task(srv.wait_closed());
    yield* asyncio.sleep(0);
    assert.equal(task.done(), false);
    srv.close();
    srv.close_clients();
    yield* asyncio.sleep(0);
    yield* asyncio.sleep(0);
    assert.equal(task.done(), true);
  });

  atest("test_abort_clients", function* (addCleanup) {
    const fut = new asyncio.Future<[asyncio.StreamReader, asyncio.StreamWriter]>();
    function* serve(rd: asyncio.StreamReader, wr: asyncio.StreamWriter) {
      fut.set_result([rd, wr]);
      yield* wr.wait_closed();
    }
    const srv = yield* asyncio.start_server(serve, "127.0.0.1", 0);
    addCleanup(() => srv.close());
    const addr = srv.sockets[0].getsockname() as [string, number];
    const [, c_wr] = yield* asyncio.open_connection(addr[0], addr[1], { limit: 4096 });
    addCleanup(() => c_wr.close());
    const [, s_wr] = yield* fut;
    // Small socket buffers, so they fill up reliably.
    const s_sock = s_wr.get_extra_info("socket") as asyncio.TransportSocket;
    s_sock.setsockopt(SOL_SOCKET, SO_SNDBUF, 65536);
    const c_sock = c_wr.get_extra_info("socket") as asyncio.TransportSocket;
    c_sock.setsockopt(SOL_SOCKET, SO_RCVBUF, 65536);
    // Pause the client's reader: more than twice its limit.
    s_wr.write(new Uint8Array(4096).fill(0x61));
    s_wr.write(new Uint8Array(4096).fill(0x61));
    s_wr.write(new Uint8Array(4096).fill(0x61));
    while (c_wr.transport.is_reading()) yield* asyncio.sleep(0);
    // Fill the socket buffers until the transport buffers too.
    const c_bufsize = c_sock.getsockopt(SOL_SOCKET, SO_RCVBUF);
    const s_bufsize = s_sock.getsockopt(SOL_SOCKET, SO_SNDBUF);
    for (let i = 0; i < 10; i++) {
      s_wr.write(new Uint8Array(c_bufsize).fill(0x61));
      s_wr.write(new Uint8Array(s_bufsize).fill(0x61));
      if (s_wr.transport.get_write_buffer_size() > 0) break;
    }
    assert.notEqual(s_wr.transport.get_write_buffer_size(), 0);
    const task = asyncio.create_task(srv.wait_closed());
    yield* asyncio.sleep(0);
    assert.equal(task.done(), false);
    srv.close();
    srv.abort_clients();
    yield* asyncio.sleep(0);
    yield* asyncio.sleep(0);
    assert.equal(task.done(), true);
  });
});

// Not in CPython: `Server.sockets` is a tuple, as Python code (and the server's repr) show it:
// CPython 3.13 prints `<Server sockets=(<asyncio.TransportSocket ...>,)>`, and `()` once closed.
describe("ServerSocketsTupleTests", () => {
  test("test_sockets_repr_is_a_tuple", async () => {
    await asyncio.run((function* () {
      const srv = yield* asyncio.start_server(function* () {}, "127.0.0.1", 0);
      const sockets = srv.sockets;
      assert.equal(sockets.length, 1);
      assert.equal(repr(sockets), `(${repr(sockets[0])},)`);
      assert.match(
        repr(srv),
        /^<Server sockets=\(<asyncio\.TransportSocket fd=\d+, family=2, type=1, proto=6, laddr=\('127\.0\.0\.1', \d+\)>,\)>$/,
      );
      srv.close();
      assert.equal(repr(srv.sockets), "()");
      assert.equal(repr(srv), "<Server sockets=()>");
      yield* srv.wait_closed();
    })());
  });

  // What CPython does with a closed server asked to serve again: start_serving() fails iterating
  // its sockets (None by then), serve_forever() names the closed server.
  test("test_serving_after_close", async () => {
    await asyncio.run((function* () {
      const srv = yield* asyncio.start_server(function* () {}, "127.0.0.1", 0);
      srv.close();
      yield* srv.wait_closed();
      for (
        const [coro, cls, message] of [
          [srv.start_serving(), TypeError, "'NoneType' object is not iterable"],
          [srv.serve_forever(), RuntimeError, "server <Server sockets=()> is closed"],
        ] as const
      ) {
        let caught: unknown = null;
        try {
          yield* coro;
        } catch (e) {
          caught = e;
        }
        assert.ok(caught instanceof cls);
        assert.equal((caught as Error).message, message);
      }
      // As in CPython, the failed start_serving() has already marked the server serving.
      assert.equal(srv.is_serving(), true);
    })());
  });
});

// Not in CPython: what CPython's transport __del__ does. A server-side connection that does not
// read (so the selector does not hold it) and that nobody keeps is collected unclosed: it warns
// (ResourceWarning), closes its socket (the client sees the end of the stream) and leaves the
// server's set of clients, which lets wait_closed() return.
describe("CollectedTransportTests", () => {
  test("test_unclosed_transport_collected", async (t) => {
    if (!gc_collect()) return t.skip("needs a host GC hook (--expose-gc)");
    const w = capture_warnings();
    const tc = new TestCase();
    tc.setUp();
    let server_fd = -1;
    try {
      await asyncio.run((function* () {
        const loop = asyncio.get_running_loop();
        // The server's protocol pauses its transport at once and does not keep it.
        class Idle extends asyncio.Protocol {
          override connection_made(transport: asyncio.BaseTransport): void {
            (transport as asyncio.Transport).pause_reading();
            server_fd = (transport.get_extra_info("socket") as asyncio.TransportSocket).fileno();
          }
        }
        const srv = yield* loop.create_server(() => new Idle(), "127.0.0.1", 0);
        const addr = srv.sockets[0].getsockname() as [string, number];
        const lost = loop.create_future<null>();
        class Client extends asyncio.Protocol {
          override connection_lost(): void {
            lost.set_result(null);
          }
        }
        const [client] = yield* loop.create_connection(() => new Client(), addr[0], addr[1]);
        while ((srv as asyncio.Server)._clients.size === 0) yield* asyncio.sleep(0.001);
        srv.close();
        const closed = asyncio.create_task(srv.wait_closed());
        yield* asyncio.sleep(0.01);
        assert.equal(closed.done(), false);
        for (let i = 0; i < 20 && !closed.done(); i++) {
          gc_collect();
          yield* asyncio.sleep(0.005);
        }
        assert.equal(closed.done(), true);
        yield* asyncio.wait_for(lost, 5);
        client.close();
      })());
      // (Only this transport's warning: one an earlier test leaked may be collected meanwhile.)
      const unclosed = w.warnings.filter((x) => x.message.includes(` fd=${server_fd} `));
      assert.deepEqual(unclosed, [{
        category: "ResourceWarning",
        message:
          `unclosed transport <_SelectorSocketTransport fd=${server_fd} read=idle write=<idle, bufsize=0>>`,
      }]);
    } finally {
      w.restore();
      await tc.tearDown();
    }
  });
});

describe("UnixServerCleanupTests", () => {
  function* serve(..._args: unknown[]) {}

  atest("test_unix_server_addr_cleanup", function* () {
    const addr = unix_socket_path();
    try {
      const srv = yield* asyncio.start_unix_server(serve, addr);
      srv.close();
      assert.equal(exists(addr), false);
    } finally {
      remove(addr);
    }
  });

  atest("test_unix_server_sock_cleanup", function* () {
    const addr = unix_socket_path();
    try {
      const sock = new socket(AF_UNIX, SOCK_STREAM);
      try {
        sock.bind(addr);
        const srv = yield* asyncio.start_unix_server(serve, null, { sock });
        srv.close();
        assert.equal(exists(addr), false);
      } finally {
        sock.close();
      }
    } finally {
      remove(addr);
    }
  });

  atest("test_unix_server_cleanup_gone", function* () {
    const addr = unix_socket_path();
    try {
      const sock = new socket(AF_UNIX, SOCK_STREAM);
      try {
        sock.bind(addr);
        const srv = yield* asyncio.start_unix_server(serve, null, { sock });
        unlink(addr);
        srv.close();
        assert.equal(exists(addr), false);
      } finally {
        sock.close();
      }
    } finally {
      remove(addr);
    }
  });

  atest("test_unix_server_cleanup_replaced", function* () {
    const addr = unix_socket_path();
    try {
      const srv = yield* asyncio.start_unix_server(serve, addr);
      unlink(addr);
      const sock = new socket(AF_UNIX, SOCK_STREAM);
      try {
        sock.bind(addr);
        srv.close();
        assert.equal(exists(addr), true);
      } finally {
        sock.close();
      }
    } finally {
      remove(addr);
    }
  });

  atest("test_unix_server_cleanup_prevented", function* () {
    const addr = unix_socket_path();
    try {
      const srv = yield* asyncio.start_unix_server(serve, addr, { cleanup_socket: false });
      srv.close();
      assert.equal(exists(addr), true);
    } finally {
      remove(addr);
    }
  });
});
