import type { Stage } from '../session/session.js';

export const stageTitles: Record<Stage, string> = {
  model: 'Model',
  steer: 'Steer',
  search: 'Search',
  backsample: 'Backsample',
  recover: 'Recover',
  verify: 'Verify',
  export: 'Export',
};
