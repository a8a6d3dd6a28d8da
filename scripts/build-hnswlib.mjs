#!/usr/bin/env node
/**
 * Compiles hnswlib (the vector search) once more for a newer x86-64 processor level, beside npm's own
 * build, which must run on any x86-64 and so uses SSE only. The server loads the faster build only
 * where the processor has what it was compiled for (src/store/hnswlib.ts), so an installation copied
 * to an older machine still runs, on npm's build. Runs after `npm ci` / `npm install` (postinstall);
 * a failure is reported in one line and changes nothing.
 *
 *   node scripts/build-hnswlib.mjs                  x86-64-v3 (AVX2, FMA: processors since about 2015)
 *   node scripts/build-hnswlib.mjs --march native   everything this processor has (npm run build:native)
 *
 * AUSKUNFT_HNSWLIB=portable skips it (and makes the server use npm's build).
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const march = process.argv.includes("--march") ? process.argv[process.argv.indexOf("--march") + 1] : "x86-64-v3";
const say = (line) => console.log(`auskunft: ${line}`);

/** Node's own headers: npm's setting, or beside the node binary (/usr/bin/node: /usr/include/node). */
function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const beside = path.resolve(path.dirname(process.execPath), "..");
  return existsSync(path.join(beside, "include/node/node_api.h")) ? beside : undefined;
}

/** The processor's instruction sets as /proc/cpuinfo names them (not its other flags: "hypervisor", "pti", …). */
const INSTRUCTION_SET = /^(mmx|sse|ssse|pni|avx|fma|f16c|bmi|abm|lzcnt|movbe|popcnt|cx8|cx16|cmov|fxsr|xsave|lahf_lm|aes|pclmulqdq|vpclmulqdq|vaes|sha_ni|gfni|adx|rdrand|rdseed|clflushopt|clwb|prefetchw|3dnowprefetch|amx)/;

function nodeGyp() {
  // npm hands its own node-gyp to install scripts; otherwise the one that comes with npm.
  const candidates = [process.env.npm_config_node_gyp, path.join(path.dirname(process.execPath), "../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js")];
  return candidates.find((c) => c && existsSync(c));
}

/** Skipped after npm install; a failure when asked for by name (npm run build:native). */
function skip(reason) {
  if (process.argv.includes("--march")) throw new Error(reason);
  say(reason);
}

function main() {
  if (process.env.AUSKUNFT_HNSWLIB === "portable") return skip("AUSKUNFT_HNSWLIB=portable: only npm's build of hnswlib is used");
  if (process.arch !== "x64" || process.platform !== "linux") return skip(`no faster build of hnswlib for ${process.platform}/${process.arch}: npm's build is used`);
  if (march !== "x86-64-v3" && march !== "native") throw new Error(`--march ${march}: use x86-64-v3 or native`);
  const require = createRequire(path.join(root, "package.json"));
  const source = path.dirname(require.resolve("hnswlib-node/package.json"));
  const { version } = JSON.parse(readFileSync(path.join(source, "package.json"), "utf8"));
  const gyp = nodeGyp();
  if (!gyp) return skip("node-gyp not found: the faster build of hnswlib is skipped, npm's build is used");
  // Beside hnswlib-node's own folder, where src/store/hnswlib.ts looks.
  const cache = path.resolve(source, "../.cache/auskunft");
  const name = `hnswlib-node-${version}-abi${process.versions.modules}-${march}`;
  const work = path.join(cache, `${name}.build`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    cpSync(path.join(source, "binding.gyp"), path.join(work, "binding.gyp"));
    cpSync(path.join(source, "src"), path.join(work, "src"), { recursive: true });
    const dir = nodeDir();
    const args = [gyp, "rebuild", ...(dir ? [`--nodedir=${dir}`] : [])];
    execFileSync(process.execPath, args, { cwd: work, stdio: "pipe", timeout: 180_000, env: { ...process.env, CXXFLAGS: `-O3 -march=${march}` } });
    renameSync(path.join(work, "build/Release/addon.node"), path.join(cache, `${name}.node`));
    // What the processor offered: the build may use any of it, so a machine without one of these flags must not load it.
    writeFileSync(path.join(cache, `${name}.json`), JSON.stringify({ march, flags: march === "native" ? cpuFlags() : [] }));
    say(`hnswlib compiled for ${march === "native" ? "this processor" : march} (${path.relative(root, cache)}/${name}.node)`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function cpuFlags() {
  const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("flags"));
  return line ? line.split(":")[1].trim().split(/\s+/).filter((f) => INSTRUCTION_SET.test(f)) : [];
}

try {
  main();
} catch (error) {
  const lines = error.stderr?.toString().split("\n").filter((l) => /^gyp ERR!|error:/.test(l)) ?? [];
  const detail = lines.find((l) => /error:/.test(l)) ?? lines.at(-1) ?? error.message;
  say(`the faster build of hnswlib failed (${detail.trim().slice(0, 200)}); npm's build is used`);
  // Asked for by name (npm run build:native), a failure is one; after npm install it is not.
  if (process.argv.includes("--march")) process.exitCode = 1;
}
