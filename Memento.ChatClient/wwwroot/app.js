// The Memento chat page: plain JavaScript, no framework, nothing fetched from other hosts.
"use strict";

const $ = (id) => document.getElementById(id);
const store = {
  get(key, fallback) {
    try { const v = localStorage.getItem(key); return v === null ? fallback : JSON.parse(v); } catch { return fallback; }
  },
  set(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch { /* storage full or off: the page still works */ }
  },
};

// The conversation survives a reload: its id (the server keeps its history) and what the page showed.
let conversationId = store.get("memento-conversation", null) || crypto.randomUUID();
store.set("memento-conversation", conversationId);
const transcriptKey = () => `memento-transcript-${conversationId}`;
let transcript = store.get(transcriptKey(), []);
const outboxKey = "memento-outbox";
const MaxTranscript = 200;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, className, onClick, title) {
  const b = el("button", className, label);
  b.type = "button";
  if (title) { b.title = title; b.setAttribute("aria-label", title); }
  b.addEventListener("click", onClick);
  return b;
}

// One date format everywhere: "Wed 18 Nov 2026, 15:30" (the offline engine says "Wed 18 Nov 2026").
const Days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n) => String(n).padStart(2, "0");
function formatDate(value, withTime = true) {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return "";
  const day = `${Days[d.getDay()]} ${d.getDate()} ${Months[d.getMonth()]} ${d.getFullYear()}`;
  return withTime ? `${day}, ${pad(d.getHours())}:${pad(d.getMinutes())}` : day;
}
function shortDay(isoDate) {
  const [, m, d] = isoDate.split("-").map(Number);
  return `${d} ${Months[m - 1]}`;
}

async function copyText(text, source) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = el("textarea");
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  if (source) {
    const label = source.textContent;
    source.textContent = "Copied";
    setTimeout(() => { source.textContent = label; }, 1200);
  }
}

// Tool chips show each argument cut short; the whole call is in the chip's tooltip (itself bounded).
const shorten = (s, max) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
function formatArgs(args, max = 80) {
  if (!args) return "";
  return Object.entries(args).map(([k, v]) => {
    const json = JSON.stringify(v) ?? "";
    return `${k}: ${json.length <= max ? json : `${json.slice(0, max - 1)}…" (${json.length.toLocaleString("en")} characters)`}`;
  }).join(", ");
}

function scrollDown() {
  const list = $("messages");
  list.scrollTop = list.scrollHeight;
}

// --- Conversation ---------------------------------------------------------------------------

function saveTranscript() {
  if (transcript.length > MaxTranscript) transcript = transcript.slice(-MaxTranscript);
  store.set(transcriptKey(), transcript);
}

function renderUser(entry) {
  const li = el("li", "message user");
  li.append(el("span", "text", entry.text));
  if (entry.pending) {
    li.classList.add("pending");
    const note = el("div", "problem", "Not sent yet: the chat service cannot be reached. It is kept and sent again automatically.");
    note.append(" ", button("Send now", "link", () => flushOutbox(true)));
    li.append(note);
  }
  return li;
}

function renderAssistant(entry) {
  const li = el("li", "message assistant");
  const chips = el("div", "chips");
  for (const chip of entry.chips || []) chips.append(renderChip(chip));
  const text = el("div", "text");
  Markdown.render(entry.text || "", text);
  li.append(chips, text);
  if (!chips.childElementCount) chips.remove();
  if (entry.error) {
    li.classList.add("error");
    li.append(el("div", "problem", entry.error));
    if (entry.retry) li.append(button("Try again", "link", () => send(entry.retry)));
  }
  if (entry.text) {
    const tools = el("div", "message-tools");
    tools.append(button("Copy", "link", (e) => copyText(entry.text, e.currentTarget), "Copy this reply"));
    li.append(tools);
  }
  li.dataset.done = "true";
  return li;
}

