"""The bottom layer: what every pipeline step shares and nothing above it
owns — problems and their locations, text escaping, the intake contract's
schema types, safe YAML reading with positions, file reading and decoding,
the terminal width, worker processes and the version.  It imports nothing
else of hipguide's."""
