// app.js: the classroom page.  The simulator runs in worker.js (tcpqsim's C
// code in WebAssembly); this file only shows what it returns: the run's
// time series (series.tsv) replayed over simulated time, its attempts
// (attempts.jsonl), the stories (tcpqsim explain's text).  No rule of TCP
// lives here.
"use strict";

const $ = (id) => document.getElementById(id);
const SVGNS = "http://www.w3.org/2000/svg";

const state = {
  lessons: [],
  lesson: null,      // {path, name, description}
  text: "",          // the lesson's scenario file
  doc: null,         // ... parsed
  sets: new Map(),   // path -> value, the overrides in force (in order)
  pop: 0,            // population the client controls act on
  res: null,         // the last result from the worker
  row: 0,            // current series row
  t: 0,              // current simulated time, s
  playing: false,
  seq: 0,            // last request sent
  storyId: null,
};

// ---- the worker ---------------------------------------------------------------
const worker = new Worker("worker.js");
const waiting = new Map();
worker.onmessage = (e) => {
  const m = e.data;
  if (m.type === "ready") return;
  const cb = waiting.get(m.seq);
  if (cb) {
    waiting.delete(m.seq);
    cb(m);
  }
};
worker.onerror = (e) => setStatus("error", "the simulator failed to start: " + e.message);
function ask(msg) {
  return new Promise((resolve) => {
    const seq = ++state.seq;
    waiting.set(seq, resolve);
    worker.postMessage(Object.assign({ seq }, msg));
  });
}

function setStatus(s, text) {
  const el = $("status");
  el.dataset.state = s;
  el.textContent = text;
}

// ---- lessons and the URL ------------------------------------------------------
// ?lesson=configs/classroom/03-accept-queue-fills.json&set=server.backlog=8&t=1.5
// (&story=ID opens an attempt's story, &play=1 starts playing)
async function start() {
  const idx = await (await fetch("lessons.json")).json();
  state.lessons = idx.lessons;
  const sel = $("lesson");
  let group = null;
  for (const l of state.lessons) {
    const g = l.path.split("/").slice(-2, -1)[0];
    if (!group || group.label !== g) {
      group = document.createElement("optgroup");
      group.label = g;
      sel.appendChild(group);
    }
    const o = document.createElement("option");
    o.value = l.path;
    o.textContent = l.path.split("/").pop().replace(/\.json$/, "") + "  (" + l.name + ")";
    group.appendChild(o);
  }
  const q = new URLSearchParams(location.search);
  const path = q.get("lesson") || state.lessons[0].path;
  const sets = q.getAll("set");
  const t = q.has("t") ? +q.get("t") : null;
  sel.value = path;
  sel.onchange = () => openLesson(sel.value, [], null, false);
  await openLesson(path, sets, t, q.get("play") === "1");
  if (q.has("story")) showStory(+q.get("story"));
}

async function openLesson(path, sets, t, play) {
  const l = state.lessons.find((x) => x.path === path);
  if (!l) {
    setStatus("error", "no lesson " + path);
    return;
  }
  state.lesson = l;
  state.text = await (await fetch(path)).text();
  state.doc = JSON.parse(state.text);
  state.sets = new Map();
  for (const s of sets) {
    const eq = s.indexOf("=");
    if (eq > 0) state.sets.set(s.slice(0, eq), s.slice(eq + 1));
  }
  state.pop = 0;
  state.fresh = true;
  state.storyId = null;
  $("story").textContent = "Click an attempt.";
  state.diagram = null;
  drawSequence();
  $("story-id").textContent = "-";
  $("description").textContent = l.description;
  $("lesson").value = path;
  await rerun(t, play);
}

function setsList() {
  return [...state.sets].map(([k, v]) => k + "=" + v);
}

function permalink() {
  const q = new URLSearchParams();
  q.set("lesson", state.lesson.path);
  for (const s of setsList()) q.append("set", s);
  if (state.storyId !== null) q.set("story", String(state.storyId));
  return "?" + q.toString();
}