function renderChip(chip) {
  const span = el("span", `chip ${chip.state || ""}`.trim());
  const call = `${chip.tool}(${formatArgs(chip.args)})`;
  span.append(el("span", "call", call));
  if (chip.result !== undefined) span.append(el("span", "result", ` → ${shorten(chip.result, 140)}`));
  span.title = shorten(`${chip.tool}(${formatArgs(chip.args, 400)})`, 1200);
  return span;
}

function renderTranscript() {
  const list = $("messages");
  list.querySelectorAll("li:not(.intro)").forEach((n) => n.remove());
  for (const entry of transcript) list.append(entry.role === "user" ? renderUser(entry) : renderAssistant(entry));
  scrollDown();
}

// Reads a text/event-stream body as it arrives and calls onEvent(type, data) per event.
async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let type = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) type = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) onEvent(type, JSON.parse(data.join("\n")));
    }
  }
}

class Unreachable extends Error {}

let sending = Promise.resolve();

// Sends one message; when the chat service cannot be reached the message stays in the outbox and is sent later.
function send(message) {
  sending = sending.then(() => deliver(message)).catch(() => {});
  return sending;
}

async function deliver(message, fromOutbox = false) {
  const list = $("messages");
  let userEntry = fromOutbox ? transcript.find((t) => t.role === "user" && t.pending && t.text === message) : null;
  if (!userEntry) {
    userEntry = { role: "user", text: message };
    transcript.push(userEntry);
    saveTranscript();
    list.append(renderUser(userEntry));
  }
  const userNode = [...list.querySelectorAll("li.message.user")].pop();

  const entry = { role: "assistant", text: "", chips: [] };
  const reply = el("li", "message assistant typing");
  const chips = el("div", "chips");
  const text = el("div", "text");
  reply.append(chips, text);
  list.append(reply);
  scrollDown();

  const chipsByCall = new Map();
  let raw = "";
  try {
    let response;
    try {
      response = await authorizedFetch("api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Accept": "text/event-stream" },
        body: JSON.stringify({ conversationId, message }),
      });
    } catch (error) {
      if (error instanceof AccessKeyNeeded) throw error;
      throw new Unreachable();
    }
    if (response.status === 502 || response.status === 503 || response.status === 504) throw new Unreachable();
    if (!response.ok) throw new Error(`the chat service answered HTTP ${response.status}`);
    if (userEntry.pending) {
      delete userEntry.pending;
      const outbox = store.get(outboxKey, []).filter((m) => m !== message);
      store.set(outboxKey, outbox);
      userNode.replaceWith(renderUser(userEntry));
    }
    await readEvents(response, (type, e) => {
      if (type === "text") {
        raw += e.text;
        text.textContent = raw;
      } else if (type === "tool-call") {
        const chip = { tool: e.tool, args: e.arguments };
        entry.chips.push(chip);
        const node = renderChip(chip);
        chips.append(node);
        chipsByCall.set(e.callId, { chip, node });
      } else if (type === "tool-result") {
        const found = chipsByCall.get(e.callId);
        const chip = found ? found.chip : { tool: e.tool, args: null };
        if (!found) entry.chips.push(chip);
        chip.state = e.isError ? "failed" : "ok";
        chip.result = e.text;
        const node = renderChip(chip);
        if (found) found.node.replaceWith(node); else chips.append(node);
        if (found) found.node = node;
      } else if (type === "error") {
        entry.error = entry.error ? `${entry.error} ${e.text}` : e.text;
        entry.retry = message;
      }
      scrollDown();
    });
  } catch (error) {
    reply.remove();
    if (error instanceof Unreachable) {
      userEntry.pending = true;
      saveTranscript();
      const outbox = store.get(outboxKey, []);
      if (!outbox.includes(message)) store.set(outboxKey, [...outbox, message]);
      userNode.replaceWith(renderUser(userEntry));
      scheduleRetry();
      return;
    }
    entry.error = `The message could not be sent: ${error.message}.`;
    entry.retry = message;
  }
  entry.text = raw;
  transcript.push(entry);
  saveTranscript();
  reply.replaceWith(renderAssistant(entry));
  scrollDown();
  refreshLibrary();
}

