// The tiles: each number over the range, against the period of the same length just before it.
import { numbers } from './tables.js';

const shareTiles = new Set(['grounded', 'satisfaction']);

export function renderTiles(current, previous, length) {
  for (const tile of document.querySelectorAll('.tile')) {
    const name = tile.dataset.tile;
    const now = current[name];
    const then = previous[name];
    const isShare = shareTiles.has(name);
    tile.dataset.value = now.value ?? '';
    tile.dataset.previous = then.value ?? '';
    if (isShare) {
      tile.dataset.part = now.part;
      tile.dataset.whole = now.whole;
    }
    tile.querySelector('.value').textContent = isShare ? formatShare(now.value) : numbers.format(now.value);
    const change = tile.querySelector('.change');
    const { text, direction } = isShare ? shareChange(now.value, then.value) : countChange(now.value, then.value);
    change.textContent = `${text} vs previous ${length} day${length === 1 ? '' : 's'}`;
    change.dataset.direction = direction;
  }
}

const formatShare = (value) => (value === null ? '—' : `${value.toFixed(1)} %`);

function countChange(now, then) {
  if (then === 0) return now === 0 ? { text: 'No change', direction: 'flat' } : { text: `New (was 0)`, direction: 'up' };
  const change = (100 * (now - then)) / then;
  return arrow(change, `${Math.abs(change).toFixed(1)} %`);
}

function shareChange(now, then) {
  if (now === null || then === null) return { text: 'No comparison', direction: 'flat' };
  const change = now - then;
  return arrow(change, `${Math.abs(change).toFixed(1)} pts`);
}

function arrow(change, magnitude) {
  if (Math.abs(change) < 0.05) return { text: 'No change', direction: 'flat' };
  return change > 0 ? { text: `▲ up ${magnitude}`, direction: 'up' } : { text: `▼ down ${magnitude}`, direction: 'down' };
}
