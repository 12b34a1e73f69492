// The values of up to two streams (user A and user B) and their display: a table with one column
// per user or a tree by object. Keys of the last update are marked `updated`, `null`s are kept as
// struck-through `removed` rows, and with two users every row says who sees it.

export const SIDES = ["a", "b"];

/** Sort keys by collection, numeric id, field. */
export function compareKeys(x, y) {
  const [cx, ix, fx] = x.split("/");
  const [cy, iy, fy] = y.split("/");
  return cx.localeCompare(cy) || Number(ix) - Number(iy) || fx.localeCompare(fy);
}

/** JSON with a space after each comma and colon, so long lists wrap between their items. */
export function show(value) {
  if (value === undefined) return "";
  if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
  if (value && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}: ${show(item)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(value);
}

export class Values {
  constructor() {
    this.clear();
  }

  clear() {
    this.values = { a: new Map(), b: new Map() }; // key → last value (also of removed keys)
    this.removed = { a: new Set(), b: new Set() };
    this.updated = { a: new Set(), b: new Set() };
    this.requested = []; // keys named in k= (shown even when nobody sees them)
    this.compare = false;
  }

  /** Apply one message of a side; returns the number of keys it changed. */
  apply(side, message, first) {
    this.updated[side] = new Set(Object.keys(message));
    for (const [key, value] of Object.entries(message)) {
      if (value === null) {
        if (this.values[side].has(key)) this.removed[side].add(key);
        else this.updated[side].delete(key);
      } else {
        this.values[side].set(key, value);
        this.removed[side].delete(key);
      }
    }
    if (first) this.updated[side].clear();
    return Object.keys(message).length;
  }

  sees(side, key) {
    return this.values[side].has(key) && !this.removed[side].has(key);
  }

  keys() {
    const all = new Set([...this.values.a.keys(), ...this.values.b.keys(), ...this.requested]);
    return [...all].sort(compareKeys);
  }

  /** "both", "only-a", "only-b", "differ" or "none" for a key. */
  relation(key) {
    const a = this.sees("a", key);
    const b = this.sees("b", key);
    if (a && b) return show(this.values.a.get(key)) === show(this.values.b.get(key)) ? "both" : "differ";
    return a ? "only-a" : b ? "only-b" : "none";
  }

  summary() {
    const counts = { both: 0, "only-a": 0, "only-b": 0, differ: 0, none: 0 };
    for (const key of this.keys()) counts[this.relation(key)] += 1;
    return counts;
  }
}

function cell(values, side, key) {
  const td = document.createElement("td");
  td.className = `value value-${side}`;
  if (values.values[side].has(key)) {
    const text = document.createElement("div");
    text.textContent = show(values.values[side].get(key));
    td.append(text);
    if (values.removed[side].has(key)) td.classList.add("removed");
  } else {
    td.textContent = "not visible";
    td.classList.add("absent");
  }
  if (values.updated[side].has(key)) td.classList.add("updated");
  return td;
}

function row(values, key) {
  const tr = document.createElement("tr");
  tr.dataset.key = key;
  const name = document.createElement("td");
  name.className = "key";
  name.textContent = key;
  name.title = "why (not) visible? (explain)";
  tr.append(name, cell(values, "a", key));
  if (values.compare) tr.append(cell(values, "b", key));
  if (values.compare) tr.classList.add(values.relation(key));
  else if (!values.sees("a", key) && !values.removed.a.has(key)) tr.classList.add("none");
  if (SIDES.some((side) => values.updated[side].has(key))) tr.classList.add("updated");
  if (SIDES.some((side) => values.removed[side].has(key))) tr.classList.add("removed");
  return tr;
}

/** Rows drawn at most: a delegate's meeting request has tens of thousands of keys. */
export const limits = { rows: 2000 };

/** The keys matching `filter` (text in the key, and a compare relation or "all"), sorted. */
function matching(values, filter) {
  return values.keys().filter(
    (key) => (!filter.text || key.includes(filter.text)) && (filter.relation === "all" || values.relation(key) === filter.relation),
  );
}

function more(count) {
  const note = document.createElement("p");
  note.className = "more hint";
  note.textContent = count > 0 ? `${count} more keys not drawn: filter the keys to see them` : "";
  return note;
}

/** Render the table: one row per matching key, at most limits.rows. */
export function renderTable(table, values, filter, labels) {
  const head = document.createElement("tr");
  for (const title of ["key", labels.a, ...(values.compare ? [labels.b] : [])]) {
    const th = document.createElement("th");
    th.textContent = title;
    head.append(th);
  }
  const body = document.createElement("tbody");
  const keys = matching(values, filter);
  for (const key of keys.slice(0, limits.rows)) body.append(row(values, key));
  const thead = document.createElement("thead");
  thead.append(head);
  table.replaceChildren(thead, body);
  return more(keys.length - limits.rows);
}

/** Render the tree: collection → object → fields, with the same row markers and limit. */
export function renderTree(root, values, filter) {
  const objects = new Map();
  const keys = matching(values, filter);
  for (const key of keys.slice(0, limits.rows)) {
    const fqid = key.slice(0, key.lastIndexOf("/"));
    if (!objects.has(fqid)) objects.set(fqid, []);
    objects.get(fqid).push(key);
  }
  const collections = new Map();
  for (const [fqid, keys] of objects) {
    const collection = fqid.split("/")[0];
    if (!collections.has(collection)) {
      const details = document.createElement("details");
      details.open = true;
      details.innerHTML = `<summary class="collection"></summary>`;
      details.firstChild.textContent = collection;
      collections.set(collection, details);
    }
    const object = document.createElement("details");
    object.open = true;
    object.innerHTML = `<summary class="object"></summary><table class="fields"></table>`;
    object.firstChild.textContent = fqid;
    const table = object.lastChild;
    for (const key of keys) {
      const tr = row(values, key);
      tr.firstChild.textContent = key.slice(fqid.length + 1);
      table.append(tr);
    }
    collections.get(collection).append(object);
  }
  root.replaceChildren(...collections.values());
  return more(keys.length - limits.rows);
}
