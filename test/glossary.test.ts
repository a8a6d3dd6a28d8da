import { describe, expect, it } from "vitest";
import { Glossary } from "../src/text/glossary.js";

const HEADER = "de\ten\ttr\tuk\tar\tru\tpl\tro\tfa\ttopic";
const row = (cells: Partial<Record<"de" | "en" | "tr" | "uk" | "ar" | "ru" | "pl" | "ro" | "fa", string>>, topic: string) =>
  [cells.de ?? "", cells.en ?? "", cells.tr ?? "", cells.uk ?? "", cells.ar ?? "", cells.ru ?? "", cells.pl ?? "", cells.ro ?? "", cells.fa ?? "", topic].join("\t");

describe("glossary", () => {
  it("matches every written variant of a term, also those whose short words share a key with another variant", () => {
    const glossary = new Glossary(
      [HEADER, row({ de: "Krankenversicherung | Krankenkasse", en: "health insurance", ar: "تأمين صحي | التأمين الصحي" }, "gesundheit")].join("\n"),
    );
    for (const q of ["هل عندي تأمين صحي؟", "كيف أحصل على التأمين الصحي؟"]) {
      expect(glossary.germanTerms(q), q).toContain("Krankenversicherung");
    }
  });

  it("carries a question's terms into German and leaves a German question alone", () => {
    const glossary = new Glossary([HEADER, row({ de: "Hundesteuer", en: "dog tax", uk: "податок на собак" }, "steuer")].join("\n"));
    expect(glossary.germanTerms("How much is the dog tax?")).toContain("Hundesteuer");
    expect(glossary.germanTerms("Скільки коштує податок на собак?")).toContain("Hundesteuer");
    expect(glossary.germanTerms("Wie hoch ist die Hundesteuer?")).toEqual([]);
  });
});
