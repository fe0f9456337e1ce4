// The dashboard page: signs in with an API key kept in sessionStorage, reads the public reporting API for one
// company, one range and one period unit (all in the URL hash), and draws tiles, charts and tables from what it answers.
import { ApiError, UnreachableError, getReport } from './api.js';
import { chartDefinitions, clearCharts, renderCharts, resizeCharts } from './charts.js';
import { download, toCsv } from './csv.js';
import { dailyColumns, documentTotals, mergeDays, periodColumns, tileNumbers, toolSeries, toolTotals } from './daily.js';
import { daysBetween, granularities, isDay, presets, previousPeriod, readHash, resolvePreset, todayIn, writeHash } from './range.js';
import { costSeries, costTile, modelRows, modelTotals, renderModels } from './models.js';
import { renderSatisfaction } from './satisfaction.js';
import { fillTable, timestamp } from './tables.js';
import { renderTiles } from './tiles.js';
import { renderUsers, userHeader, users as userTable, visibleUsers } from './users.js';

const keyStorage = 'tally.apiKey';
// Weekly and monthly active users count days before the range, so they say nothing about the range itself.
const happenedInRange = new Set(dailyColumns.filter((c) => c !== 'date' && !c.startsWith('weekly_') && !c.startsWith('monthly_')));
const connectionsPageSize = 25;
// The API's largest page (reports.md): an export of every connection in the range takes as few requests as it can.
const connectionsExportPageSize = 1000;
const $ = (id) => document.getElementById(id);

const state = {
  key: null,
  companies: [],
  // Incremented by every load; an answer that arrives for an older load is dropped.
  loading: 0,
  view: null,
  data: null,
  documents: [],
  tools: [],
  connections: { cursors: [null], index: 0, next: null, rows: [] },
};

// ---- Sign-in -------------------------------------------------------------------------------------------------

function showSignIn(message) {
  state.key = null;
  sessionStorage.removeItem(keyStorage);
  $('dashboard').hidden = true;
  $('sign-out').hidden = true;
  $('company-name').hidden = true;
  $('company-picker-label').hidden = true;
  $('sign-in').hidden = false;
  showMessage($('sign-in-error'), message);
  $('api-key').value = '';
  $('api-key').focus();
}

function signInMessage(error) {
  if (error instanceof UnreachableError) return `Cannot reach the Tally server at ${window.location.origin}. Check that it is running, then try again.`;
  if (error instanceof ApiError && error.status === 401) return `This API key was not accepted (${error.detail}). Check that you pasted the whole key and that it has not been revoked.`;
  if (error instanceof ApiError && error.status === 403) return 'This key may not read reports: sign in with an instance-admin or a company-admin key (an ingest key only sends events).';
  if (error instanceof ApiError && error.status === 429) return 'Too many attempts from this address: wait a few seconds and try again.';
  return `Signing in failed: ${error.message}`;
}

/**
 * The companies this key may see, from the same public report every caller uses: without company_id it has one
 * element per company for an instance admin, and the caller's own company for a company admin.
 */
async function readCompanies(key) {
  const users = await getReport(key, 'users', { start_date: todayIn('UTC') });
  return users.reporting.map((r) => ({ ...r.company, members: r.total_historical_members }));
}

async function signIn(key) {
  $('sign-in-button').disabled = true;
  try {
    state.companies = await readCompanies(key);
  } catch (error) {
    showSignIn(signInMessage(error));
    return;
  } finally {
    $('sign-in-button').disabled = false;
  }
  state.key = key;
  sessionStorage.setItem(keyStorage, key);
  enterDashboard();
}

function enterDashboard() {
  $('sign-in').hidden = true;
  $('sign-out').hidden = false;
  $('dashboard').hidden = false;
  const picker = $('company-picker');
  picker.replaceChildren(...state.companies.map((c) => new Option(`${c.name} (#${c.id})`, String(c.id))));
  // Only an instance admin sees more than one company; a company admin sees its own name and nothing to pick.
  $('company-picker-label').hidden = state.companies.length < 2;
  $('company-name').hidden = state.companies.length !== 1;
  if (state.companies.length === 0) {
    setStatus('empty', 'No company exists yet. Companies appear as soon as the platform sends their first events (or an instance admin creates them).');
    return;
  }
  load();
}

