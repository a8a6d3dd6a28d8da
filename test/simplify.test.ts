import { describe, expect, it } from "vitest";
import { PlainWords, simplifyQuote } from "../src/answer/simplify.js";
import { readability } from "../src/text/readability.js";
import { PLAIN_WORDS_FILE } from "../src/server/compose.js";

const plain = PlainWords.load(PLAIN_WORDS_FILE);
const statute =
  "(1) Die Steuer beträgt jährlich 1. für den ersten Hund 75,00 Euro, 2. für den zweiten Hund 120,00 Euro, 3. für jeden weiteren Hund 150,00 Euro. (2) Eine Steuerermäßigung gibt es nur auf Antrag; die Steuerpflicht beginnt mit dem ersten Tag des folgenden Kalendermonats, vgl. § 3 Abs. 1.";

describe("offline plain language", () => {
  const simple = simplifyQuote(statute, plain);

  it("keeps every figure and § of the source", () => {
    for (const f of statute.match(/\d[\d.,]*\d|§ \d+/g) ?? []) expect(simple).toContain(f);
  });

  it("turns enumerations into a list and writes abbreviations out", () => {
    expect(simple).toContain("\n- für den zweiten Hund 120,00 Euro\n");
    expect(simple).toContain("§ 3 Absatz 1");
    expect(simple).not.toMatch(/\bAbs\.|\bvgl\./);
    expect(simple).not.toMatch(/\(\d\)/);
  });

  it("explains hard words once, in brackets, and reads easier by the German formulas", () => {
    expect(simple).toContain("Steuerermäßigung (Sie zahlen weniger Steuer)");
    expect(simple).toContain("Steuerpflicht (die Pflicht, die Steuer zu zahlen)");
    expect(simple.match(/\(Sie zahlen weniger Steuer\)/g)).toHaveLength(1);
    const before = readability(statute);
    const after = readability(simple.replace(/\s\([^)]*\)/g, ""));
    expect(after.asl).toBeLessThan(15);
    expect(after.amstad).toBeGreaterThan(before.amstad + 15);
    expect(after.lix).toBeLessThan(before.lix);
  });
});
