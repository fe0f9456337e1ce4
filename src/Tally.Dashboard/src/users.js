// The users table: user-activities' users of the range, sortable by any column (nulls last) and searchable.
import { costs, fillTable, numbers, timestamp } from './tables.js';

const $ = (id) => document.getElementById(id);

/** The range's users as the API orders them, and how the table shows them. */
export const users = { rows: [], sort: null, query: '' };

const userColumns = [
  { key: 'user_name', label: 'User', text: true },
  { key: 'user_id', label: 'Id' },
  { key: 'active_days_count', label: 'Active days' },
  { key: 'sessions_count', label: 'Sessions' },
  { key: 'user_queries_count', label: 'Questions' },
  { key: 'feedbacks_count', label: 'Feedback' },
  { key: 'tool_calls_count', label: 'Tool calls' },
  { key: 'first_activity_date', label: 'First active', text: true },
  { key: 'last_activity_date', label: 'Last active', text: true },
  { key: 'last_connection', label: 'Last connection (UTC)', text: true },
  { key: 'input_tokens', label: 'Input tokens' },
  { key: 'output_tokens', label: 'Output tokens' },
  { key: 'cost', label: 'Cost' },
];

export function userHeader() {
  const row = $('users-table').tHead.rows[0];
  row.replaceChildren(...userColumns.map((column) => {
    const th = document.createElement('th');
    th.scope = 'col';
    if (!column.text) th.className = 'number';
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'sort';
    button.dataset.sort = column.key;
    button.textContent = column.label;
    button.addEventListener('click', () => sortUsers(column));
    th.append(button);
    return th;
  }));
}

function sortUsers(column) {
  const sort = users.sort;
  const direction = sort?.key === column.key ? (sort.direction === 'ascending' ? 'descending' : 'ascending') : (column.text ? 'ascending' : 'descending');
  users.sort = { key: column.key, direction };
  renderUsers();
}

export function visibleUsers() {
  const query = users.query.trim().toLowerCase();
  let rows = users.rows.filter((u) => !query || (u.user_name ?? '').toLowerCase().includes(query) || String(u.user_id).includes(query));
  const sort = users.sort;
  if (sort) {
    const sign = sort.direction === 'ascending' ? 1 : -1;
    // Nulls (no name, never connected) sort last either way; ties keep the API's order (questions, then id).
    rows = rows.map((u, index) => ({ u, index })).sort((a, b) => {
      const x = a.u[sort.key];
      const y = b.u[sort.key];
      if (x === null || y === null) return x === y ? a.index - b.index : x === null ? 1 : -1;
      const order = typeof x === 'number' ? x - y : x.localeCompare(y);
      return order * sign || a.index - b.index;
    }).map(({ u }) => u);
  }
  return rows;
}

export function renderUsers() {
  const rows = visibleUsers();
  for (const th of $('users-table').tHead.rows[0].cells) {
    const key = th.querySelector('button').dataset.sort;
    if (users.sort?.key === key) th.setAttribute('aria-sort', users.sort.direction);
    else th.removeAttribute('aria-sort');
  }
  fillTable($('users-table'), rows, (u) => [u.user_name, String(u.user_id), u.active_days_count, u.sessions_count, u.user_queries_count,
    u.feedbacks_count, u.tool_calls_count, u.first_activity_date, u.last_activity_date, timestamp(u.last_connection),
    u.input_tokens ?? null, u.output_tokens ?? null, typeof u.cost === 'number' ? costs.format(u.cost) : null],
  users.rows.length === 0 ? 'Nobody was active in this range.' : 'No user matches the search.');
  $('users-count').textContent = `${numbers.format(rows.length)} of ${numbers.format(users.rows.length)} users`;
}
