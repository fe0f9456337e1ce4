// The models report read for the page: the range's totals per model (one `granularity=total` period, so distinct
// users, percentiles and costs are the API's own over the whole range) and the cost of each model per period.
import { costs, fillTable } from './tables.js';

const only = (report) => report.reporting[0]?.dates ?? [];

/** The range as one period: its cost (null when a model used in it has no price), currency and models. */
export function modelTotals(totalReport) {
  const period = only(totalReport)[0] ?? { cost: 0, models: [] };
  return {
    currency: totalReport.currency,
    cost: period.cost,
    models: period.models,
    unpriced: period.models.filter((m) => m.cost === null).map((m) => m.model),
  };
}

/** The rows of the models export: the range's one period and each of its models, as the API's CSV with granularity=total. */
export function modelRows(totalReport) {
  const period = only(totalReport)[0];
  if (!period) return [];
  const dated = { date: period.date, end_date: period.end_date };
  // A range without answers is one row with empty model cells, as in the API's CSV.
  return period.models.length === 0 ? [dated] : period.models.map((m) => ({ ...dated, ...m }));
}

/** The cost tile's number: the range's cost in its currency, and the models that leave it without one. */
export const costTile = (totals) => ({ value: totals.cost, currency: totals.currency, unpriced: totals.unpriced });

/** Per period and model, the cost: the series of the cost-by-model chart, in the order of the range's models. */
export function costSeries(report, totals) {
  const periods = only(report).map(({ date, end_date }) => ({ date, end_date }));
  // A period without the model has no bar (null), like a period where it has no price.
  const series = totals.models.map((m) => ({ name: m.model, data: periods.map(() => null) }));
  only(report).forEach((period, index) => {
    for (const m of period.models) {
      const entry = series.find((s) => s.name === m.model);
      if (entry) entry.data[index] = m.cost;
    }
  });
  return { periods, series, currency: totals.currency };
}

/**
 * The models table: answers, users, tokens, cost and latency percentiles of each model over the range, as the API
 * orders them (the percentiles of the whole range, not of a period).
 */
export function renderModels(totals) {
  const currency = totals.currency ?? 'no price set';
  document.getElementById('models-cost-header').textContent = `Cost (${currency})`;
  fillTable(document.getElementById('models-table'), totals.models,
    (m) => [m.model, m.responses_count, m.users_count, m.input_tokens, m.output_tokens, m.cost === null ? 'No price' : costs.format(m.cost),
      m.latency_ms_p50, m.latency_ms_p95],
    'No model answered in this range.');
}
