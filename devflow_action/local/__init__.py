"""The local adapter: the contributor's or maintainer's git repository and shell (``devflow init``,
``devflow check``, ``devflow pr-body``). Nothing here touches the network: git is never asked to fetch."""
