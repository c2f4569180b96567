from tests.transformers_common import register_pytest_markers


def pytest_configure(config):
    # markers used by transformers' common test mixins (the project runs pytest with --strict-markers)
    register_pytest_markers(config)
