"""Batch analysis of whole folders: resumable, audited, on this machine or a Ray cluster.

- :mod:`core.batch.inputs`: which files, and the relative paths their outputs mirror;
- :mod:`core.batch.task`: one video as a worker analyses it;
- :mod:`core.batch.local` / :mod:`core.batch.cluster`: where the tasks run;
- :mod:`core.batch.outputs`: result files, "finished" and summary rows;
- :mod:`core.batch.summary`: summary.csv / .json / .html;
- :mod:`core.batch.run`: the job that ties them together (:func:`run_batch`).
"""
