/**
 * `deno task conformance:hosts [CASES_DIR]`: runs the conformance corpus (`../shared/conformance/`,
 * whose `run.sh` runs it on Deno) on Node and on Bun, through the npm build.
 *
 * Each case's TypeScript twin is compiled to JavaScript with the `typescript` package that
 * `scripts/build_npm.ts` installs into `.tools/build/`, into a scratch folder where
 * `node_modules/asyncio` is the npm build (`npm/`), so `import * as asyncio from "asyncio"` and
 * `"asyncio/contextvars"` resolve through the package's own exports. Its standard output is compared
 * with the output CPython printed, chosen as `run.sh` chooses it (`NAME.X.Y.out` with the highest
 * X.Y not above `CONFORMANCE_PYTHON`, default 3.14, else `NAME.out`). The runtimes: the machine's
 * Node, Node's current LTS where the build installed it, and Bun.
 *
 * Prints one line per case and runtime (PASS, FAIL, ERROR) and a count per runtime; exits 1 if any
 * failed. Without the corpus (a checkout without `../shared/`), says so and exits 0.
 *
 * @module
 */

import { createRequire } from "node:module";
import { BUN_BIN, node_runtimes, TOOLS_DIR } from "./runtimes.ts";

const root = new URL("..", import.meta.url).pathname;
const cases = Deno.args[0] ?? `${root}../shared/conformance/cases`;
const target = Deno.env.get("CONFORMANCE_PYTHON") ?? "3.14";
const timeout_ms = Number(Deno.env.get("CONFORMANCE_TIMEOUT") ?? "60") * 1000;

try {
  await Deno.stat(cases);
} catch {
  console.log(`no conformance corpus at ${cases}: nothing to run`);
  Deno.exit(0);
}

// The npm build (and the tools it installs).
const build = await new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", `${root}scripts/build_npm.ts`, "--no-test"],
  stdout: "inherit",
  stderr: "inherit",
}).output();
if (!build.success) throw new Error("the npm build failed");

// (typescript is CommonJS: loaded with require.)
const ts = createRequire(import.meta.url)(`${TOOLS_DIR}node_modules/typescript/lib/typescript.js`) as {
  transpileModule(src: string, opts: { compilerOptions: Record<string, unknown> }): { outputText: string };
  ScriptTarget: Record<string, number>;
  ModuleKind: Record<string, number>;
};

const version_key = (v: string) => v.split(".").map(Number);
const not_above = (a: number[], b: number[]) => a[0] < b[0] || (a[0] === b[0] && (a[1] ?? 0) <= (b[1] ?? 0));

// The cases and their expected output.
const names: string[] = [];
const expected = new Map<string, string>();
const files = [...Deno.readDirSync(cases)].map((e) => e.name);
for (const f of files.filter((f) => f.endsWith(".ts")).sort()) {
  const name = f.slice(0, -3);
  let best: [number[], string] | null = null;
  for (const g of files) {
    const m = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.(\\d+(?:\\.\\d+)*)\\.out$`).exec(
      g,
    );
    if (!m) continue;
    const v = version_key(m[1]);
    if (!not_above(v, version_key(target))) continue;
    if (best === null || not_above(best[0], v)) best = [v, g];
  }
  const out = best?.[1] ?? (files.includes(`${name}.out`) ? `${name}.out` : null);
  names.push(name);
  if (out !== null) expected.set(name, Deno.readTextFileSync(`${cases}/${out}`));
}

// The scratch folder: the compiled cases beside node_modules/asyncio -> npm/.
const work = await Deno.makeTempDir({ prefix: "conformance_hosts." });
try {
  await Deno.mkdir(`${work}/node_modules`);
  await Deno.symlink(`${root}npm`, `${work}/node_modules/asyncio`);
  await Deno.writeTextFile(`${work}/package.json`, JSON.stringify({ type: "module", private: true }));
  for (const name of names) {
    const src = Deno.readTextFileSync(`${cases}/${name}.ts`);
    const { outputText } = ts.transpileModule(src, {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
    });
    Deno.writeTextFileSync(`${work}/${name}.mjs`, outputText);
  }

  const runtimes: [string, string][] = (await node_runtimes()).map(({ label, cmd }) => [label, cmd]);
  try {
    await Deno.stat(BUN_BIN);
    runtimes.push(["Bun", BUN_BIN]);
  } catch {
    console.log("Bun is not installed (deno task test installs it): skipped");
  }

  let failures = 0;
  for (const [label, cmd] of runtimes) {
    let passed = 0;
    for (const name of names) {
      const want = expected.get(name);
      if (want === undefined) {
        console.log(`ERROR ${label} ${name} (no ${name}.out)`);
        continue;
      }
      const child = new Deno.Command(cmd, {
        args: [`${work}/${name}.mjs`],
        cwd: work,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).spawn();
      const timer = setTimeout(() => child.kill("SIGKILL"), timeout_ms);
      const res = await child.output();
      clearTimeout(timer);
      const got = new TextDecoder().decode(res.stdout);
      if (res.success && got === want) {
        passed++;
        console.log(`PASS ${label} ${name}`);
      } else if (!res.success) {
        const err = new TextDecoder().decode(res.stderr).split("\n").filter((l) => l.trim())[0] ?? "";
        console.log(`ERROR ${label} ${name} (exit ${res.code}: ${err.slice(0, 160)})`);
      } else {
        const a = want.split("\n"), b = got.split("\n");
        let i = 0;
        while (i < a.length && a[i] === b[i]) i++;
        console.log(`FAIL ${label} ${name} (stdout differs at line ${i + 1})`);
      }
    }
    failures += names.length - passed;
    console.log(`${label}: ${passed} passed, ${names.length - passed} failed`);
  }
  if (failures > 0) Deno.exitCode = 1;
} finally {
  await Deno.remove(work, { recursive: true });
}
