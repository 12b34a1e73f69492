// The explorer page: wires the user picker, the request editors, the streams of users A and B,
// the value display, writes and explanations together. Plain DOM; CodeMirror for the editors.

import { describeError, getJSON, getText, openStream, postJSON } from "./api.js";
import { bodyEditor, keysEditor, setText } from "./editor.js";
import { SIDES, Values, limits, renderTable, renderTree } from "./values.js";

const $ = (id) => document.getElementById(id);
const values = new Values();
const users = { a: null, b: null };
let streams = [];
let running = null; // the last request ({ single }) while it was not stopped
let renderPending = false;
let editors;

function setStatus(text) {
  $("status").textContent = text;
}

function label(user) {
  return user ? `${user.name || user.username} (#${user.user_id})` : "";
}

function showError(element, error) {
  element.hidden = false;
  element.textContent = describeError(error);
}

// -- users ---------------------------------------------------------------------------------------

let searchTimer;
let searches = 0;
async function searchUsers() {
  const list = $("user-results");
  const search = ++searches;
  try {
    const found = await getJSON("users", { q: $("user-search").value, role: $("user-role").value });
    if (search !== searches) return; // a newer search is under way
    list.replaceChildren(...found.map(userItem));
    if (!found.length) list.innerHTML = `<li class="hint">no such user</li>`;
  } catch (error) {
    list.innerHTML = `<li><pre class="error"></pre></li>`;
    list.querySelector("pre").textContent = describeError(error);
  }
}

function userItem(user) {
  const li = document.createElement("li");
  li.dataset.userId = user.user_id;
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = label(user);
  const roles = document.createElement("span");
  roles.className = "roles";
  roles.textContent = user.roles.join(", ") || "no role";
  roles.title = user.meetings.map((m) => `${m.meeting || `meeting ${m.meeting_id}`}: ${m.groups.join(", ")}`).join("\n");
  li.append(name, roles);
  for (const side of SIDES) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = `small pick-${side}`;
    button.textContent = side.toUpperCase();
    button.title = side === "a" ? "look as this user" : "compare with this user";
    button.addEventListener("click", () => pickUser(side, user));
    li.append(button);
  }
  return li;
}

function pickUser(side, user) {
  users[side] = user;
  $(`user-${side}`).textContent = user ? label(user) : side === "b" ? "none (pick one to compare)" : "pick a user";
  $("clear-b").hidden = !users.b;
  if (running) start(running.single);
}

// -- request and streams -------------------------------------------------------------------------

function keysParam() {
  return editors.keys.state.doc
    .toString()
    .split(/[\s,]+/)
    .filter(Boolean)
    .join(",");
}

function stop() {
  for (const stream of streams) stream.abort();
  streams = [];
  running = null;
  $("stop").disabled = true;
}

function start(single) {
  stop();
  $("request-error").hidden = true;
  if (!users.a) {
    showError($("request-error"), new Error("Pick user A first (Users, button A)."));
    return;
  }
  const k = keysParam();
  const body = editors.body.state.doc.toString().trim();
  values.clear();
  values.compare = Boolean(users.b);
  values.requested = k ? k.split(",") : [];
  $("compare-filter").hidden = !values.compare;
  $("log").replaceChildren();
  render();
  const sides = values.compare ? SIDES : ["a"];
  streams = sides.map((side) => {
    let first = true;
    const stream = openStream({ userId: users[side].user_id, k, body, single }, (message) => {
      if (!first && !Object.keys(message).length) return; // heartbeat
      const count = values.apply(side, message, first);
      log(side, first ? `first message: ${count} keys` : `update: ${summarize(Object.keys(message))}`);
      first = false;
      scheduleRender();
    });
    stream.done
      .then(() => single || log(side, "stream ended"))
      .catch((error) => {
        if (error.name !== "AbortError") showError($("request-error"), error);
      });
    return stream;
  });
  running = { single };
  $("stop").disabled = single;
  setStatus(single ? "single request" : `streaming for ${sides.map((s) => label(users[s])).join(" and ")}`);
}

function summarize(keys) {
  const shown = keys.slice(0, 5).join(", ");
  return keys.length > 5 ? `${shown} and ${keys.length - 5} more` : shown;
}

