"""The one error type that configuration problems raise."""


class ConfigError(Exception):
    """A setting has a value Forecourt cannot use.

    The message is one line that names the setting, where its value came from and what is
    accepted, because it is what an operator sees when the portal refuses to start.
    """

    def __init__(self, setting: str, source: str, problem: str, value: object = None) -> None:
        self.setting = setting
        self.source = source
        self.problem = problem
        self.value = value
        shown = "" if value is None else f" = {value!r}"
        super().__init__(f"{setting}{shown} (from {source}): {problem}")
