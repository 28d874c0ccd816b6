/**
 * @module serve/live/page
 * The live page's HTML shell: header with the brand and range pickers, empty panels the script
 * fills from /live/events, the stylesheet inline and the script from /live/app.js (same origin:
 * no CDN, and the server's Content-Security-Policy allows it).
 *
 * @example
 * sendHtml(res, 200, livePageHtml());
 */
import { PAGE_CSS } from './page/style.js';

/** An inline icon (a data: URL: no request, allowed by the server's img-src). */
export const FAVICON = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#111827"/><path d="M2 11 L5 8 L8 10 L11 4 L14 6" stroke="#f43f5e" stroke-width="2" fill="none"/></svg>')}`;

export function livePageHtml(title = 'crisiscx — live'): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title.replace(/[<&>]/g, '')}</title>
<link rel="icon" href="${FAVICON}">
<style>${PAGE_CSS}</style>
</head>
<body>
<header class="top">
  <span class="brandmark">crisiscx</span>
  <label>Brand <select id="brand" aria-label="brand"></select></label>
  <label>Range <select id="range" aria-label="time range"></select></label>
  <span id="status" class="status down">connecting…</span>
  <span class="meta"><span id="asof"></span> · <span id="totals"></span> · <span id="updated">no batch yet</span></span>
  <a id="report" href="/report">Crisis report</a>
</header>
<div id="problem" role="alert"></div>
<main>
  <div id="kpis"></div>
  <div class="grid">
    <div id="volume" class="wide"></div>
    <div id="silences"></div>
    <div id="triage"></div>
    <div id="promises"></div>
    <div id="alerts"></div>
    <div id="sufferers"></div>
    <div id="messages"></div>
  </div>
  <noscript><p>The live page needs JavaScript for its updates. The <a href="/report">crisis report</a> works without it.</p></noscript>
</main>
<script src="/live/app.js" defer></script>
</body>
</html>
`;
}
