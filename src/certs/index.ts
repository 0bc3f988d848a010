// The SAN check: why clients reject the API server's certificate. Pure comparison and
// diagnosis over parsed certificates, plus the edges that read them (TLS prober, node inspector).
export * from './types.js';
export { parseIp, formatIp } from './ip.js';
export { matchesName, hostnameError, nameKind, TLS_VERIFY_PREFIX } from './hostname.js';
export { CertParseError, parseCertificateDer, parseCertificatesPem, parsePrivateKeyPem, colonHex } from './parse.js';
export { checkValidity, verifyChain, goClientError, isSignedBy, type ChainResult, type ValidityState } from './verify.js';
export { selfGeneratedHost, describeSans, DEFAULT_CERT_DIR, CERT_DIR_CERT, CERT_DIR_KEY } from './self-signed.js';
export { diagnose, type DiagnoseInput, type NodeInput } from './diagnose.js';
export { splitWords, execStartArgv, cmdlineArgv, parseFlags, configFromFlags } from './flags.js';
export { probeTls, type ProbeOptions, type ProbeResult } from './tls-probe.js';
export { inspectNode, probeViaNode, readApiserverConfig, readCertFile, readKeyFile, type NodeAccess, type InspectOptions } from './node-inspect.js';
export { checkCluster, checkFiles, parseEndpoint, type ClusterNode, type ClusterCheckOptions } from './check.js';
export { renderText, renderJson, summarize } from './render.js';
export { parseSanCheckOptions, runSanCheck, type SanCheckOptions, type SanCheckResult } from './gate.js';
