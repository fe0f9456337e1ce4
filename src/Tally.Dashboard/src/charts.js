// The charts: ECharts line and bar charts with hover values (axis tooltip) and legends that toggle series.
// The legend is HTML buttons rather than ECharts' canvas legend, so it works with a keyboard and a screen reader.
// 'echarts' is the library's own whole ES module (index.html's import map): every chart type and component is
// registered already.
import * as echarts from 'echarts';
import { answersOf, groundedOf, percent, questionsOf, sessionsOf } from './daily.js';

// Colours chosen for contrast on white and for telling series apart without relying on hue alone (line styles differ too).
const palette = ['#1f5fbf', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490', '#a16207', '#4b5563'];

const round1 = (value) => (value === null ? null : Math.round(value * 10) / 10);

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A period as the tooltip names it: the day, or its first and last day inside the range. */
export const periodText = (period) => (period.end_date && period.end_date !== period.date ? `${period.date} to ${period.end_date}` : period.date);

/**
 * The axis tooltip: the period (its end too, since the axis shows only its start), then each series' value. Built
 * here rather than by ECharts because its default header is the axis label alone; names are escaped, as ECharts does.
 */
function tooltipFormatter(periods) {
  return (items) => {
    const list = Array.isArray(items) ? items : [items];
    const period = periods[list[0]?.dataIndex];
    const lines = list.map((item) => `${item.marker}${escapeHtml(item.seriesName)}&nbsp;&nbsp;<b>${item.value ?? '—'}</b>`);
    return [period ? `<b>${escapeHtml(periodText(period))}</b>` : '', ...lines].join('<br>');
  };
}

/** `periods` are the report's elements (`date`, and `end_date` for a week or a month): the x axis shows each start. */
function baseOption(periods, series, { yName, percentAxis = false, fractional = false, secondAxis = null } = {}) {
  const yAxis = [{
    type: 'value', name: yName, minInterval: percentAxis || fractional ? 0 : 1, max: percentAxis ? 100 : null,
    axisLabel: { formatter: percentAxis ? '{value} %' : '{value}' },
  }];
  if (secondAxis) yAxis.push({ type: 'value', name: secondAxis, max: 100, axisLabel: { formatter: '{value} %' }, splitLine: { show: false } });
  return {
    color: palette,
    aria: { enabled: true },
    animation: false,
    tooltip: { trigger: 'axis', confine: true, formatter: tooltipFormatter(periods) },
    legend: { show: false },
    grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: periods.map((p) => p.date), axisLabel: { formatter: (d) => d.slice(5) } },
    yAxis,
    series,
    periods,
  };
}

const line = (name, data, extra = {}) => ({ name, type: 'line', data, showSymbol: data.length <= 31, connectNulls: false, ...extra });
const bar = (name, data, extra = {}) => ({ name, type: 'bar', data, ...extra });

/**
 * Each chart: its element id, its title for a period unit (day, week, month), and how its option is built from the
 * merged periods and the tool and cost series.
 */
export const chartDefinitions = [
  {
    id: 'chart-activity',
    title: (unit) => `Sessions, questions and answers per ${unit}`,
    build: ({ days, unit }) => baseOption(days, [
      line('Sessions', days.map(sessionsOf)),
      line('Questions', days.map(questionsOf), { lineStyle: { type: 'dashed' } }),
      line('Answers', days.map(answersOf), { lineStyle: { type: 'dotted' } }),
    ], { yName: `per ${unit}` }),
  },
  {
    id: 'chart-grounding',
    title: () => 'Answers grounded in documents',
    build: ({ days }) => baseOption(days, [
      line('Grounding rate', days.map((d) => round1(percent(groundedOf(d), answersOf(d)))), { areaStyle: { opacity: 0.12 } }),
    ], { yName: '% of answers', percentAxis: true }),
  },
  {
    id: 'chart-active-users',
    title: (unit) => (unit === 'day' ? 'Daily, weekly and monthly active users' : `Active users per ${unit}, weekly and monthly active users`),
    // Over a week or a month, the first series is the distinct users of the period; WAU and MAU are those of its last day.
    build: ({ days, unit }) => baseOption(days, [
      line(unit === 'day' ? 'DAU' : `Active in the ${unit}`, days.map((d) => d.active_users_count)),
      line('WAU', days.map((d) => d.weekly_active_users_count), { lineStyle: { type: 'dashed' } }),
      line('MAU', days.map((d) => d.monthly_active_users_count), { lineStyle: { type: 'dotted' } }),
    ], { yName: 'users' }),
  },
  {
    id: 'chart-feedback',
    title: () => 'Likes, dislikes and satisfaction',
    build: ({ days }) => baseOption(days, [
      bar('Likes', days.map((d) => d.likes_count), { stack: 'ratings', itemStyle: { color: '#15803d' } }),
      bar('Dislikes', days.map((d) => d.dislikes_count), { stack: 'ratings', itemStyle: { color: '#b91c1c' } }),
      line('Satisfaction', days.map((d) => round1(percent(d.likes_count, d.likes_count + d.dislikes_count))),
        { yAxisIndex: 1, itemStyle: { color: '#1f5fbf' } }),
    ], { yName: 'ratings', secondAxis: 'likes share' }),
  },
  {
    id: 'chart-tools',
    title: () => 'Tool calls by tool',
    build: ({ tools }) => baseOption(tools.periods, tools.series.map((s) => bar(s.name, s.data, { stack: 'tools' })), { yName: 'calls' }),
  },
  {
    id: 'chart-modes',
    title: () => 'Chat vs agent',
    build: ({ days, unit }) => baseOption(days, [
      bar('Chat questions', days.map((d) => d.chat_user_queries_count), { stack: 'questions' }),
      bar('Agent questions', days.map((d) => d.agent_user_queries_count), { stack: 'questions' }),
      line('Chat sessions', days.map((d) => d.chat_sessions_count)),
      line('Agent threads', days.map((d) => d.agent_threads_count), { lineStyle: { type: 'dashed' } }),
    ], { yName: `per ${unit}` }),
  },
  {
    id: 'chart-cost',
    title: (unit) => `Cost by model per ${unit}`,
    // A model without a price in a period has no bar there (null), rather than a cost of 0.
    build: ({ cost }) => ({
      ...baseOption(cost.periods, cost.series.map((s) => bar(s.name, s.data, { stack: 'cost' })), { yName: cost.currency ?? '', fractional: true }),
      ...(cost.currency === null ? { title: noPriceTitle } : {}),
    }),
  },
];

