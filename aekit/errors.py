"""The exceptions aekit raises for problems a user can fix.

Every user-facing failure derives from :class:`AekitError`, so the command line can turn
all of them into one line on stderr and exit status 2 with a single handler. They also
derive from the built-in type a Python user would expect (``ValueError``,
``FileNotFoundError``), so ``except ValueError`` keeps working as in scikit-learn.
"""


class AekitError(Exception):
    """Base class of every error caused by the user's input, files or settings."""


class InputError(AekitError, ValueError):
    """The data handed to an estimator is unusable (NaN, wrong shape, strings, ...)."""


class DataError(AekitError, ValueError):
    """A data file, folder or named dataset could not be read as asked."""


class MissingDataError(DataError, FileNotFoundError):
    """A path does not exist, or an optional data source is not installed."""


class ModelFileError(AekitError, ValueError):
    """A saved model folder is missing, corrupt, tampered with or of another version."""


class ConfigError(AekitError, ValueError):
    """A hyper-parameter has a value that is not allowed."""


class TrainingError(AekitError, RuntimeError):
    """Training diverged (the loss became NaN or infinite)."""


class OutputError(AekitError, OSError):
    """An output cannot be written: the disk is full, a file size limit or quota is
    reached, or the folder is read-only. Files already there are left as they were."""
