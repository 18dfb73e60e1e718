"""The knowledge base: loading and checking rules/ and knowledge/, the rule
condition language (parsing and its one plain evaluator), the experta fact
types, and the compiler that turns rules into experta rules."""
