// Session state: the event types, the pure reducer, the store fed by an event source, selectors.
export * from './events.js';
export * from './session-state.js';
export { reduce, reduceAll } from './reducer.js';
export { createSessionStore, type SessionStore, type SessionStoreOptions, type EventSourceLike } from './store.js';
export * from './selectors.js';
