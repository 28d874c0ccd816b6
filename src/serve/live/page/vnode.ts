/**
 * @module serve/live/page/vnode
 * A tiny element tree the panels and charts are built as, rendered to DOM nodes in the browser
 * (live page) or to an HTML string on the server (reports). Text is only ever text: the DOM
 * renderer makes text nodes and the string renderer escapes it, so customer messages such as
 * `<script>` show as typed. Attributes are checked too: no event handlers, no `javascript:` links.
 *
 * @example
 * const node = h('p', { class: 'note' }, 'Customer wrote: ', message.text);
 * toHtml(node); // '<p class="note">Customer wrote: &lt;script&gt;…</p>'
 */

export type Attrs = Record<string, string | number | boolean | null | undefined>;
export type Child = VNode | string | number | null | undefined | false | Child[];

export interface VNode {
  tag: string;
  attrs: Attrs;
  children: (VNode | string)[];
}

function flatten(children: Child[], out: (VNode | string)[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) flatten(c, out);
    else if (typeof c === 'number') out.push(String(c));
    else out.push(c);
  }
}

export class UnsafeAttributeError extends Error {
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeAttributeError';
  }
}

/** Allowed link targets: paths and anchors of this server, and http(s) URLs. */
export function safeUrl(v: string): boolean {
  return /^(\/(?![/\\])|\?|#|https?:\/\/)/i.test(v);
}

function checkAttr(tag: string, name: string, value: string): void {
  if (/^on/i.test(name)) throw new UnsafeAttributeError(`<${tag} ${name}>: event handler attributes are not allowed; attach listeners in code`);
  if (!/^[a-zA-Z_:][-a-zA-Z0-9_:.]*$/.test(name)) throw new UnsafeAttributeError(`<${tag}>: ${JSON.stringify(name)} is not an attribute name`);
  if ((name === 'href' || name === 'src' || name === 'xlink:href' || name === 'action') && !safeUrl(value)) {
    throw new UnsafeAttributeError(`<${tag} ${name}=${JSON.stringify(value.slice(0, 80))}>: only paths of this server and http(s) URLs are allowed`);
  }
}

/** Builds an element; `null`/`false` children are skipped, arrays are flattened. */
export function h(tag: string, attrs: Attrs | null = null, ...children: Child[]): VNode {
  if (!/^[a-zA-Z][a-zA-Z0-9-]*$/.test(tag) || /^(script|iframe|object|embed|style|link|meta|base)$/i.test(tag)) {
    throw new UnsafeAttributeError(`<${tag}> cannot be built from data`);
  }
  const a: Attrs = {};
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    checkAttr(tag, k, String(v));
    a[k] = v;
  }
  const out: (VNode | string)[] = [];
  flatten(children, out);
  return { tag, attrs: a, children: out };
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]!);
}

const VOID = new Set(['br', 'hr', 'img', 'input', 'col', 'wbr']);

/** Renders to HTML (SVG elements included), every text and attribute value escaped. */
export function toHtml(node: VNode | string): string {
  if (typeof node === 'string') return escapeText(node);
  let s = `<${node.tag}`;
  for (const [k, v] of Object.entries(node.attrs)) s += v === true ? ` ${k}` : ` ${k}="${escapeText(String(v))}"`;
  if (VOID.has(node.tag) && node.children.length === 0) return `${s}>`;
  s += '>';
  for (const c of node.children) s += toHtml(c);
  return `${s}</${node.tag}>`;
}
