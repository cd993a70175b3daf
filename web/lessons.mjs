// lessons.mjs: the page's lesson index (build/web/lessons.json) from the
// scenario files named on the command line: path, name, description.
import { readFileSync } from "node:fs";

const lessons = process.argv.slice(2).map((path) => {
  const doc = JSON.parse(readFileSync(path, "utf8"));
  return { path, name: doc.name || path, description: doc.description || "" };
});
process.stdout.write(JSON.stringify({ lessons }, null, 1) + "\n");
