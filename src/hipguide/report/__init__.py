"""The report: its format-neutral model, and the renderers (text, json, jsonl,
yaml, csv, the HTML handout) with atomic output."""
