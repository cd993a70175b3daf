// engine.js: the WebAssembly build of tcpqsim (tcpqsim.js + tcpqsim.wasm)
// behind a small object, for the page's worker (importScripts) and for the
// Node tests (require).  It only moves data in and out: the scenario file
// goes into Emscripten's in-memory file system at its own path, the run
// writes the native run's files (summary.json, series.tsv, connect_hist.tsv)
// into /out, and this reads them back, with the attempt records the run kept.
(function (root) {
  "use strict";

  const OUT = "/out";
  const FILES = ["summary.json", "series.tsv", "connect_hist.tsv", "tcpsynbl.tsv"];

  function now() {
    return typeof performance !== "undefined" ? performance.now() : Date.now();
  }

  class Engine {
    constructor(mod) {
      this.m = mod;
      this.c = {
        load: mod.cwrap("web_load", "string", ["string", "string"]),
        warnings: mod.cwrap("web_warnings", "string", []),
        info: mod.cwrap("web_info", "string", []),
        run: mod.cwrap("web_run", "string", ["string"]),
        story: mod.cwrap("web_story", "string", ["number"]),
        report: mod.cwrap("web_report", "string", []),
        attempts: mod.cwrap("web_attempts", "number", []),
        attemptCount: mod.cwrap("web_attempt_count", "number", []),
        ss: mod.cwrap("web_ss", "string", ["number", "number", "number", "number"]),
      };
    }

    // put a file (a scenario) at path in the in-memory file system
    putFile(path, text) {
      const FS = this.m.FS;
      const cut = path.lastIndexOf("/");
      if (cut > 0) FS.mkdirTree(path.slice(0, cut));
      FS.writeFile(path, text);
    }

    // load the scenario at path with "PATH=VALUE" overrides: "" or the
    // loader's error line; warnings() then lists what it found worth saying
    load(path, sets) {
      return this.c.load(path, (sets || []).join("\n"));
    }

    warnings() {
      return this.c.warnings().split("\n").filter((l) => l);
    }

    info() {
      return JSON.parse(this.c.info());
    }

    // run the loaded scenario; returns {error} or the run's files as text
    // and the wall time in ms
    run() {
      const FS = this.m.FS;
      try {
        for (const f of FS.readdir(OUT)) if (f !== "." && f !== "..") FS.unlink(OUT + "/" + f);
      } catch (e) {
        /* no folder yet */
      }
      const t0 = now();
      const err = this.c.run(OUT);
      const wall_ms = now() - t0;
      if (err) return { error: err };
      const report = this.c.report();
      const files = {};
      for (const f of FILES) files[f] = FS.readFile(OUT + "/" + f, { encoding: "utf8" });
      for (const f of FILES) FS.unlink(OUT + "/" + f);
      return { files, report, wall_ms, attempts: this.attempts() };
    }

    // the last run's attempt records (the fields of attempts.jsonl), as
    // columns in the order the attempts ended
    attempts() {
      const n = this.c.attemptCount();
      const F = 8; // WEB_ATT_FIELDS in tcpqsim_web.c
      const v = new Float64Array(this.m.HEAPF64.buffer, this.c.attempts(), n * F);
      const a = {
        n,
        id: new Float64Array(n),
        start_s: new Float64Array(n),
        connect_ms: new Float64Array(n),
        end_s: new Float64Array(n),
        syns: new Uint8Array(n),
        outcome: new Uint8Array(n),
        counted: new Uint8Array(n),
        cookie: new Uint8Array(n),
        population: new Uint8Array(n),
      };
      for (let i = 0; i < n; i++) {
        const o = i * F;
        a.id[i] = v[o];
        a.start_s[i] = v[o + 1];
        a.connect_ms[i] = v[o + 2];
        a.end_s[i] = v[o + 3];
        a.syns[i] = Math.min(v[o + 4], 255);
        a.outcome[i] = v[o + 5];
        a.counted[i] = v[o + 6] & 1;
        a.cookie[i] = (v[o + 6] >> 1) & 1;
        a.population[i] = v[o + 7];
      }
      return a;
    }

    // the story of attempt id, as "tcpqsim explain --conn id" prints it
    story(id) {
      return this.c.story(id);
    }

    // the "ss -lnt" lines for one time-series sample
    ss(t, acceptQueue, synSent, established) {
      return this.c.ss(t, acceptQueue, synSent, established);
    }
  }

  // series.tsv (a header of column names, then rows) -> {names, cols: {name: Float64Array}}
  function parseSeries(text) {
    const lines = text.split("\n").filter((l) => l);
    const names = lines[0].replace(/^# /, "").split("\t");
    const n = lines.length - 1;
    const cols = {};
    for (const k of names) cols[k] = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = lines[i + 1].split("\t");
      for (let j = 0; j < names.length; j++) cols[names[j]][i] = +v[j];
    }
    return { names, n, cols };
  }

  // connect_hist.tsv (a header line, then rows) -> [[bin_lower_ms, count], ...]
  function parseHist(text) {
    return text
      .split("\n")
      .slice(1) // the header
      .filter((l) => l)
      .map((l) => l.split("\t").map(Number).slice(0, 2));
  }

  const api = { Engine, parseSeries, parseHist };
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.TcpqsimEngine = api;
})(typeof self !== "undefined" ? self : this);
