// The Vocalis dashboard: live calls, history, one call's timeline, latency percentiles.
// Plain DOM code, no dependencies. Every value from the server is inserted as text, never HTML.
"use strict";

const TOKEN = new URLSearchParams(location.search).get("token");
const STAGES = [
  ["e2e_latency_ms", "end to end", "#111827"],
  ["eou_delay_ms", "end of turn", "#a78bfa"],
  ["stt_final_delay_ms", "STT final", "#f472b6"],
  ["llm_ttft_ms", "LLM first token", "#3b82f6"],
  ["tts_ttfb_ms", "TTS first byte", "#10b981"],
];
const SEGMENTS = [
  ["eou", "end of turn", "user_speech_end", "committed_at"],
  ["llm", "LLM first token", "llm_started_at", "llm_first_token_at"],
  ["think", "tools, first sentence", "llm_first_token_at", "tts_request_at"],
  ["tts", "TTS first byte", "tts_request_at", "tts_first_audio_at"],
  ["out", "to the transport", "tts_first_audio_at", "first_audio_out_at"],
];
const SVG_NS = "http://www.w3.org/2000/svg";
const state = { search: "", offset: 0, timers: [], live: {} };

// ---- helpers -------------------------------------------------------------------------------

async function api(path) {
  const headers = TOKEN ? { Authorization: "Bearer " + TOKEN } : {};
  const response = await fetch(path, { headers });
  if (!response.ok) throw new Error(path + ": HTTP " + response.status);
  return response.json();
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key === "onclick") node.addEventListener("click", value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

const ms = (v) => (v === null || v === undefined ? "–" : Math.round(v) + " ms");
const shortId = (id) => id.slice(0, 8);
function duration(seconds) {
  if (seconds === null || seconds === undefined || seconds < 0) return "–";
  const s = Math.round(seconds);
  return s < 60 ? s + " s" : Math.floor(s / 60) + " min " + (s % 60) + " s";
}
function when(epoch) {
  if (!epoch) return "–";
  const d = new Date(epoch * 1000);
  return d.toLocaleDateString() + " " + d.toLocaleTimeString();
}
function clock(epoch) {
  return epoch ? new Date(epoch * 1000).toLocaleTimeString() : "–";
}
function pill(text, cls) {
  return el("span", { class: "pill " + (cls || "") }, text || "–");
}
function fill(tbody, rows) {
  tbody.replaceChildren(...rows);
}
function openCall(id) {
  location.hash = "#/call/" + encodeURIComponent(id);
}

// ---- overview ------------------------------------------------------------------------------

async function refreshLive() {
  const data = await api("/dashboard/api/live");
  const status = document.getElementById("db-status");
  const banner = document.getElementById("banner");
  if (!data.history) {
    status.className = "pill";
    status.textContent = "history off";
    banner.hidden = true;
  } else if (data.history.healthy) {
    status.className = "pill ok";
    status.textContent = "history: " + data.database.replace(/^[a-z+]+:\/\/\/?/, "");
    status.title = data.database;
    banner.hidden = true;
  } else {
    status.className = "pill down";
    status.textContent = "history database down";
    banner.hidden = false;
    banner.textContent = "The call history database is unavailable since " +
      when(data.history.down_since) + " (" + data.history.last_error + "). " +
      data.history.spooled + " writes are kept on disk and will be written when it is back.";
  }
  state.live = Object.fromEntries(data.calls.map((call) => [call.id, call]));
  document.getElementById("live-count").textContent = data.calls.length;
  document.getElementById("live-empty").hidden = data.calls.length > 0;
  fill(document.querySelector("#live-table tbody"), data.calls.map((call) => {
    const last = call.lines.length ? call.lines[call.lines.length - 1] : null;
    return el("tr", { class: "link live-call", "data-id": call.id, onclick: () => openCall(call.id) },
      el("td", { class: "mono" }, shortId(call.id)),
      el("td", {}, call.agent),
      el("td", {}, call.transport),
      el("td", { class: "num" }, duration(data.now - call.started_at)),
      el("td", {}, pill(call.agent_state, "state-" + call.agent_state)),
      el("td", {}, pill(call.user_state, "state-" + call.user_state)),
      el("td", { class: "num" }, call.turn_count),
      el("td", { class: "num" }, ms(call.last_e2e_ms)),
      el("td", { class: "num" }, call.interruption_count),
      el("td", { class: "num" + (call.error_count ? " bad" : "") }, call.error_count),
      el("td", { class: "words" }, last ? last.role + ": " + last.text : ""));
  }));
}

async function refreshHistory(append) {
  if (!append) state.offset = 0;
  const query = new URLSearchParams({ q: state.search, limit: 25, offset: state.offset });
  let data;
  try {
    data = await api("/dashboard/api/calls?" + query);
  } catch (error) {
    document.getElementById("history-empty").hidden = false;
    document.getElementById("history-empty").textContent = "Call history unavailable: " + error.message;
    return;
  }
  const tbody = document.querySelector("#history-table tbody");
  const rows = data.calls.map((row) => {
    const call = state.live[row.id] ? { ...row, ...state.live[row.id] } : row;
    return el("tr", { class: "link history-call", "data-id": call.id, onclick: () => openCall(call.id) },
      el("td", {}, when(call.started_at)),
      el("td", { class: "mono" }, shortId(call.id)),
      el("td", {}, call.agent || "–"),
      el("td", {}, call.transport || "–"),
      el("td", { class: "num" }, call.ended_at ? duration(call.ended_at - call.started_at) : "live"),
      el("td", { class: "num" }, call.turn_count),
      el("td", { class: "num" }, ms(call.e2e_p50_ms)),
      el("td", { class: "num" }, call.interruption_count),
      el("td", { class: "num" }, call.tool_call_count),
      el("td", { class: "num" + (call.error_count ? " bad" : "") }, call.error_count),
      el("td", {}, call.status === "live" ? pill("live", "state-speaking") : call.end_reason || ""));
  });
  if (append) tbody.append(...rows); else fill(tbody, rows);
  state.offset += data.calls.length;
  document.getElementById("history-empty").hidden = tbody.children.length > 0;
  document.getElementById("history-empty").textContent = "No calls found.";
  document.getElementById("more").hidden = data.calls.length < data.limit;
}

async function refreshLatency() {
  let data;
  try {
    data = await api("/dashboard/api/latency");
  } catch (error) {
    return;
  }
  document.getElementById("latency-turns").textContent = data.turns + " turns";
  fill(document.querySelector("#latency-table tbody"), STAGES.map(([key, label, color]) => {
    const s = data.stages[key];
    return el("tr", { class: "stage-row", "data-stage": key },
      el("td", {}, el("i", { style: "display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;background:" + color }), label),
      el("td", { class: "num" }, ms(s.p50)), el("td", { class: "num" }, ms(s.p90)),
      el("td", { class: "num" }, ms(s.p95)), el("td", { class: "num" }, ms(s.p99)),
      el("td", { class: "num" }, s.count));
  }));
  drawPercentiles(data);
}

function drawPercentiles(data) {
  const plot = document.getElementById("percentile-plot");
  const W = 640, H = 260, left = 52, right = 12, top = 12, bottom = 30;
  const curves = STAGES.map(([key, , color]) => [data.stages[key].curve, color, key]);
  const peak = Math.max(100, ...curves.flatMap(([curve]) => curve.filter((v) => v !== null)));
  const step = niceStep(peak / 5);
  const ymax = Math.ceil(peak / step) * step;
  const x = (q) => left + ((q - 1) / 98) * (W - left - right);
  const y = (v) => H - bottom - (v / ymax) * (H - top - bottom);
  plot.replaceChildren();
  for (let v = 0; v <= ymax; v += step) {
    plot.append(svg("line", { class: "grid", x1: left, x2: W - right, y1: y(v), y2: y(v) }));
    plot.append(svg("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end" }, v + " ms"));
  }
  for (const q of [1, 25, 50, 75, 90, 99]) {
    plot.append(svg("text", { x: x(q), y: H - 10, "text-anchor": "middle" }, "p" + q));
  }
  plot.append(svg("line", { class: "axis", x1: left, x2: W - right, y1: H - bottom, y2: H - bottom }));
  for (const [curve, color, key] of curves) {
    if (!curve.length) continue;
    const points = curve.map((v, i) => x(i + 1).toFixed(1) + "," + y(v).toFixed(1)).join(" ");
    plot.append(svg("polyline", { points, fill: "none", stroke: color, "stroke-width": 2, "data-stage": key }));
  }
}

