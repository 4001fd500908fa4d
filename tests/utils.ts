// Helpers shared by the ported tests: CPython's test_asyncio/utils.py, in TypeScript.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import process from "node:process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as asyncio from "../mod.ts";
import { TestLoop, type TimeGenerator } from "../test_utils.ts";
import { open_resources } from "../stdlib/_host.ts";
import { _lingering_sockets } from "../stdlib/socket.ts";
import { logger, type LogRecord } from "../log.ts";
import { type WarningRecord, warnings_hook } from "../_warnings.ts";

export { TestLoop };

/** A recorded call. */
export type Call = unknown[];

/** A callable that records its calls (CPython's `MockCallback`). */
export interface MockCallback {
  (...args: unknown[]): unknown;
  calls: Call[];
  called: boolean;
  call_count: number;
  return_value: unknown;
  side_effect: ((...args: unknown[]) => unknown) | null;
  reset_mock(): void;
}

/** CPython's `MockCallback()`. */
export function MockCallback(options: { return_value?: unknown } = {}): MockCallback {
  const f = function (...args: unknown[]): unknown {
    f.calls.push(args);
    f.called = true;
    f.call_count++;
    if (f.side_effect) return f.side_effect(...args);
    return f.return_value;
  } as MockCallback;
  f.calls = [];
  f.called = false;
  f.call_count = 0;
  f.return_value = options.return_value;
  f.side_effect = null;
  f.reset_mock = () => {
    f.calls = [];
    f.called = false;
    f.call_count = 0;
  };
  return f;
}

/** `assertAlmostEqual(a, b)` to 7 places, or within `delta`. */
export function assertAlmostEqual(a: number, b: number, delta?: number): void {
  if (delta !== undefined) assert.ok(Math.abs(a - b) <= delta, `${a} != ${b} within ${delta}`);
  else assert.ok(Math.round(Math.abs(a - b) * 1e7) === 0, `${a} != ${b} to 7 places`);
}

/** CPython's `TestCase`: makes loops, closes them, checks no host resource is left open. */
export class TestCase {
  private cleanups: (() => unknown)[] = [];
  loop!: asyncio.AbstractEventLoop;

  /** Called before each test. */
  setUp(): void {
    asyncio.set_event_loop(null);
  }

  /** Called after each test: runs the cleanups (last first), then checks for leaks. */
  async tearDown(): Promise<void> {
    asyncio.set_event_loop(null);
    while (this.cleanups.length) await this.cleanups.pop()!();
    // A socket closed while its last writes were still with the host keeps its connection until
    // they are done (as a kernel sends after close()); that takes a host tick or two. A socket
    // left open is not lingering, and is reported at once.
    for (let i = 0; i < 2000 && _lingering_sockets() > 0; i++) await new Promise((r) => setTimeout(r, 1));
    assert.equal(_lingering_sockets(), 0, "a closed socket is still writing its last data after 2 s");
    const r = open_resources();
    assert.equal(r.timers, 0, "a host timer is still armed after the test");
    assert.equal(r.signals, 0, "a signal listener is still installed after the test");
    assert.equal(r.sockets, 0, "a host connection is still open after the test");
    assert.equal(r.listeners, 0, "a host listener is still open after the test");
    assert.equal(r.pipes, 0, "a pipe opened for a pipe transport is still open after the test");
    assert.equal(r.children, 0, "a child process is still running after the test");
  }

  /** Registers a cleanup. */
  addCleanup(f: () => unknown): void {
    this.cleanups.push(f);
  }

  /** Closes a loop (it must not be running). */
  close_loop(loop: asyncio.AbstractEventLoop): void {
    loop.close();
  }

  /** CPython's `set_event_loop(loop, cleanup=True)`. */
  set_event_loop(loop: asyncio.AbstractEventLoop, cleanup = true): void {
    asyncio.set_event_loop(null);
    if (cleanup) this.addCleanup(() => this.close_loop(loop));
  }

  /** A new TestLoop driven by `gen`, closed after the test. */
  new_test_loop(gen: TimeGenerator | null = null): TestLoop {
    const loop = new TestLoop(gen);
    this.set_event_loop(loop);
    return loop;
  }
}

/** Runs `body` with asyncio's log records captured (CPython: `mock.patch('asyncio.base_events.logger')`). */
export function capture_logs(): { records: LogRecord[]; restore(): void } {
  const records: LogRecord[] = [];
  const old = logger.handler;
  const old_level = logger.level;
  logger.handler = (r) => records.push(r);
  logger.level = 0;
  return {
    records,
    restore() {
      logger.handler = old;
      logger.level = old_level;
    },
  };
}

/** Captures warnings (CPython: `assertWarns`/`catch_warnings`). */
export function capture_warnings(): { warnings: WarningRecord[]; restore(): void } {
  const warnings: WarningRecord[] = [];
  const old = warnings_hook.hook;
  warnings_hook.hook = (w) => warnings.push(w);
  return {
    warnings,
    restore() {
      warnings_hook.hook = old;
    },
  };
}

/** Runs the loop once (CPython's `test_utils.run_briefly`). */
export async function run_briefly(loop: asyncio.AbstractEventLoop): Promise<void> {
  function* once() {}
  const gen = once();
  const t = loop.create_task(gen) as asyncio.Task<void>;
  // Not done after run_until_complete() if the loop was stopped or a BaseException was raised.
  t._log_destroy_pending = false;
  try {
    await loop.run_until_complete(t);
  } finally {
    gen.return();
  }
}

