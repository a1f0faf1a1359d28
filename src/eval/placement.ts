/**
 * Where a candidate trigger goes in a user turn: before the request, after it, or into a template.
 * Shared by the attacks (GCG optimises a string at this place) and by evaluation (ASR places it here).
 */

export type Placement = 'prefix' | 'suffix' | { template: string };

/** The user turn with `optim` placed into `prompt`. */
export function placeOptim(prompt: string, optim: string, placement: Placement): string {
  if (placement === 'prefix') return `${optim} ${prompt}`;
  if (placement === 'suffix') return `${prompt}${optim.startsWith(' ') ? '' : ' '}${optim}`;
  return placement.template.replaceAll('{prompt}', prompt).replace('{optim}', optim);
}
