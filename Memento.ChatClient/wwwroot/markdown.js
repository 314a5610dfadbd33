// A small Markdown renderer for replies and memories. It builds DOM nodes and never parses HTML:
// text is always text, so a memory holding "<img onerror=…>" shows those characters. Links are kept
// only for http, https and mailto addresses.
"use strict";

const Markdown = (() => {
  const safeUrl = (url) => /^(https?:\/\/|mailto:)/i.test(url) ? url : null;

  function link(url, text) {
    const a = document.createElement("a");
    a.href = url;
    a.textContent = text;
    a.rel = "noopener noreferrer";
    a.target = "_blank";
    return a;
  }

  // Inline: `code`, **bold**, *italic*, [text](url), bare http(s) URLs.
  const inlinePattern = /`([^`\n]+)`|\*\*([^*\n]+)\*\*|\*([^*\n]+)\*|\[([^\]\n]+)\]\(([^)\s]+)\)|(https?:\/\/[^\s<>"')\]]+[^\s<>"')\].,;:!?])/g;

  function inline(text, parent) {
    let last = 0;
    for (const m of text.matchAll(inlinePattern)) {
      if (m.index > last) parent.append(text.slice(last, m.index));
      if (m[1] !== undefined) {
        const code = document.createElement("code");
        code.textContent = m[1];
        parent.append(code);
      } else if (m[2] !== undefined) {
        const strong = document.createElement("strong");
        inline(m[2], strong);
        parent.append(strong);
      } else if (m[3] !== undefined) {
        const em = document.createElement("em");
        inline(m[3], em);
        parent.append(em);
      } else if (m[4] !== undefined) {
        const url = safeUrl(m[5]);
        parent.append(url ? link(url, m[4]) : m[0]);
      } else {
        parent.append(link(m[6], m[6]));
      }
      last = m.index + m[0].length;
    }
    if (last < text.length) parent.append(text.slice(last));
  }

  // Blocks: paragraphs (single newlines kept), "- " and "1. " lists, "# " headings, ``` fences.
  function render(text, parent) {
    const lines = String(text).replace(/\r\n?/g, "\n").split("\n");
    let i = 0;
    while (i < lines.length) {
      const line = lines[i];
      if (/^```/.test(line)) {
        const pre = document.createElement("pre");
        const body = [];
        for (i++; i < lines.length && !/^```/.test(lines[i]); i++) body.push(lines[i]);
        i++;
        pre.textContent = body.join("\n");
        parent.append(pre);
        continue;
      }
      const list = /^\s*(?:[-*•]|(\d+)\.)\s+/.exec(line);
      if (list) {
        const ordered = list[1] !== undefined;
        const el = document.createElement(ordered ? "ol" : "ul");
        if (ordered && list[1] !== "1") el.start = Number(list[1]);
        while (i < lines.length) {
          const item = (ordered ? /^\s*\d+\.\s+(.*)$/ : /^\s*[-*•]\s+(.*)$/).exec(lines[i]);
          if (!item) break;
          const li = document.createElement("li");
          inline(item[1], li);
          el.append(li);
          i++;
        }
        parent.append(el);
        continue;
      }
      const heading = /^(#{1,3})\s+(.*)$/.exec(line);
      if (heading) {
        const h = document.createElement("p");
        h.className = "heading";
        const strong = document.createElement("strong");
        inline(heading[2], strong);
        h.append(strong);
        parent.append(h);
        i++;
        continue;
      }
      if (!line.trim()) { i++; continue; }
      const p = document.createElement("p");
      const body = [];
      while (i < lines.length && lines[i].trim() && !/^```/.test(lines[i]) && !/^\s*(?:[-*•]|\d+\.)\s+/.test(lines[i]) && !/^#{1,3}\s/.test(lines[i])) {
        body.push(lines[i]);
        i++;
      }
      body.forEach((b, n) => {
        if (n > 0) p.append(document.createElement("br"));
        inline(b, p);
      });
      parent.append(p);
    }
    return parent;
  }

  return { render };
})();
