// Table bodies filled from the API's rows, with the page's number formats: the one way every table of the page is drawn.

export const numbers = new Intl.NumberFormat('en-US');
// Costs to the API's 6 decimals: a chargeback figure must read as the API's.
export const costs = new Intl.NumberFormat('en', { maximumFractionDigits: 6 });

/** A cell is right-aligned when its column's header is: a cost or "No price" lines up with the numbers above it. */
function cells(row, values, numeric) {
  values.forEach((value, index) => {
    const cell = row.insertCell();
    if (numeric[index]) cell.className = 'number';
    cell.textContent = typeof value === 'number' ? numbers.format(value) : value ?? '—';
  });
}

export function fillTable(table, rows, toCells, emptyText) {
  const body = table.tBodies[0];
  body.replaceChildren();
  if (rows.length === 0) {
    const cell = body.insertRow().insertCell();
    cell.colSpan = table.tHead.rows[0].cells.length;
    cell.className = 'empty';
    cell.textContent = emptyText;
    return;
  }
  const numeric = [...table.tHead.rows[0].cells].map((th) => th.classList.contains('number'));
  for (const row of rows) cells(body.insertRow(), toCells(row), numeric);
}

/** An API timestamp (UTC) as the tables show it. */
export const timestamp = (value) => (value ? value.replace('T', ' ').replace('Z', '') : null);
