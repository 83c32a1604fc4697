pytest_plugins = ["tests.ghserver.fixtures"]
