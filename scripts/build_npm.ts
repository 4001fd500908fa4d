/**
 * Builds the npm package into `npm/` and runs the compiled test suite on Node (the machine's, and
 * the current LTS from npm when the machine's is another major version) and on Bun.
 *
 * The job dnt would do (dnt is not reachable from our registries): copy the sources, swap
 * `stdlib/_host.ts` for `stdlib/_host.node.ts`, compile to ESM JavaScript plus `.d.ts` with the
 * `typescript` package (`rewriteRelativeImportExtensions`, `NodeNext`), write `package.json` (no
 * runtime dependencies), then `node --test` the compiled tests, and `bun test` them; last, pack the
 * package and use the tarball from a scratch project (`scripts/npm_consumer/`).
 *
 * Usage: `deno task build:npm [--no-test]`
 *
 * @module
 */

import {
  BUN_BIN,
  BUN_VERSION,
  NODE_LTS_BIN,
  NODE_LTS_VERSION,
  node_runtimes,
  node_version,
  TOOLS_DIR,
} from "./runtimes.ts";

const root = new URL("..", import.meta.url).pathname;
const out = `${root}npm/`;
const tools = TOOLS_DIR;
const TS_VERSION = "5.9.3";
const TYPES_NODE_VERSION = "20.19.25";