let retryTimer = null;
let retryDelay = 2000;
function scheduleRetry() {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(() => flushOutbox(false), retryDelay);
  retryDelay = Math.min(retryDelay * 2, 30000);
}

async function flushOutbox(now) {
  if (now) retryDelay = 2000;
  clearTimeout(retryTimer);
  const outbox = store.get(outboxKey, []);
  for (const message of outbox) {
    sending = sending.then(() => deliver(message, true)).catch(() => {});
    await sending;
    if (store.get(outboxKey, []).includes(message)) return; // still unreachable: deliver scheduled the next try
  }
  retryDelay = 2000;
}

// --- Memories -------------------------------------------------------------------------------

let view = "memories"; // or "trash"
let nextCursor = null;

async function api(path, options) {
  const response = await authorizedFetch(path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.message || data.error || `HTTP ${response.status}`);
  return data;
}

function tagButton(t) {
  return button(t, "tag", () => { $("tag").value = t; view = "memories"; loadMemories(); }, `Show memories tagged ${t}`);
}

function renderMemory(m, trashed) {
  const item = el("li");
  item.dataset.id = m.id;
  const head = el("div", "item-head");
  const title = trashed
    ? el("span", "title", m.title)
    : button(m.title, "title", () => openMemory(item, m), `Open “${m.title}”`);
  head.append(title);
  item.append(head);
  const meta = el("div", "meta");
  if (m.created) meta.append(formatDate(m.created), " · ");
  meta.append(el("span", "id", m.id));
  item.append(meta);
  if (m.tags && m.tags.length) {
    const tags = el("div", "tags");
    for (const t of m.tags) tags.append(tagButton(t));
    item.append(tags);
  }
  if (m.snippet) item.append(el("div", "snippet", m.snippet.replaceAll("**", "")));
  const actions = el("div", "actions");
  if (trashed) {
    actions.append(button("Restore", "link", () => restoreMemory(item, m), `Restore “${m.title}”`));
  } else {
    actions.append(
      button("Open", "link", () => openMemory(item, m), `Open “${m.title}”`),
      button("Edit", "link", () => editMemory(item, m), `Edit “${m.title}”`),
      button("Copy", "link", (e) => copyMemory(m, e.currentTarget), `Copy “${m.title}”`),
      button("Delete", "link danger", () => deleteMemory(item, m), `Delete “${m.title}”`));
  }
  item.append(actions);
  return item;
}

function status(text) { $("memories-status").textContent = text; }

async function openMemory(item, m) {
  const existing = item.querySelector(".detail");
  if (existing) { existing.remove(); return; }
  try {
    const full = await api(`api/memories/${encodeURIComponent(m.id)}`);
    const detail = el("div", "detail");
    Markdown.render(full.content, detail);
    item.querySelector(".actions").before(detail);
  } catch (error) {
    status(`Could not open it: ${error.message}`);
  }
}

async function copyMemory(m, source) {
  try {
    const full = await api(`api/memories/${encodeURIComponent(m.id)}`);
    await copyText(full.content, source);
  } catch (error) {
    status(`Could not copy it: ${error.message}`);
  }
}

async function editMemory(item, m) {
  if (item.querySelector("form.edit")) return;
  let full;
  try { full = await api(`api/memories/${encodeURIComponent(m.id)}`); } catch (error) { status(`Could not open it: ${error.message}`); return; }
  item.querySelector(".detail")?.remove();
  const form = el("form", "edit");
  const content = el("textarea");
  content.value = full.content;
  content.rows = 5;
  content.setAttribute("aria-label", "Content");
  const tags = el("input");
  tags.value = (full.tags || []).join(", ");
  tags.setAttribute("aria-label", "Tags, separated by commas");
  tags.placeholder = "tags, separated by commas";
  const save = el("button", "", "Save");
  save.type = "submit";
  form.append(content, tags, save, button("Cancel", "secondary", () => form.remove()));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api(`api/memories/${encodeURIComponent(m.id)}`, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ content: content.value, tags: tags.value.split(",").map((t) => t.trim().toLowerCase()).filter(Boolean) }),
      });
      status(`Saved “${m.title}”.`);
      refreshLibrary();
    } catch (error) {
      status(`Could not save it: ${error.message}`);
    }
  });
  item.querySelector(".actions").before(form);
  content.focus();
}

