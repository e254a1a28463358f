// ESM: import the package by name, build a token, look it up.
import { startLink, encodeToken } from 'break-glass';

const store = startLink();
const token = await store.buildAndStore();
const result = store.lookup(token);
await store.stop();
process.stdout.write(JSON.stringify({ ok: result.ok, length: encodeToken(token).length }));
