/**
 * Renders the demo form definition (data/demo/forms/hund-anmelden.json) as a page of the demo
 * website, in the site's layout: labels, help texts and the § each field rests on.
 *   npx tsx scripts/make-demo-form.ts
 */
import { readFile, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";

interface Field {
  id: string;
  label: string;
  type: string;
  required?: boolean;
  options?: string[];
  help: string;
  legalRef?: { title: string; section: string; url: string };
}
interface Form {
  id: string;
  title: string;
  description: string;
  office: { name: string; phone: string; email: string };
  legalBasis: { title: string; url: string }[];
  fields: Field[];
}

const root = path.resolve(import.meta.dirname, "..");
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const form = JSON.parse(await readFile(path.join(root, "data/demo/forms/hund-anmelden.json"), "utf8")) as Form;
const layout = await readFile(path.join(root, "data/demo/site/formulare.html"), "utf8");

const control = (f: Field) => {
  const common = `id="${f.id}" name="${f.id}" aria-describedby="${f.id}-hilfe"${f.required ? " required" : ""}`;
  if (f.type === "select") return `<select ${common}><option value="">Bitte wählen</option>${(f.options ?? []).map((o) => `<option>${esc(o)}</option>`).join("")}</select>`;
  if (f.type === "checkbox") return `<input type="checkbox" ${common}>`;
  return `<input type="${f.type}" ${common}>`;
};
const fields = form.fields
  .map(
    (f) => `      <div class="form-field" data-field="${f.id}">
        <label for="${f.id}">${esc(f.label)}${f.required ? " (Pflichtfeld)" : ""}</label>
        ${control(f)}
        <p class="hilfe" id="${f.id}-hilfe">${esc(f.help)}${f.legalRef ? ` <span class="rechtsgrundlage">Rechtsgrundlage: <a href="${f.legalRef.url}">${esc(f.legalRef.section)} ${esc(f.legalRef.title)}</a></span>` : ""}</p>
      </div>`,
  )
  .join("\n");

const main = `<main id="inhalt">
    <h1>${esc(form.title)}</h1>
    <p>${esc(form.description)}</p>
    <p>Zuständig: ${esc(form.office.name)}, Telefon ${esc(form.office.phone)}, E-Mail <a href="mailto:${form.office.email}">${esc(form.office.email)}</a>.
    Rechtsgrundlage: ${form.legalBasis.map((l) => `<a href="${l.url}">${esc(l.title)}</a>`).join(", ")}.</p>
    <h2>Formular</h2>
    <form class="online-form" data-form="${form.id}" action="#" method="post">
${fields}
      <p><button type="submit" disabled>Absenden (in der Demo nicht möglich)</button></p>
    </form>
  </main>`;

const page = layout
  .replace(/<title>[^<]*<\/title>/, `<title>${esc(form.title)} – Gemeinde Musterbach</title>`)
  .replace(/<link rel="canonical" href="[^"]*">/, `<link rel="canonical" href="/formulare/${form.id}.html">`)
  .replace(/<meta name="description" content="[^"]*">/, `<meta name="description" content="${esc(form.description.split(". ")[0]!)}.">`)
  .replace(/<main id="inhalt">[\s\S]*?<\/main>/, main)
  .replace(/<nav class="breadcrumb"[\s\S]*?<\/nav>/, `<nav class="breadcrumb" aria-label="Sie sind hier"><a href="/">Startseite</a> › <a href="/formulare.html">Online-Dienste</a> › <span aria-current="page">${esc(form.title)}</span></nav>`);
await mkdir(path.join(root, "data/demo/site/formulare"), { recursive: true });
await writeFile(path.join(root, `data/demo/site/formulare/${form.id}.html`), page);
console.log(`wrote data/demo/site/formulare/${form.id}.html (${form.fields.length} fields)`);
