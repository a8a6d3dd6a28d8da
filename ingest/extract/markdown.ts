import { marked, type Token, type Tokens } from "marked";
import { parse as parseYaml } from "yaml";
import { cleanText, findValidFrom, looksLikeStatute, type Block, type ExtractedDocument } from "./document.js";

export interface FrontMatter {
  title?: string;
  validFrom?: string;
  url?: string;
}

/** Markdown (with optional YAML front matter) as blocks; statutes keep their § headings. */
export function extractMarkdown(source: string, fallbackTitle: string): ExtractedDocument & { frontMatter: FrontMatter } {
  const { body, frontMatter } = splitFrontMatter(source);
  const blocks: Block[] = [];
  const walk = (tokens: Token[]) => {
    for (const t of tokens) {
      switch (t.type) {
        case "heading":
          blocks.push({ kind: "heading", level: (t as Tokens.Heading).depth, text: plain(t.text) });
          break;
        case "paragraph":
        case "text":
        case "code":
          for (const line of splitAbsaetze(plain(t.text))) blocks.push({ kind: "text", text: line });
          break;
        case "blockquote":
          walk((t as Tokens.Blockquote).tokens);
          break;
        case "list": {
          const list = t as Tokens.List;
          const start = typeof list.start === "number" ? list.start : 1;
          list.items.forEach((item, i) => {
            const text = plain(item.text);
            if (text) blocks.push({ kind: "text", text: list.ordered ? `${start + i}. ${text}` : `- ${text}` });
          });
          break;
        }
        case "table": {
          const table = t as Tokens.Table;
          const header = table.header.map((h) => plain(h.text));
          for (const row of table.rows) {
            const cells = row.map((c, i) => (header[i] ? `${header[i]}: ${plain(c.text)}` : plain(c.text))).filter((c) => c.trim());
            if (cells.length) blocks.push({ kind: "text", text: cells.join(" · ") });
          }
          break;
        }
        default:
          break;
      }
    }
  };
  walk(marked.lexer(body));
  const firstH1 = blocks.find((b) => b.kind === "heading" && b.level === 1);
  const title = frontMatter.title ?? firstH1?.text ?? fallbackTitle;
  const rest = frontMatter.title ? blocks : blocks.filter((b) => b !== firstH1);
  const validFrom = frontMatter.validFrom ?? findValidFrom(rest.slice(0, 8).map((b) => b.text).join(" "));
  return {
    title,
    blocks: rest,
    links: [],
    statute: looksLikeStatute(rest, title),
    ...(validFrom ? { validFrom } : {}),
    frontMatter,
  };
}

function splitFrontMatter(source: string): { body: string; frontMatter: FrontMatter } {
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(source);
  if (!m) return { body: source, frontMatter: {} };
  let data: Record<string, unknown> = {};
  try {
    data = (parseYaml(m[1]!) as Record<string, unknown>) ?? {};
  } catch {
    // Broken front matter: the text is still worth reading.
  }
  const str = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : typeof v === "string" || typeof v === "number" ? String(v) : undefined);
  const title = str(data.titel ?? data.title);
  const validFrom = str(data.gueltig_ab ?? data.stand ?? data.valid_from);
  const url = str(data.url);
  return {
    body: source.slice(m[0].length),
    frontMatter: { ...(title ? { title } : {}), ...(validFrom ? { validFrom } : {}), ...(url ? { url } : {}) },
  };
}

/** Inline Markdown to plain text: links keep their words, emphasis and code marks go. */
function plain(text: string): string {
  return cleanText(
    text
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/(\*\*|__|`)/g, "")
      .replace(/(^|\s)[*_](\S[^*_]*\S|\S)[*_](?=\s|$|[.,;:])/g, "$1$2")
      .replace(/<[^>]+>/g, " ")
      .replace(/\\([\\`*_{}[\]()#+\-.!])/g, "$1"),
  );
}

/** A paragraph that holds several Absätze on separate lines ("(1) …\n(2) …") becomes one block each. */
function splitAbsaetze(text: string): string[] {
  return text.split(/\s(?=\(\d+[a-z]?\)\s)/).map((s) => s.trim()).filter(Boolean);
}
