import { planAvimarkTree } from './avimark-profile';
import { type DatasetProfile, type TreeOptions, type TreePlan, planTree } from './profile';

/** The plan of a data set in either profile (docs/bench.md). */
export function planDataset(options: TreeOptions & { profile: DatasetProfile }): TreePlan {
  return options.profile === 'avimark' ? planAvimarkTree(options) : planTree(options);
}

/** Which profile generated a tree, from its paths (only the `avimark` profile has these). */
export function detectProfile(paths: Iterable<string>): DatasetProfile {
  for (const p of paths) if (p.startsWith('Images/') || p === 'AVImarkGuardian.exe') return 'avimark';
  return 'uniform';
}