// ---- The view: company and range, from the URL hash -------------------------------------------------------

function currentView() {
  const wanted = readHash(window.location.hash);
  const company = state.companies.find((c) => c.id === wanted.company) ?? state.companies[0];
  const range = wanted.custom ?? resolvePreset(wanted.preset, todayIn(company.timezone ?? 'UTC'));
  const view = { company, preset: wanted.preset, custom: wanted.custom, granularity: wanted.granularity, range, previous: previousPeriod(range) };
  const canonical = writeHash({ company: company.id, preset: view.preset, custom: view.custom, granularity: view.granularity });
  if (canonical !== window.location.hash) window.history.replaceState(null, '', canonical);
  return view;
}

function navigate(changes) {
  const view = readHash(window.location.hash);
  window.location.hash = writeHash({ ...view, company: view.company ?? state.view?.company.id, ...changes });
}

function showView(view) {
  $('company-picker').value = String(view.company.id);
  $('company-name').textContent = view.company.name;
  $('range-preset').value = view.preset;
  $('range-from').value = view.range.from;
  $('range-to').value = view.range.to;
  $('granularity').value = view.granularity;
  const length = daysBetween(view.range.from, view.range.to);
  const partial = partialDay(view) ? '; today is not over yet' : '';
  const by = view.granularity === 'day' ? '' : `, by ${view.granularity}`;
  $('range-label').textContent = `${view.range.from} to ${view.range.to} (${length} day${length === 1 ? '' : 's'}, ${view.company.timezone ?? 'UTC'}${partial})${by}, compared with ${view.previous.from} to ${view.previous.to}`;
  const { adjective } = granularities.find((g) => g.id === view.granularity);
  $('merged-title').textContent = `${adjective[0].toUpperCase()}${adjective.slice(1)} table`;
  $('merged-export').textContent = `Export ${adjective} CSV`;
}

/** The company's today when the range includes it: the one day whose counts are still growing. */
function partialDay(view) {
  const today = todayIn(view.company.timezone ?? 'UTC');
  return view.range.from <= today && today <= view.range.to ? today : null;
}

// ---- Loading -------------------------------------------------------------------------------------------------

