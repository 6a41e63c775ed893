// The peer's side of bench/peer.py: PouchDB 9 (in Node) replicating with pouchdb-server.
//
//   node peer.mjs <server url> <records.json> <pushes.json> <empty syncs>
//
// records.json: the documents of one worker's scope (the very records Doorstep's pull gave
// the benchmark's phone, one document each); pushes.json: the check-ins the phone pushes.
// Prints one line of JSON with the figures (seconds and milliseconds).
import { readFileSync } from "node:fs";
import PouchDB from "pouchdb-core";
import HttpAdapter from "pouchdb-adapter-http";
import MemoryAdapter from "pouchdb-adapter-memory";
import Replication from "pouchdb-replication";

PouchDB.plugin(HttpAdapter).plugin(MemoryAdapter).plugin(Replication);

const [server, recordsFile, pushesFile, emptyArg] = process.argv.slice(2);
const records = JSON.parse(readFileSync(recordsFile, "utf8"));
const pushes = JSON.parse(readFileSync(pushesFile, "utf8"));
const emptySyncs = Number(emptyArg);
const PAGE = 1000; // the phone's pull page in Doorstep's run
const PUSH_BATCH = 500; // the phone's push batch in Doorstep's run

const remote = new PouchDB(`${server}/scope`);
// The scope is loaded into the server beforehand (not timed), in batches.
for (let start = 0; start < records.length; start += PAGE) {
  await remote.bulkDocs(records.slice(start, start + PAGE));
}

const seconds = (started) => Number(process.hrtime.bigint() - started) / 1e9;
const figures = { records: records.length, pushes: pushes.length };

// (a) A new phone's first sync: every document of the scope, into a fresh local database.
const phone = new PouchDB(`phone-${Date.now()}`, { adapter: "memory" });
let started = process.hrtime.bigint();
const pulled = await PouchDB.replicate(remote, phone, { batch_size: PAGE, batches_limit: 1 });
figures.initial_s = seconds(started);
figures.initial_records = pulled.docs_written;

// (b) The phone's new documents pushed, in batches of 500.
await phone.bulkDocs(pushes); // written locally first, as the phone records them (not timed)
started = process.hrtime.bigint();
const pushed = await PouchDB.replicate(phone, remote, {
  batch_size: PUSH_BATCH,
  batches_limit: 1,
});
figures.push_s = seconds(started);
figures.pushed = pushed.docs_written;
figures.push_rate = pushed.docs_written / figures.push_s;
await PouchDB.replicate(remote, phone, { batch_size: PAGE }); // caught up both ways

// (c) A sync when nothing has changed on either side: both directions, as PouchDB's sync.
const timings = [];
for (let n = 0; n < emptySyncs; n += 1) {
  started = process.hrtime.bigint();
  await PouchDB.sync(phone, remote, { batch_size: PAGE });
  timings.push(seconds(started) * 1000);
}
timings.sort((a, b) => a - b);
figures.empty_p50_ms = timings[Math.floor(timings.length / 2)];
figures.empty_p99_ms = timings[Math.max(0, Math.ceil(timings.length * 0.99) - 1)];
console.log(JSON.stringify(figures));
