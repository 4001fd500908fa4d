// The package loaded with require(), as a CommonJS program does: Node loads ES modules that way
// since 20.19 and 22.12 (require(esm)), Bun always. `scripts/build_npm.ts` runs it from a scratch
// project where the packed package is installed.
"use strict";
const asyncio = require("@pystd/asyncio");
const { ContextVar } = require("@pystd/asyncio/contextvars");

const v = new ContextVar("v", { default: "unset" });

function* child() {
  yield* asyncio.sleep(0.001);
  return v.get();
}

function* main() {
  v.set("main");
  const [a, b] = yield* asyncio.gather(child(), asyncio.sleep(0, "b"));
  return `${a} ${b}`;
}

asyncio.run(main()).then((got) => {
  console.log(got);
  if (got !== "main b") {
    console.error('expected "main b"');
    process.exitCode = 1;
  }
}, (e) => {
  console.error(e);
  process.exitCode = 1;
});