const noPriceTitle = {
  text: 'No model has a price: an instance admin sets them (tally prices set)',
  left: 'center', top: 'middle', textStyle: { color: '#4a5263', fontSize: 13, fontWeight: 'normal' },
};

// Chart totals to the API's 6 decimals (money), which leaves counts exact and hides floating-point noise.
const round6 = (value) => Math.round(value * 1e6) / 1e6;

/**
 * What a chart shows, in a data attribute: its first day, the last day of its last period, the number of periods,
 * their unit and each series' total. Screen readers get ECharts' own description; tests and curious people can
 * read exactly which numbers are drawn.
 */
function summary(option, unit) {
  const { periods } = option;
  const total = (data) => (data.every((v) => v === null) ? null : round6(data.reduce((t, v) => t + (v ?? 0), 0)));
  const totals = Object.fromEntries(option.series.map((s) => [s.name, total(s.data)]));
  const partial = option.series[0]?.markLine?.data[0].xAxis ?? null;
  const last = periods.at(-1);
  return JSON.stringify({ from: periods[0]?.date ?? null, to: last ? (last.end_date ?? last.date) : null, periods: periods.length, unit, partial, totals });
}

/**
 * Today's counts are still growing: a dashed line labelled "today, partial" on the period that holds today keeps
 * a low last point from reading as a drop. Drawn on the first series only, so it appears once per chart.
 */
function markPartialPeriod(option, today) {
  const period = today && option.periods.find((p) => p.date <= today && today <= (p.end_date ?? p.date));
  if (!period || option.series.length === 0) return;
  option.series[0].markLine = {
    silent: true,
    symbol: 'none',
    lineStyle: { type: 'dashed', color: '#6b7280', width: 1 },
    label: { formatter: 'today, partial', position: 'insideEndTop', color: '#4b5563' },
    data: [{ xAxis: period.date }],
  };
}

const instances = new Map();

/**
 * Draws every chart from `context`: the merged periods (`days`), the tool and cost series, in periods of `unit`;
 * `today` is the company's current day when the range includes it (its counts are partial), else null.
 */
export function renderCharts(context, today) {
  const { unit } = context;
  for (const definition of chartDefinitions) {
    const element = document.getElementById(definition.id);
    document.getElementById(`${definition.id}-title`).textContent = definition.title(unit);
    let chart = instances.get(definition.id);
    if (!chart) {
      chart = echarts.init(element, null, { renderer: 'canvas' });
      instances.set(definition.id, chart);
    }
    const option = definition.build(context);
    markPartialPeriod(option, today);
    option.series.forEach((series, index) => {
      const color = series.itemStyle?.color ?? palette[index % palette.length];
      series.itemStyle = { ...series.itemStyle, color };
      if (series.type === 'line') series.lineStyle = { ...series.lineStyle, color };
    });
    const { periods: _, ...drawn } = option;
    chart.setOption(drawn, { notMerge: true });
    element.dataset.summary = summary(option, unit);
    element.dataset.hidden = '[]';
    renderLegend(document.getElementById(`${definition.id}-legend`), chart, option.series);
  }
}

/** One toggle button per series; ECharts' legend state stays the truth (the buttons follow its events). */
function renderLegend(legend, chart, series) {
  legend.replaceChildren(...series.map((s) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'legend-item';
    button.dataset.series = s.name;
    button.setAttribute('aria-pressed', 'true');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = s.itemStyle.color;
    button.append(swatch, s.name);
    button.addEventListener('click', () => chart.dispatchAction({ type: 'legendToggleSelect', name: s.name }));
    return button;
  }));
  chart.off('legendselectchanged');
  chart.on('legendselectchanged', ({ selected }) => {
    for (const button of legend.children) button.setAttribute('aria-pressed', String(selected[button.dataset.series] !== false));
    chart.getDom().dataset.hidden = JSON.stringify(Object.keys(selected).filter((name) => !selected[name]));
  });
}

/** Empties every chart, its legend and its summary: nothing drawn is better than another range's days. */
export function clearCharts() {
  for (const [id, chart] of instances) {
    chart.clear();
    delete chart.getDom().dataset.summary;
    document.getElementById(`${id}-legend`).replaceChildren();
  }
}

export function resizeCharts() {
  for (const chart of instances.values()) chart.resize();
}
