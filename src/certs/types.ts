// Plain data shared by the SAN check: parsed certificates and keys, what was observed on
// nodes and endpoints, and the problems found. Everything here serialises to JSON as is.

/** One X.509 certificate, reduced to what the check compares. */
export interface CertInfo {
  /** Where it came from, for messages: a file path (with `#n` for the n-th in a chain) or an endpoint. */
  source: string;
  subject: string;
  /** The subject's common name, if any. */
  commonName?: string;
  issuer: string;
  serial: string;
  /** ISO 8601. */
  notBefore: string;
  notAfter: string;
  dnsNames: string[];
  /** IP SANs, written the way Go's `net.IP.String()` writes them. */
  ipAddresses: string[];
  /** Whether the certificate has a subjectAltName extension at all (Go's legacy-CN message needs it). */
  hasSanExtension: boolean;
  isCA: boolean;
  /** SHA-256 of the DER certificate, colon-separated upper-case hex like `openssl x509 -fingerprint -sha256`. */
  fingerprint256: string;
  /** SHA-256 of the DER SubjectPublicKeyInfo: equal for a certificate and its private key. */
  publicKeyFingerprint256: string;
  /** Identity of the subject and issuer names (hash of their DER), to link a chain without trusting it. */
  subjectId: string;
  issuerId: string;
  subjectKeyId?: string;
  authorityKeyId?: string;
  /** The certificate itself, base64 DER (signature checks need it). */
  derBase64: string;
}

/** A private key, reduced to the public half it belongs to. */
export interface KeyInfo {
  source: string;
  /** `pkcs1` (`BEGIN RSA PRIVATE KEY`), `pkcs8` (`BEGIN PRIVATE KEY`), `sec1` (`BEGIN EC PRIVATE KEY`). */
  format: 'pkcs1' | 'pkcs8' | 'sec1';
  algorithm: string;
  publicKeyFingerprint256: string;
}

/** A file read from a node (or given on the command line), parsed or with the reason it could not be. */
export interface FileObservation<T> {
  path: string;
  /** False when the file does not exist. */
  exists: boolean;
  value?: T;
  /** Why it could not be read or parsed, in plain words. */
  error?: string;
}

/** What kube-apiserver on one node is configured with, and what is in its cert dir. */
export interface ApiserverConfig {
  /** Where the flags came from: `systemctl cat kube-apiserver`, `/proc/<pid>/cmdline`, or `options`. */
  flagsSource: string;
  /** The flags as parsed (name without dashes → value), for the report. */
  flags: Record<string, string>;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  clientCaFile?: string;
  certDir: string;
  securePort: number;
  bindAddress?: string;
  advertiseAddress?: string;
  /** Both running and in the unit, and the TLS flags differ: the unit was changed but not applied. */
  unitDiffersFromProcess?: { unit: Record<string, string | undefined>; process: Record<string, string | undefined> };
}

export interface NodeFiles {
  config?: ApiserverConfig;
  /** Why the configuration could not be found. */
  configError?: string;
  certFile?: FileObservation<CertInfo[]>;
  keyFile?: FileObservation<KeyInfo>;
  caFile?: FileObservation<CertInfo[]>;
  certDirCert?: FileObservation<CertInfo[]>;
  certDirKey?: FileObservation<KeyInfo>;
  /** Names in the cert dir (`ls`), when it could be listed. */
  certDirListing?: string[];
}

export type ProbeErrorKind = 'refused' | 'timeout' | 'unreachable' | 'dns' | 'tls' | 'no-certificate' | 'probe-failed';

/** One endpoint clients use and what it served. */
export interface EndpointObservation {
  /** `host:port` as clients write it. */
  endpoint: string;
  host: string;
  port: number;
  /** SNI sent (absent for IP addresses, as Go and OpenSSL clients do). */
  sni?: string;
  /** The node the connection was made from, for loopback endpoints probed inside a node. */
  via?: string;
  /** The node this endpoint belongs to; absent for shared endpoints (VIP, DNS names). */
  node?: string;
  /** Shared endpoint that load-balances over the nodes (a VIP or its DNS name). */
  shared?: boolean;
  /** Names clients use for this endpoint, checked against the served certificate's SANs. */
  names: string[];
  /** Served chain, leaf first. */
  chain?: CertInfo[];
  error?: { kind: ProbeErrorKind; message: string };
}

export type ProblemCode =
  | 'serves-cert-dir-pair'
  | 'serves-other-certificate'
  | 'unit-not-applied'
  | 'name-missing'
  | 'unknown-ca'
  | 'expired'
  | 'not-yet-valid'
  | 'key-mismatch'
  | 'different-cas'
  | 'unreachable'
  | 'file-unreadable'
  | 'no-tls-flags'
  | 'cert-dir-half-pair'
  | 'config-not-found';

export interface Problem {
  code: ProblemCode;
  node?: string;
  endpoint?: string;
  /** One line, plain words. */
  title: string;
  /** The explanation: what is happening and why. */
  detail: string;
  /** What to do. */
  fix: string;
  /** For a failing client name: the exact error a Go client (kubectl) prints. */
  clientError?: string;
  name?: string;
}

/** One row of the per-node, per-endpoint table. */
export interface EndpointResult {
  endpoint: string;
  node?: string;
  via?: string;
  sni?: string;
  /** Fingerprint of the served leaf. */
  fingerprint256?: string;
  /** What the served leaf is: the configured file, the cert dir pair, or unknown. */
  servedFrom?: 'configured' | 'cert-dir' | 'unknown';
  sans: string[];
  namesOk: string[];
  namesMissing: string[];
  error?: string;
  ok: boolean;
}

export interface CheckReport {
  ok: boolean;
  /** ISO time the check was made against. */
  now: string;
  /** Source of the CA the chain was checked against, if any. */
  ca?: string;
  nodes: { node: string; files: NodeFiles; endpoints: EndpointResult[] }[];
  shared: EndpointResult[];
  problems: Problem[];
}