async function load() {
  const view = currentView();
  state.view = view;
  showView(view);
  const ticket = ++state.loading;
  delete $('dashboard').dataset.loaded;
  setStatus('loading', 'Loading…');
  // Every dated report is read in the chosen periods; the tiles sum them, which gives the range's numbers in any unit.
  const scope = { company_id: view.company.id, start_date: view.range.from, end_date: view.range.to, granularity: view.granularity };
  const before = { company_id: view.company.id, start_date: view.previous.from, end_date: view.previous.to, granularity: view.granularity };
  const report = (name, parameters) => getReport(state.key, name, parameters);
  // The range as one period, for what is not a sum of periods (the cost, rounded once; a model's users and latencies;
  // a rating's models, tools and documents) and for the documents, listed once each rather than once a day.
  const whole = (parameters) => ({ ...parameters, granularity: 'total' });
  try {
    const [sessions, feedback, tools, documents, activities, members, models, modelsTotal, satisfaction,
      previousSessions, previousFeedback, previousTools, previousActivities, previousModelsTotal] = await Promise.all([
      report('chat-sessions', scope), report('chats-feedback', scope), report('tools', scope), report('used-documents', whole(scope)),
      report('user-activities', scope), report('users', { company_id: view.company.id, start_date: view.range.from }),
      report('models', scope), report('models', whole(scope)), report('satisfaction', whole(scope)),
      report('chat-sessions', before), report('chats-feedback', before), report('tools', before), report('user-activities', before),
      report('models', whole(before)),
    ]);
    if (ticket !== state.loading) return;
    const days = mergeDays({ sessions, feedback, tools, activities });
    const previousDays = mergeDays({ sessions: previousSessions, feedback: previousFeedback, tools: previousTools, activities: previousActivities });
    const users = activities.reporting[0]?.users ?? [];
    state.data = { view, days, tools, documents, users, models: modelRows(modelsTotal) };
    const totals = modelTotals(modelsTotal);
    renderTiles({ ...tileNumbers(days, users.length), cost: costTile(totals) },
      { ...tileNumbers(previousDays, previousActivities.reporting[0]?.users.length ?? 0), cost: costTile(modelTotals(previousModelsTotal)) },
      daysBetween(view.range.from, view.range.to));
    renderCharts({ days, tools: toolSeries(tools), cost: costSeries(models, totals), unit: view.granularity }, partialDay(view));
    renderModels(totals);
    renderSatisfaction(satisfaction);
    renderDocuments(documentTotals(documents));
    renderTools(toolTotals(tools));
    userTable.rows = users;
    renderUsers();
    state.connections = { cursors: [null], index: 0, next: null, rows: [] };
    await loadConnections(ticket);
    if (ticket !== state.loading) return;
    const memberCount = members.reporting[0]?.total_historical_members ?? 0;
    if (memberCount === 0) {
      setStatus('empty', `${view.company.name} has no data yet: the platform has not sent any event for this company. Its numbers appear here as soon as it does.`);
    } else if (users.length === 0 && days.every((d) => dailyColumns.every((c) => !happenedInRange.has(c) || d[c] === 0))) {
      setStatus('empty', `Nothing happened at ${view.company.name} from ${view.range.from} to ${view.range.to}: no sign-in, question, tool call or feedback. Try a longer or an earlier range.`);
    } else {
      setStatus(null);
    }
    markLoaded(view);
  } catch (error) {
    if (ticket !== state.loading) return;
    clearNumbers();
    failed(error);
  }
}

/**
 * After a failed load the label already names the new range: the previous range's numbers go, so none is ever
 * read as the new range's. Tiles show a dash, tables and charts are emptied, exports wait for the next load.
 */
function clearNumbers() {
  state.data = null;
  for (const tile of document.querySelectorAll('.tile')) {
    for (const attribute of ['value', 'previous', 'part', 'whole', 'currency']) delete tile.dataset[attribute];
    tile.querySelector('.value').textContent = '—';
    tile.querySelector('.change').textContent = '';
    delete tile.querySelector('.change').dataset.direction;
  }
  clearCharts();
  for (const table of document.querySelectorAll('#dashboard table')) fillTable(table, [], null, 'Not loaded: the last refresh failed.');
  for (const note of document.querySelectorAll('#users-count, .lists .note')) note.textContent = '';
  $('connections-page').textContent = '';
  $('connections-older').disabled = true;
  $('connections-newer').disabled = true;
  for (const button of document.querySelectorAll('[data-export]')) button.disabled = true;
}

/** What is on screen, for people who script the page (and its tests): company, range, and when it became ready. */
function markLoaded(view) {
  const dashboard = $('dashboard');
  for (const button of document.querySelectorAll('[data-export]')) button.disabled = false;
  dashboard.dataset.loaded = `${view.company.id}|${view.range.from}|${view.range.to}|${view.granularity}`;
  dashboard.dataset.readyAfterMs ??= String(Math.round(performance.now()));
}

function failed(error) {
  if (error instanceof ApiError && error.status === 401) {
    showSignIn(`Your key is no longer accepted (${error.detail}). Sign in again.`);
  } else if (error instanceof UnreachableError) {
    setStatus('error', `Cannot reach the Tally server at ${window.location.origin}. Check that it is running, then retry.`, true);
  } else {
    setStatus('error', `The server answered with an error: ${error.message}`, true);
  }
}

