"""ModelArts training (``/v2/{project_id}/...``): flavors, engines, algorithms and training jobs.

- ``routes.py`` -> ``handlers.py`` (HTTP to domain calls) -> the domain; ``errors.py`` (the ModelArts error
  catalogue, ``{"error_code", "error_msg"}``); ``access.py`` (who may act in a project).
- Catalog and algorithms: ``catalog.py``, ``algorithms.py`` (stored by ``algorithm_store.py``),
  ``validation.py`` (body checks shared with jobs).
- Training jobs: ``job_requests.py`` (create-body checks and expansion) -> ``jobs.py`` (the service) over
  ``job_model.py`` (the typed job), ``job_store.py`` (SQLite), ``job_search.py`` (search bodies),
  ``phases.py`` (the phase machine as data) and ``phase_machine.py`` (applying it); ``job_outputs.py``
  (tasks, logs, metrics, events); ``housekeeping.py`` (the ticker's work, purges).
- Running: ``execution.py`` (the executor protocol), ``simulated.py``, ``local_executor.py``,
  ``launches.py`` and ``runner.py`` (local processes).
- ``injected_outcomes.py``: fault injection's failing jobs.
"""
