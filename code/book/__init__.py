"""The book's own tooling: diagrams, slides, the proofs page, link and browser checks."""
