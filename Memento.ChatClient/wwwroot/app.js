// The Memento chat page: plain JavaScript, no framework, nothing fetched from other hosts.
"use strict";

const $ = (id) => document.getElementById(id);
const conversationId = sessionStorage.getItem("memento-conversation") || crypto.randomUUID();
sessionStorage.setItem("memento-conversation", conversationId);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function scrollDown() {
  const list = $("messages");
  list.scrollTop = list.scrollHeight;
}

function formatArgs(args) {
  if (!args) return "";
  return Object.entries(args).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(", ");
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

async function send(message) {
  const list = $("messages");
  list.append(el("li", "message user", message));
  const reply = el("li", "message assistant typing");
  const chips = el("div", "chips");
  const text = el("span", "text");
  reply.append(chips, text);
  list.append(reply);
  scrollDown();

  const chipsByCall = new Map();
  try {
    const response = await api("api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "text/event-stream" },
      body: JSON.stringify({ conversationId, message }),
    });
    if (!response.ok) throw new Error(`the chat service answered HTTP ${response.status}`);
    await readEvents(response, (type, e) => {
      if (type === "text") {
        text.textContent += e.text;
      } else if (type === "tool-call") {
        const chip = el("span", "chip");
        chip.dataset.tool = e.tool;
        chip.append(el("span", "call", `${e.tool}(${formatArgs(e.arguments)})`));
        chips.append(chip);
        chipsByCall.set(e.callId, chip);
      } else if (type === "tool-result") {
        const chip = chipsByCall.get(e.callId) || chips.appendChild(el("span", "chip"));
        chip.classList.add(e.isError ? "failed" : "ok");
        chip.append(el("span", "result", ` → ${e.text}`));
      } else if (type === "error") {
        const problem = el("div", "problem", e.text);
        reply.classList.add("error");
        reply.append(problem);
      }
      scrollDown();
    });
  } catch (error) {
    reply.classList.add("error");
    reply.append(el("div", "problem", `The message could not be sent: ${error.message}. Try again.`));
  } finally {
    reply.classList.remove("typing");
    reply.dataset.done = "true";
    if (!chips.childElementCount) chips.remove();
    scrollDown();
    refreshLibrary();
  }
}

async function loadMemories() {
  const params = new URLSearchParams();
  const q = $("search").value.trim();
  const tag = $("tag").value.trim();
  if (q) params.set("q", q);
  if (tag) params.set("tag", tag);
  const status = $("memories-status");
  try {
    const response = await api(`api/memories?${params}`);
    const data = await response.json();
    const list = $("memories");
    list.replaceChildren();
    for (const m of data.items) {
      const item = el("li");
      item.append(el("div", "title", m.title));
      const meta = el("div", "meta");
      if (m.created) meta.append(new Date(m.created).toLocaleString(), " · ");
      meta.append(m.id);
      item.append(meta);
      if (m.tags && m.tags.length) {
        const tags = el("div", "meta");
        for (const t of m.tags) {
          const tagEl = el("span", "tag", t);
          tagEl.title = `Show memories tagged ${t}`;
          tagEl.addEventListener("click", () => { $("tag").value = t; loadMemories(); });
          tags.append(tagEl);
        }
        item.append(tags);
      }
      if (m.snippet) item.append(el("div", "snippet", m.snippet));
      list.append(item);
    }
    status.textContent = data.error ? data.error : (data.items.length ? `${data.items.length} shown` : "No memories match.");
  } catch (error) {
    status.textContent = `The memory list could not be loaded: ${error.message}`;
  }
}

async function loadChart() {
  const svg = $("chart");
  try {
    const response = await api("api/timeline?days=30");
    const data = await response.json();
    const days = data.days;
    const max = Math.max(1, ...days.map((d) => d.count));
    const width = 300, height = 90, gap = 2, barWidth = width / days.length - gap;
    const ns = "http://www.w3.org/2000/svg";
    svg.replaceChildren();
    const axis = document.createElementNS(ns, "line");
    axis.setAttribute("x1", "0"); axis.setAttribute("x2", String(width));
    axis.setAttribute("y1", String(height - 0.5)); axis.setAttribute("y2", String(height - 0.5));
    svg.append(axis);
    days.forEach((d, i) => {
      const h = d.count === 0 ? 0 : Math.max(2, (d.count / max) * (height - 8));
      const bar = document.createElementNS(ns, "rect");
      bar.setAttribute("x", String(i * (barWidth + gap)));
      bar.setAttribute("y", String(height - h));
      bar.setAttribute("width", String(barWidth));
      bar.setAttribute("height", String(h));
      const title = document.createElementNS(ns, "title");
      title.textContent = `${d.date}: ${d.count}`;
      bar.append(title);
      svg.append(bar);
    });
    $("chart-caption").textContent = data.error ? data.error : `${data.total} in the last 30 days (${days[0].date} – ${days[days.length - 1].date})`;
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
    const info = await (await api("api/info")).json();
    $("info").textContent = `user ${info.user} · server ${info.server} · ${info.provider}`;
  } catch (error) {
    $("info").textContent = error instanceof AccessKeyNeeded ? error.message : "the chat service is not answering";
  }
}

// When the chat service is configured with an access key (Memento:Chat:AccessKeyHash), every API call
// carries it as a bearer token; the page asks for it on the first 401 and keeps it for this tab's session.
const accessKeyItem = "memento-access-key";

class AccessKeyNeeded extends Error {
  constructor() { super("this chat needs its access key"); }
}

async function api(path, options = {}) {
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

$("composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("prompt");
  const message = input.value.trim();
  if (!message) return;
  input.value = "";
  $("send").disabled = true;
  try {
    await send(message);
  } finally {
    $("send").disabled = false;
    input.focus();
  }
});

let filterTimer;
for (const id of ["search", "tag"]) {
  $(id).addEventListener("input", () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(loadMemories, 250);
  });
}
$("filters").addEventListener("submit", (event) => { event.preventDefault(); loadMemories(); });

loadInfo();
refreshLibrary();
