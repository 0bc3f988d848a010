// React picks its development or production build when it is first loaded, from NODE_ENV.
// The development build is several times slower (and logs timings), so unless someone asked
// for a mode, the TUI runs the production one. Imported first by index.ts, before react.
process.env['NODE_ENV'] ??= 'production';
export {};