function log(side, text) {
  const li = document.createElement("li");
  li.className = `log-${side}`;
  li.textContent = `${new Date().toLocaleTimeString()} ${side.toUpperCase()} ${text}`;
  $("log").prepend(li);
  while ($("log").children.length > 50) $("log").lastChild.remove();
}

// -- display -------------------------------------------------------------------------------------

function scheduleRender() {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => {
    renderPending = false;
    render();
  });
}

function render() {
  const filter = { text: $("key-filter").value.trim(), relation: values.compare ? $("compare-filter").value : "all" };
  const tree = $("view-mode").value === "tree";
  $("values-table").hidden = tree;
  $("values-tree").hidden = !tree;
  const labels = { a: `A: ${label(users.a)}`, b: `B: ${label(users.b)}` };
  const note = tree ? renderTree($("values-tree"), values, filter) : renderTable($("values-table"), values, filter, labels);
  $("values-more").replaceWith(note);
  note.id = "values-more";
  if (values.compare) {
    const c = values.summary();
    $("compare-summary").textContent =
      `only A sees ${c["only-a"]} · only B sees ${c["only-b"]} · both ${c.both} · values differ ${c.differ}`;
  } else {
    $("compare-summary").textContent = `${values.values.a.size} keys`;
  }
}

// -- explain and write ---------------------------------------------------------------------------

async function explain(key) {
  $("explain-key").value = key;
  const sides = users.b ? SIDES : ["a"];
  const blocks = sides.map((side) => {
    const block = document.createElement("pre");
    block.className = `output explain-${side}`;
    return block;
  });
  $("explain-output").replaceChildren(...blocks);
  await Promise.all(
    sides.map(async (side, index) => {
      const user = users[side] || { user_id: 0, name: "Anonymous (public access)" };
      try {
        const text = await getText("explain", { user_id: user.user_id, key });
        blocks[index].textContent = `${side.toUpperCase()}: ${label(user)}\n${text}`;
      } catch (error) {
        blocks[index].classList.add("error");
        blocks[index].textContent = describeError(error);
      }
    }),
  );
}

async function write() {
  const result = $("write-result");
  result.className = "output";
  let value;
  try {
    value = JSON.parse($("write-value").value);
  } catch (error) {
    result.classList.add("error");
    result.textContent = `The value is not JSON: ${error.message}`;
    return;
  }
  try {
    const written = await postJSON("write", { [$("write-key").value.trim()]: value });
    result.textContent = `written (${written.id}): ${written.keys.join(", ")}`;
  } catch (error) {
    result.classList.add("error");
    result.textContent = describeError(error);
  }
}

// -- start ---------------------------------------------------------------------------------------

async function main() {
  let schema = {};
  try {
    schema = await getJSON("schema");
  } catch (error) {
    showError($("request-error"), error);
  }
  editors = { keys: keysEditor($("keys-editor"), schema), body: bodyEditor($("body-editor"), schema) };
  $("user-search").addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(searchUsers, 200);
  });
  $("user-role").addEventListener("change", () => {
    clearTimeout(searchTimer);
    searchUsers();
  });
  $("clear-b").addEventListener("click", () => pickUser("b", null));
  $("open-stream").addEventListener("click", () => start(false));
  $("send-single").addEventListener("click", () => start(true));
  $("stop").addEventListener("click", () => {
    stop();
    setStatus("stopped");
  });
  $("write-send").addEventListener("click", write);
  $("explain-send").addEventListener("click", () => explain($("explain-key").value.trim()));
  $("explain-key").addEventListener("keydown", (event) => event.key === "Enter" && $("explain-send").click());
  $("key-filter").addEventListener("input", render);
  for (const id of ["compare-filter", "view-mode"]) $(id).addEventListener("change", render);
  for (const id of ["values-table", "values-tree"]) {
    $(id).addEventListener("click", (event) => {
      const key = event.target.closest("td.key") && event.target.closest("tr").dataset.key;
      if (key) explain(key);
    });
  }
  window.explorer = { editors, limits, setText, values };
  await searchUsers();
  setStatus("ready");
  document.body.dataset.ready = "true";
}

main();
