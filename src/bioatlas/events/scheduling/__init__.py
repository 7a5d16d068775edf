"""The B2B meeting scheduler: a pure module (no database): `problem` (the data), `dzn` (the
benchmark format of Bofill et al.), `solver` (the solving phases, OR-Tools CP-SAT) with `checks`,
`model`, `diagnose`, `runner`, `greedy`."""
