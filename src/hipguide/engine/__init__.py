"""Step 4 of the pipeline, intake -> report model: the rules compiled to
experta (compiler, facts and the experta patches), the assessor that runs
them, the staged plan, and the report model with its wording for the reader.
Every decision in a report is made here, by experta rules."""
