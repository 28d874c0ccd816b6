/// <reference lib="dom" />
/**
 * @module serve/live/page/dom
 * Renders the element tree of vnode.ts to DOM nodes in the browser. Text becomes text nodes and
 * attributes go through setAttribute, so nothing a customer typed is ever parsed as markup.
 *
 * @example
 * container.replaceChildren(toDom(silencesPanel(snapshot, now)));
 */
import type { VNode } from './vnode.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

export function toDom(node: VNode | string, inSvg = false): Node {
  if (typeof node === 'string') return document.createTextNode(node);
  const svg = inSvg || node.tag === 'svg';
  const el = svg ? document.createElementNS(SVG_NS, node.tag) : document.createElement(node.tag);
  for (const [k, v] of Object.entries(node.attrs)) {
    if (v === null || v === undefined || v === false) continue;
    // xmlns is implied by createElementNS; setting it again is an error in some browsers.
    if (k === 'xmlns') continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of node.children) el.appendChild(toDom(c, svg && node.tag !== 'foreignObject'));
  return el;
}