function setStatus(kind, text, retry = false) {
  const status = $('status');
  document.body.setAttribute('aria-busy', String(kind === 'loading'));
  $('dashboard').classList.toggle('is-loading', kind === 'loading');
  status.className = `message ${kind ?? ''}`;
  status.dataset.kind = kind ?? '';
  $('dashboard').dataset.state = kind === 'loading' || kind === 'error' ? kind : 'ready';
  status.hidden = kind === null;
  status.replaceChildren(text ?? '');
  if (retry) {
    const button = document.createElement('button');
    button.type = 'button';
    button.id = 'retry';
    button.textContent = 'Retry';
    button.addEventListener('click', load);
    status.append(' ', button);
  }
}

function showMessage(element, text) {
  element.hidden = !text;
  element.textContent = text ?? '';
}

function renderDocuments(documents) {
  state.documents = documents;
  fillTable($('documents-table'), documents.slice(0, 10), (d) => [d.document_title ?? d.document_filename, d.document_filename, d.usage_count],
    'No answer used a document in this range.');
}

function renderTools(tools) {
  state.tools = tools;
  fillTable($('tools-table'), tools, (t) => [t.tool_name, t.tool_type, t.usage_count, t.errors_count, `${t.error_rate_percent.toFixed(1)} %`],
    'No tool was called in this range.');
}


async function loadConnections(ticket = state.loading) {
  const view = state.view;
  const page = state.connections;
  $('connections-older').disabled = true;
  $('connections-newer').disabled = true;
  const answer = await getReport(state.key, 'connections', {
    company_id: view.company.id, start_date: view.range.from, end_date: view.range.to, limit: connectionsPageSize,
    cursor: page.cursors[page.index],
  });
  if (ticket !== state.loading) return;
  const company = answer.reporting[0];
  page.rows = company?.connections ?? [];
  page.next = company?.next ?? null;
  fillTable($('connections-table'), page.rows, (c) => [timestamp(c.timestamp), c.user_name ?? `#${c.user_id}`, c.auth_method, c.ip, c.user_agent],
    'Nobody signed in during this range.');
  $('connections-page').textContent = `Page ${page.index + 1}`;
  $('connections-older').disabled = page.next === null;
  $('connections-newer').disabled = page.index === 0;
}

async function turnConnectionsPage(step) {
  const page = state.connections;
  if (step > 0) {
    if (!page.next) return;
    page.cursors[page.index + 1] = page.next;
  }
  page.index = Math.max(0, page.index + step);
  try {
    await loadConnections();
  } catch (error) {
    failed(error);
  }
}

// ---- Export --------------------------------------------------------------------------------------------------

/** Every connection in the range, newest first, following the report's cursor to the last page. */
async function allConnections(view) {
  const rows = [];
  let cursor = null;
  do {
    const answer = await getReport(state.key, 'connections', {
      company_id: view.company.id, start_date: view.range.from, end_date: view.range.to, limit: connectionsExportPageSize, cursor,
    });
    const company = answer.reporting[0];
    rows.push(...(company?.connections ?? []));
    cursor = company?.next ?? null;
  } while (cursor);
  return rows;
}

async function exportTable(name) {
  const button = document.querySelector(`[data-export='${name}']`);
  button.disabled = true;
  try {
    const connections = name === 'connections' ? await allConnections(state.data.view) : [];
    writeExport(name, connections);
  } catch (error) {
    failed(error);
  } finally {
    button.disabled = false;
  }
}

