# Makes `tests` a package so test modules can import `from tests.transformers_common import ...` however pytest is
# started (pytest puts the repository root on sys.path for packages in the default "prepend" import mode).
