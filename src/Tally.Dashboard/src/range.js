// Date ranges as the API takes them: inclusive YYYY-MM-DD days in the company's time zone.

export const presets = [
  { id: 'last-7-days', label: 'Last 7 days' },
  { id: 'last-30-days', label: 'Last 30 days' },
  { id: 'last-90-days', label: 'Last 90 days' },
  { id: 'this-month', label: 'This month' },
  { id: 'previous-month', label: 'Previous month' },
];

export const defaultPreset = 'last-30-days';

/** The API's periods (analytics.md): a dated report answers one element per day, ISO week or calendar month. */
export const granularities = [
  { id: 'day', label: 'By day', adjective: 'daily' },
  { id: 'week', label: 'By week', adjective: 'weekly' },
  { id: 'month', label: 'By month', adjective: 'monthly' },
];

export const defaultGranularity = 'day';

const dayPattern = /^\d{4}-\d{2}-\d{2}$/;

export function isDay(text) {
  return typeof text === 'string' && dayPattern.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`));
}

/** Today in an IANA time zone, as the server counts that company's days. */
export function todayIn(timeZone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

export function addDays(day, count) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + count);
  return date.toISOString().slice(0, 10);
}

export function daysBetween(from, to) {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

/** The days a preset covers, ending on the company's today. */
export function resolvePreset(preset, today) {
  const monthStart = `${today.slice(0, 8)}01`;
  switch (preset) {
    case 'last-7-days': return { from: addDays(today, -6), to: today };
    case 'last-90-days': return { from: addDays(today, -89), to: today };
    case 'this-month': return { from: monthStart, to: today };
    case 'previous-month': {
      const to = addDays(monthStart, -1);
      return { from: `${to.slice(0, 8)}01`, to };
    }
    default: return { from: addDays(today, -29), to: today };
  }
}

/** The period of the same length that ends the day before `from`: what every tile compares against. */
export function previousPeriod({ from, to }) {
  const length = daysBetween(from, to);
  return { from: addDays(from, -length), to: addDays(from, -1) };
}

/** The view a URL hash names: company id, a preset or a custom from/to, and the period. The key is never part of it. */
export function readHash(hash) {
  const parameters = new URLSearchParams(hash.replace(/^#/, ''));
  const company = Number.parseInt(parameters.get('company') ?? '', 10);
  const from = parameters.get('from');
  const to = parameters.get('to');
  const custom = isDay(from) && isDay(to) && from <= to ? { from, to } : null;
  const preset = presets.some((p) => p.id === parameters.get('range')) ? parameters.get('range') : defaultPreset;
  const granularity = granularities.some((g) => g.id === parameters.get('granularity')) ? parameters.get('granularity') : defaultGranularity;
  return { company: Number.isSafeInteger(company) && company > 0 ? company : null, preset: custom ? 'custom' : preset, custom, granularity };
}

export function writeHash({ company, preset, custom, granularity }) {
  const parameters = new URLSearchParams();
  if (company) parameters.set('company', String(company));
  if (preset === 'custom' && custom) {
    parameters.set('from', custom.from);
    parameters.set('to', custom.to);
  } else {
    parameters.set('range', preset);
  }
  // Days are the default: a link made before periods existed, and one made by day now, are the same link.
  if (granularity && granularity !== defaultGranularity) parameters.set('granularity', granularity);
  return `#${parameters.toString()}`;
}
