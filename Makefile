# One command for each thing a developer does. Every target sets up what it needs first.
.PHONY: setup demo test lint bench mutation screenshots words apk clean

setup:
	bash scripts/setup.sh

demo: setup
	.venv/bin/python -m server run --demo

test: setup
	bash scripts/ensure-postgres.sh
	.venv/bin/ruff check server shared mobile tests bench testbed
	.venv/bin/python -m pytest

lint: setup
	.venv/bin/ruff check server shared mobile tests bench testbed
	.venv/bin/ruff format --check server shared mobile tests bench testbed

bench: setup
	bash scripts/ensure-postgres.sh
	.venv/bin/python -m bench.sync
	.venv/bin/python -m bench.peer --write
	.venv/bin/python -m bench.app
	.venv/bin/python -m bench.phone_memory --write
	.venv/bin/python -m bench.photos
	.venv/bin/python -m bench.hotpath
	.venv/bin/python -m bench.replica --write-docs
	.venv/bin/python -m bench.load --database postgresql --phones 1000 --in-flight 64 --seconds 60 --write-docs
	.venv/bin/python -m bench.load --database sqlite --phones 1000 --in-flight 16 --seconds 60 --write-docs

# Mutation testing of the rules, one module at a time with its fast tests (minutes of CPU each;
# not in CI). Scores and the surviving mutants: docs/testing.md.
mutation: setup
	.venv/bin/python -m pip install -q -e '.[mutation]'
	nice -n 10 .venv/bin/python scripts/mutation.py

# The words' catalogues: shared/locale/<lang>/LC_MESSAGES/doorstep.po → .mo. The server and
# the desktop app compile the .po in memory; the Android build packs these .mo (not in git).
words: setup
	.venv/bin/pybabel compile -d shared/locale -D doorstep --statistics

# The Android package (needs buildozer with the Android SDK and NDK: docs/app.md).
apk: words
	buildozer android debug

clean:
	rm -rf .venv var .pytest_cache .hypothesis .kivy
