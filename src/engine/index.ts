// The engine's public face: drive a Plan over its nodes, with no UI knowledge.
//
//   const engine = createEngine({ plan, connect, autoApprove: false, nodeVars, sanCheck, meta });
//   const off = engine.subscribe((event) => store.apply(event));   // every LockstepEvent
//   const end = engine.run();          // connects all nodes, then waits or runs steps
//   engine.dispatch({ kind: 'next' }); // any OperatorIntent, at any time
//   await end;                         // 'completed' | 'failed' | 'aborted' | 'interrupted'
//
// Intents: next / approve(step) run the step at the cursor; run-to-gate runs steps until one
// with a gate has passed; pause stops before the next block (running blocks finish), resume
// goes on; skip(step) skips the step at the cursor (or marks a later one); retry(step) reruns
// a failed (or earlier) step; rollback(toStep) undoes every step that ran, from the latest back
// to toStep, in reverse order (rollback blocks, then files restored); goto(step) moves the
// cursor; interrupt sends Ctrl-C to the running block on all nodes (the step fails); input
// writes bytes to the given panes (broadcast); resize resizes PTYs; accept-host-key answers a
// connector's askHostKey; quit ends the session.
//
// The engine announces when it waits for the operator with `engine.waiting` (reason approval,
// failed, paused or gate). With autoApprove it runs every step and, by default, ends the
// session at the first failure (stopOnFailure).
export { createEngine, findStep, type ConnectContext, type Connector, type Engine, type EngineOptions, type SessionEnd } from './engine.js';
export { detectDivergence, canonicalize, type DivergenceReport, type NodeIdentity, type NodeOutput } from './divergence.js';
export { lastLines, plainText } from './terminal-text.js';
export { answerToIntent, exitCodeFor, HeadlessFormatter, runHeadless, type HeadlessOptions } from './headless/index.js';
