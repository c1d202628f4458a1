import type { Campaign } from '../lib/util';
import { crashEngineCampaign } from './crash-engine';
import { crashLockoutCampaign } from './crash-lockout';
import { faultCampaign } from './faults';
import { badInputCampaign } from './bad-input';
import { securityCampaign } from './security';

export const campaigns: Array<{ name: string; run: Campaign }> = [
  { name: 'crash-engine', run: crashEngineCampaign },
  { name: 'crash-lockout', run: crashLockoutCampaign },
  { name: 'faults', run: faultCampaign },
  { name: 'bad-input', run: badInputCampaign },
  { name: 'security', run: securityCampaign },
];
