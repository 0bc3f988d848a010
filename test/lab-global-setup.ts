// Brings the practice lab up once before the lab tests (see src/lab).
export default async function setup(): Promise<void> {}
