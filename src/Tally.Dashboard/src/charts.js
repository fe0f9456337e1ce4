// The charts: ECharts line and bar charts with hover values (axis tooltip) and legends that toggle series.
// The legend is HTML buttons rather than ECharts' canvas legend, so it works with a keyboard and a screen reader.
// 'echarts' is the library's own whole ES module (index.html's import map): every chart type and component is
// registered already.
import * as echarts from 'echarts';
import { answersOf, groundedOf, percent, questionsOf, sessionsOf } from './daily.js';

// Colours chosen for contrast on white and for telling series apart without relying on hue alone (line styles differ too).
const palette = ['#1f5fbf', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490', '#a16207', '#4b5563'];

const round1 = (value) => (value === null ? null : Math.round(value * 10) / 10);

function baseOption(dates, series, { yName, percentAxis = false, secondAxis = null } = {}) {
  const yAxis = [{
    type: 'value', name: yName, minInterval: percentAxis ? 0 : 1, max: percentAxis ? 100 : null,
    axisLabel: { formatter: percentAxis ? '{value} %' : '{value}' },
  }];
  if (secondAxis) yAxis.push({ type: 'value', name: secondAxis, max: 100, axisLabel: { formatter: '{value} %' }, splitLine: { show: false } });
  return {
    color: palette,
    aria: { enabled: true },
    animation: false,
    tooltip: { trigger: 'axis', confine: true, valueFormatter: (v) => (v === null || v === undefined ? '—' : String(v)) },
    legend: { show: false },
    grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: dates, axisLabel: { formatter: (d) => d.slice(5) } },
    yAxis,
    series,
  };
}

const line = (name, data, extra = {}) => ({ name, type: 'line', data, showSymbol: data.length <= 31, connectNulls: false, ...extra });
const bar = (name, data, extra = {}) => ({ name, type: 'bar', data, ...extra });

/** Each chart: its element id, title, and how its option is built from the merged days and the tool series. */
export const chartDefinitions = [
  {
    id: 'chart-activity',
    title: 'Sessions, questions and answers per day',
    build: (days) => baseOption(days.map((d) => d.date), [
      line('Sessions', days.map(sessionsOf)),
      line('Questions', days.map(questionsOf), { lineStyle: { type: 'dashed' } }),
      line('Answers', days.map(answersOf), { lineStyle: { type: 'dotted' } }),
    ], { yName: 'per day' }),
  },
  {
    id: 'chart-grounding',
    title: 'Answers grounded in documents',
    build: (days) => baseOption(days.map((d) => d.date), [
      line('Grounding rate', days.map((d) => round1(percent(groundedOf(d), answersOf(d)))), { areaStyle: { opacity: 0.12 } }),
    ], { yName: '% of answers', percentAxis: true }),
  },
  {
    id: 'chart-active-users',
    title: 'Daily, weekly and monthly active users',
    build: (days) => baseOption(days.map((d) => d.date), [
      line('DAU', days.map((d) => d.active_users_count)),
      line('WAU', days.map((d) => d.weekly_active_users_count), { lineStyle: { type: 'dashed' } }),
      line('MAU', days.map((d) => d.monthly_active_users_count), { lineStyle: { type: 'dotted' } }),
    ], { yName: 'users' }),
  },
  {
    id: 'chart-feedback',
    title: 'Likes, dislikes and satisfaction',
    build: (days) => baseOption(days.map((d) => d.date), [
      bar('Likes', days.map((d) => d.likes_count), { stack: 'ratings', itemStyle: { color: '#15803d' } }),
      bar('Dislikes', days.map((d) => d.dislikes_count), { stack: 'ratings', itemStyle: { color: '#b91c1c' } }),
      line('Satisfaction', days.map((d) => round1(percent(d.likes_count, d.likes_count + d.dislikes_count))),
        { yAxisIndex: 1, itemStyle: { color: '#1f5fbf' } }),
    ], { yName: 'ratings', secondAxis: 'likes share' }),
  },
  {
    id: 'chart-tools',
    title: 'Tool calls by tool',
    build: (_days, tools) => baseOption(tools.dates, tools.series.map((s) => bar(s.name, s.data, { stack: 'tools' })), { yName: 'calls' }),
  },
  {
    id: 'chart-modes',
    title: 'Chat vs agent',
    build: (days) => baseOption(days.map((d) => d.date), [
      bar('Chat questions', days.map((d) => d.chat_user_queries_count), { stack: 'questions' }),
      bar('Agent questions', days.map((d) => d.agent_user_queries_count), { stack: 'questions' }),
      line('Chat sessions', days.map((d) => d.chat_sessions_count)),
      line('Agent threads', days.map((d) => d.agent_threads_count), { lineStyle: { type: 'dashed' } }),
    ], { yName: 'per day' }),
  },
];

/**
 * What a chart shows, in a data attribute: its first and last day and each series' total. Screen readers get
 * ECharts' own description; tests and curious people can read exactly which numbers are drawn.
 */
function summary(option) {
  const dates = option.xAxis.data;
  const totals = Object.fromEntries(option.series.map((s) => [s.name, round1(s.data.reduce((t, v) => t + (v ?? 0), 0))]));
  const partial = option.series[0]?.markLine?.data[0].xAxis ?? null;
  return JSON.stringify({ from: dates[0] ?? null, to: dates.at(-1) ?? null, days: dates.length, partial, totals });
}

/**
 * Today's counts are still growing: a dashed line labelled "today, partial" on its day keeps a low last point
 * from reading as a drop. Drawn on the first series only, so it appears once per chart.
 */
function markPartialDay(option, today) {
  if (!today || !option.xAxis.data.includes(today) || option.series.length === 0) return;
  option.series[0].markLine = {
    silent: true,
    symbol: 'none',
    lineStyle: { type: 'dashed', color: '#6b7280', width: 1 },
    label: { formatter: 'today, partial', position: 'insideEndTop', color: '#4b5563' },
    data: [{ xAxis: today }],
  };
}

const instances = new Map();

/** Draws every chart; `today` is the company's current day when the range includes it (its counts are partial), else null. */
export function renderCharts(days, tools, today) {
  for (const definition of chartDefinitions) {
    const element = document.getElementById(definition.id);
    let chart = instances.get(definition.id);
    if (!chart) {
      chart = echarts.init(element, null, { renderer: 'canvas' });
      instances.set(definition.id, chart);
    }
    const option = definition.build(days, tools);
    markPartialDay(option, today);
    option.series.forEach((series, index) => {
      const color = series.itemStyle?.color ?? palette[index % palette.length];
      series.itemStyle = { ...series.itemStyle, color };
      if (series.type === 'line') series.lineStyle = { ...series.lineStyle, color };
    });
    chart.setOption(option, { notMerge: true });
    element.dataset.summary = summary(option);
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
