import { describe, expect, it } from "vitest";
import { redact } from "../src/text/redact.js";

describe("redaction of personal data before a model call", () => {
  it("replaces e-mail, phone, IBAN, tax ID, date of birth and street address", () => {
    const text = redact("Ich bin Max, max.muster@web.de, Tel. 0171 1234567 oder +49 6050 1234-100, wohne Lindenweg 12a, geboren am 03.04.1980. IBAN DE89 3704 0044 0532 0130 00, Steuer-ID 12 345 678 901.");
    expect(text).toBe("Ich bin Max, [E-Mail], Tel. [Telefon] oder [Telefon], wohne [Adresse], geboren am [Datum]. IBAN [IBAN], [Steuer-ID].");
  });

  it("leaves the figures of an ordinary question alone", () => {
    for (const q of ["Was kostet die Hundesteuer für 2 Hunde ab 1.7.2025?", "Ist § 5 Abs. 2 noch gültig?", "Wie viel kostet eine 120-Liter-Tonne im Jahr 2025?"]) expect(redact(q)).toBe(q);
  });
});
