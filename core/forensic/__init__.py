"""The forensic record, apart from the engine: hashing the evidence and checking it is unchanged
(``hashing``, ``integrity``), the append-only audit log (``audit``), the steps that make an
analysis a record (``record``), provenance in each result (``provenance``), cases (``case``),
re-running an analysis to verify it (``verify``), writes that never leave half a file
(``atomic``) and the guard that keeps the app offline (``offline``).

The engine (``core.analysis`` and below) computes scores and knows none of this; the jobs that
make an analysis evidence (``core.analyse_evidence``) call both.
"""
