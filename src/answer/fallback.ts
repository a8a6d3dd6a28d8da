import type { Municipality } from "../config/schema.js";

/** The human route: office, phone, e-mail, hours from configuration, and the 115. */
export function contactRoute(m: Municipality): string {
  const c = m.contact;
  const details = [c.phone && `Telefon ${c.phone}`, c.email && `E-Mail ${c.email}`].filter(Boolean).join(", ");
  const hours = c.hours ? ` Öffnungszeiten: ${c.hours}.` : "";
  return `Bitte wenden Sie sich an: ${c.office} (${m.name})${details ? `, ${details}` : ""}.${hours} Oder rufen Sie die Behördennummer 115 an.`;
}

export function notInSources(m: Municipality): string {
  return `Dazu finde ich in meinen Quellen keine verlässliche Antwort. ${contactRoute(m)}`;
}