/**
 * Forces garbage collection where the host allows it (Deno/Node with --expose-gc). Not on Bun:
 * `Bun.gc(true)` exists, but JavaScriptCore scans the stack conservatively, so an object that is
 * garbage may survive it (the tests that wait for a finalizer failed now and then with it).
 */
export function gc_collect(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc === "function") {
    gc();
    return true;
  }
  return false;
}

/** The answer of CPython's test HTTP server (`test_utils.run_test_server`). */
export const TEST_SERVER_RESPONSE =
  "HTTP/1.0 200 OK\r\nServer: asyncio-test\r\nContent-type: text/plain\r\n\r\nTest message";

/**
 * CPython's `run_test_server()` / `run_test_unix_server()`, with a peer on the same loop instead
 * of a thread: a tiny HTTP server that answers any request (ended by an empty line) with
 * {@linkcode TEST_SERVER_RESPONSE}, then closes. `address` is `[host, port]` or the Unix path.
 */
export async function run_test_server(
  loop: asyncio.AbstractEventLoop,
  unix_path: string | null = null,
  ssl: asyncio.SSLOption | null = null,
): Promise<{ address: [string, number] | string; close(): Promise<void> }> {
  class Http extends asyncio.Protocol {
    transport!: asyncio.Transport;
    head = "";
    // Bytes of a /loop request body still to echo, or -1 while reading the head.
    remaining = -1;
    override connection_made(t: asyncio.Transport) {
      this.transport = t;
    }
    override data_received(d: Uint8Array) {
      if (this.remaining >= 0) return this.body(d);
      this.head += new TextDecoder("latin1").decode(d);
      const end = this.head.indexOf("\r\n\r\n");
      if (end < 0) return;
      const request = this.head.slice(0, end);
      if (/^\S+ \/loop /.test(request)) {
        // CPython's test server echoes the body of a POST to /loop.
        const m = /content-length: *(\d+)/i.exec(request);
        this.remaining = m ? Number(m[1]) : 0;
        this.transport.write(
          new TextEncoder().encode(
            "HTTP/1.0 200 OK\r\nServer: asyncio-test\r\nContent-type: text/plain\r\n\r\n",
          ),
        );
        const rest = d.subarray(d.length - (this.head.length - end - 4));
        this.body(rest);
      } else {
        this.transport.write(new TextEncoder().encode(TEST_SERVER_RESPONSE));
        this.transport.close();
      }
    }
    body(d: Uint8Array) {
      const n = Math.min(d.length, this.remaining);
      if (n > 0) this.transport.write(d.subarray(0, n));
      this.remaining -= n;
      if (this.remaining === 0) this.transport.close();
    }
  }
  function* start() {
    return unix_path === null
      ? yield* loop.create_server(() => new Http(), "127.0.0.1", 0, { ssl })
      : yield* loop.create_unix_server(() => new Http(), unix_path, { ssl });
  }
  const server = await loop.run_until_complete(start());
  const address = server.sockets[0].getsockname() as [string, number] | string;
  return {
    address,
    async close() {
      server.close();
      await loop.run_until_complete(server.wait_closed());
    },
  };
}

let _unix_counter = 0;

/** CPython's `test_utils.unix_socket_path()`: a fresh path for a Unix socket (removed afterwards by the caller). */
export function unix_socket_path(): string {
  const dir =
    (globalThis as { Deno?: { env: { get(k: string): string | undefined } } }).Deno?.env.get("TMPDIR") ??
      "/tmp";
  return `${dir}/pystd-asyncio-${Date.now().toString(36)}-${++_unix_counter}.sock`;
}

/**
 * A CA and a certificate for localhost/127.0.0.1 signed by it (PEM), made with the `openssl`
 * command; `null` where that command is missing.
 */
export function make_certs(): { ca: string; cert: string; key: string } | null {
  const dir = mkdtempSync(join(tmpdir(), "pystd-asyncio-certs-"));
  try {
    const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
    run(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      "/CN=pystd-test-ca",
    );
    run(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "key.pem",
      "-out",
      "leaf.csr",
      "-subj",
      "/CN=localhost",
    );
    writeFileSync(
      join(dir, "ext.cnf"),
      "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    );
    run(
      "x509",
      "-req",
      "-in",
      "leaf.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "cert.pem",
      "-days",
      "2",
      "-extfile",
      "ext.cnf",
    );
    const read = (f: string) => readFileSync(join(dir, f), "utf8");
    return { ca: read("ca.pem"), cert: read("cert.pem"), key: read("key.pem") };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPython's `test_utils.make_test_protocol(cls)`: every callback a mock. */
export function make_test_protocol(buffered = false) {
  const p = buffered ? new asyncio.BufferedProtocol() : new asyncio.Protocol();
  const mocks = {
    connection_made: MockCallback(),
    connection_lost: MockCallback(),
    pause_writing: MockCallback(),
    resume_writing: MockCallback(),
    data_received: MockCallback(),
    eof_received: MockCallback(),
    get_buffer: MockCallback(),
    buffer_updated: MockCallback(),
  };
  Object.assign(p, mocks);
  return p as unknown as asyncio.Protocol & asyncio.BufferedProtocol & typeof mocks;
}

/** The Python that runs CPython's child programs (`$PYTHON`, else `python3`). */
export const PYTHON: string = process.env.PYTHON ?? "python3";

/** Whether {@linkcode PYTHON} can be run (the subprocess tests are skipped otherwise). */
export const HAVE_PYTHON: boolean = (() => {
  try {
    return spawnSync(PYTHON, ["-c", "pass"], { stdio: "ignore" }).status === 0;
  } catch {
    return false;
  }
})();
