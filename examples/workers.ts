/**
 * A pool of workers fed by a bounded queue, the way asyncio programs spread work: the producer
 * waits while the queue is full (back-pressure), `queue.join()` waits until every job was marked
 * done, a semaphore caps how many jobs talk to a slow service at once, and `Queue.shutdown()`
 * (3.13+) ends the workers, which see `QueueShutDown` instead of waiting forever.
 *
 * Run: `npx -y deno@2.9.6 run -A examples/workers.ts`
 */
import * as asyncio from "../mod.ts";

interface Job {
  id: number;
  seconds: number;
}

/** Stands for a call to a slow service that accepts two requests at a time. */
function* call_service(limit: asyncio.Semaphore, job: Job) {
  return yield* asyncio.async_with(limit, function* () {
    yield* asyncio.sleep(job.seconds);
    return job.id * job.id;
  });
}

function* worker(
  name: string,
  queue: asyncio.Queue<Job>,
  limit: asyncio.Semaphore,
  results: Map<number, number>,
) {
  let handled = 0;
  while (true) {
    let job: Job;
    try {
      job = yield* queue.get();
    } catch (e) {
      if (!(e instanceof asyncio.QueueShutDown)) throw e;
      console.log(`  ${name}: queue shut down after ${handled} jobs`);
      return handled;
    }
    try {
      results.set(job.id, yield* call_service(limit, job));
      handled++;
    } finally {
      queue.task_done(); // also when the job failed, or join() would wait forever
    }
  }
}

function* main() {
  const queue = new asyncio.Queue<Job>({ maxsize: 3 });
  const limit = new asyncio.Semaphore(2);
  const results = new Map<number, number>();
  const workers = ["w1", "w2", "w3"].map((name) => asyncio.create_task(worker(name, queue, limit, results)));

  const started = asyncio.get_running_loop().time();
  for (let id = 1; id <= 10; id++) {
    yield* queue.put({ id, seconds: 0.05 }); // waits while three jobs are queued
  }
  yield* queue.join();
  const elapsed = asyncio.get_running_loop().time() - started;
  // Ten jobs of 0.05 s, two at a time: about 0.25 s, however many workers there are.
  console.log(`10 jobs done in ${elapsed.toFixed(2)} s; 9 squared is ${results.get(9)}`);

  queue.shutdown();
  const handled = yield* asyncio.gather(...workers);
  console.log(`jobs per worker: ${handled.join(", ")}`);
}

await asyncio.run(main());
