/**
 * Text of an HTTP body in its declared character set: old municipal sites still
 * serve ISO-8859-1 and windows-1252, declared in the header or in a meta tag.
 */
export function decodeBody(body: Buffer, contentType: string | null): string {
  const declared = charsetOf(contentType ?? "") ?? sniffMetaCharset(body) ?? "utf-8";
  let label = declared.toLowerCase();
  // Browsers read "iso-8859-1" as windows-1252; so do we (it has €, „ and “).
  if (label === "iso-8859-1" || label === "latin1" || label === "us-ascii") label = "windows-1252";
  try {
    return new TextDecoder(label).decode(body);
  } catch {
    return new TextDecoder("utf-8").decode(body);
  }
}

function charsetOf(contentType: string): string | undefined {
  return /charset\s*=\s*["']?([\w-]+)/i.exec(contentType)?.[1];
}

function sniffMetaCharset(body: Buffer): string | undefined {
  const head = body.subarray(0, 2048).toString("latin1");
  return /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(head)?.[1];
}
