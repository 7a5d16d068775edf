"""The demo ecosystem (composition layer, like `app.py` and `cli.py`): real open data loaded by
calling each room's public functions. `files.py` names the data files (`data/`), `load.py`
loads them; `bioatlas demo load` (and `make run`) runs it."""