async function run(cmd: string, args: string[], cwd = root): Promise<void> {
  const p = new Deno.Command(cmd, { args, cwd, stdout: "inherit", stderr: "inherit" }).spawn();
  const { code } = await p.status;
  if (code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed with exit code ${code}`);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function* walk_files(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) yield* walk_files(`${dir}${e.name}/`);
    else if (e.isFile) yield `${dir}${e.name}`;
  }
}

async function copy_tree(
  from: string,
  to: string,
  filter: (rel: string) => boolean,
  rel = "",
): Promise<void> {
  for await (const e of Deno.readDir(from + rel)) {
    const r = rel + e.name;
    if (e.isDirectory) {
      if (!filter(r + "/")) continue;
      await Deno.mkdir(to + r, { recursive: true });
      await copy_tree(from, to, filter, r + "/");
    } else if (filter(r)) {
      await Deno.copyFile(from + r, to + r);
    }
  }
}

const config = JSON.parse(await Deno.readTextFile(`${root}deno.json`));

// 1. The compiler and Node's types, installed once into .tools/build (not a dependency of the package).
if (!(await exists(`${tools}node_modules/typescript/bin/tsc`))) {
  await Deno.mkdir(tools, { recursive: true });
  await run("npm", [
    "install",
    "--prefix",
    tools,
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
    `typescript@${TS_VERSION}`,
    `@types/node@${TYPES_NODE_VERSION}`,
  ]);
}

// Bun, for the compiled tests (step 5), installed the same way (its npm package carries the binary).
const bun = BUN_BIN;
if (!Deno.args.includes("--no-test") && !(await exists(bun))) {
  await run("npm", [
    "install",
    "--prefix",
    tools,
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
    `bun@${BUN_VERSION}`,
  ]);
}

// Node's LTS the same way (npm's `node` package carries the binary, as `bun`'s does), when the
// machine's Node is another major version: the compiled tests run on both. `node_lts` is null when
// the machine's Node is that line already.
const machine_node_major = /^v(\d+)/.exec((await node_version("node")) ?? "")?.[1] ?? "";
const node_lts = machine_node_major === NODE_LTS_VERSION.split(".")[0] ? null : NODE_LTS_BIN;
// (Installed with `--no-test` too: `deno task bench:compare` runs the benchmarks on it.)
if (node_lts !== null && !(await exists(node_lts))) {
  await run("npm", [
    "install",
    "--prefix",
    tools,
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
    `node@${NODE_LTS_VERSION}`,
  ]);
}

// 2. The sources.
await Deno.remove(out, { recursive: true }).catch(() => {});
const src = `${out}src/`;
await Deno.mkdir(src, { recursive: true });
const skip_dirs = ["npm/", "node_modules/", ".tools/", ".git/", ".ci/", "scripts/", "examples/"];
// bench/compare.ts drives the runtimes from Deno; it is not part of the Node build.
const skip_files = ["stdlib/_host.node.ts", "bench/compare.ts"];
await copy_tree(root, src, (r) => {
  if (r.endsWith("/")) return !skip_dirs.includes(r);
  return r.endsWith(".ts") && !skip_files.includes(r);
});
await Deno.copyFile(`${root}stdlib/_host.node.ts`, `${src}stdlib/_host.ts`);

// 3. package.json (first: NodeNext compiles to ESM because of its "type").
// `default` as well as `import`: `require()` loads the same ES modules where the runtime can (Node
// 20.19+ and 22.12+, Bun); without it a CommonJS program is told the package exports nothing.
const exports: Record<string, { types: string; import: string; default: string }> = {};
for (const [key, path] of Object.entries(config.exports as Record<string, string>)) {
  const js = path.replace(/^\.\//, "./esm/").replace(/\.ts$/, ".js");
  exports[key] = { types: js.replace(/\.js$/, ".d.ts"), import: js, default: js };
}
const pkg = {
  name: config.name,
  version: config.version,
  description:
    "CPython's asyncio (3.14 semantics) for TypeScript: tasks with real cancellation, TaskGroup, " +
    "timeout, shield, wait_for, queues, locks, on Deno, Node and Bun.",
  license: config.license,
  type: "module",
  engines: { node: ">=20" },
  exports,
  files: ["esm/", "!esm/tests/", "!esm/bench/", "README.md", "LICENSE"],
  sideEffects: true,
};
await Deno.writeTextFile(`${out}package.json`, JSON.stringify(pkg, null, 2) + "\n");
// 4. Compile.
const tsconfig = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    lib: ["ES2022", "ESNext.Disposable", "DOM"],
    types: ["node"],
    typeRoots: [`${tools}node_modules/@types`],
    strict: true,
    declaration: true,
    rewriteRelativeImportExtensions: true,
    allowImportingTsExtensions: true,
    skipLibCheck: true,
    rootDir: "src",
    outDir: "esm",
    useDefineForClassFields: true,
  },
  include: ["src/**/*.ts"],
};
await Deno.writeTextFile(`${out}tsconfig.json`, JSON.stringify(tsconfig, null, 2));
await run("node", [`${tools}node_modules/typescript/bin/tsc`, "-p", `${out}tsconfig.json`], out);

// The declarations that name `Symbol.dispose`/`Symbol.asyncDispose` (Runner, socket, io) ask for the
// library that declares them: a project with neither `@types/node` (which declares them too) nor
// `esnext` among its libraries (TypeScript's default ones for target ES2022, say) would otherwise fail
// to check them. TypeScript 5.2+ has that library. (Only here: JSR refuses `reference lib`
// directives in published sources.)
for await (const f of walk_files(`${out}esm/`)) {
  if (!f.endsWith(".d.ts") || f.startsWith(`${out}esm/tests/`) || f.startsWith(`${out}esm/bench/`)) continue;
  const text = await Deno.readTextFile(f);
  if (/Symbol\.(asyncDispose|dispose)\b/.test(text)) {
    await Deno.writeTextFile(f, `/// <reference lib="esnext.disposable" />\n${text}`);
  }
}

await Deno.copyFile(`${root}README.md`, `${out}README.md`);
await Deno.copyFile(`${root}LICENSE`, `${out}LICENSE`);
await Deno.remove(src, { recursive: true });

