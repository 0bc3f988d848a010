// The practice lab's public face: life cycle, status, scenarios and its configuration.
export { labUp, labDown, labReset, labStatus, stopNode, type LabStatus, type NodeStatus } from './lab.js';
export { labConfig, defaultLabDir, NODE_BIN_DIR, type LabConfig, type LabNodeSpec } from './config.js';
export { LabError } from './errors.js';
export { stderrProgress, silentProgress, type Progress } from './progress.js';
export { readState, type LabState } from './state.js';
export { applyScenario, SCENARIOS, staleCertDropIn } from './scenarios.js';
export { IMAGE_PACKAGES, IMAGE_VERSION } from './image.js';
export { DOUBLES } from './bindir.js';
