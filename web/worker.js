// worker.js: the simulation, off the page's thread.  Messages in:
//   {type: "run", seq, path, text, sets}  load the scenario text (placed at
//                                         path) with the overrides and run it
//   {type: "story", seq, id}              the story of attempt id
//   {type: "ss", seq, t, aq, synSent, est} the ss -lnt lines of one sample
// Messages out: {type: "ready"}, {type: "error", seq, message},
// {type: "result", seq, ...}, {type: "story", seq, id, text}, {type: "ss", seq, text}.
/* global importScripts, createTcpqsim, TcpqsimEngine */
"use strict";
importScripts("tcpqsim.js", "engine.js");

let engine = null;
const pending = [];

createTcpqsim().then((mod) => {
  engine = new TcpqsimEngine.Engine(mod);
  postMessage({ type: "ready" });
  while (pending.length) handle(pending.shift());
});

onmessage = (e) => {
  if (!engine) pending.push(e.data);
  else handle(e.data);
};

function handle(msg) {
  try {
    if (msg.type === "run") run(msg);
    else if (msg.type === "story") postMessage({ type: "story", seq: msg.seq, id: msg.id, text: engine.story(msg.id) });
    else if (msg.type === "ss")
      postMessage({ type: "ss", seq: msg.seq, text: engine.ss(msg.t, msg.aq, msg.synSent, msg.est) });
  } catch (err) {
    postMessage({ type: "error", seq: msg.seq, message: "tcpqsim (web): " + (err && err.message ? err.message : err) });
  }
}

function run(msg) {
  engine.putFile(msg.path, msg.text);
  const loadErr = engine.load(msg.path, msg.sets);
  if (loadErr) {
    postMessage({ type: "error", seq: msg.seq, message: loadErr });
    return;
  }
  const warnings = engine.warnings();
  const info = engine.info();
  const r = engine.run();
  if (r.error) {
    postMessage({ type: "error", seq: msg.seq, message: r.error });
    return;
  }
  const summary = JSON.parse(r.files["summary.json"]);
  const series = TcpqsimEngine.parseSeries(r.files["series.tsv"]);
  const attempts = r.attempts;
  const hist = TcpqsimEngine.parseHist(r.files["connect_hist.tsv"]);
  const transfer = [];
  for (const k of series.names) transfer.push(series.cols[k].buffer);
  for (const k of ["id", "start_s", "connect_ms", "end_s", "syns", "outcome", "counted", "cookie", "population"])
    transfer.push(attempts[k].buffer);
  postMessage(
    {
      type: "result",
      seq: msg.seq,
      sets: msg.sets,
      path: msg.path,
      warnings,
      info,
      summaryText: r.files["summary.json"],
      report: r.report,
      summary,
      series,
      attempts,
      hist,
      wall_ms: r.wall_ms,
      events_per_s: summary.run.events / (r.wall_ms / 1000),
    },
    transfer
  );
}
