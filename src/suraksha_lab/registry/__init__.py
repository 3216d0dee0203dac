"""The offender registry's lab: a synthetic registry with ground truth (synth, variants, states) and the
pairwise evaluation of dedupe against Splink (evaluate)."""
