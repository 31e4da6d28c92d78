/** Building the page's elements: text always as text (trial labels and error messages are never parsed as HTML). */
export type Child = Node | string | number | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | number | boolean | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name === 'class') node.className = String(value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, ...children);
  return node;
}

export function append(node: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

export function sweepHref(key: string): string {
  return `/sweep/${encodeURIComponent(key)}`;
}

export function trialHref(key: string, id: string): string {
  return `${sweepHref(key)}/trial/${encodeURIComponent(id)}`;
}

export function fileHref(key: string, path: string, download = false): string {
  return `/files/${encodeURIComponent(key)}/${path.split('/').map(encodeURIComponent).join('/')}${download ? '?download=1' : ''}`;
}

export function statusBadge(status: string): HTMLElement {
  return el('span', { class: `status ${status}`, 'data-status': status }, status);
}

/** Marks the page as drawn (tests and the benchmark wait for it) and counts updates applied. */
export function markDrawn(): void {
  if (!document.body.dataset.ready) performance.mark('convsweep:drawn');
  document.body.dataset.ready = 'true';
  document.body.dataset.updates = String(Number(document.body.dataset.updates ?? '0') + 1);
}
