// Port of Lib/test/test_asyncio/test_transports.py (read from CPython 3.13.0's tree; 3.14
// semantics from the 3.14 source). Every test is ported.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as asyncio from "../mod.ts";
import { _FlowControlMixin } from "../transports.ts";
import { NotImplementedError, ValueError } from "../stdlib/builtins.ts";
import { MockCallback } from "./utils.ts";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("TransportTests", () => {
  test("test_ctor_extra_is_none", () => {
    const transport = new asyncio.Transport();
    assert.deepEqual(transport._extra, {});
  });

  test("test_get_extra_info", () => {
    const transport = new asyncio.Transport({ extra: "info" });
    assert.equal(transport.get_extra_info("extra"), "info");
    assert.equal(transport.get_extra_info("unknown"), null);
    const default_ = {};
    assert.equal(transport.get_extra_info("unknown", default_), default_);
  });

  test("test_writelines", () => {
    const writer = MockCallback();
    class MyTransport extends asyncio.Transport {
      override write(data: Uint8Array): void {
        writer(data);
      }
    }
    const transport = new MyTransport();
    // Python's bytes, bytearray and memoryview: here, arrays and views of arrays.
    const view = new Uint8Array(enc("xxline3").buffer, 2, 5);
    transport.writelines([enc("line1"), Uint8Array.from(enc("line2")), view]);
    assert.equal(writer.call_count, 1);
    assert.deepEqual(writer.calls[0], [enc("line1line2line3")]);
    // Not in CPython's test: an item that is not bytes, what `b''.join()` says; nothing written.
    assert.throws(
      () => transport.writelines([enc("a"), "b" as never]),
      (e: Error) =>
        e instanceof TypeError && e.message === "sequence item 1: expected a bytes-like object, str found",
    );
    assert.equal(writer.call_count, 1);
  });

  test("test_not_implemented", () => {
    const transport = new asyncio.Transport();
    assert.throws(() => transport.set_write_buffer_limits(), NotImplementedError);
    assert.throws(() => transport.get_write_buffer_size(), NotImplementedError);
    assert.throws(() => transport.write(enc("data")), NotImplementedError);
    assert.throws(() => transport.write_eof(), NotImplementedError);
    assert.throws(() => transport.can_write_eof(), NotImplementedError);
    assert.throws(() => transport.pause_reading(), NotImplementedError);
    assert.throws(() => transport.resume_reading(), NotImplementedError);
    assert.throws(() => transport.is_reading(), NotImplementedError);
    assert.throws(() => transport.close(), NotImplementedError);
    assert.throws(() => transport.abort(), NotImplementedError);
  });

  test("test_dgram_not_implemented", () => {
    const transport = new asyncio.DatagramTransport();
    assert.throws(() => transport.sendto(enc("data")), NotImplementedError);
    assert.throws(() => transport.abort(), NotImplementedError);
  });

  test("test_subprocess_transport_not_implemented", () => {
    const transport = new asyncio.SubprocessTransport();
    assert.throws(() => transport.get_pid(), NotImplementedError);
    assert.throws(() => transport.get_returncode(), NotImplementedError);
    assert.throws(() => transport.get_pipe_transport(1), NotImplementedError);
    assert.throws(() => transport.send_signal(1), NotImplementedError);
    assert.throws(() => transport.terminate(), NotImplementedError);
    assert.throws(() => transport.kill(), NotImplementedError);
  });

  test("test_flowcontrol_mixin_set_write_limits", () => {
    class MyTransport extends _FlowControlMixin {
      override get_write_buffer_size(): number {
        return 512;
      }
    }
    const loop = { call_exception_handler: MockCallback() } as unknown as asyncio.AbstractEventLoop;
    const transport = new MyTransport(null, loop);
    transport._protocol = { pause_writing: MockCallback(), resume_writing: MockCallback() };
    assert.equal(transport._protocol_paused, false);
    assert.throws(
      () => transport.set_write_buffer_limits({ high: 0, low: 1 }),
      (e) => e instanceof ValueError && /high.*must be >= low/.test(e.message),
    );
    transport.set_write_buffer_limits({ high: 1024, low: 128 });
    assert.equal(transport._protocol_paused, false);
    assert.deepEqual(transport.get_write_buffer_limits(), [128, 1024]);
    transport.set_write_buffer_limits({ high: 256, low: 128 });
    assert.equal(transport._protocol_paused, true);
    assert.deepEqual(transport.get_write_buffer_limits(), [128, 256]);
  });

  // Not in CPython: instanceof across the transport classes.
  test("ReadTransport and WriteTransport include Transport, as Python's multiple inheritance does", () => {
    const t = new asyncio.Transport();
    assert.ok(t instanceof asyncio.ReadTransport);
    assert.ok(t instanceof asyncio.WriteTransport);
    assert.ok(!(new asyncio.ReadTransport() instanceof asyncio.WriteTransport));
  });
});