// ---- running ------------------------------------------------------------------
async function rerun(t, play) {
  pause();
  setStatus("running", "running...");
  $("error").hidden = true;
  const r = await ask({ type: "run", path: state.lesson.path, text: state.text, sets: setsList() });
  $("permalink").href = permalink();
  $("sets").textContent = setsList().map((s) => "--set " + s).join(" ");
  history.replaceState(null, "", permalink());
  if (r.type === "error") {
    setStatus("error", "the scenario was not run");
    document.body.dataset.errors = String(+(document.body.dataset.errors || 0) + 1);
    $("error").textContent = r.message;
    $("error").hidden = false;
    buildControls(state.res ? state.res.summary.scenario : null, state.res ? state.res.info : null);
    return;
  }
  state.res = r;
  r.tView = viewEnd(r);
  r.order = Array.from({ length: r.attempts.n }, (_, i) => i).sort((x, y) => r.attempts.id[x] - r.attempts.id[y]);
  if (state.fresh) {
    // a new lesson: a speed that plays the interesting part in about 15 s,
    // a log scale for big histograms
    state.fresh = false;
    const want = r.tView / 15;
    let best = null;
    for (const o of $("speed").options) if (!best || Math.abs(Math.log(+o.value / want)) < Math.abs(Math.log(+best.value / want))) best = o;
    $("speed").value = best.value;
    $("logy").checked = r.summary.connect_time_ms.count > 1000;
  }
  const w = $("warnings");
  w.textContent = r.warnings.join("\n");
  w.hidden = !r.warnings.length;
  const ev = r.summary.run.events;
  $("runinfo").textContent =
    `${r.summary.attempts} attempts, ${ev} events, simulated ${r.summary.run.simulated_s} s in ` +
    `${r.wall_ms.toFixed(0)} ms of wall time: ${fmtRate(r.summary.run.events_per_s)} events/s in the engine, ` +
    `${fmtRate(r.events_per_s)} events/s with the output files`;
  $("runinfo").dataset.eventsPerS = String(r.summary.run.events_per_s);
  $("runinfo").dataset.eventsPerSAll = String(r.events_per_s);
  $("runinfo").dataset.events = String(ev);
  $("report").textContent = r.report;
  $("summary-json").textContent = r.summaryText;
  buildControls(r.summary.scenario, r.info);
  prepareHist();
  drawQueueChart();
  buildAttemptFilter();
  renderAttempts();
  const sc = $("scrub");
  sc.max = String(r.series.n - 1);
  seekTime(t === null || t === undefined ? 0 : t);
  setStatus("done", "done");
  document.body.dataset.runs = String(+(document.body.dataset.runs || 0) + 1);
  if (state.storyId !== null) showStory(state.storyId);
  if (play) playPause();
}

// where the run stops changing: the last sample that differs from the one
// before (the rest is the drain, with nothing to watch), at least the arrivals
function viewEnd(r) {
  const c = r.series.cols;
  const n = r.series.n;
  const names = r.series.names.filter((k) => k !== "t_s");
  let last = 0;
  for (let i = n - 1; i > 0 && !last; i--) for (const k of names) if (c[k][i] !== c[k][i - 1]) {
    last = i;
    break;
  }
  const tEnd = c.t_s[n - 1];
  return Math.min(tEnd, Math.max(r.info.duration_s, c.t_s[Math.min(n - 1, last + 1)]) * 1.05);
}

function fmtRate(x) {
  if (!isFinite(x)) return "-";
  if (x >= 1e6) return (x / 1e6).toFixed(2) + " M";
  if (x >= 1e3) return (x / 1e3).toFixed(1) + " k";
  return x.toFixed(0);
}

// ---- the controls -------------------------------------------------------------
// Each control is a scenario key; its value is the resolved scenario's.
function get(obj, path) {
  return path.split(".").reduce((o, k) => (o && typeof o === "object" ? o[k] : undefined), obj);
}

