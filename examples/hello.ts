/**
 * The classic first asyncio program, then what JavaScript's Promises cannot do: a task that is
 * really cancelled (its `finally` runs), a timeout that stops the work, and a TaskGroup whose
 * failure cancels the siblings.
 *
 * Run: `npx -y deno@2.9.6 run -A examples/hello.ts`
 */
import * as asyncio from "../mod.ts";

function* hello() {
  console.log("hello");
  yield* asyncio.sleep(1);
  console.log("world");
}

function* download(name: string, seconds: number) {
  try {
    console.log(`  ${name}: started (${seconds} s)`);
    yield* asyncio.sleep(seconds);
    console.log(`  ${name}: finished`);
    return name;
  } finally {
    // Runs on success and on cancellation alike.
    console.log(`  ${name}: cleanup`);
  }
}

function* main() {
  yield* hello();

  console.log("\ncancellation:");
  const task = asyncio.create_task(download("big-file", 10));
  yield* asyncio.sleep(0.1);
  task.cancel("user pressed stop");
  try {
    yield* task;
  } catch (e) {
    if (!(e instanceof asyncio.CancelledError)) throw e;
    console.log(`  cancelled: ${task.cancelled()} (${e.message})`);
  }

  console.log("\ntimeout:");
  try {
    yield* asyncio.wait_for(download("slow-server", 5), 0.2);
  } catch (e) {
    if (!(e instanceof asyncio.TimeoutError)) throw e;
    console.log("  gave up after 0.2 s");
  }

  console.log("\nTaskGroup:");
  function* flaky() {
    yield* asyncio.sleep(0.1);
    throw new Error("connection reset");
  }
  try {
    yield* asyncio.async_with(new asyncio.TaskGroup(), function* (tg) {
      tg.create_task(download("mirror-1", 2));
      tg.create_task(flaky());
    });
  } catch (e) {
    const eg = e as Error & { exceptions: Error[] };
    console.log(`  ${eg.constructor.name}: ${eg.message}: ${eg.exceptions.map((x) => x.message).join(", ")}`);
  }
}

await asyncio.run(main());
