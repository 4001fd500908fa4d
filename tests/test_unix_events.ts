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
// - UnixReadPipeTransportTests, UnixWritePipeTransportTests: pipes are not ported yet.
// - The child watcher tests, PolicyTests' watcher parts, TestFork: subprocesses and fork().
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as asyncio from "../mod.ts";
import { AF_INET, AF_UNIX, SOCK_NONBLOCK, SOCK_STREAM, socket, socketpair } from "../stdlib/socket.ts";
import { OSError, RuntimeError, TypeError, ValueError } from "../stdlib/builtins.ts";
import { stat_path, unlink } from "../stdlib/_host.ts";
import { type FileIO, open } from "../stdlib/io.ts";
import { TestCase, unix_socket_path } from "./utils.ts";

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
