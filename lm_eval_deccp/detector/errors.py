"""The detector's own exception, in a module of its own so that every detector module can raise it without
importing the others (api imports embeddings, so embeddings cannot import api)."""


class DetectorUnavailable(RuntimeError):
    """No trained artifact matches the requested backend, the artifact and backend disagree, or a backend's encoder
    is not installed; the message says what to do."""
