/**
 * German sentence splitting that survives statute text: "Abs.", "Nr.", "z. B.",
 * enumerations ("1. für den ersten Hund") and dates ("1. Juli") do not end a sentence.
 */
const ABBREVIATIONS = new Set(
  "abs nr ziff bzw ca vgl ggf evtl inkl zzgl usw etc str tel fr hr dr prof mo di mi do sa so jan feb mär apr jun jul aug sep sept okt nov dez gem lt s z b d h u a o i v m e g".split(" "),
);

export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\n+/)) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    let start = 0;
    const re = /[.!?](?=\s+["„(]?[A-ZÄÖÜ§])/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(trimmed))) {
      const before = trimmed.slice(start, m.index);
      const lastWord = /(\S+)$/.exec(before)?.[1] ?? "";
      if (m[0] === "." && (/^\d+$/.test(lastWord) || ABBREVIATIONS.has(lastWord.toLowerCase().replace(/^\W+/, "")) || lastWord.length === 1)) continue;
      out.push(trimmed.slice(start, m.index + 1).trim());
      start = m.index + 1;
    }
    const rest = trimmed.slice(start).trim();
    if (rest) out.push(rest);
  }
  return out;
}
