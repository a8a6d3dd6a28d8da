import { describe, expect, it } from "vitest";
import { chunkDocument } from "../ingest/chunk.js";
import { extractHtml } from "../ingest/extract/html.js";

const statute = (paragraphs: string) => `<!doctype html><html><head><title>Satzung – Testdorf</title></head><body>
  <nav><a href="/">Start</a></nav>
  <main>
    <h1>Satzung über die Erhebung einer Hundesteuer in der Gemeinde Testdorf (Hundesteuersatzung)</h1>
    <p>Gültig ab: 1. Januar 2025</p>
    <p>Aufgrund der §§ 5 und 51 der Hessischen Gemeindeordnung hat die Gemeindevertretung folgende Satzung beschlossen:</p>
    ${paragraphs}
  </main><footer>Impressum</footer></body></html>`;

const meta = { docId: "satzungen/hundesteuer.html", url: "/satzungen/hundesteuer.html", municipality: "testdorf" };

describe("chunking a statute by §", () => {
  const html = statute(`
    <h2 id="p1">§ 1 Steuergegenstand</h2>
    <p>(1) Gegenstand der Steuer ist das Halten von Hunden im Gemeindegebiet.</p>
    <h2 id="p5">§ 5 Steuersatz</h2>
    <p>(1) Die Steuer beträgt jährlich</p>
    <ol><li>für den ersten Hund 75,00 Euro,</li><li>für den zweiten Hund 120,00 Euro,</li></ol>
    <p>(2) Für einen gefährlichen Hund beträgt die Steuer 600,00 Euro.</p>
    <h2 id="p6">§ 6 Steuerbefreiungen</h2>
    <p>(1) Steuerbefreiung wird für Blindenführhunde gewährt.</p>`);
  const chunks = chunkDocument(extractHtml(html, "http://testdorf.example/satzungen/hundesteuer.html"), meta);

  it("gives every § its own chunk that knows its § and the statute", () => {
    const p5 = chunks.find((c) => c.section === "§ 5 Steuersatz")!;
    expect(p5.text).toContain("2. für den zweiten Hund 120,00 Euro,");
    expect(p5.text).toContain("(2) Für einen gefährlichen Hund");
    expect(p5.text).not.toContain("Blindenführhunde");
    expect(p5.title).toBe("Hundesteuersatzung");
    expect(p5.statute).toBe(true);
    expect(p5.validFrom).toBe("1. Januar 2025");
    expect(p5.url).toBe("/satzungen/hundesteuer.html#p5");
    expect(chunks.map((c) => c.section).filter(Boolean)).toEqual(["§ 1 Steuergegenstand", "§ 5 Steuersatz", "§ 6 Steuerbefreiungen"]);
  });

  it("keeps navigation and footer out of the chunks", () => {
    expect(chunks.some((c) => /Impressum|Start/.test(c.text))).toBe(false);
  });

  it("cuts a long § at Absatz boundaries and labels each part with its Absätze", () => {
    const long = (n: number) => `<p>(${n}) ${"Die Gemeinde erhebt die Steuer nach Maßgabe dieser Satzung für jedes Kalenderjahr. ".repeat(8)}</p>`;
    const cut = chunkDocument(
      extractHtml(statute(`<h2 id="p3">§ 3 Entstehung der Steuer</h2>${[1, 2, 3, 4, 5].map(long).join("")}`), "http://t.example/s.html"),
      meta,
      { targetChars: 1500, maxChars: 1600 },
    ).filter((c) => c.section?.startsWith("§ 3"));
    expect(cut.length).toBeGreaterThan(1);
    expect(cut.map((c) => c.section)).toEqual(["§ 3 Abs. 1–2", "§ 3 Abs. 3–4", "§ 3 Abs. 5"]);
    for (const c of cut) expect(c.text).toMatch(/^\(\d\) /);
  });

  it("gives the same text the same hash, and changed text a new one", () => {
    const again = chunkDocument(extractHtml(html, "http://testdorf.example/satzungen/hundesteuer.html"), meta);
    expect(again.map((c) => c.hash)).toEqual(chunks.map((c) => c.hash));
    const changed = chunkDocument(extractHtml(html.replace("120,00", "130,00"), "http://testdorf.example/x"), meta);
    expect(changed.find((c) => c.section === "§ 5 Steuersatz")!.hash).not.toBe(chunks.find((c) => c.section === "§ 5 Steuersatz")!.hash);
    expect(changed.find((c) => c.section === "§ 1 Steuergegenstand")!.hash).toBe(chunks.find((c) => c.section === "§ 1 Steuergegenstand")!.hash);
  });
});

describe("chunking an ordinary page", () => {
  it("follows the headings and keeps table rows readable", () => {
    const page = `<html><body><main><h1>Reisepass</h1>
      <h2>Was kostet es?</h2><table><tr><th>Leistung</th><th>Gebühr</th></tr><tr><td>Reisepass ab 24 Jahren</td><td>70,00 Euro</td></tr></table>
      <h2>Welche Unterlagen brauche ich?</h2><ul><li>ein biometrisches Foto</li><li>der alte Pass</li></ul></main></body></html>`;
    const chunks = chunkDocument(extractHtml(page, "http://t.example/reisepass.html"), { docId: "reisepass.html", url: "/reisepass.html", municipality: null });
    expect(chunks).toHaveLength(2);
    expect(chunks[0]).toMatchObject({ title: "Reisepass", headings: ["Was kostet es?"], municipality: null });
    expect(chunks[0]!.text).toBe("Leistung: Reisepass ab 24 Jahren · Gebühr: 70,00 Euro");
    expect(chunks[1]!.text).toBe("- ein biometrisches Foto\n- der alte Pass");
    expect(chunks[0]!.section).toBeUndefined();
  });
});
