// CommonJS: require the package, build a token, look it up.
const { startLink, encodeToken } = require('break-glass');

(async () => {
  const store = startLink();
  const token = await store.buildAndStore();
  const result = store.lookup(token);
  await store.stop();
  process.stdout.write(JSON.stringify({ ok: result.ok, length: encodeToken(token).length }));
})();