// 5. The compiled tests, on Node, then on Bun (`bun test` runs node:test files).
if (!Deno.args.includes("--no-test")) {
  const files: string[] = [];
  for await (const e of Deno.readDir(`${out}esm/tests`)) {
    if (e.isFile && /^test_.*\.js$/.test(e.name)) files.push(`esm/tests/${e.name}`);
  }
  files.sort();
  const node_args = ["--expose-gc", "--test", "--test-concurrency=1", "--test-reporter=tap", ...files];
  console.log(`\nThe compiled tests on the machine's Node (v${machine_node_major}):`);
  await run("node", node_args, out);
  if (node_lts !== null) {
    console.log(`\nThe compiled tests on Node ${NODE_LTS_VERSION} (the current LTS, from npm):`);
    await run(node_lts, node_args, out);
  }
  console.log(`\nThe compiled tests on Bun ${BUN_VERSION}:`);
  await run(bun, ["test", ...files.map((f) => `./${f}`)], out);

  // 6. The package as its users get it: packed, installed into a scratch project, and used there by
  // name (scripts/npm_consumer/): type-checked with the package's declarations, with and without
  // @types/node, then run, imported and required, on each Node and on Bun.
  console.log("\nThe packed package in another project:");
  const scratch = await Deno.makeTempDir({ prefix: "asyncio_npm_consumer_" });
  try {
    const packed = new Deno.Command("npm", {
      args: ["pack", "--silent", "--pack-destination", scratch],
      cwd: out,
      stdout: "piped",
      stderr: "inherit",
    }).outputSync();
    if (!packed.success) throw new Error("npm pack failed");
    const tarball = new TextDecoder().decode(packed.stdout).trim().split("\n").pop()!;
    const installed = `${scratch}/node_modules/${config.name}`;
    await Deno.mkdir(installed, { recursive: true });
    await run("tar", ["-xzf", `${scratch}/${tarball}`, "--strip-components=1", "-C", installed]);
    await Deno.writeTextFile(`${scratch}/package.json`, JSON.stringify({ type: "module", private: true }));
    for (const f of ["main.ts", "require.cjs"]) {
      await Deno.copyFile(`${root}scripts/npm_consumer/${f}`, `${scratch}/${f}`);
    }
    const setups: [string, Record<string, unknown>][] = [
      // A project with TypeScript's default libraries for its target and no @types/node.
      ["no @types/node, default lib", { types: [] }],
      // A Node project: @types/node, and no DOM library.
      ["@types/node, lib ES2022", {
        lib: ["ES2022"],
        types: ["node"],
        typeRoots: [`${tools}node_modules/@types`],
      }],
    ];
    for (const [label, options] of setups) {
      await Deno.writeTextFile(
        `${scratch}/tsconfig.json`,
        JSON.stringify({
          compilerOptions: {
            target: "ES2022",
            module: "NodeNext",
            moduleResolution: "NodeNext",
            strict: true,
            skipLibCheck: false,
            noEmitOnError: true,
            outDir: "out",
            ...options,
          },
          files: ["main.ts"],
        }),
      );
      console.log(`tsc (strict, skipLibCheck false; ${label})`);
      await run("node", [`${tools}node_modules/typescript/bin/tsc`, "-p", "tsconfig.json"], scratch);
    }
    // Whether a Node loads an ES module with require() (unflagged since 20.19, 22.12 and 23).
    const node_can_require = (label: string): boolean => {
      const [major, minor] = (/^Node v(\d+)\.(\d+)/.exec(label) ?? [0, 0, 0]).slice(1).map(Number);
      return major >= 23 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19);
    };
    const runtimes: [string, string, boolean][] = [
      // [label, command, whether it can require() an ES module]
      ...(await node_runtimes()).map(({ label, cmd }): [string, string, boolean] => [
        label,
        cmd,
        node_can_require(label),
      ]),
      [`Bun ${BUN_VERSION}`, bun, true],
    ];
    for (const [label, cmd, can_require] of runtimes) {
      console.log(`${label}: import`);
      await run(cmd, ["out/main.js"], scratch);
      if (can_require) {
        console.log(`${label}: require()`);
        await run(cmd, ["require.cjs"], scratch);
      } else {
        console.log(`${label}: require() skipped (this Node cannot require an ES module)`);
      }
    }
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}
