// Joins the dated reports of one company into one row per period (the merged daily, weekly or monthly table), and
// sums a range of them into the tiles' numbers. Every definition here is written down in docs/decisions.md.

export const dailyColumns = [
  'date', 'chat_sessions_count', 'agent_threads_count', 'chat_user_queries_count', 'agent_user_queries_count',
  'chat_model_responses_count', 'agent_model_responses_count', 'chat_model_responses_with_docs_count',
  'agent_model_responses_with_docs_count', 'likes_count', 'dislikes_count', 'copies_count', 'flags_count',
  'tool_calls_count', 'tool_errors_count', 'active_users_count', 'new_active_users_count',
  'weekly_active_users_count', 'monthly_active_users_count', 'connections_count',
];

const only = (report) => report.reporting[0]?.dates ?? [];
const onlyAgent = (report) => report.reporting_agent[0]?.dates ?? [];

/** The merged table's columns: a week's or a month's row also has `end_date` (its last day inside the range), after `date`. */
export const periodColumns = (granularity) => (granularity === 'day' ? dailyColumns : ['date', 'end_date', ...dailyColumns.slice(1)]);

export function mergeDays({ sessions, feedback, tools, activities }) {
  const rows = new Map();
  const row = ({ date, end_date }) => {
    if (!rows.has(date)) {
      const columns = periodColumns(end_date === undefined ? 'day' : 'period');
      rows.set(date, Object.fromEntries(columns.map((c) => [c, c === 'date' ? date : c === 'end_date' ? end_date : 0])));
    }
    return rows.get(date);
  };
  // Each dated report fills its columns of the day's row.
  const sources = [
    [only(sessions), (d) => ({
      chat_sessions_count: d.sessions.sessions_count,
      chat_user_queries_count: d.chats.user_queries_count,
      chat_model_responses_count: d.chats.model_responses_count,
      chat_model_responses_with_docs_count: d.chats.model_responses_with_docs_count,
    })],
    [onlyAgent(sessions), (d) => ({
      agent_threads_count: d.threads.threads_count,
      agent_user_queries_count: d.chats.user_queries_count,
      agent_model_responses_count: d.chats.model_responses_count,
      agent_model_responses_with_docs_count: d.chats.model_responses_with_docs_count,
    })],
    [only(feedback), (d) => ({ ...d.feedbacks })],
    [only(tools), (d) => ({
      tool_calls_count: d.tool_calls_count,
      tool_errors_count: d.tools.reduce((sum, t) => sum + t.errors_count, 0),
    })],
    [only(activities), ({ date: _, end_date: __, ...counts }) => counts],
  ];
  for (const [days, columns] of sources) {
    for (const d of days) Object.assign(row(d), columns(d));
  }
  return [...rows.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
}

const sum = (days, key) => days.reduce((total, d) => total + d[key], 0);

/** Per-day derived series, both modes together. */
export const sessionsOf = (d) => d.chat_sessions_count + d.agent_threads_count;
export const questionsOf = (d) => d.chat_user_queries_count + d.agent_user_queries_count;
export const answersOf = (d) => d.chat_model_responses_count + d.agent_model_responses_count;
export const groundedOf = (d) => d.chat_model_responses_with_docs_count + d.agent_model_responses_with_docs_count;

/** A share as a percentage, or null when there is nothing to share (shown as a dash, never as 0 %). */
export const percent = (part, whole) => (whole > 0 ? (100 * part) / whole : null);

/** The tiles of a range: `value` is the number shown; for shares, `part` of `whole`. */
export function tileNumbers(days, activeUsers) {
  const answers = days.reduce((t, d) => t + answersOf(d), 0);
  const grounded = days.reduce((t, d) => t + groundedOf(d), 0);
  const likes = sum(days, 'likes_count');
  const rated = likes + sum(days, 'dislikes_count');
  return {
    'active-users': { value: activeUsers },
    sessions: { value: days.reduce((t, d) => t + sessionsOf(d), 0) },
    questions: { value: days.reduce((t, d) => t + questionsOf(d), 0) },
    grounded: { value: percent(grounded, answers), part: grounded, whole: answers },
    satisfaction: { value: percent(likes, rated), part: likes, whole: rated },
    'tool-calls': { value: sum(days, 'tool_calls_count') },
  };
}

/**
 * Documents over the range: uses summed per document over the report's periods (one, as the page reads it), names
 * from the latest period that listed it (the API's names are already those of the latest listing of all stored).
 */
export function documentTotals(usedDocuments) {
  const documents = new Map();
  for (const d of only(usedDocuments)) {
    for (const doc of d.documents) {
      const total = documents.get(doc.document_id) ?? { document_id: doc.document_id, usage_count: 0 };
      Object.assign(total, { document_filename: doc.document_filename, document_title: doc.document_title });
      total.usage_count += doc.usage_count;
      documents.set(doc.document_id, total);
    }
  }
  return [...documents.values()].sort((a, b) => b.usage_count - a.usage_count || a.document_id - b.document_id);
}

/** Tools over the range: calls and errors summed per (name, type), by calls descending as the API orders. */
export function toolTotals(tools) {
  const totals = new Map();
  for (const d of only(tools)) {
    for (const t of d.tools) {
      const key = `${t.tool_name}\u0000${t.tool_type}`;
      const total = totals.get(key) ?? { tool_name: t.tool_name, tool_type: t.tool_type, usage_count: 0, errors_count: 0 };
      total.usage_count += t.usage_count;
      total.errors_count += t.errors_count;
      totals.set(key, total);
    }
  }
  return [...totals.values()]
    .map((t) => ({ ...t, error_rate_percent: Number(percent(t.errors_count, t.usage_count).toFixed(1)) }))
    .sort((a, b) => b.usage_count - a.usage_count || (a.tool_name < b.tool_name ? -1 : a.tool_name > b.tool_name ? 1 : 0)
      || (a.tool_type < b.tool_type ? -1 : a.tool_type > b.tool_type ? 1 : 0));
}

/** Per period and tool, the calls: the series of the tool-usage chart. */
export function toolSeries(tools) {
  const names = toolTotals(tools).map((t) => `${t.tool_name} (${t.tool_type})`);
  const periods = only(tools).map(({ date, end_date }) => ({ date, end_date }));
  const series = names.map((name) => ({ name, data: periods.map(() => 0) }));
  only(tools).forEach((d, index) => {
    for (const t of d.tools) series[names.indexOf(`${t.tool_name} (${t.tool_type})`)].data[index] += t.usage_count;
  });
  return { periods, series };
}