function niceStep(raw) {
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) if (raw <= m * power) return m * power;
  return 10 * power;
}

// ---- one call ------------------------------------------------------------------------------

async function showCall(id) {
  let call;
  try {
    call = await api("/dashboard/api/calls/" + encodeURIComponent(id));
  } catch (error) {
    document.getElementById("call-title").textContent = "Call " + id + " not found";
    return;
  }
  const end = call.ended_at || Date.now() / 1000;
  document.getElementById("call-title").textContent = "Call " + call.id;
  const meta = [
    ["Agent", call.agent], ["Transport", call.transport], ["Started", when(call.started_at)],
    ["Duration", duration(end - call.started_at) + (call.ended_at ? "" : " (live)")],
    ["Ended", call.end_reason || call.status], ["Turns", call.turn_count],
    ["Latency p50 / p95", ms(call.e2e_p50_ms) + " / " + ms(call.e2e_p95_ms)],
    ["Interruptions", call.interruption_count], ["Pipeline", call.pipeline_mode],
    ["Room", call.room_id], ["Trace", call.trace_id || "–"],
    ["Recording", call.recording_url || "–"],
  ];
  document.getElementById("call-meta").replaceChildren(
    ...meta.map(([k, v]) => el("div", {}, el("dt", {}, k), el("dd", {}, v === null || v === undefined || v === "" ? "–" : v))));
  drawTimeline(call, end);
  drawTurnBars(call);
  fill(document.getElementById("transcript"), call.transcript.map((line) =>
    el("li", { class: line.role },
      el("span", { class: "mono" }, "+" + ((line.started_at || line.ended_at) - call.started_at).toFixed(1) + " s"),
      el("span", { class: "who" }, line.role),
      el("span", {}, line.text, line.interrupted ? el("span", { class: "cut" }, "(interrupted)") : null))));
  document.getElementById("tools-card").hidden = call.tool_calls.length === 0;
  fill(document.querySelector("#tools-table tbody"), call.tool_calls.map((tool) =>
    el("tr", { class: "tool-row" },
      el("td", { class: "mono" }, "+" + (tool.started_at - call.started_at).toFixed(1) + " s"),
      el("td", {}, tool.name),
      el("td", { class: "mono" }, JSON.stringify(tool.arguments)),
      el("td", { class: tool.is_error ? "bad" : "" }, tool.result || ""),
      el("td", { class: "num" }, ms(tool.duration_ms)))));
  const events = [
    ...call.errors.map((e) => [e.at, "error: " + e.source, e.message + (e.recoverable ? "" : " (fatal)"), true]),
    ...call.events.map((e) => [e.at, e.kind, e.data ? JSON.stringify(e.data) : "", false]),
  ].sort((a, b) => a[0] - b[0]);
  document.getElementById("errors-card").hidden = events.length === 0;
  fill(document.querySelector("#events-table tbody"), events.map(([at, kind, detail, bad]) =>
    el("tr", {}, el("td", { class: "mono" }, "+" + (at - call.started_at).toFixed(1) + " s"),
      el("td", { class: bad ? "bad" : "" }, kind), el("td", {}, detail))));
}

