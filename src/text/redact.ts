/**
 * Personal data a citizen types anyway (e-mail, phone, IBAN, tax ID, date of birth, street address)
 * is replaced by a placeholder before a question leaves the machine for a model endpoint.
 * The offline mode keeps nothing and sends nothing, so it needs no redaction.
 */
const RULES: [RegExp, string][] = [
  [/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, "[E-Mail]"],
  [/\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,3})?\b/g, "[IBAN]"],
  [/\b(?:steuer-?id|steueridentifikationsnummer|identifikationsnummer)\D{0,20}\d[\d ]{9,13}\d/gi, "[Steuer-ID]"],
  [/\b(geb(?:oren|\.)?(?:\s+am)?|geburtsdatum:?)\s*\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}/gi, "$1 [Datum]"],
  [/(?:\+\d{1,3}[\s/-]?\(?0?|\(?0)\d{2,5}\)?[\s/-]?\d{3,}(?:[\s-]?\d+)*/g, "[Telefon]"],
  [/\b[A-ZÄÖÜ][a-zäöüß]+(?:straße|strasse|str\.|weg|gasse|allee|platz|ring|damm)\s+\d+(?:\s?[a-z]\b)?/g, "[Adresse]"],
];

export function redact(text: string): string {
  return RULES.reduce((t, [re, placeholder]) => t.replace(re, placeholder), text);
}
