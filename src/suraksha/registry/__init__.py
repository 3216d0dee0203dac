"""National sex-offender registry (NDSO): name normalisation, linkage, search."""
