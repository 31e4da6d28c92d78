/** Parameter importance (PED-ANOVA, computed by the server with the report's code) as bars. */
import type { Importance } from '../../report/importance.js';
import { clear, el } from './dom.js';

export function drawImportance(container: HTMLElement, importance: Importance[], keys: string[]): void {
  clear(container);
  if (keys.length < 2) {
    container.append(el('p', { class: 'muted' }, 'One setting only: nothing to compare.'));
  } else if (importance.length === 0) {
    container.append(el('p', { class: 'muted' }, 'Too few completed trials to tell yet.'));
  } else {
    for (const i of importance) {
      container.append(el('div', { class: 'bar', 'data-key': i.key }, el('span', {}, i.key), el('div', {}, el('div', { class: 'fill', style: `width:${(100 * i.importance).toFixed(1)}%` })), el('span', { class: 'num' }, `${(100 * i.importance).toFixed(0)}%`)));
    }
  }
  container.dataset.bars = String(importance.length);
}