async function deleteMemory(item, m) {
  try {
    await api(`api/memories/${encodeURIComponent(m.id)}`, { method: "DELETE" });
    item.classList.add("deleted");
    item.querySelector(".actions").replaceChildren(
      el("span", "muted", "Deleted; it is in the trash. "),
      button("Restore", "link", () => restoreMemory(item, m), `Restore “${m.title}”`));
    item.querySelector(".actions button").focus();
    status(`Deleted “${m.title}”.`);
    loadChart();
  } catch (error) {
    status(`Could not delete it: ${error.message}`);
  }
}

async function restoreMemory(item, m) {
  try {
    await api(`api/memories/${encodeURIComponent(m.id)}/restore`, { method: "POST" });
    status(`Restored “${m.title}”.`);
    if (view === "trash") item.remove();
    else item.replaceWith(renderMemory(m, false));
    document.querySelector(`#memories li[data-id="${CSS.escape(m.id)}"] .title`)?.focus();
    loadChart();
  } catch (error) {
    status(`Could not restore it: ${error.message}`);
  }
}

async function loadMemories(append = false) {
  const params = new URLSearchParams();
  const q = $("search").value.trim();
  const tag = $("tag").value.trim();
  if (view === "memories") {
    if (q) params.set("q", q);
    if (tag) params.set("tag", tag);
  }
  if (append && nextCursor) params.set("cursor", nextCursor);
  $("library-title").textContent = view === "trash" ? "Trash" : "Your memories";
  $("show-trash").setAttribute("aria-pressed", String(view === "trash"));
  $("show-trash").textContent = view === "trash" ? "Back to memories" : "Trash";
  $("filters").hidden = view === "trash";
  try {
    const data = await api(`${view === "trash" ? "api/trash" : "api/memories"}?${params}`);
    const list = $("memories");
    if (!append) list.replaceChildren();
    for (const m of data.items) list.append(renderMemory(m, view === "trash"));
    nextCursor = data.nextCursor || null;
    $("more").hidden = !nextCursor;
    const shown = list.childElementCount;
    status(data.error ? data.error : shown ? `${shown} shown${nextCursor ? "; more below" : ""}` : view === "trash" ? "The trash is empty." : "No memories match.");
  } catch (error) {
    status(`The memory list could not be loaded: ${error.message}`);
  }
}

// --- Chart ------------------------------------------------------------------------------------

async function loadChart() {
  const svg = $("chart");
  const ns = "http://www.w3.org/2000/svg";
  const make = (tag, attrs, text) => {
    const node = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  };
  try {
    const data = await api("api/timeline?days=30");
    const days = data.days;
    const max = Math.max(1, ...days.map((d) => d.count));
    const left = 30, right = 312, top = 10, bottom = 112;
    const step = (right - left) / days.length;
    svg.replaceChildren();
    svg.append(
      make("line", { class: "axis", x1: left, x2: right, y1: bottom, y2: bottom }),
      make("line", { class: "axis", x1: left, x2: left, y1: top, y2: bottom }),
      make("line", { class: "grid", x1: left, x2: right, y1: top, y2: top }),
      make("text", { class: "label", x: left - 4, y: bottom + 3, "text-anchor": "end" }, "0"),
      make("text", { class: "label", x: left - 4, y: top + 3, "text-anchor": "end" }, String(max)),
      make("text", { class: "label title", x: 8, y: (top + bottom) / 2, "text-anchor": "middle", transform: `rotate(-90 8 ${(top + bottom) / 2})` }, "memories"),
      make("text", { class: "label title", x: (left + right) / 2, y: 146, "text-anchor": "middle" }, "day"));
    days.forEach((d, i) => {
      const h = d.count === 0 ? 0 : Math.max(2, (d.count / max) * (bottom - top));
      const bar = make("rect", { x: left + i * step + 1, y: bottom - h, width: Math.max(1, step - 2), height: h });
      bar.append(make("title", {}, `${formatDate(`${d.date}T00:00:00`, false)}: ${d.count}`));
      svg.append(bar);
    });
    for (const i of [0, Math.floor(days.length / 2), days.length - 1]) {
      const anchor = i === 0 ? "start" : i === days.length - 1 ? "end" : "middle";
      const x = i === 0 ? left : i === days.length - 1 ? right : left + (i + 0.5) * step;
      svg.append(make("text", { class: "label", x, y: bottom + 14, "text-anchor": anchor }, shortDay(days[i].date)));
    }
    svg.setAttribute("aria-label", `Memories per day, ${days[0].date} to ${days[days.length - 1].date}: ${data.total} in all, at most ${max} a day`);
    $("chart-caption").textContent = data.error ? data.error
      : `${data.total} in the last 30 days (${formatDate(`${days[0].date}T00:00:00`, false)} – ${formatDate(`${days[days.length - 1].date}T00:00:00`, false)})`;
  } catch (error) {
    $("chart-caption").textContent = `The chart could not be drawn: ${error.message}`;
  }
}