function drawTimeline(call, end) {
  const plot = document.getElementById("timeline");
  const W = 1000, left = 70, right = 10, laneH = 34, top = 8;
  const lanes = ["User", "Agent", "Tools", "Events"];
  const H = top + lanes.length * laneH + 28;
  plot.setAttribute("viewBox", "0 0 " + W + " " + H);
  plot.replaceChildren();
  const span = Math.max(1, end - call.started_at);
  const x = (t) => left + ((t - call.started_at) / span) * (W - left - right);
  lanes.forEach((name, i) => {
    plot.append(svg("text", { x: 6, y: top + i * laneH + 21 }, name));
    plot.append(svg("line", { class: "grid", x1: left, x2: W - right, y1: top + (i + 1) * laneH, y2: top + (i + 1) * laneH }));
  });
  const step = niceStep(span / 10);
  for (let t = 0; t <= span; t += step) {
    plot.append(svg("text", { x: x(call.started_at + t), y: H - 8, "text-anchor": "middle" }, t + " s"));
  }
  const bar = (lane, from, to, color, cls, title) => {
    const rect = svg("rect", { x: x(from), y: top + lane * laneH + 7, width: Math.max(2, x(to) - x(from)),
      height: laneH - 14, rx: 3, fill: color, class: cls });
    rect.append(svg("title", {}, title));
    plot.append(rect);
  };
  for (const line of call.transcript) {
    if (line.role === "user") {
      bar(0, line.started_at || line.ended_at - 0.4, line.ended_at, "#3b82f6", "user-speech", line.text);
    }
  }
  for (const turn of call.turns) {
    const from = turn.stages && turn.stages.first_audio_out_at;
    if (from) bar(1, from, turn.ended_at, turn.interrupted ? "#f97316" : "#10b981", "agent-speech", turn.agent_text || "");
  }
  for (const tool of call.tool_calls) {
    bar(2, tool.started_at, tool.started_at + tool.duration_ms / 1000, tool.is_error ? "#ef4444" : "#f59e0b", "tool-call", tool.name);
  }
  const marks = [
    ...call.events.map((e) => [e.at, e.kind, e.kind === "interrupted" ? "#f97316" : "#64748b"]),
    ...call.errors.map((e) => [e.at, "error: " + e.source + ": " + e.message, "#ef4444"]),
  ];
  for (const [at, label, color] of marks) {
    const mark = svg("circle", { cx: x(at), cy: top + 3 * laneH + laneH / 2, r: 5, fill: color, class: "event-mark" });
    mark.append(svg("title", {}, label));
    plot.append(mark);
  }
}

