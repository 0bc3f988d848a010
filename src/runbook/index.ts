// The runbook module's public face: Markdown runbooks → typed model → validated → Plan.
export type * from './types.js';
export type * from './plan-types.js';
export { parseRunbook } from './parse.js';
export { loadRunbooks, readRunbook } from './load.js';
export { validateRunbooks } from './validate.js';
export { buildPlan, type PlanOptions } from './plan.js';
export { orderRunbooks } from './order.js';
export { resolveTargets, effectiveSelector, unknownTargets } from './targets.js';
export { renderText, variableValue, type RenderContext, type RenderMode } from './render.js';
export { scanExpressions, type Expr } from './expressions.js';
export { parseDuration, formatDuration } from './durations.js';
export { slugify } from './slug.js';
export { sortDiagnostics, hasErrors } from './diagnostics.js';
export { parseYaml, type YamlSource } from './yaml-source.js';
export { varScope, type VarScope } from './scope.js';
export { formatPlan } from './plan-text.js';
