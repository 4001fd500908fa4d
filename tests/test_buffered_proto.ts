// Port of Lib/test/test_asyncio/test_buffered_proto.py (read from CPython 3.13.0's tree; 3.14
// semantics from the 3.14 source).
//
// Not ported, and why:
// - BufferedProtocolProactorTests: the Proactor loop is Windows-only.
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as asyncio from "../mod.ts";
import { TestCase } from "./utils.ts";

class ReceiveStuffProto extends asyncio.BufferedProtocol {
  buffer = new Uint8Array(0);
  constructor(readonly cb: (b: Uint8Array) => void, readonly con_lost_fut: asyncio.Future<null>) {
    super();
  }
  override get_buffer(_sizehint: number): Uint8Array {
    this.buffer = new Uint8Array(100);
    return this.buffer;
  }
  override buffer_updated(nbytes: number): void {
    this.cb(this.buffer.slice(0, nbytes));
  }
  override connection_lost(exc: Error | null): void {
    if (exc === null) this.con_lost_fut.set_result(null);
    else this.con_lost_fut.set_exception(exc);
  }
}

describe("BufferedProtocolSelectorTests", () => {
  let tc: TestCase;
  let loop: asyncio.AbstractEventLoop;
  beforeEach(() => {
    tc = new TestCase();
    tc.setUp();
    loop = new asyncio.SelectorEventLoop();
    tc.set_event_loop(loop);
  });
  afterEach(() => tc.tearDown());

  test("test_buffered_proto_create_connection", async () => {
    const NOISE = new TextEncoder().encode("12345678+".repeat(1024));
    function* client(addr: [string, number]) {
      let data = new Uint8Array(0);
      let tr: asyncio.Transport | null = null;
      const on_buf = (b: Uint8Array) => {
        const next = new Uint8Array(data.length + b.length);
        next.set(data);
        next.set(b, data.length);
        data = next;
        if (data.length === NOISE.length && data.every((x, i) => x === NOISE[i])) {
          tr!.write(new TextEncoder().encode("1"));
        }
      };
      const conn_lost_fut = loop.create_future<null>();
      [tr] = yield* loop.create_connection(() => new ReceiveStuffProto(on_buf, conn_lost_fut), ...addr);
      yield* conn_lost_fut;
      assert.deepEqual(data, NOISE);
    }
    function* on_server_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) {
      writer.write(NOISE);
      yield* reader.readexactly(1);
      writer.close();
      yield* writer.wait_closed();
    }
    const srv = await loop.run_until_complete(asyncio.start_server(on_server_client, "127.0.0.1", 0));
    const addr = srv.sockets[0].getsockname() as [string, number];
    await loop.run_until_complete(asyncio.wait_for(client(addr), 5));
    srv.close();
    await loop.run_until_complete(srv.wait_closed());
  });
});