function buildControls(sc, info) {
  const box = $("controls");
  box.textContent = "";
  if (!sc || !info) return;
  const docClients = state.doc.clients;
  const isArray = Array.isArray(docClients);
  const nPops = isArray ? docClients.length : 1;
  const cPath = isArray ? `clients[${state.pop}]` : "clients";
  const cRes = Array.isArray(sc.clients) ? sc.clients[state.pop] : sc.clients;
  const docPop = isArray ? docClients[state.pop] : docClients || {};
  // the network keys: the population's own when its file has them
  const netPath = docPop && docPop.network ? cPath + ".network" : "network";
  const net = get(sc, netPath.replace(/^clients\[\d+\]/, "")) || (docPop && docPop.network ? cRes.network : sc.network);
  const delay = net ? net.one_way_delay_ms : undefined;
  const delayValue = typeof delay === "number" ? delay : delay && delay.kind === "constant" ? delay.value : undefined;
  const acc = sc.server.acceptor || {};
  const arr = cRes.arrival || {};
  const kernels = info.profiles;
  const controls = [
    { label: "backlog", path: "server.backlog", value: sc.server.backlog, type: "number" },
    { label: "somaxconn", path: "server.sysctl.somaxconn", value: sc.server.sysctl.somaxconn, type: "number" },
    { label: "server kernel", path: "server.kernel", value: sc.server.kernel, options: kernels },
    { label: "client kernel", path: cPath + ".kernel", value: cRes.kernel, options: kernels },
    { label: "tcp_abort_on_overflow", path: "server.sysctl.tcp_abort_on_overflow", value: sc.server.sysctl.tcp_abort_on_overflow, options: [0, 1] },
    { label: "tcp_syncookies", path: "server.sysctl.tcp_syncookies", value: sc.server.sysctl.tcp_syncookies, options: [0, 1, 2] },
    { label: "tcp_syn_retries", path: cPath + ".sysctl.tcp_syn_retries", value: cRes.sysctl.tcp_syn_retries, type: "number" },
    {
      label: "arrival rate /s", path: cPath + ".arrival.rate_per_s", value: arr.rate_per_s, type: "number",
      off: arr.rate_per_s === undefined ? `arrival kind "${arr.kind}" has no rate_per_s` : null,
    },
    {
      label: "accept rate /s", path: "server.acceptor.rate_per_s", value: acc.rate_per_s, type: "number",
      extra: acc.kind !== "rate" ? ["server.acceptor.kind", "rate"] : null,
      hint: acc.kind !== "rate" ? `acceptor kind "${acc.kind}"; a value makes it "rate"` : null,
    },
    {
      label: "one-way delay ms", path: netPath + ".one_way_delay_ms", value: delayValue, type: "number",
      off: delayValue === undefined ? "the delay is a distribution" : null,
    },
    { label: "loss (each way)", path: netPath + ".loss_to_server", value: net ? net.loss_to_server : 0, type: "number", also: netPath + ".loss_to_client" },
  ];
  if (nPops > 1) {
    const l = document.createElement("label");
    const s = document.createElement("span");
    s.textContent = "client population";
    const sel = document.createElement("select");
    for (let i = 0; i < nPops; i++) {
      const o = document.createElement("option");
      o.value = String(i);
      o.textContent = (Array.isArray(sc.clients) ? sc.clients[i].name : "clients") + ` [${i}]`;
      sel.appendChild(o);
    }
    sel.value = String(state.pop);
    sel.onchange = () => {
      state.pop = +sel.value;
      buildControls(sc, info);
    };
    l.append(s, sel);
    box.appendChild(l);
  }
  for (const c of controls) {
    const l = document.createElement("label");
    const s = document.createElement("span");
    s.textContent = c.label;
    l.title = c.hint || c.off || c.path;
    l.dataset.path = c.path;
    let input;
    if (c.options) {
      input = document.createElement("select");
      for (const v of c.options) {
        const o = document.createElement("option");
        o.value = String(v);
        o.textContent = String(v);
        input.appendChild(o);
      }
      if (!c.options.map(String).includes(String(c.value))) {
        const o = document.createElement("option");
        o.value = String(c.value);
        o.textContent = String(c.value);
        input.appendChild(o);
      }
    } else {
      input = document.createElement("input");
      input.type = "text";
      input.inputMode = "decimal";
    }
    input.value = c.value === undefined || c.value === null ? "" : String(c.value);
    input.dataset.path = c.path;
    if (c.off) {
      input.disabled = true;
      l.classList.add("disabled");
    }
    if (state.sets.has(c.path)) l.classList.add("changed");
    input.onchange = () => {
      const raw = input.value.trim();
      const v = raw;
      if (c.extra) state.sets.set(c.extra[0], c.extra[1]);
      state.sets.set(c.path, v);
      if (c.also) state.sets.set(c.also, v);
      rerun(state.t, state.playing);
    };
    l.append(s, input);
    box.appendChild(l);
  }
}

