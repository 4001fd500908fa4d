// TLS over the host's TLS (issue 6), with loop-based peers in place of test_ssl.py's threads.
// test_ssl.py itself drives CPython's `sslproto` state machine over `ssl.MemoryBIO`, which this
// port does not have (see sslproto.ts), so its tests do not apply one by one; these check the same
// behaviour through the public API: handshake and data both ways, ALPN, certificate verification
// failures, closing at EOF (no half-close over TLS), and start_tls() reporting that it is not
// available. Certificates are made at test time with the `openssl` command (a CA and a
// certificate for localhost/127.0.0.1); without it the tests are skipped.
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as asyncio from "../mod.ts";
import { SSLCertVerificationError } from "../stdlib/ssl.ts";
import { NotImplementedError } from "../stdlib/builtins.ts";
import { TestCase } from "./utils.ts";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

function make_certs(): { ca: string; cert: string; key: string } | null {
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

const certs = make_certs();
const skip = certs === null ? "the openssl command is not available to make test certificates" : false;

describe("TLS", () => {
  let tc: TestCase;
  beforeEach(() => {
    tc = new TestCase();
    tc.setUp();
  });
  afterEach(() => tc.tearDown());

  function* echo_server(alpn: string[] | undefined = undefined) {
    function* handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) {
      try {
        while (true) {
          const line = yield* reader.readline();
          if (!line.length) break;
          writer.write(line);
          yield* writer.drain();
        }
      } finally {
        writer.close();
      }
    }
    return yield* asyncio.start_server(handler, "127.0.0.1", 0, {
      ssl: { cert: certs!.cert, key: certs!.key, alpn_protocols: alpn },
    });
  }

  test("a TLS echo server and client: data both ways, extra info, ALPN, close at EOF", { skip }, async () => {
    await asyncio.run((function* () {
      const server = yield* echo_server(["h2", "echo/1"]);
      const [, port] = server.sockets[0].getsockname() as [string, number];
      const [reader, writer] = yield* asyncio.open_connection("127.0.0.1", port, {
        ssl: { ca_certs: [certs!.ca], alpn_protocols: ["echo/1"] },
        server_hostname: "localhost",
      });
      assert.notEqual(writer.get_extra_info("sslcontext"), null);
      assert.equal(writer.get_extra_info("alpn_protocol"), "echo/1");
      assert.equal(writer.can_write_eof(), false);
      assert.throws(
        () => writer.write_eof(),
        (e) => e instanceof NotImplementedError && /half-close/.test(e.message),
      );
      for (const msg of ["hello\n", "x".repeat(30_000) + "\n", "bye\n"]) {
        writer.write(enc(msg));
        yield* writer.drain();
        assert.equal(dec(yield* reader.readline()), msg);
      }
      writer.close();
      yield* writer.wait_closed();
      server.close();
      yield* server.wait_closed();
    })());
  });

  test("an untrusted certificate fails with SSLCertVerificationError", { skip }, async () => {
    await asyncio.run((function* () {
      const server = yield* echo_server();
      const [, port] = server.sockets[0].getsockname() as [string, number];
      let err: unknown = null;
      try {
        // No ca_certs: the test CA is not in the host's trust store.
        yield* asyncio.open_connection("127.0.0.1", port, { ssl: true, server_hostname: "localhost" });
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof SSLCertVerificationError, String(err));
      assert.match((err as Error).message, /^\[SSL: CERTIFICATE_VERIFY_FAILED\] certificate verify failed/);
      server.close();
      yield* server.wait_closed();
    })());
  });

  test("a certificate for another name fails with SSLCertVerificationError", { skip }, async () => {
    await asyncio.run((function* () {
      const server = yield* echo_server();
      const [, port] = server.sockets[0].getsockname() as [string, number];
      let err: unknown = null;
      try {
        yield* asyncio.open_connection("127.0.0.1", port, {
          ssl: { ca_certs: [certs!.ca] },
          server_hostname: "not-localhost.example",
        });
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof SSLCertVerificationError, String(err));
      server.close();
      yield* server.wait_closed();
    })());
  });

  test("ssl= argument checks (CPython's messages)", { skip }, async () => {
    await asyncio.run((function* () {
      const loop = asyncio.get_running_loop();
      const fail = function* (coro: asyncio.Coroutine<unknown>) {
        try {
          yield* coro;
        } catch (e) {
          return e as Error;
        }
        throw new assert.AssertionError({ message: "no error" });
      };
      let e = yield* fail(
        loop.create_connection(() => new asyncio.Protocol(), "127.0.0.1", 1, { server_hostname: "x" }),
      );
      assert.equal(e.message, "server_hostname is only meaningful with ssl");
      e = yield* fail(loop.create_connection(() => new asyncio.Protocol(), null, 1, { ssl: true }));
      assert.equal(e.message, "You must set server_hostname when using ssl without a host");
      e = yield* fail(loop.create_server(() => new asyncio.Protocol(), "127.0.0.1", 0, { ssl: {} }));
      assert.match(e.message, /needs a certificate chain and a private key/);
    })());
  });

  test("start_tls() is reported as not available", async () => {
    await asyncio.run((function* () {
      const loop = asyncio.get_running_loop();
      let err: unknown = null;
      try {
        yield* loop.start_tls(new asyncio.Transport(), new asyncio.Protocol(), true);
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof NotImplementedError && /start_tls\(\) is not supported/.test(err.message));
    })());
  });
});
