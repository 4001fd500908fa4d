// Port of Lib/test/test_asyncio/test_protocols.py (read from CPython 3.13.0's tree; 3.14
// semantics from the 3.14 source).
//
// Not ported, and why:
// - The `assertFalse(hasattr(p, '__dict__'))` checks: they test Python's `__slots__`; JavaScript
//   objects have no `__dict__`.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as asyncio from "../mod.ts";
import { repr } from "../stdlib/_repr.ts";

describe("ProtocolsAbsTests", () => {
  const f = {} as never;

  test("test_base_protocol", () => {
    const p = new asyncio.BaseProtocol();
    assert.equal(p.connection_made(f), undefined);
    assert.equal(p.connection_lost(f), undefined);
    assert.equal(p.pause_writing(), undefined);
    assert.equal(p.resume_writing(), undefined);
  });

  test("test_protocol", () => {
    const p = new asyncio.Protocol();
    assert.equal(p.connection_made(f), undefined);
    assert.equal(p.connection_lost(f), undefined);
    assert.equal(p.data_received(f), undefined);
    assert.equal(p.eof_received(), undefined);
    assert.equal(p.pause_writing(), undefined);
    assert.equal(p.resume_writing(), undefined);
  });

  test("test_buffered_protocol", () => {
    const p = new asyncio.BufferedProtocol();
    assert.equal(p.connection_made(f), undefined);
    assert.equal(p.connection_lost(f), undefined);
    assert.equal(p.get_buffer(100), null);
    assert.equal(p.buffer_updated(150), undefined);
    assert.equal(p.pause_writing(), undefined);
    assert.equal(p.resume_writing(), undefined);
  });

  test("test_datagram_protocol", () => {
    const dp = new asyncio.DatagramProtocol();
    assert.equal(dp.connection_made(f), undefined);
    assert.equal(dp.connection_lost(f), undefined);
    assert.equal(dp.error_received(f), undefined);
    assert.equal(dp.datagram_received(f, f), undefined);
  });

  test("test_subprocess_protocol", () => {
    const sp = new asyncio.SubprocessProtocol();
    assert.equal(sp.connection_made(f), undefined);
    assert.equal(sp.connection_lost(f), undefined);
    assert.equal(sp.pipe_data_received(1, f), undefined);
    assert.equal(sp.pipe_connection_lost(1, f), undefined);
    assert.equal(sp.process_exited(), undefined);
  });
});

// Not in CPython (the interpreter makes these reprs): the default repr of the library's classes
// names their module as Python's does, as exception contexts show them ("protocol:
// <asyncio.streams.StreamReaderProtocol object at 0x...>"); a subclass of the user's is shown by its
// name (its module cannot be known).
describe("ProtocolsReprTests", () => {
  test("test_default_repr_names_module", () => {
    const at = " object at 0x[0-9a-f]+>$";
    assert.match(repr(new asyncio.Protocol()), new RegExp(`^<asyncio\\.protocols\\.Protocol${at}`));
    assert.match(
      repr(new asyncio.BufferedProtocol()),
      new RegExp(`^<asyncio\\.protocols\\.BufferedProtocol${at}`),
    );
    const loop = asyncio.new_event_loop();
    assert.match(
      repr(new asyncio.StreamReaderProtocol(new asyncio.StreamReader({ loop }), null, loop)),
      new RegExp(`^<asyncio\\.streams\\.StreamReaderProtocol${at}`),
    );
    loop.close();
    assert.match(repr(new asyncio.Transport()), new RegExp(`^<asyncio\\.transports\\.Transport${at}`));
    class MyProto extends asyncio.Protocol {}
    assert.match(repr(new MyProto()), new RegExp(`^<MyProto${at}`));
  });
});
