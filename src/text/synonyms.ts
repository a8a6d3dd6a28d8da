import { GermanAnalyzer } from "./analyzer.js";

/**
 * What citizens say and what the pages say. Each line is one group of words that
 * mean the same for a question; the first word is the official term.
 * Editors can add groups in `<data dir>/synonyms.txt`, one group per line, comma-separated.
 */
export const BUILTIN_SYNONYMS = `
Personalausweis, Perso, Ausweis, ID-Karte, Personalausweises
Reisepass, Pass, Kinderreisepass
Abfall, Müll, Mülltonne, Tonne, Restmüll, Abfalltonne
Sperrmüll, Sperrgut, Möbel entsorgen
Gebühr, kosten, kostet, Preis, Betrag, beträgt, zahlen, zahlt, zahle, Steuersatz, teuer, Euro, kostenlos, gebührenfrei
gefährlicher Hund, Kampfhund, Listenhund
Aktuelles, Neuigkeiten, News, Nachrichten, Neues, Meldungen
Barrierefreiheit, barrierefrei, sehbehindert, blind, Screenreader, Behinderung, Rollstuhl
Datenschutz, Daten, Cookies, personenbezogen, DSGVO
Wertstoffhof, Recyclinghof, Gartenabfälle, Grünschnitt, abgeben, entsorgen, wegbringen, wegwerfen
Frist, bis wann, innerhalb, spätestens, wie lange, wie schnell
Öffnungszeiten, offen, geöffnet, Sprechzeiten, Uhrzeit, aufmachen
Ummeldung, umziehen, Umzug, umgezogen, Anmeldung, Wohnsitz, anmelden, ummelden
Abmeldung, abmelden, wegziehen, Wegzug, Ausland
Eheschließung, heiraten, Hochzeit, Trauung, Standesamt
Kindertagesstätte, Kita, Kindergarten, Krippe, Krippenplatz, Kinderbetreuung, Betreuungsplatz, U3
Bestattung, Beerdigung, Beisetzung, Grab, Friedhof, Urne
Geburt, Baby, Geburtsurkunde, geboren, Kind bekommen
Sterbefall, Tod, gestorben, Sterbeurkunde, verstorben
Gewerbe, Gewerbeanmeldung, Firma, selbstständig, selbständig, Unternehmen, Geschäft
Bewohnerparkausweis, Anwohnerparken, Parkausweis, Anwohnerparkausweis, parken
Fundbüro, Fundsache, verloren, gefunden, liegen gelassen
Führungszeugnis, polizeiliches Führungszeugnis, Leumundszeugnis
Meldebescheinigung, Wohnsitzbescheinigung, Meldebestätigung
Hundesteuer, Hund, Hunde, Hundemarke, Steuermarke
Bauantrag, bauen, Baugenehmigung, Anbau, Carport, Garage
Bücherei, Bibliothek, Bücher ausleihen
Rathaus, Gemeindeverwaltung, Verwaltung, Amt
Telefonnummer, Telefon, anrufen, Nummer, erreichen
E-Mail, Mail, schreiben
Termin, Terminvereinbarung, Termin buchen
`;

/** Maps each stem to the stems of its group, so a question's words find the page's words. */
export class SynonymTable {
  private readonly groups = new Map<string, Set<string>>();

  constructor(analyzer: GermanAnalyzer, text: string) {
    for (const line of text.split("\n")) {
      const members = line
        .split(",")
        .map((m) => m.trim())
        .filter(Boolean);
      if (members.length < 2) continue;
      // A multi-word member ("gefährlicher Hund") stands for each of its words.
      const stems = new Set(members.flatMap((m) => analyzer.analyseWords(m).map((w) => w.stem)));
      for (const s of stems) {
        const group = this.groups.get(s) ?? new Set<string>();
        for (const other of stems) if (other !== s) group.add(other);
        this.groups.set(s, group);
      }
    }
  }

  /** Every word of the table, for the decompounder: "Krippenplatz" splits even if the pages never say "Krippe". */
  static words(text: string): string[] {
    return text.split(/[\n,]/).flatMap((m) => m.trim().split(/\s+/)).filter((w) => w.length >= 3);
  }

  of(stem: string): ReadonlySet<string> {
    return this.groups.get(stem) ?? EMPTY;
  }
}

const EMPTY: ReadonlySet<string> = new Set();