function drawTurnBars(call) {
  const holder = document.getElementById("turn-bars");
  const turns = call.turns.filter((t) => t.e2e_latency_ms !== null);
  const scale = Math.max(200, ...turns.map((t) => t.e2e_latency_ms));
  holder.replaceChildren(...(turns.length ? turns.map((turn) => {
    const s = turn.stages || {};
    const origin = s.user_speech_end;
    const track = el("div", { class: "track" });
    for (const [cls, label, from, to] of SEGMENTS) {
      if (s[from] === null || s[from] === undefined || s[to] === null || s[to] === undefined) continue;
      const a = Math.max(0, (s[from] - origin) * 1000), b = Math.max(a, (s[to] - origin) * 1000);
      const seg = el("div", { class: "seg " + cls, title: label + ": " + Math.round(b - a) + " ms",
        style: "left:" + (a / scale) * 100 + "%;width:" + Math.max(0.4, ((b - a) / scale) * 100) + "%" });
      track.append(seg);
    }
    return el("div", { class: "turn", "data-turn": turn.turn_id },
      el("span", { class: "label", title: turn.user_text || "" }, "Turn " + turn.turn_id + ": " + (turn.user_text || "")),
      track, el("span", { class: "total" }, ms(turn.e2e_latency_ms)));
  }) : [el("p", { class: "empty" }, "No answered turn with a measured latency yet.")]));
  document.getElementById("stage-legend").replaceChildren(...SEGMENTS.map(([cls, label]) =>
    el("span", {}, el("i", { class: "seg " + cls, style: "position:static" }), label)));
}

// ---- routing -------------------------------------------------------------------------------

function route() {
  for (const timer of state.timers) clearInterval(timer);
  state.timers = [];
  const match = location.hash.match(/^#\/call\/(.+)$/);
  document.getElementById("overview").hidden = Boolean(match);
  document.getElementById("call").hidden = !match;
  if (match) {
    const id = decodeURIComponent(match[1]);
    showCall(id);
    state.timers.push(setInterval(() => showCall(id), 3000));
    return;
  }
  const safely = (fn) => () => fn().catch((e) => console.warn(e));
  safely(refreshLive)();
  safely(() => refreshHistory(false))();
  safely(refreshLatency)();
  state.timers.push(setInterval(safely(refreshLive), 1000));
  state.timers.push(setInterval(safely(() => (state.offset <= 25 ? refreshHistory(false) : Promise.resolve())), 5000));
  state.timers.push(setInterval(safely(refreshLatency), 10000));
}

let searchTimer = null;
document.getElementById("search").addEventListener("input", (event) => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => {
    state.search = event.target.value;
    refreshHistory(false);
  }, 250);
});
document.getElementById("more").addEventListener("click", () => refreshHistory(true));
window.addEventListener("hashchange", route);
route();
