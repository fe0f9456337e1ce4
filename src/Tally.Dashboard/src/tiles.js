// The tiles: each number over the range, against the period of the same length just before it.
import { numbers } from './tables.js';

const formatShare = (value) => (value === null ? '—' : `${value.toFixed(1)} %`);

/** Money as a tile shows it: cents, or the API's 6 decimals for an amount below a cent (never "0.00" for a cost). */
function formatMoney(value, currency) {
  const small = value > 0 && value < 0.01;
  return new Intl.NumberFormat('en', { style: 'currency', currency, minimumFractionDigits: small ? 0 : 2, maximumFractionDigits: small ? 6 : 2 }).format(value);
}

/**
 * How each kind of tile writes its number and its change. A change is `compared` when it is against the previous
 * period; the cost tile says instead why it has no number.
 */
const kinds = {
  count: { text: (now) => numbers.format(now.value), change: (now, then) => countChange(now.value, then.value) },
  share: { text: (now) => formatShare(now.value), change: (now, then) => shareChange(now.value, then.value) },
  money: {
    text: (now) => (now.currency === null || now.value === null ? 'No price' : formatMoney(now.value, now.currency)),
    change: (now, then) => {
      if (now.currency === null) return { text: 'No model has a price yet', direction: 'flat', compared: false };
      if (now.value === null) return { text: `No price for ${now.unpriced.join(', ')}`, direction: 'flat', compared: false };
      if (then.value === null) return { text: 'No comparison: a model of the previous period has no price', direction: 'flat', compared: false };
      return countChange(now.value, then.value);
    },
  },
};

const tileKinds = { grounded: kinds.share, satisfaction: kinds.share, cost: kinds.money };

export function renderTiles(current, previous, length) {
  for (const tile of document.querySelectorAll('.tile')) {
    const name = tile.dataset.tile;
    const now = current[name];
    const then = previous[name];
    const kind = tileKinds[name] ?? kinds.count;
    tile.dataset.value = now.value ?? '';
    tile.dataset.previous = then.value ?? '';
    if (kind === kinds.share) {
      tile.dataset.part = now.part;
      tile.dataset.whole = now.whole;
    }
    if (kind === kinds.money) tile.dataset.currency = now.currency ?? '';
    tile.querySelector('.value').textContent = kind.text(now);
    const change = tile.querySelector('.change');
    const { text, direction, compared = true } = kind.change(now, then);
    change.textContent = compared ? `${text} vs previous ${length} day${length === 1 ? '' : 's'}` : text;
    change.dataset.direction = direction;
  }
}

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