function refreshLibrary() {
  loadMemories();
  loadChart();
}

async function loadInfo() {
  try {
    const info = await api("api/info");
    $("info").textContent = `user ${info.user} · server ${info.server} · ${info.provider}`;
  } catch (error) {
    $("info").textContent = error instanceof AccessKeyNeeded ? error.message : "the chat service is not answering";
  }
}

// --- Wiring -----------------------------------------------------------------------------------

const prompt = $("prompt");
function fitPrompt() {
  prompt.style.height = "auto";
  prompt.style.height = `${Math.min(prompt.scrollHeight + 2, 200)}px`;
}
prompt.addEventListener("input", fitPrompt);
prompt.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("composer").requestSubmit();
  }
});

$("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const message = prompt.value.trim();
  if (!message) return;
  prompt.value = "";
  fitPrompt();
  $("send").disabled = true;
  try {
    await send(message);
  } finally {
    $("send").disabled = false;
    prompt.focus();
  }
});

$("new-conversation").addEventListener("click", () => {
  localStorage.removeItem(transcriptKey());
  conversationId = crypto.randomUUID();
  store.set("memento-conversation", conversationId);
  transcript = [];
  renderTranscript();
  prompt.focus();
});

let filterTimer;
for (const id of ["search", "tag"]) {
  $(id).addEventListener("input", () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => loadMemories(), 250);
  });
}
$("filters").addEventListener("submit", (event) => { event.preventDefault(); loadMemories(); });
$("more").addEventListener("click", () => loadMemories(true));
$("show-trash").addEventListener("click", () => { view = view === "trash" ? "memories" : "trash"; loadMemories(); });
window.addEventListener("online", () => flushOutbox(true));

renderTranscript();
// When the chat service is configured with an access key (Memento:Chat:AccessKeyHash), every API call
// carries it as a bearer token; the page asks for it on the first 401 and keeps it for this tab's session.
const accessKeyItem = "memento-access-key";

class AccessKeyNeeded extends Error {
  constructor() { super("this chat needs its access key"); }
}

async function authorizedFetch(path, options = {}) {
  const headers = new Headers(options.headers || {});
  const key = sessionStorage.getItem(accessKeyItem);
  if (key) headers.set("Authorization", `Bearer ${key}`);
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401) {
    sessionStorage.removeItem(accessKeyItem);
    $("access").hidden = false;
    $("access-key").focus();
    throw new AccessKeyNeeded();
  }
  return response;
}

$("access").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(accessKeyItem, $("access-key").value.trim());
  $("access-key").value = "";
  $("access").hidden = true;
  loadInfo();
  refreshLibrary();
});

loadInfo();
refreshLibrary();
if (store.get(outboxKey, []).length) scheduleRetry();
