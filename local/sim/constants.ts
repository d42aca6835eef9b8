/** The CI budget of the simulation (docs/simulation.md): these seeds, this many steps each. */
export const CI_SEEDS: readonly number[] = [1, 2, 3, 4];
export const CI_STEPS = 1_500;