function writeExport(name, connections) {
  const { view, days } = state.data;
  const company = { company_id: view.company.id, company_name: view.company.name };
  const withCompany = (rows) => rows.map((row) => ({ ...company, ...row }));
  const tables = {
    documents: [['company_id', 'company_name', 'document_id', 'document_filename', 'document_title', 'usage_count'], state.documents],
    tools: [['company_id', 'company_name', 'tool_name', 'tool_type', 'usage_count', 'errors_count', 'error_rate_percent'], state.tools],
    // The same columns as the API's user-activities?table=users&format=csv; the rows the table shows, in its order.
    users: [['company_id', 'company_name', 'user_id', 'user_name', 'active_days_count', 'sessions_count', 'user_queries_count',
      'feedbacks_count', 'tool_calls_count', 'first_activity_date', 'last_activity_date', 'last_connection',
      'input_tokens', 'output_tokens', 'cost'], visibleUsers()],
    // The API's models CSV for the range as one period (granularity=total): the numbers of the table on screen.
    models: [['company_id', 'company_name', 'date', 'end_date', 'model', 'responses_count', 'responses_with_docs_count', 'users_count',
      'input_tokens', 'output_tokens', 'responses_with_usage_count', 'latency_ms_p50', 'latency_ms_p95', 'cost'], state.data.models],
    // Every connection in the range, not only the page on screen.
    connections: [['company_id', 'company_name', 'user_id', 'user_name', 'timestamp', 'ip', 'user_agent', 'auth_method'], connections],
    // end_date follows date for a week or a month, as in the API's CSV.
    daily: [['company_id', 'company_name', ...periodColumns(view.granularity)], days],
  };
  const [columns, rows] = tables[name];
  const file = name === 'daily' ? granularities.find((g) => g.id === view.granularity).adjective : name;
  download(`tally-${view.company.id}-${file}-${view.range.from}-to-${view.range.to}.csv`, toCsv(columns, withCompany(rows)));
}

// ---- Wiring --------------------------------------------------------------------------------------------------

function buildCharts() {
  $('charts').replaceChildren(...chartDefinitions.map((definition) => {
    const card = document.createElement('article');
    card.className = 'card';
    const title = document.createElement('h3');
    title.id = `${definition.id}-title`;
    title.textContent = definition.title('day');
    const chart = document.createElement('div');
    chart.className = 'chart';
    chart.id = definition.id;
    chart.setAttribute('aria-labelledby', title.id);
    const legend = document.createElement('div');
    legend.className = 'legend';
    legend.id = `${definition.id}-legend`;
    legend.setAttribute('role', 'group');
    legend.setAttribute('aria-label', `${definition.title('day')}: series shown`);
    card.append(title, legend, chart);
    return card;
  }));
}

function wire() {
  $('range-preset').replaceChildren(...presets.map((p) => new Option(p.label, p.id)), new Option('Custom range', 'custom'));
  $('granularity').replaceChildren(...granularities.map((g) => new Option(g.label, g.id)));
  buildCharts();
  userHeader();
  $('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = $('api-key').value.trim();
    if (key) signIn(key);
  });
  $('sign-out').addEventListener('click', () => showSignIn(null));
  $('company-picker').addEventListener('change', (event) => navigate({ company: Number(event.target.value) }));
  $('range-preset').addEventListener('change', (event) => {
    if (event.target.value === 'custom') {
      $('range-from').focus();
      return;
    }
    navigate({ preset: event.target.value, custom: null });
  });
  $('granularity').addEventListener('change', (event) => navigate({ granularity: event.target.value }));
  $('range-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const from = $('range-from').value;
    const to = $('range-to').value;
    if (isDay(from) && isDay(to) && from <= to) navigate({ preset: 'custom', custom: { from, to } });
    else setStatus('error', 'Choose a start day on or before the end day.');
  });
  $('users-search').addEventListener('input', (event) => {
    userTable.query = event.target.value;
    renderUsers();
  });
  $('connections-older').addEventListener('click', () => turnConnectionsPage(1));
  $('connections-newer').addEventListener('click', () => turnConnectionsPage(-1));
  for (const button of document.querySelectorAll('[data-export]')) button.addEventListener('click', () => exportTable(button.dataset.export));
  window.addEventListener('hashchange', () => state.key && state.companies.length > 0 && load());
  let resizing;
  window.addEventListener('resize', () => {
    clearTimeout(resizing);
    resizing = setTimeout(resizeCharts, 100);
  });
}

wire();
const savedKey = sessionStorage.getItem(keyStorage);
if (savedKey) signIn(savedKey);
else showSignIn(null);
