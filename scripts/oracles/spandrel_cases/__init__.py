"""One module per architecture family; each registers its cases with ``make_spandrel_fixtures.case``."""
