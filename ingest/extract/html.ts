import * as cheerio from "cheerio";
import type { AnyNode, Element } from "domhandler";
import { cleanText, findValidFrom, looksLikeStatute, type Block, type ExtractedDocument } from "./document.js";

export interface HtmlExtractOptions {
  /** Selectors of the main content, tried in order. */
  mainSelectors?: string[];
  /** Selectors removed before reading, in addition to the defaults (navigation, banners, footers). */
  removeSelectors?: string[];
}

const DEFAULT_MAIN = ["main", "[role=main]", "article", "#content", "#inhalt", ".content", "body"];
const DEFAULT_REMOVE = [
  "script", "style", "noscript", "template", "svg", "iframe", "input", "select", "textarea", "button",
  "form[role=search]", "form[action*=such]", "form[action*=search]",
  "nav", "header", "footer", "aside", "[role=navigation]", "[role=banner]", "[role=contentinfo]", "[role=search]",
  "[class*=cookie]", "[id*=cookie]", "[class*=consent]", ".skip-link", ".breadcrumb", "[hidden]", "[aria-hidden=true]",
];
const BLOCK_TAGS = new Set(["p", "li", "dd", "dt", "blockquote", "pre", "figcaption", "caption", "address", "summary"]);
const HEADING = /^h([1-6])$/;
const NESTED_BLOCKS = "ul, ol, table, p, div, dl, h1, h2, h3, h4, h5, h6";

/** Main text of a page as headings and paragraphs, without navigation, header, footer and cookie banner. */
export function extractHtml(html: string, baseUrl: string, options: HtmlExtractOptions = {}): ExtractedDocument {
  const $ = cheerio.load(html);
  const links = $("a[href]")
    .map((_, a) => $(a).attr("href"))
    .get()
    .flatMap((href) => {
      try {
        return [new URL(href, baseUrl).toString()];
      } catch {
        return [];
      }
    });
  const canonicalHref = $("link[rel=canonical]").attr("href");
  const canonical = canonicalHref ? safeUrl(canonicalHref, baseUrl) : undefined;
  const pageTitle = cleanText($("title").first().text()).replace(/\s+[–|-]\s+[^–|-]+$/, "");

  // A site's own selectors come on top of the defaults, never instead of them.
  $([...DEFAULT_REMOVE, ...(options.removeSelectors ?? [])].join(",")).remove();
  const root = (options.mainSelectors ?? DEFAULT_MAIN).map((s) => $(s).first()).find((el) => el.length > 0) ?? $.root();

  const blocks: Block[] = [];
  const walk = (node: AnyNode) => {
    if (node.type === "text") {
      const text = cleanText($(node).text());
      if (text) blocks.push({ kind: "text", text });
      return;
    }
    if (node.type !== "tag") return;
    const el = node as Element;
    const tag = el.tagName.toLowerCase();
    const heading = HEADING.exec(tag);
    if (heading) {
      const text = cleanText($(el).text());
      const anchor = $(el).attr("id") ?? $(el).find("[id]").first().attr("id");
      if (text) blocks.push({ kind: "heading", level: Number(heading[1]), text, ...(anchor ? { anchor } : {}) });
      return;
    }
    if (tag === "table") return tableBlocks($, el).forEach((text) => blocks.push({ kind: "text", text }));
    if (tag === "br") return;
    if (BLOCK_TAGS.has(tag)) {
      const prefix = tag === "li" ? listPrefix($, el) : "";
      if ($(el).find(NESTED_BLOCKS).length === 0) {
        const text = cleanText($(el).text());
        if (text) blocks.push({ kind: "text", text: prefix + text });
        return;
      }
      // Inline text runs become blocks of their own; nested blocks (even inside <b> or <span>) are walked.
      let run = prefix;
      const flush = () => {
        const text = cleanText(run);
        if (text && text !== cleanText(prefix)) blocks.push({ kind: "text", text });
        run = "";
      };
      for (const child of el.children) {
        if (child.type === "tag" && ($(child).is(NESTED_BLOCKS) || $(child).find(NESTED_BLOCKS).length > 0)) {
          flush();
          walk(child);
        } else run += ` ${$(child).text()}`;
      }
      flush();
      return;
    }
    for (const child of el.children) walk(child);
  };
  root.contents().each((_, child) => walk(child));

  const firstH1 = blocks.find((b) => b.kind === "heading" && b.level === 1);
  const title = firstH1?.text ?? pageTitle ?? "";
  const body = blocks.filter((b) => b !== firstH1);
  const validFrom = findValidFrom(blocks.slice(0, 8).map((b) => b.text).join(" ")) ?? findValidFrom(blocks.map((b) => b.text).join(" "));
  return {
    title: title || pageTitle || baseUrl,
    blocks: body,
    links,
    statute: looksLikeStatute(body, title),
    ...(validFrom ? { validFrom } : {}),
    ...(canonical ? { canonical } : {}),
  };
}

function listPrefix($: cheerio.CheerioAPI, li: Element): string {
  const parent = li.parent as Element | null;
  if (parent?.tagName?.toLowerCase() !== "ol") return "- ";
  const start = Number($(parent).attr("start") ?? 1);
  return `${start + $(li).prevAll("li").length}. `;
}

/** A table row as "Header: value · Header: value", so that a fee stays next to what it is for. */
function tableBlocks($: cheerio.CheerioAPI, table: Element): string[] {
  const rows = $(table).find("tr").toArray();
  const cells = (row: Element) => $(row).children("th, td").toArray().map((c) => cleanText($(c).text()));
  const first = rows[0];
  const header = first && $(first).children("th").length > 0 ? cells(first) : undefined;
  const out: string[] = [];
  for (const row of header ? rows.slice(1) : rows) {
    const values = cells(row);
    if (values.every((v) => !v)) continue;
    out.push(values.map((v, i) => (header?.[i] ? `${header[i]}: ${v}` : v)).filter((v) => v.trim()).join(" · "));
  }
  return out;
}

function safeUrl(href: string, base: string): string | undefined {
  try {
    return new URL(href, base).toString();
  } catch {
    return undefined;
  }
}
