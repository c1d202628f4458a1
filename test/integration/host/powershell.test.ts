import os from 'node:os';
import path from 'node:path';
import { hostContract } from '../../helpers/host-contract';
import { simulatorHarness } from '../../helpers/host-harness';

// Real pwsh (test/helpers/pwsh.ts pwshPath()) against the simulated Windows server. No skip: a missing pwsh fails.
process.env.AVB_CANARY = path.join(os.tmpdir(), `avb-canary-ps-${process.pid}`);
hostContract('PowerShell bridge over the simulated server', simulatorHarness);
