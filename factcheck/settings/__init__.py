"""Settings package: ``base`` (shared), ``local`` (make run), ``production``, ``test``."""
