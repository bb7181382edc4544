import type { Problem } from './problem.ts';

/**
 * A door's refusal that has no hub code of its own (415 unsupported media type, 422 mapping failure,
 * 405): thrown where it is found, answered as its problem document by the door. Refusals that do
 * have a hub code are HubErrors, as everywhere else.
 */
export class DoorRefusal extends Error {
  override readonly name = 'DoorRefusal';
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail ?? problem.title);
    this.problem = problem;
  }
}

export const isDoorRefusal = (error: unknown): error is DoorRefusal => error instanceof DoorRefusal;
