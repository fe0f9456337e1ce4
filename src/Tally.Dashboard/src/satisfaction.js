// Where the ratings go, worst first: the satisfaction report over the range (one `granularity=total` period), its
// models, tools and documents reordered for an administrator looking for what to fix. The rule is in
// docs/decisions.md.
import { fillTable, numbers } from './tables.js';

/** Rows shown per list: the worst ones; the note under each says how many there are. */
export const satisfactionRows = 10;

/** Fewer ratings than this are not a verdict: such entries come after the others (the CLI's charts leave them out). */
export const verdictRatings = 5;

const ratings = (entry) => entry.likes_count + entry.dislikes_count;

/**
 * The API's entries, worst first: those with at least `verdictRatings` ratings before the others, then
 * satisfaction_rate ascending (an entry without ratings, which the API does not list today, last), then more
 * dislikes first, then more ratings first, then the API's own order (by key).
 */
export function worstFirst(entries) {
  return entries.map((entry, index) => ({ entry, index })).sort((a, b) => {
    const x = a.entry;
    const y = b.entry;
    if ((ratings(x) >= verdictRatings) !== (ratings(y) >= verdictRatings)) return ratings(x) >= verdictRatings ? -1 : 1;
    if ((x.satisfaction_rate === null) !== (y.satisfaction_rate === null)) return x.satisfaction_rate === null ? 1 : -1;
    return (x.satisfaction_rate ?? 0) - (y.satisfaction_rate ?? 0) || y.dislikes_count - x.dislikes_count
      || ratings(y) - ratings(x) || a.index - b.index;
  }).map(({ entry }) => entry);
}

const rate = (value) => (value === null ? null : `${(value * 100).toFixed(2)} %`);

const lists = [
  { key: 'by_model', id: 'satisfaction-models', noun: 'models', name: (e) => e.model ?? 'Answer not stored', empty: 'Nothing was rated in this range.' },
  { key: 'by_tool', id: 'satisfaction-tools', noun: 'tools', name: (e) => `${e.tool_name} (${e.tool_type})`, empty: 'No rated answer used a tool.' },
  { key: 'by_document', id: 'satisfaction-documents', noun: 'documents', name: (e) => e.document_title ?? e.document_filename, empty: 'No rated answer used a document.' },
];

export function renderSatisfaction(report) {
  const period = report.reporting[0]?.dates[0] ?? { by_model: [], by_tool: [], by_document: [] };
  for (const list of lists) {
    const entries = worstFirst(period[list.key]);
    fillTable(document.getElementById(list.id), entries.slice(0, satisfactionRows),
      (e) => [list.name(e), e.likes_count, e.dislikes_count, rate(e.satisfaction_rate)], list.empty);
    const shown = Math.min(entries.length, satisfactionRows);
    document.getElementById(`${list.id}-count`).textContent =
      entries.length === 0 ? '' : `${numbers.format(shown)} of ${numbers.format(entries.length)} rated ${list.noun}, worst first`;
  }
}
