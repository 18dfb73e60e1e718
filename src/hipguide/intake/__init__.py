"""Step 1 of the pipeline, file -> intake: the intake contract, safe YAML
reading with positions, and turning command-line paths into intake records."""
