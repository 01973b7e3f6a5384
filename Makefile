.PHONY: up test install lint bench-consume schemas

up:  ## install and start broker, database, services and a simulated day
	scripts/up.sh

test:  ## install and run linters, type checks and the full test suite
	scripts/test.sh

install:
	scripts/install.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy

schemas:
	.venv/bin/kulkuri schemas write

bench-consume:
	.venv/bin/python bench/consume.py
