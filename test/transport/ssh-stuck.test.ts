// A node that lets us log in but never gets a session going (here: an SFTP server that never
// answers, like a node out of processes or still booting) must fail with its name, in bounded
// time, instead of hanging the run.

import { afterAll, beforeAll, expect, test } from 'vitest';
import { connectSsh } from '../../src/transport/index.js';
import { startSshd, type SshdFixture } from './sshd-fixture.js';

let sshd: SshdFixture;
beforeAll(async () => {
  sshd = await startSshd({ sftpSubsystem: '/bin/sleep 600' });
});
afterAll(async () => {
  await sshd?.stop();
});

test('a node whose SFTP channel never answers fails with its name within the channel limit', async () => {
  const t0 = Date.now();
  await expect(
    connectSsh(sshd.node({ name: 'stuck-node' }), { knownHostsFile: sshd.knownHostsFile, agent: null, channelTimeoutMs: 1500 }),
  ).rejects.toThrow(/^stuck-node: cannot start the pane: opening the SFTP channel did not complete within 1\.5 s/);
  expect(Date.now() - t0).toBeLessThan(6000);
  // The connection was ended: no sshd session process is left behind for it.
  await new Promise((r) => setTimeout(r, 500));
  expect(sshd.connectionPids()).toEqual([]);
});
