import type { Stage } from '../session/session.js';

export const stageTitles: Record<Stage, string> = {
  model: 'Model',
  steer: 'Steer',
  search: 'Search',
  backsample: 'Backsample',
  verify: 'Verify',
  export: 'Export',
};