$("reset").onclick = () => {
  state.sets = new Map();
  rerun(0, false);
};

// ---- playback -----------------------------------------------------------------
let raf = 0;
let lastWall = 0;
function playPause() {
  if (state.playing) return pause();
  if (!state.res) return;
  const s = state.res.series;
  if (state.row >= s.n - 1) seekRow(0);
  state.stopAt = state.t < state.res.tView ? state.res.tView : s.cols.t_s[s.n - 1];
  state.playing = true;
  $("play").innerHTML = "&#10074;&#10074; Pause";
  lastWall = performance.now();
  raf = requestAnimationFrame(tick);
}
function pause() {
  state.playing = false;
  $("play").innerHTML = "&#9654; Play";
  cancelAnimationFrame(raf);
}
function tick(now) {
  if (!state.playing) return;
  const dt = (now - lastWall) / 1000;
  lastWall = now;
  const s = state.res.series;
  const tEnd = state.stopAt;
  const t = Math.min(state.t + dt * +$("speed").value, tEnd);
  seekTime(t);
  if (t >= tEnd) return pause();
  raf = requestAnimationFrame(tick);
}
$("play").onclick = playPause;
$("step").onclick = () => {
  pause();
  if (state.res) seekRow(Math.min(state.row + 1, state.res.series.n - 1));
};
$("end").onclick = () => {
  pause();
  if (state.res) seekRow(state.res.series.n - 1);
};
$("scrub").oninput = () => {
  pause();
  seekRow(+$("scrub").value);
};
$("logy").onchange = () => drawHist();

