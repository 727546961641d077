"""Start the Binder environment's install in the background as soon as the run is collected.

``pip install -r binder/requirements.txt`` into a fresh venv takes one to two minutes, mostly
waiting on pip; started here, it overlaps the other tests instead of adding to the run. The
test in test_binder.py waits for it and then checks the result.
"""

from __future__ import annotations

import pytest

from .binder_env import BinderInstall

BINDER_TEST = "test_binder_requirements_install_and_tour_runs"


INSTALL_KEY = pytest.StashKey[BinderInstall]()


@pytest.hookimpl(trylast=True)  # after -m / -k deselection: only when the test will run
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if any(item.name == BINDER_TEST for item in items) and INSTALL_KEY not in config.stash:
        config.stash[INSTALL_KEY] = BinderInstall.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    install = config.stash.get(INSTALL_KEY, None)
    if install is not None:
        install.stop()


@pytest.fixture
def binder_install(request: pytest.FixtureRequest) -> BinderInstall:
    install = request.config.stash.get(INSTALL_KEY, None)
    if install is None:  # collected some other way: start it now
        install = request.config.stash[INSTALL_KEY] = BinderInstall.start()
    return install
