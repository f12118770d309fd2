"""The SDMX-style REST API: ``/data``, ``/structure``, ``/datasets`` (routers mounted by ``publish.app``)."""
