// JSON.parse + ajv 8 (ajv-formats for date-time and email; our other formats from the same
// iso-codes data) on the schemas of schemas/, for scripts/bench.sh to set beside our engines.
//
//   node bench.js micro SCHEMA_DIR ISO_DIR PAYLOAD_DIR   ns per document (elapsed), as JSON lines
//   node bench.js jsonl SCHEMA_DIR ISO_DIR TARGET FILE   validates every line of FILE; prints the
//                                                        invalid ones; exit 1 if any
//
// PAYLOAD_DIR holds what the C++ benchmark wrote (--write-payloads): NAME.json and NAME.target.
// Each payload is checked once (valid, and its broken copy invalid) before it is timed.
"use strict";
const fs = require("fs");
const path = require("path");
const Ajv = require("ajv");
const addFormats = require("ajv-formats");

const [mode, schemaDir, isoDir, ...rest] = process.argv.slice(2);

function validators() {
  // strict: false lets annotations of ours (x-secret) through, as draft-07 says unknown keywords are.
  const ajv = new Ajv({ strict: false });
  addFormats(ajv, ["date-time", "email"]);
  const iso = (file) => JSON.parse(fs.readFileSync(path.join(isoDir, file), "utf8"));
  const currencies = new Set(iso("iso_4217.json")["4217"].map((c) => c.alpha_3));
  const countries = iso("iso_3166-1.json")["3166-1"];
  const alpha2 = new Set(countries.map((c) => c.alpha_2));
  const alpha3 = new Set(countries.map((c) => c.alpha_3));
  ajv.addFormat("iso-4217", (s) => currencies.has(s));
  ajv.addFormat("iso-3166-alpha-2", (s) => alpha2.has(s));
  ajv.addFormat("iso-3166", (s) => alpha2.has(s) || alpha3.has(s));
  ajv.addFormat("decimal-fraction", /^(?:0(?:\.[0-9]+)?|1(?:\.0+)?)$/);
  const byFile = {};
  for (const file of fs.readdirSync(schemaDir).filter((f) => f.endsWith(".schema.json"))) {
    const schema = JSON.parse(fs.readFileSync(path.join(schemaDir, file), "utf8"));
    ajv.addSchema(schema);
    byFile[file] = schema.$id;
  }
  const get = (file) => ajv.getSchema(byFile[file]);
  return {
    "update-request": get("customer-update.schema.json"),
    customer: get("customer.schema.json"),
    error: get("error.schema.json"),
  };
}

// Elapsed ns of the main thread's loop. Not process.cpuUsage(): that also counts V8's background
// threads (concurrent GC and compilation), which would make ajv look slower than it runs.
function nowNs() {
  return Number(process.hrtime.bigint());
}

// ns per call of fn: batches of about 0.2 s, the median of 5 after a warm-up batch.
function time(fn) {
  let iterations = 1;
  for (;;) {
    const start = nowNs();
    for (let i = 0; i < iterations; i++) fn();
    if (nowNs() - start > 2e7) break;
    iterations *= 2;
  }
  iterations = Math.max(1, Math.round(iterations * 10));
  const samples = [];
  for (let round = 0; round < 6; round++) {
    const start = nowNs();
    for (let i = 0; i < iterations; i++) fn();
    const ns = (nowNs() - start) / iterations;
    if (round > 0) samples.push(ns);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

function micro(payloadDir) {
  const v = validators();
  for (const file of fs.readdirSync(payloadDir).filter((f) => f.endsWith(".json") && !f.endsWith(".broken.json")).sort()) {
    const name = file.slice(0, -".json".length);
    const text = fs.readFileSync(path.join(payloadDir, file), "utf8");
    const broken = fs.readFileSync(path.join(payloadDir, name + ".broken.json"), "utf8");
    const target = fs.readFileSync(path.join(payloadDir, name + ".target"), "utf8").trim();
    const validate = v[target];
    if (!validate(JSON.parse(text))) throw new Error(name + ": ajv says the payload is invalid: " + JSON.stringify(validate.errors));
    if (validate(JSON.parse(broken))) throw new Error(name + ": ajv says the broken payload is valid");
    let sink = 0;
    const parseOnly = time(() => { sink += JSON.parse(text) ? 1 : 0; });
    const parseValidate = time(() => { if (validate(JSON.parse(text))) sink++; });
    // The checksum keeps the loops' results alive (it is not a time).
    console.log(JSON.stringify({ payload: name, "JSON.parse": parseOnly, "JSON.parse + ajv": parseValidate, checksum: String(sink) }));
  }
}

function jsonl(target, file) {
  const validate = validators()[target];
  const lines = fs.readFileSync(file, "utf8").split("\n");
  let invalid = 0;
  const out = [];
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    let ok = false;
    try {
      ok = validate(JSON.parse(line));
    } catch (e) {
      ok = false;
    }
    if (!ok) {
      invalid++;
      out.push(file + ":" + (i + 1) + ": invalid");
    }
  });
  if (out.length) console.log(out.join("\n"));
  process.exitCode = invalid ? 1 : 0;
}

if (mode === "micro") micro(rest[0]);
else if (mode === "jsonl") jsonl(rest[0], rest[1]);
else {
  console.error("usage: node bench.js micro SCHEMA_DIR ISO_DIR PAYLOAD_DIR | jsonl SCHEMA_DIR ISO_DIR TARGET FILE");
  process.exitCode = 2;
}
