/**
 * Runs the TypeScript workloads and prints one JSON line per workload:
 * `{"name", "seconds", "ops_per_sec"}` (the best of `--repeat N` runs, default 3, after
 * `--warmup N` untimed runs, default 1).
 * `--only a,b` selects workloads by name.
 *
 * @module
 */
import process from "node:process";
import { native_net_workloads, net_workloads, workloads } from "./workloads.ts";

const args = process.argv.slice(2);
const repeat = Number(args[args.indexOf("--repeat") + 1]) || 3;
const warmup = args.includes("--warmup") ? Number(args[args.indexOf("--warmup") + 1]) : 1;
const only = args.includes("--only") ? args[args.indexOf("--only") + 1].split(",") : null;

for (const w of [...workloads, ...net_workloads, ...native_net_workloads]) {
  if (only && !only.includes(w.name)) continue;
  for (let i = 0; i < warmup; i++) await w.run();
  let best = Infinity;
  for (let i = 0; i < repeat; i++) best = Math.min(best, await w.run());
  console.log(JSON.stringify({ name: w.name, seconds: best, ops_per_sec: w.ops / best }));
}
