/**
 * A program that uses the package the way its users do: by its name, from another project.
 * `scripts/build_npm.ts` packs the npm package, installs the tarball into a scratch project, compiles
 * this file there with `tsc` (strict, `skipLibCheck: false`: the package's `.d.ts` files are checked
 * too), with and without `@types/node`, and runs it on each Node and on Bun. Deno runs it from the
 * checkout (`deno run -A scripts/npm_consumer/main.ts`: the name resolves to this package).
 *
 * The annotated declarations are the type checks: each says what `yield*` must infer, and the
 * compilation fails if the published types say otherwise. The program exits non-zero if a result is
 * not the expected one.
 *
 * @module
 */
import * as asyncio from "@pystd/asyncio";
import { ContextVar } from "@pystd/asyncio/contextvars";
import { ExceptionGroup, ValueError } from "@pystd/asyncio/builtins";

const request_id = new ContextVar<number>("request_id", { default: 0 });

function* work(n: number): asyncio.Coroutine<string> {
  yield* asyncio.sleep(0.001);
  return `w${n}:${request_id.get()}`;
}

function* fail(): asyncio.Coroutine<never> {
  yield* asyncio.sleep(0);
  throw new ValueError("boom");
}

function* main() {
  request_id.set(7);
  const out: string[] = [];

  // gather: a tuple of each awaitable's result type.
  const [a, b, c]: [string, string, number] = yield* asyncio.gather(work(1), work(2), asyncio.sleep(0, 3));
  out.push(`${a} ${b} ${c}`);

  // TaskGroup: a failing child cancels its sibling, whose finally block runs.
  let cleaned = false;
  try {
    yield* asyncio.async_with(new asyncio.TaskGroup(), function* (tg) {
      tg.create_task(function* () {
        try {
          yield* asyncio.sleep(10);
        } finally {
          cleaned = true;
        }
      }());
      tg.create_task(fail());
    });
  } catch (e) {
    if (!(e instanceof ExceptionGroup)) throw e;
    out.push(`${e.message}: ${e.exceptions.length}, cleaned=${cleaned}`);
  }

  // timeout() and wait_for(): the work is cancelled, TimeoutError raised.
  const slow = asyncio.create_task(asyncio.sleep(10, "late"));
  try {
    yield* asyncio.wait_for(asyncio.shield(slow), 0.005);
  } catch (e) {
    if (!(e instanceof asyncio.TimeoutError)) throw e;
    out.push(`wait_for timed out, shielded task cancelled=${slow.cancelled()}`);
  }
  slow.cancel();
  const cm = asyncio.timeout(null);
  try {
    yield* asyncio.async_with(cm, function* (t) {
      t.reschedule(asyncio.get_running_loop().time() + 0.001);
      yield* asyncio.sleep(1);
    });
  } catch (e) {
    if (!(e instanceof asyncio.TimeoutError)) throw e;
  }
  const expired: boolean = cm.expired();
  out.push(`timeout expired=${expired}`);

  // A queue and a lock, typed.
  const q = new asyncio.Queue<number>({ maxsize: 2 });
  const lock = new asyncio.Lock();
  let total = 0;
  function* consumer(): asyncio.Coroutine<void> {
    while (true) {
      const n: number = yield* q.get();
      yield* asyncio.async_with(lock, function* () {
        total += n;
      });
      q.task_done();
    }
  }
  const consumers = [asyncio.create_task(consumer()), asyncio.create_task(consumer())];
  for (let i = 1; i <= 10; i++) yield* q.put(i);
  yield* q.join();
  for (const t of consumers) t.cancel();
  const results: unknown[] = yield* asyncio.gather(...consumers, { return_exceptions: true });
  out.push(
    `queue total=${total}, consumers cancelled=${results.every((r) => r instanceof asyncio.CancelledError)}`,
  );

  // TCP streams on the host's sockets.
  const server = yield* asyncio.start_server(
    function* (reader, writer) {
      const line: Uint8Array = yield* reader.readline();
      writer.write(new TextEncoder().encode(new TextDecoder().decode(line).toUpperCase()));
      yield* writer.drain();
      writer.close();
      yield* writer.wait_closed();
    },
    "127.0.0.1",
    0,
  );
  const port = (server.sockets[0].getsockname() as [string, number])[1];
  const [reader, writer] = yield* asyncio.open_connection("127.0.0.1", port);
  writer.write(new TextEncoder().encode("hello\n"));
  const echoed = new TextDecoder().decode(yield* reader.read());
  writer.close();
  yield* writer.wait_closed();
  server.close();
  yield* server.wait_closed();
  out.push(`echo ${JSON.stringify(echoed)}`);
  return out;
}

const expected = [
  "w1:7 w2:7 3",
  "unhandled errors in a TaskGroup: 1, cleaned=true",
  "wait_for timed out, shielded task cancelled=false",
  "timeout expired=true",
  "queue total=55, consumers cancelled=true",
  'echo "HELLO\\n"',
];
const got = await asyncio.run(main());
for (const line of got) console.log(line);
if (JSON.stringify(got) !== JSON.stringify(expected)) {
  console.error(`expected:\n${expected.join("\n")}`);
  throw new Error("the npm consumer program did not give the expected output");
}
