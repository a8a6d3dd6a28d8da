import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type * as Hnswlib from "hnswlib-node";

/** The hnswlib module: npm's build, or one that scripts/build-hnswlib.mjs compiled for a newer processor. */
export type HnswlibModule = typeof Hnswlib;

/**
 * What x86-64-v3 code may use, as /proc/cpuinfo names it: level 2 (cx16, lahf_lm, popcnt, pni = SSE3,
 * ssse3, sse4_1, sse4_2) and level 3 ("abm" is LZCNT). A virtual machine may hide any of them.
 */
const X86_64_V3 = ["cx16", "lahf_lm", "popcnt", "pni", "ssse3", "sse4_1", "sse4_2", "avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave"];

export interface HnswlibBuild {
  /** "portable" (npm's), "x86-64-v3", or "native" (npm run build:native). */
  name: string;
  /** The addon file; undefined for npm's build. */
  file?: string;
}

/**
 * The fastest build this processor can run: one compiled for exactly this kind of processor, then
 * x86-64-v3, then npm's. A build is taken only where the processor has every instruction set it may
 * use, so an installation copied to an older machine falls back instead of crashing.
 * `cpuFlags`: the processor's flags; `builds`: the compiled builds there are, with the flags of the
 * machine that compiled a native one.
 */
export function chooseHnswlibBuild(cpuFlags: ReadonlySet<string>, builds: { march: string; file: string; flags: string[] }[], env: NodeJS.ProcessEnv): HnswlibBuild {
  if (env.AUSKUNFT_HNSWLIB === "portable") return { name: "portable" };
  for (const march of ["native", "x86-64-v3"]) {
    const build = builds.find((b) => b.march === march);
    const needs = march === "native" ? (build?.flags ?? []) : X86_64_V3;
    if (build && needs.length > 0 && needs.every((f) => cpuFlags.has(f))) return { name: march, file: build.file };
  }
  return { name: "portable" };
}

/** Loads the build chooseHnswlibBuild picks on this machine; npm's if that one cannot be loaded. */
export function loadHnswlib(): { hnswlib: HnswlibModule; build: HnswlibBuild } {
  const require = createRequire(import.meta.url);
  const portable = () => ({ hnswlib: require("hnswlib-node") as HnswlibModule, build: { name: "portable" } });
  if (process.arch !== "x64" || process.platform !== "linux") return portable();
  try {
    const version = (require("hnswlib-node/package.json") as { version: string }).version;
    const cache = path.resolve(path.dirname(require.resolve("hnswlib-node/package.json")), "../.cache/auskunft");
    const builds = ["native", "x86-64-v3"].flatMap((march) => {
      const base = path.join(cache, `hnswlib-node-${version}-abi${process.versions.modules}-${march}`);
      try {
        if (!existsSync(`${base}.node`)) return [];
        return [{ march, file: `${base}.node`, flags: (JSON.parse(readFileSync(`${base}.json`, "utf8")) as { flags: string[] }).flags }];
      } catch {
        // A build without a readable record is not taken; the others still are.
        return [];
      }
    });
    if (builds.length === 0) return portable();
    const flagsLine = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("flags")) ?? "";
    const build = chooseHnswlibBuild(new Set(flagsLine.split(":")[1]?.trim().split(/\s+/) ?? []), builds, process.env);
    return build.file ? { hnswlib: require(build.file) as HnswlibModule, build } : portable();
  } catch {
    // A build for another Node version, an unreadable /proc: npm's build always works.
    return portable();
  }
}
