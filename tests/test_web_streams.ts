// Web interop (beyond CPython): StreamReader.readable is a ReadableStream<Uint8Array> and
// StreamWriter.writable a WritableStream<Uint8Array>, over real connections.
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as asyncio from "../mod.ts";
import { TestCase } from "./utils.ts";

describe("WebStreams", () => {
  let tc: TestCase;
  beforeEach(() => {
    tc = new TestCase();
    tc.setUp();
  });
  afterEach(() => tc.tearDown());

  test("a server's reader piped through web streams to a client's writer", async () => {
    const loop = asyncio.new_event_loop();
    tc.set_event_loop(loop);
    const payload = new Uint8Array(300_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
    // The server echoes by piping its reader's ReadableStream into its writer's WritableStream.
    const piped: Promise<void>[] = [];
    function echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) {
      piped.push(reader.readable.pipeTo(writer.writable));
    }
    const server = await loop.run_until_complete(asyncio.start_server(echo, "127.0.0.1", 0));
    const [reader, writer] = await loop.run_until_complete(
      asyncio.open_connection(...(server.sockets[0].getsockname() as [string, number])),
    );
    // The client writes through its WritableStream and reads back through its ReadableStream,
    // while the loop runs.
    let received = 0;
    const running = (async () => {
      while (received < payload.length) await loop.run_until_complete(asyncio.sleep(0.05));
    })();
    const w = writer.writable.getWriter();
    const chunks: Uint8Array[] = [];
    const reading = (async () => {
      const r = reader.readable.getReader();
      while (received < payload.length) {
        const { value, done } = await r.read();
        if (done) break;
        chunks.push(value);
        received += value.length;
      }
      r.releaseLock();
    })();
    for (let off = 0; off < payload.length; off += 10_000) await w.write(payload.subarray(off, off + 10_000));
    await reading;
    await running;
    const back = new Uint8Array(received);
    let off = 0;
    for (const c of chunks) {
      back.set(c, off);
      off += c.length;
    }
    assert.deepEqual(back, payload);
    // Closing the client's WritableStream closes the client; the server's pipe then ends.
    const closing = w.close();
    await loop.run_until_complete(writer.wait_closed());
    await closing;
    await loop.run_until_complete(asyncio.sleep(0.01));
    await Promise.all(piped);
    server.close();
    await loop.run_until_complete(server.wait_closed());
  });

  test("the WritableStream hands the transport a copy of each chunk", async () => {
    // The transport keeps what the socket could not take without a copy (as CPython does), but a
    // web stream's producer may reuse its array once a write settled: the WritableStream copies.
    const loop = asyncio.new_event_loop();
    tc.set_event_loop(loop);
    const written: Uint8Array[] = [];
    const transport = new class extends asyncio.Transport {
      override write(data: Uint8Array): void {
        written.push(data);
      }
      override is_closing(): boolean {
        return false;
      }
    }();
    const protocol = new asyncio.StreamReaderProtocol(null, null, loop);
    const writer = new asyncio.StreamWriter(transport, protocol, null, loop);
    const w = writer.writable.getWriter();
    const chunk = new Uint8Array([1, 2, 3]);
    const running = loop.run_until_complete(asyncio.sleep(0.01));
    await w.write(chunk);
    chunk.fill(9); // reused once the write settled
    await running;
    assert.equal(written.length, 1);
    assert.deepEqual(written[0], new Uint8Array([1, 2, 3]));
    assert.notEqual(written[0].buffer, chunk.buffer);
    w.releaseLock();
  });
});
