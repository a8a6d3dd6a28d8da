const TRACKING = /^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|_ga|sessionid|phpsessid|jsessionid|sid)$/i;
const SKIP_EXTENSIONS = /\.(jpe?g|png|gif|svg|webp|ico|css|js|mjs|json|xml|zip|gz|rar|7z|mp3|mp4|m4a|avi|mov|wmv|woff2?|ttf|eot|docx?|xlsx?|pptx?|odt|ods|ics|vcf|exe|dmg)$/i;

/** Canonical form of a URL for de-duplication: no fragment, no tracking parameters, no default port. */
export function normaliseUrl(raw: string, base?: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  url.hash = "";
  url.username = "";
  url.password = "";
  for (const key of [...url.searchParams.keys()]) if (TRACKING.test(key)) url.searchParams.delete(key);
  url.searchParams.sort();
  url.hostname = url.hostname.toLowerCase();
  return url.toString();
}

/** Links to images, scripts, office files and the like are not crawled. */
export function isCrawlable(url: string): boolean {
  return !SKIP_EXTENSIONS.test(new URL(url).pathname);
}
