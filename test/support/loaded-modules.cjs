// Preloaded with `node --require` by cli.test.ts: at exit, prints to stderr the CommonJS modules the
// process loaded (the service's dependencies are all CommonJS packages).
process.on('exit', () => process.stderr.write(`loaded: ${JSON.stringify(Object.keys(require.cache))}\n`));