// the last sample at or before t
function rowAt(t) {
  const ts = state.res.series.cols.t_s;
  let lo = 0;
  let hi = ts.length - 1;
  if (t <= ts[0]) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ts[mid] <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
function seekTime(t) {
  state.t = t;
  state.row = rowAt(t);
  show();
}
function seekRow(i) {
  state.row = i;
  state.t = state.res.series.cols.t_s[i];
  show();
}

// ---- what a sample shows ------------------------------------------------------
let ssSeq = 0;
function show() {
  const r = state.res;
  const c = r.series.cols;
  const i = state.row;
  $("scrub").value = String(i);
  $("clock").textContent = `t = ${state.t.toFixed(3)} s  (sample ${i + 1} of ${r.series.n}, every ${r.info.sample_interval_s} s)`;
  const sq = c.syn_queue[i];
  const aq = c.accept_queue[i];
  const sl = r.info.syn_queue_limit;
  const al = r.info.accept_queue_limit;
  $("synq-fill").style.width = Math.min(100, (100 * sq) / Math.max(1, sl)) + "%";
  $("acq-fill").style.width = Math.min(100, (100 * aq) / Math.max(1, al)) + "%";
  $("synq-num").textContent = `${sq} / ${sl}`;
  $("acq-num").textContent = `${aq} / ${al}`;
  // counters
  const tb = $("counters").tBodies[0];
  tb.textContent = "";
  for (const k of r.info.counters) {
    const v = c[k.name][i];
    const tr = tb.insertRow();
    const a = tr.insertCell();
    a.textContent = k.nstat;
    a.title = "netstat -s: " + k.netstat.replace("%", String(v));
    const b = tr.insertCell();
    b.className = "v";
    b.id = "counter-" + k.name;
    b.textContent = String(v);
  }
  const ob = $("outcomes").tBodies[0];
  ob.textContent = "";
  for (const o of r.info.outcomes) {
    const tr = ob.insertRow();
    const a = tr.insertCell();
    a.textContent = o.name;
    a.title = o.text;
    a.className = "o-" + o.name;
    const b = tr.insertCell();
    b.className = "v";
    b.id = "outcome-" + o.name;
    b.textContent = String(c[o.name][i]);
  }
  // the cursor on the queue chart, the histogram up to now
  const cur = $("queue-chart").querySelector(".cursor");
  if (cur) {
    const x = qx(Math.min(state.t, qScale.tmax));
    cur.setAttribute("x1", x);
    cur.setAttribute("x2", x);
  }
  drawHist();
  drawSequence();
  // ss -lnt, from the program's own view
  const my = ++ssSeq;
  ask({ type: "ss", t: c.t_s[i], aq, synSent: c.client_syn_sent[i], est: c.client_established[i] }).then((m) => {
    if (my === ssSeq) $("ss").textContent = m.text + (r.info.listeners > 1 ? `(Recv-Q summed over ${r.info.listeners} listeners)\n` : "");
  });
}

// ---- the queue chart ----------------------------------------------------------
const Q = { w: 600, h: 220, l: 44, r: 10, t: 10, b: 28 };
let qScale = null;
function qx(t) {
  return Q.l + ((Q.w - Q.l - Q.r) * t) / qScale.tmax;
}
function qy(v) {
  return Q.h - Q.b - ((Q.h - Q.t - Q.b) * v) / qScale.vmax;
}
function el(name, attrs, parent) {
  const e = document.createElementNS(SVGNS, name);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}
function drawQueueChart() {
  const svg = $("queue-chart");
  svg.textContent = "";
  const r = state.res;
  const c = r.series.cols;
  const n = r.series.n;
  let vmax = Math.max(r.info.syn_queue_limit, r.info.accept_queue_limit, 1);
  for (let i = 0; i < n; i++) vmax = Math.max(vmax, c.syn_queue[i], c.accept_queue[i]);
  qScale = { tmax: Math.max(r.tView, 1e-9), vmax: vmax * 1.08 };
  el("line", { x1: Q.l, y1: Q.h - Q.b, x2: Q.w - Q.r, y2: Q.h - Q.b, stroke: "#999" }, svg);
  el("line", { x1: Q.l, y1: Q.t, x2: Q.l, y2: Q.h - Q.b, stroke: "#999" }, svg);
  for (const [v, col, name, right] of [
    [r.info.syn_queue_limit, "#e39b2f", "SYN queue limit", false],
    [r.info.accept_queue_limit, "#3b7dd8", "accept queue limit", true],
  ]) {
    el("line", { x1: Q.l, y1: qy(v), x2: Q.w - Q.r, y2: qy(v), stroke: col, "stroke-dasharray": "5 4" }, svg);
    el("text", { x: right ? Q.w - Q.r - 4 : Q.l + 4, y: qy(v) - 3, "text-anchor": right ? "end" : "start", fill: col }, svg).textContent = `${name} ${v}`;
  }
  const step = Math.max(1, Math.floor(n / 1200));
  for (const [k, col] of [["syn_queue", "#e39b2f"], ["accept_queue", "#3b7dd8"]]) {
    let d = "";
    for (let i = 0; i < n && c.t_s[i] <= qScale.tmax; i += step) {
      // the largest value in the stride, so peaks stay visible
      let v = c[k][i];
      for (let j = i + 1; j < Math.min(n, i + step); j++) v = Math.max(v, c[k][j]);
      d += (d ? "L" : "M") + qx(c.t_s[i]).toFixed(1) + "," + qy(v).toFixed(1);
    }
    el("path", { d, fill: "none", stroke: col, "stroke-width": 1.5 }, svg);
  }
  for (const t of ticks(qScale.tmax, 6)) {
    el("text", { x: qx(t), y: Q.h - Q.b + 14, "text-anchor": "middle" }, svg).textContent = String(t);
  }
  el("text", { x: Q.w - Q.r, y: Q.h - 2, "text-anchor": "end" }, svg).textContent =
    r.tView < c.t_s[n - 1] ? `simulated time, s (the run goes on to ${c.t_s[n - 1]} s; nothing changes after ${+r.tView.toFixed(3)} s)` : "simulated time, s";
  for (const v of ticks(qScale.vmax, 4)) {
    el("text", { x: Q.l - 4, y: qy(v) + 4, "text-anchor": "end" }, svg).textContent = String(v);
  }
  el("line", { class: "cursor", x1: Q.l, y1: Q.t, x2: Q.l, y2: Q.h - Q.b, stroke: "#c00" }, svg);
}
function ticks(max, n) {
  const raw = max / n;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  const st = (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
  const out = [];
  for (let v = 0; v <= max + 1e-9; v += st) out.push(+v.toPrecision(6));
  return out;
}

// ---- the connect-time histogram ------------------------------------------------
// Connected attempts (those the summary counts) by connect time, in the
// run's own bins (hist_bin_ms); an attempt joins when it connects.
let H = null;
function prepareHist() {
  const r = state.res;
  const a = r.attempts;
  const bin = r.info.hist_bin_ms;
  const items = [];
  let maxMs = 0;
  for (let i = 0; i < a.n; i++) {
    if (a.connect_ms[i] < 0 || !a.counted[i]) continue;
    items.push([a.start_s[i] + a.connect_ms[i] / 1000, Math.floor(a.connect_ms[i] / bin)]);
    maxMs = Math.max(maxMs, a.connect_ms[i]);
  }
  items.sort((x, y) => x[0] - y[0]);
  const marks = [];
  r.info.populations.forEach((p, k) => {
    for (const s of p.retransmit_s) marks.push([s, k]);
    if (p.etimedout_s !== undefined) marks.push([p.etimedout_s, k, "ETIMEDOUT"]);
  });
  const lastMark = Math.max(0, ...marks.filter((m) => !m[2]).map((m) => m[0]));
  const xmax = Math.max(maxMs / 1000, Math.min(lastMark, Math.max(maxMs / 1000 * 1.5, 3.5)), bin / 1000);
  const nb = Math.floor((xmax * 1000) / bin) + 1;
  const cols = Math.min(nb, 450);
  const per = Math.ceil(nb / cols);
  H = { items, bin, per, cols: Math.ceil(nb / per), xmax: (Math.ceil(nb / per) * per * bin) / 1000, marks, counts: null, upTo: 0 };
  H.counts = new Float64Array(H.cols);
  H.maxCount = 1;
  const all = new Float64Array(H.cols);
  for (const [, b] of items) all[Math.min(H.cols - 1, Math.floor(b / per))]++;
  for (const v of all) H.maxCount = Math.max(H.maxCount, v);
}
function drawHist() {
  if (!H) return;
  // advance or rebuild the counts up to state.t
  let k = H.upTo;
  if (k > 0 && H.items[k - 1][0] > state.t) {
    H.counts.fill(0);
    k = 0;
  }
  while (k < H.items.length && H.items[k][0] <= state.t) {
    H.counts[Math.min(H.cols - 1, Math.floor(H.items[k][1] / H.per))]++;
    k++;
  }
  H.upTo = k;
  const svg = $("hist-chart");
  svg.textContent = "";
  const W = 900, Ht = 260, L = 50, R = 10, T = 14, B = 30;
  const log = $("logy").checked;
  const ymax = log ? Math.log10(H.maxCount + 1) : H.maxCount;
  const x = (s) => L + ((W - L - R) * s) / H.xmax;
  const y = (v) => Ht - B - ((Ht - T - B) * (log ? Math.log10(v + 1) : v)) / ymax;
  el("line", { x1: L, y1: Ht - B, x2: W - R, y2: Ht - B, stroke: "#999" }, svg);
  const bw = (W - L - R) / H.cols;
  let d = "";
  for (let i = 0; i < H.cols; i++) {
    const v = H.counts[i];
    if (!v) continue;
    const x0 = L + i * bw;
    d += `M${x0.toFixed(1)},${Ht - B}V${y(v).toFixed(1)}h${Math.max(bw, 1.2).toFixed(1)}V${Ht - B}z`;
  }
  el("path", { d, fill: "#3b7dd8" }, svg);
  const colors = ["#c33", "#7a3", "#a5c", "#c80"];
  const seen = new Set();
  for (const [s, p, what] of H.marks) {
    if (s > H.xmax) continue;
    const col = colors[p % colors.length];
    el("line", { x1: x(s), y1: T, x2: x(s), y2: Ht - B, stroke: col, "stroke-dasharray": "4 3", class: "rtx", "data-s": String(s), "data-what": what || "SYN" }, svg);
    const label = what || "SYN";
    const key = s.toFixed(3) + label;
    if (!seen.has(key)) {
      seen.add(key);
      el("text", { x: x(s) + 2, y: T + 10 + 12 * p, fill: col }, svg).textContent = `${label} ${+s.toFixed(3)} s`;
    }
  }
  for (const t of ticks(H.xmax, 8)) el("text", { x: x(t), y: Ht - B + 14, "text-anchor": "middle" }, svg).textContent = String(t);
  el("text", { x: W - R, y: Ht - 2, "text-anchor": "end" }, svg).textContent =
    `connect time, s (bars ${+(H.bin * H.per).toFixed(3)} ms wide; ${k} of ${H.items.length} connected so far)`;
  const yt = log ? [1, 10, 100, 1000, 10000, 100000].filter((v) => v <= H.maxCount) : ticks(H.maxCount, 4);
  for (const v of yt) el("text", { x: L - 4, y: y(v) + 4, "text-anchor": "end" }, svg).textContent = String(v);
  svg.dataset.connected = String(k);
}

// ---- attempts and stories -----------------------------------------------------
function buildAttemptFilter() {
  const sel = $("att-outcome");
  const keep = sel.value;
  sel.length = 1;
  for (const o of state.res.info.outcomes) {
    const op = document.createElement("option");
    op.value = o.name;
    op.textContent = o.name;
    sel.appendChild(op);
  }
  sel.value = keep;
}
const SHOWN = 300;
function renderAttempts() {
  const r = state.res;
  const a = r.attempts;
  const want = $("att-outcome").value;
  const wantIdx = want ? r.info.outcomes.findIndex((o) => o.name === want) : -1;
  const from = Math.max(0, +$("att-from").value || 0);
  const tb = $("attempts").tBodies[0];
  tb.textContent = "";
  let shown = 0;
  let matched = 0;
  for (const i of r.order) {
    if (wantIdx >= 0 && a.outcome[i] !== wantIdx) continue;
    matched++;
    if (a.id[i] < from || shown >= SHOWN) continue;
    shown++;
    const tr = tb.insertRow();
    tr.dataset.id = String(a.id[i]);
    if (a.id[i] === state.storyId) tr.className = "sel";
    const name = r.info.outcomes[a.outcome[i]].name;
    for (const v of [a.id[i], a.start_s[i].toFixed(3), a.syns[i], a.connect_ms[i] < 0 ? "-" : a.connect_ms[i].toFixed(3), name]) {
      tr.insertCell().textContent = String(v);
    }
    tr.cells[4].className = "o-" + name;
    tr.onclick = () => showStory(a.id[i]);
  }
  $("att-count").textContent = `${matched} of ${a.n} attempts; showing ${shown}`;
}
$("att-outcome").onchange = renderAttempts;
$("att-from").onchange = renderAttempts;

async function showStory(id) {
  state.storyId = id;
  history.replaceState(null, "", permalink());
  $("permalink").href = permalink();
  for (const tr of $("attempts").tBodies[0].rows) tr.classList.toggle("sel", +tr.dataset.id === id);
  $("story-id").textContent = String(id);
  $("story").textContent = "telling...";
  const m = await ask({ type: "story", id });
  if (state.storyId === id) {
    $("story").textContent = m.type === "error" ? m.message : m.text;
    $("story").dataset.id = String(id);
    state.diagram = m.type === "error" ? null : parseDiagram(m.text);
    drawSequence();
  }
}

// The story's sequence diagram (the text explain prints) drawn as SVG:
// each row of the text is one arrow or note, in the same order; rows after
// the playback time are faint, so the story unfolds as the run plays.
function parseDiagram(text) {
  const lines = text.split("\n");
  const first = text.match(/first SYN at t = ([\d.]+) s/);
  const i0 = lines.findIndex((l) => l.startsWith("Sequence diagram"));
  if (i0 < 0) return null;
  const rows = [];
  for (const l of lines.slice(i0 + 1)) {
    const m = l.match(/^\s*([\d.]+) ms  \|(.*)\|(.*)$/);
    if (!m) {
      if (rows.length && !l.trim()) break;
      continue;
    }
    const lane = m[2];
    const note = m[3].replace(/^\s+/, "");
    const up = lane.includes(">");
    const down = lane.includes("<");
    const lm = lane.match(/[-<>X ] (\S(?:.*?\S)?) [-<>X ]/);
    const label = lm ? lm[1] : lane.replace(/[<>X]/g, "").replace(/^[- ]+|[- ]+$/g, "");
    let fate = "delivered";
    if (up && /X\s*$/.test(lane) && lane.trimEnd().endsWith(">X")) fate = "dropped";
    else if (down && lane.trimStart().startsWith("X<")) fate = "dropped";
    else if (lane.includes("X")) fate = "lost";
    rows.push({ ms: +m[1], dir: up ? "up" : down ? "down" : "none", label, fate, note });
  }
  return { t0: first ? +first[1] : 0, rows };
}

function drawSequence() {
  const svg = $("seq-chart");
  const d = state.diagram;
  svg.textContent = "";
  if (!d || !d.rows.length) {
    svg.hidden = true;
    return;
  }
  svg.hidden = false;
  const rowH = 24, top = 34, cx = 150, sx = 420, W = 700;
  const H = top + rowH * d.rows.length + 12;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  el("text", { x: cx, y: 16, "text-anchor": "middle" }, svg).textContent = "Client";
  el("text", { x: sx, y: 16, "text-anchor": "middle" }, svg).textContent = "Server";
  el("line", { x1: cx, y1: 22, x2: cx, y2: H - 6, stroke: "#888" }, svg);
  el("line", { x1: sx, y1: 22, x2: sx, y2: H - 6, stroke: "#888" }, svg);
  d.rows.forEach((r, i) => {
    const y = top + i * rowH;
    const t = d.t0 + r.ms / 1000;
    const g = el("g", { class: "seq-row", opacity: t <= state.t + 1e-9 ? 1 : 0.18 }, svg);
    el("text", { x: 8, y: y + 10 }, g).textContent = r.ms.toFixed(3) + " ms";
    if (r.dir !== "none") {
      const from = r.dir === "up" ? cx : sx;
      const to = r.dir === "up" ? sx : cx;
      const end = r.fate === "lost" ? from + (to - from) * 0.6 : to;
      const col = r.fate === "delivered" ? "#246" : "#b22";
      el("line", { x1: from, y1: y, x2: end, y2: y + 14, stroke: col, "stroke-width": 1.6, class: "seq-arrow" }, g);
      const dx = Math.sign(to - from);
      if (r.fate === "delivered")
        el("path", { d: `M${end},${y + 14}l${-8 * dx},-7l0,8z`, fill: col }, g);
      else el("text", { x: end, y: y + 19, "text-anchor": "middle", fill: "#b22", "font-weight": "bold" }, g).textContent = "X";
      el("text", { x: (from + end) / 2, y: y + 3, "text-anchor": "middle" }, g).textContent = r.label;
    }
    if (r.note) el("text", { x: sx + 10, y: y + 12 }, g).textContent = r.note;
  });
  svg.dataset.arrows = String(d.rows.filter((r) => r.dir !== "none").length);
}

start().catch((e) => setStatus("error", String(e)));
