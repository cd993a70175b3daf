// equal.mjs: one truth, native and web.  For every lesson scenario named on
// the command line, the WebAssembly build (build/web, through web/engine.js
// as the page's worker uses it) must write the same summary.json as the
// native `tcpqsim run`, byte for byte, except the fields that measure the
// host: run.wall_s, run.events_per_s, run.max_rss_kb (wall time and the
// process's memory) and run.peak_bytes (bytes of in-flight state: WebAssembly
// has 4-byte pointers, so its structures are smaller).  It also checks that
// stories equal `tcpqsim explain`'s, that the loader's error lines are the
// native ones, and prints the events/s of the largest lesson.
//
//   TCPQSIM=./tcpqsim node --no-experimental-fetch tests/web/equal.mjs build/web LESSON.json...
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const require = createRequire(import.meta.url);
const [webDir, ...lessons] = process.argv.slice(2);
const tcpqsim = resolve(process.env.TCPQSIM || "./tcpqsim");
if (!webDir || !lessons.length) {
  console.error("usage: node --no-experimental-fetch tests/web/equal.mjs WEB_DIR LESSON.json...");
  process.exit(2);
}
const createTcpqsim = require(resolve(webDir, "tcpqsim.js"));
const { Engine } = require(resolve(webDir, "engine.js"));
const engine = new Engine(await createTcpqsim());

const HOST_FIELDS = ["wall_s", "events_per_s", "max_rss_kb", "peak_bytes"];
// drop the host's lines from cJSON's formatted text (one key a line)
function withoutHost(text) {
  const lines = text.split("\n").filter((l) => !HOST_FIELDS.some((k) => l.trimStart().startsWith(`"${k}":`)));
  return lines.join("\n").replace(/,(\n\t*})/g, "$1");
}

let failed = 0;
function fail(msg) {
  console.error("FAIL " + msg);
  failed++;
}

const tmp = mkdtempSync(join(tmpdir(), "tcpqsim-web-"));
let biggest = null;
try {
  for (const path of lessons) {
    const out = join(tmp, "native");
    rmSync(out, { recursive: true, force: true });
    execFileSync(tcpqsim, ["run", path, "--attempts", "-o", out, "-q"], { stdio: ["ignore", "ignore", "pipe"] });
    const native = readFileSync(join(out, "summary.json"), "utf8");
    engine.putFile(path, readFileSync(path, "utf8"));
    const err = engine.load(path, []);
    if (err) {
      fail(`${path}: the WebAssembly loader said: ${err}`);
      continue;
    }
    const r = engine.run();
    if (r.error) {
      fail(`${path}: the WebAssembly run said: ${r.error}`);
      continue;
    }
    const web = r.files["summary.json"];
    if (withoutHost(web) !== withoutHost(native)) {
      const a = withoutHost(native).split("\n");
      const b = withoutHost(web).split("\n");
      const i = a.findIndex((l, k) => l !== b[k]);
      fail(`${path}: summary.json differs at line ${i + 1}: native ${JSON.stringify(a[i])}, web ${JSON.stringify(b[i])}`);
      continue;
    }
    // the other files the page reads are the native run's too
    for (const f of ["series.tsv", "connect_hist.tsv"]) {
      if (r.files[f] !== readFileSync(join(out, f), "utf8")) fail(`${path}: ${f} differs from the native run's`);
    }
    const s = JSON.parse(web);
    // two stories: the first attempt and the last
    // the attempt records the page lists are attempts.jsonl's
    const outcomes = engine.info().outcomes.map((o) => o.name);
    const att = r.attempts;
    const recs = readFileSync(join(out, "attempts.jsonl"), "utf8").split("\n").filter((l) => l).map((l) => JSON.parse(l));
    const near = (x, y) => (x === null ? y === -1 : Math.abs(x - y) <= 5e-7 * Math.max(1, Math.abs(x)));
    const same =
      recs.length === att.n &&
      recs.every((q, i) => q.id === att.id[i] && near(q.start_s, att.start_s[i]) && near(q.connect_ms, att.connect_ms[i]) &&
        near(q.end_s, att.end_s[i]) && q.syns === att.syns[i] && q.outcome === outcomes[att.outcome[i]] &&
        q.counted === !!att.counted[i] && q.cookie === !!att.cookie[i]);
    if (!same) fail(`${path}: the attempt records differ from attempts.jsonl`);
    const ids = [...new Set([0, att.n > 0 ? att.id[att.n - 1] : 0])];
    for (const id of ids) {
      const ex = spawnSync(tcpqsim, ["explain", path, "--conn", String(id)], { encoding: "utf8" });
      const story = engine.story(id);
      const want = ex.status === 0 ? ex.stdout : ex.stderr.trimEnd();
      if (story !== want) fail(`${path}: the story of attempt ${id} differs from tcpqsim explain's`);
    }
    const eps = s.run.events / (r.wall_ms / 1000);
    if (!biggest || s.run.events > biggest.events) biggest = { path, events: s.run.events, attempts: s.attempts, eps, engine: s.run.events_per_s };
    console.log(`ok   ${path}: summary.json equal (${s.attempts} attempts, ${s.run.events} events), ${ids.length} stories equal`);
  }

  // the loader's own error lines, for a bad value and a misspelt key
  const path = lessons[0];
  for (const set of ["server.backlog=abc", "server.sysctl.somaxconn=-1", "server.sysctl.tcp_syncookies=3", "server.backlogg=8", "network.loss_to_server=2"]) {
    const nat = spawnSync(tcpqsim, ["run", path, "--set", set, "-o", join(tmp, "bad"), "-q"], { encoding: "utf8" });
    const web = engine.load(path, [set]);
    if (nat.status !== 2 || !web || nat.stderr.trimEnd() !== web)
      fail(`--set ${set}: native said ${JSON.stringify(nat.stderr.trimEnd())} (exit ${nat.status}), web said ${JSON.stringify(web)}`);
    else console.log(`ok   --set ${set}: the same error line: ${web}`);
  }

  // every link of docs/classroom.md opens a lesson whose settings load
  const doc = readFileSync("docs/classroom.md", "utf8");
  const links = [...doc.matchAll(/\(http:\/\/localhost:8000\/\?([^)]*)\)/g)].map((m) => new URLSearchParams(m[1]));
  let good = 0;
  for (const q of links) {
    const lesson = q.get("lesson");
    if (!lessons.includes(lesson)) {
      fail(`docs/classroom.md links to ${lesson}, which is not a lesson of the page`);
      continue;
    }
    engine.putFile(lesson, readFileSync(lesson, "utf8"));
    const e = engine.load(lesson, q.getAll("set"));
    if (e) fail(`docs/classroom.md: the link to ${lesson} with ${q.getAll("set").join(" ")}: ${e}`);
    else good++;
  }
  if (links.length < lessons.length) fail(`docs/classroom.md has ${links.length} page links for ${lessons.length} lessons`);
  console.log(`ok   docs/classroom.md: ${good} of ${links.length} page links load`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (biggest)
  console.log(
    `speed: ${biggest.path}: ${biggest.attempts} attempts, ${biggest.events} events, ` +
      `${(biggest.engine / 1e6).toFixed(2)} M events/s in the engine, ` +
      `${(biggest.eps / 1e6).toFixed(2)} M events/s with the output files (Node)`
  );
if (failed) {
  console.error(`${failed} failure(s)`);
  process.exit(1);
}
console.log(`web: ${lessons.length} lessons, native and WebAssembly agree`);
